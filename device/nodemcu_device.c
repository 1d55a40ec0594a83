/*
** nodemcu_device.c - the emulated NodeMCU board (lfs-device --client lua),
** either port: power-on, the firmware's early boot (the port's LFS checks),
** the 5.3 port's LFS load at boot, the console reload, and the boots in a
** row (nodemcu_vm.c runs each); see nodemcu_device.h.
**
** Choices where nodemcu-api.md §13 leaves a question open (the harsher one):
**  Q2  after a failed LFS load at boot (5.3) neither init.lua nor the UART
**      interpreter runs until the next reset: this run ends;
**  Q9  RTC memory does not survive power loss (garbage at power-on);
**  Q1  a 5.1 PANIC or reload spins until the software watchdog (ext 3).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flash.h"
#include "install.h"
#include "nodemcu_boot.h"
#include "nodemcu_device.h"
#include "nodemcu_reload51.h"
#include "platform.h"
#include "verify.h"

#define MAX_BOOTS 10000   /* per run: beyond this a reset loop is a fault */

struct device {
	const struct agent_config *cfg;    /* borrowed */
	const struct nodemcu_port *port;
	enum lfsc_target target;           /* the port's images */
	struct flash *fl;
	struct spiffs fs;
	struct nodemcu_rtc rtc;
	struct nodemcu_rcr rcr;
	int64_t end_ms;                    /* platform_ms() of --run-for's end, 0 = none */
};

/* The 5.1 port's early boot (lflash.c luaN_init, lfs-format.md §B4 step 4):
** the signature first ("No LFS image loaded", "Flash sig not correct: ..." -
** an interrupted load's in-progress bit ends here), then the sizes and the
** structure (the compiler's 5.1 flash reader); an image that fails is
** reported and not used - the port never erases at boot. */
static int adopt51(struct device *d, struct nodemcu_vm *vm, uint8_t *part,
		   struct dev_error *err)
{
	struct lfsc_error lerr;
	uint32_t sig = (uint32_t)part[0] | (uint32_t)part[1] << 8 | (uint32_t)part[2] << 16 |
		       (uint32_t)part[3] << 24;
	int rc;

	if (sig == 0 || sig == 0xFFFFFFFFu) {
		nodemcu_consolef(vm, "No LFS image loaded\n");
		return DEV_OK;
	}
	if ((sig & ~1u) != INSTALL51_SIG_DONE) {   /* the absolute bit is ignored */
		nodemcu_consolef(vm, "Flash sig not correct: 0x%08x vs 0x%08x\n", sig & ~1u,
				 INSTALL51_SIG_DONE);
		return DEV_OK;
	}
	memset(&lerr, 0, sizeof lerr);
	rc = lfsc_flash_open(part, flash_size(d->fl), flash_base(d->fl), LFSC_TARGET_LUA51,
			     &vm->lfs.fl, &lerr);
	if (rc == LFSC_ERR_MEM)
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	if (rc)
		nodemcu_consolef(vm, "%s\n", lerr.text);
	return DEV_OK;
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

	if ((ret = install_flag(d->fl, d->target, &word, &kind, err)))
		return ret;
	if (kind == INSTALL_VALID || d->target == LFSC_TARGET_LUA51) {
		*part = malloc(size);
		if (!*part)
			return dev_error_set(err, DEV_ERR_MEM, "out of memory");
		memset(&lerr, 0, sizeof lerr);
		if ((ret = flash_read(d->fl, 0, *part, size, err)))
			return ret;
		if (d->target == LFSC_TARGET_LUA51)
			return adopt51(d, vm, *part, err);
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

/* The event loop of one boot until it ends; the run ends at --run-for or
** when nothing is left to do. */
static void run(struct device *d, struct nodemcu_vm *vm)
{
	if (nodemcu_vm_run(vm, d->end_ms)) {
		platform_log("idle: no task, timer or connection left; switching off");
		vm->end = NODEMCU_STOP;
	} else if (!vm->end) {
		platform_log("--run-for: %ld s passed, switching off", d->cfg->nodemcu.run_for);
		vm->end = NODEMCU_STOP;
	}
}

/* One boot; *again = 1 when a reset starts another. */
static int boot(struct device *d, int *again, struct dev_error *err)
{
	struct nodemcu_vm vm;
	uint8_t *part = NULL;
	int ret, rc;

	*again = 0;
	nodemcu_vm_init(&vm, &d->cfg->nodemcu, d->cfg->data, d->port, &d->fs, &d->rtc,
			&d->rcr, d->fl);
	vm.watchdog_ms = d->cfg->watchdog_ms;
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
	if (nodemcu_vm_start(&vm) == 0 && !vm.end)
		run(d, &vm);
	nodemcu_vm_stop(&vm);
	*again = vm.end == NODEMCU_RESTART;
out:
	fflush(stdout);
	lfsc_flash_free(vm.lfs.fl);
	free(part);
	return ret;
}

/* The 5.1 port's console reload runs at once (§6): pass 1, then pass 2 and
** the watchdog reset, so the first boot of this run is a software watchdog
** one; a pass-1 error is what the console prints, the LFS is untouched. */
static void console_reload51(struct device *d, const char *name)
{
	struct lfsc_buffer layout;
	const char *msg;
	size_t used;
	char buf[256];

	lfsc_buffer_init(&layout);
	msg = reload51_check(&d->fs, name, d->fl, &layout, &used, buf, sizeof buf);
	if (!msg) {
		msg = reload51_write(d->fl, &layout, buf, sizeof buf);
		printf("%s\n", msg ? msg : "LFS region updated.  Restarting.");
		nodemcu_rtc_reset(&d->rtc, RTC_SOFT_WDT);
	} else {
		printf("%s\n", msg);
	}
	fflush(stdout);
	lfsc_buffer_release(&layout);
}

/* --reload IMAGE: as node.LFS.reload on the console before this power-on:
** the image goes into SPIFFS and, on 5.3, the reboot record (5.1: loaded at
** once). */
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
	if (d->target == LFSC_TARGET_LUA51) {
		console_reload51(d, base);
		return DEV_OK;
	}
	snprintf(d->rcr.lfs, sizeof d->rcr.lfs, "%s", base);
	return nodemcu_rcr_save(&d->rcr, err);
}

static int setup(struct device *d, const struct agent_config *c, struct dev_error *err)
{
	const struct nodemcu_config *nc = &c->nodemcu;
	char path[1100];
	int ret;

	d->cfg = c;
	d->target = c->target;
	d->port = c->target == LFSC_TARGET_LUA51 ? &nodemcu_port_51 : &nodemcu_port_53;
	snprintf(path, sizeof path, "%s/spiffs", c->data);
	if ((ret = platform_mkdir(c->data, err)) ||
	    (ret = spiffs_init(&d->fs, path, nc->spiffs_size, err)))
		return ret;
	snprintf(path, sizeof path, "%s/flash.bin", c->data);
	if ((ret = flash_open(path, c->part_size, c->base, c->power_cut_at, &d->fl, err)) ||
	    (ret = nodemcu_rtc_start(&d->rtc, c->data, !nc->reset, err)) ||
	    (ret = nodemcu_rcr_load(&d->rcr, c->data, err)))
		return ret;
	if (nc->run_for > 0)
		d->end_ms = platform_ms() + nc->run_for * 1000;
	platform_log("%s: NodeMCU %s emulation, Lua heap cap %ld (0 = none), "
		     "receive chunks %s", nc->reset ? "reset" : "power on",
		     d->port->version, nc->heap, nc->rx ? nc->rx : "1460");
	if (c->reload && (ret = console_reload(d, err)))
		return ret;
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
