/*
** nodemcu_device.c - the emulated NodeMCU board (lfs-device --client lua):
** power-on, the firmware's early boot, the 5.3 port's LFS load at boot, and
** the event loop of each boot; see nodemcu_device.h.
**
** Choices where nodemcu-api.md §13 leaves a question open (the harsher one):
**  Q2  after a failed LFS load at boot (5.3) neither init.lua nor the UART
**      interpreter runs until the next reset: this run ends;
**  Q9  RTC memory does not survive power loss (garbage at power-on);
**  Q1  a 5.1 PANIC or reload spins until the software watchdog (ext 3).
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flash.h"
#include "install.h"
#include "nodemcu_boot.h"
#include "nodemcu_device.h"
#include "platform.h"
#include "verify.h"

#define MAX_BOOTS 10000   /* per run: beyond this a reset loop is a fault */

struct device {
	const struct agent_config *cfg;    /* borrowed */
	const struct nodemcu_port *port;
	struct flash *fl;
	struct spiffs fs;
	struct nodemcu_rtc rtc;
	struct nodemcu_rcr rcr;
	int64_t end_ms;                    /* platform_ms() of --run-for's end, 0 = none */
};

void nodemcu_console(struct nodemcu_vm *vm, const char *s, size_t n)
{
	size_t i;

	fwrite(s, 1, n, stdout);
	for (i = 0; i < n; i++) {
		if (s[i] != '\n') {
			if (vm->line_len < sizeof vm->line - 1)
				vm->line[vm->line_len++] = s[i];
			continue;
		}
		vm->line[vm->line_len] = '\0';
		vm->line_len = 0;
		fflush(stdout);
		if (vm->cfg->until && strstr(vm->line, vm->cfg->until) && !vm->end) {
			platform_log("--until: the console printed \"%s\"", vm->cfg->until);
			vm->end = NODEMCU_STOP;
		}
	}
}

void nodemcu_consolef(struct nodemcu_vm *vm, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	nodemcu_console(vm, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void nodemcu_vm_reset_now(struct nodemcu_vm *vm, enum rtc_reset why)
{
	if (vm->end)
		return;
	vm->end = NODEMCU_RESTART;
	vm->reset_why = why;
}

void nodemcu_vm_restart_later(struct nodemcu_vm *vm)
{
	vm->restart_pending = 1;
}

static uint32_t next_random(struct nodemcu_vm *vm)
{
	uint32_t x = vm->rng ? vm->rng : 2463534242u;   /* xorshift32 */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return vm->rng = x;
}

static int rx_random(const struct nodemcu_vm *vm)
{
	return vm->cfg->rx && !strcmp(vm->cfg->rx, "random");
}

size_t nodemcu_vm_burst(struct nodemcu_vm *vm)
{
	return rx_random(vm) ? 1 + next_random(vm) % NODEMCU_TCP_WND : NODEMCU_TCP_WND;
}

size_t nodemcu_vm_chunk(struct nodemcu_vm *vm)
{
	long n;

	if (rx_random(vm))
		return 1 + next_random(vm) % NODEMCU_TCP_MSS;
	n = vm->cfg->rx ? atol(vm->cfg->rx) : NODEMCU_TCP_MSS;
	return n >= 1 && n <= NODEMCU_TCP_MSS ? (size_t)n : NODEMCU_TCP_MSS;
}

int nodemcu_vm_has(const struct nodemcu_vm *vm, const char *name)
{
	const char *m = vm->cfg->modules, *p;
	size_t n = strlen(name);

	if (!m)
		return 1;
	for (p = m; (p = strstr(p, name)); p += n)
		if ((p == m || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* Early boot (§8 step 1): a valid LFS is adopted; a header that is neither
** valid nor blank is "LFS image corrupted." and erased (§6, lnodemcu.c:531). */
static int adopt(struct device *d, struct nodemcu_vm *vm, uint8_t **part,
		 struct dev_error *err)
{
	enum install_flag kind;
	struct lfsc_error lerr;
	uint32_t word, size = flash_size(d->fl);
	int ret;

	if ((ret = install_flag(d->fl, LFSC_TARGET_LUA53, &word, &kind, err)))
		return ret;
	if (kind == INSTALL_VALID) {
		*part = malloc(size);
		if (!*part)
			return dev_error_set(err, DEV_ERR_MEM, "out of memory");
		memset(&lerr, 0, sizeof lerr);
		if ((ret = flash_read(d->fl, 0, *part, size, err)))
			return ret;
		if (!lfsc_flash_open(*part, size, flash_base(d->fl), LFSC_TARGET_LUA53,
				     &vm->lfs.fl, &lerr))
			return DEV_OK;
		kind = INSTALL_CORRUPT;
	}
	if (kind != INSTALL_EMPTY) {
		nodemcu_consolef(vm, "LFS image corrupted.\n");
		return install_clear(d->fl, err);
	}
	return DEV_OK;
}

/* The 5.3 port's load at boot (§6 step 3): the record is deleted first (one
** attempt), the LFS erased, the image loaded; on failure the error is printed
** and the LFS stays empty. Returns 0 loaded, 1 failed, or a fatal error. */
static int boot_load(struct device *d, struct nodemcu_vm *vm, struct dev_error *err)
{
	struct lfsc_buffer layout;
	struct dev_error e;
	char name[sizeof d->rcr.lfs];
	uint8_t *data = NULL;
	size_t len = 0;
	int ret;

	snprintf(name, sizeof name, "%s", d->rcr.lfs);
	d->rcr.lfs[0] = '\0';
	if ((ret = nodemcu_rcr_save(&d->rcr, err)))
		return ret;
	lfsc_buffer_init(&layout);
	dev_error_clear(&e);
	ret = 1;
	if (spiffs_read_all(&d->fs, name, &data, &len, &e))
		goto out;
	if (install_clear(d->fl, &e) ||
	    verify_image(data, len, LFSC_TARGET_LUA53, flash_base(d->fl), flash_size(d->fl),
			 &layout, &e) ||
	    install_load(d->fl, LFSC_TARGET_LUA53, layout.data, layout.len, &e))
		goto out;
	ret = 0;
out:
	if (ret)
		nodemcu_consolef(vm, "LFS load of %s failed: %s\n", name, e.text);
	free(data);
	lfsc_buffer_release(&layout);
	return ret;
}

static void vm_init(struct device *d, struct nodemcu_vm *vm)
{
	const struct nodemcu_config *nc = &d->cfg->nodemcu;

	memset(vm, 0, sizeof *vm);
	nodemcu_heap_init(&vm->heap, nc->heap > 0 ? (size_t)nc->heap : 0);
	vm->cfg = nc;
	vm->data = d->cfg->data;
	vm->fs = &d->fs;
	vm->rtc = &d->rtc;
	vm->rcr = &d->rcr;
	vm->flash = d->fl;
	vm->lfs.base = flash_base(d->fl);
	vm->lfs.size = flash_size(d->fl);
	vm->lfs.heap = &vm->heap;
	vm->port = d->port->number;
	vm->rng = nc->seed ? nc->seed : platform_random() | 1;
}

/* The event loop of one boot: one unit of work at a time (§0). */
static void run(struct device *d, struct nodemcu_vm *vm)
{
	int64_t wait;
	int rc;

	while (!vm->end) {
		if (vm->restart_pending) {   /* node.restart(): the task has returned */
			nodemcu_vm_reset_now(vm, RTC_SOFT_RESTART);
			break;
		}
		wait = 100;
		if (d->end_ms) {
			wait = d->end_ms - platform_ms();
			if (wait <= 0) {
				platform_log("--run-for: %ld s passed, switching off",
					     d->cfg->nodemcu.run_for);
				vm->end = NODEMCU_STOP;
				break;
			}
			if (wait > 100)
				wait = 100;
		}
		rc = sched_step(vm->sched, wait);
		if (rc < 0 && !vm->end && !vm->restart_pending) {
			platform_log("idle: no task, timer or connection left; switching off");
			vm->end = NODEMCU_STOP;
		}
	}
}

/* One boot; *again = 1 when a reset starts another. */
static int boot(struct device *d, int *again, struct dev_error *err)
{
	struct nodemcu_vm vm;
	uint8_t *part = NULL;
	void *state = NULL;
	int ret, rc;

	*again = 0;
	vm_init(d, &vm);
	if (sched_new(&vm.sched))
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	if ((ret = adopt(d, &vm, &part, err)))
		goto out;
	if (d->port->number == 53 && d->rcr.lfs[0]) {
		if ((rc = boot_load(d, &vm, err)) < 0) {
			ret = rc;
			goto out;
		}
		if (rc > 0) {   /* §13 Q2: Lua stays down until the next reset */
			platform_log("Lua did not start after the failed LFS load; "
				     "the board waits for a reset");
			goto out;
		}
		lfsc_flash_free(vm.lfs.fl);
		vm.lfs.fl = NULL;
		free(part);
		part = NULL;
		if ((ret = adopt(d, &vm, &part, err)))
			goto out;
	}
	if (d->port->start(&vm, &state) == 0)
		run(d, &vm);
	spiffs_reset(&d->fs);   /* unflushed SPIFFS writes are lost at any reset */
	d->port->stop(state);
	platform_log("boot ended: Lua heap peak %zu bytes (TLS charges included), cap %ld",
		     vm.heap.peak, d->cfg->nodemcu.heap);
	if (vm.end == NODEMCU_RESTART) {
		int raw, ext;
		nodemcu_rtc_reason(vm.reset_why, &raw, &ext);
		platform_log("reset (bootreason %d, %d)", raw, ext);
		nodemcu_rtc_reset(&d->rtc, vm.reset_why);
		*again = 1;
	}
out:
	fflush(stdout);
	lfsc_flash_free(vm.lfs.fl);
	sched_free(vm.sched);
	free(part);
	return ret;
}

/* --reload IMAGE: as node.LFS.reload on the console before this power-on:
** the image goes into SPIFFS and the reboot record. */
static int console_reload(struct device *d, struct dev_error *err)
{
	const char *base = strrchr(d->cfg->reload, '/');
	uint8_t *data = NULL;
	size_t len = 0;
	char path[1200];
	int ret;

	base = base ? base + 1 : d->cfg->reload;
	if (spiffs_path(&d->fs, base, path, sizeof path))
		return dev_error_set(err, DEV_ERR_USAGE, "--reload: '%s' is not a SPIFFS name "
				     "(at most 31 characters)", base);
	if ((ret = platform_read_file(d->cfg->reload, &data, &len, err)))
		return ret;
	ret = platform_write_atomic(path, data, len, err);
	free(data);
	if (ret)
		return ret;
	snprintf(d->rcr.lfs, sizeof d->rcr.lfs, "%s", base);
	return nodemcu_rcr_save(&d->rcr, err);
}

static int setup(struct device *d, const struct agent_config *c, struct dev_error *err)
{
	const struct nodemcu_config *nc = &c->nodemcu;
	char path[1100];
	int ret;

	d->cfg = c;
	if (nc->lua && strcmp(nc->lua, "5.3"))
		return dev_error_set(err, DEV_ERR_USAGE, "--lua %s: this build emulates the "
				     "5.3 port only", nc->lua);
	d->port = &nodemcu_port_53;
	snprintf(path, sizeof path, "%s/spiffs", c->data);
	if ((ret = platform_mkdir(c->data, err)) ||
	    (ret = spiffs_init(&d->fs, path, nc->spiffs_size, err)))
		return ret;
	snprintf(path, sizeof path, "%s/flash.bin", c->data);
	if ((ret = flash_open(path, c->part_size, c->base, c->power_cut_at, &d->fl, err)) ||
	    (ret = nodemcu_rtc_start(&d->rtc, c->data, !nc->reset, err)) ||
	    (ret = nodemcu_rcr_load(&d->rcr, c->data, err)))
		return ret;
	if (c->reload && (ret = console_reload(d, err)))
		return ret;
	if (nc->run_for > 0)
		d->end_ms = platform_ms() + nc->run_for * 1000;
	platform_log("%s: NodeMCU %s emulation, Lua heap cap %ld (0 = none), "
		     "receive chunks %s", nc->reset ? "reset" : "power on",
		     nc->lua ? nc->lua : "5.3", nc->heap, nc->rx ? nc->rx : "1460");
	return DEV_OK;
}

int nodemcu_device_run(const struct agent_config *c, struct dev_error *err)
{
	struct device d;
	int ret, again = 1, boots = 0;

	memset(&d, 0, sizeof d);
	if ((ret = setup(&d, c, err)))
		goto out;
	while (again) {
		if (++boots > MAX_BOOTS) {
			ret = dev_error_set(err, DEV_ERR_STATE, "reset loop: %d boots", boots);
			goto out;
		}
		if ((ret = boot(&d, &again, err)))
			goto out;
	}
out:
	spiffs_reset(&d.fs);
	flash_free(d.fl);
	return ret;
}
