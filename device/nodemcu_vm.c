/*
** nodemcu_vm.c - one boot of the emulated firmware: the console, resets,
** receive shaping, the module list, the net servers' port map, and the
** boot's life cycle (start, event loop, stop); see nodemcu_vm.h.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nodemcu_boot.h"
#include "platform.h"

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

int nodemcu_vm_host_port(const struct nodemcu_vm *vm, int port)
{
	const char *o = vm->cfg->port_offset;
	long n = o ? atol(o) : 0;

	if (port == 0 || (o && !strcmp(o, "any")))
		return 0;
	return port + n > 0 && port + n <= 65535 ? (int)(port + n) : -1;
}

void nodemcu_vm_listening(struct nodemcu_vm *vm, int port, int host)
{
	char path[1100], text[NODEMCU_MAX_SERVERS * 16] = "";
	size_t len = 0;
	int i, slot = -1;

	for (i = 0; i < NODEMCU_MAX_SERVERS; i++) {
		if (vm->servers[i][0] == port && vm->servers[i][1])
			slot = i;
		else if (slot < 0 && host && !vm->servers[i][1])
			slot = i;
	}
	if (slot < 0)
		return;
	vm->servers[slot][0] = host ? port : 0;
	vm->servers[slot][1] = host;
	if (host)
		platform_log("net: device port %d listens on 127.0.0.1:%d", port, host);
	else
		platform_log("net: device port %d closed", port);
	for (i = 0; i < NODEMCU_MAX_SERVERS; i++)
		if (vm->servers[i][1])
			len += (size_t)snprintf(text + len, sizeof text - len, "%d %d\n",
						vm->servers[i][0], vm->servers[i][1]);
	snprintf(path, sizeof path, "%s/ports", vm->data);
	platform_write_atomic(path, text, len, NULL);
}

void nodemcu_vm_init(struct nodemcu_vm *vm, const struct nodemcu_config *cfg,
		     const char *data, const struct nodemcu_port *boot, struct spiffs *fs,
		     struct nodemcu_rtc *rtc, struct nodemcu_rcr *rcr, struct flash *fl)
{
	memset(vm, 0, sizeof *vm);
	nodemcu_heap_init(&vm->heap, cfg->heap > 0 ? (size_t)cfg->heap : 0);
	vm->cfg = cfg;
	vm->data = data;
	vm->boot = boot;
	vm->port = boot->number;
	vm->fs = fs;
	vm->rtc = rtc;
	vm->rcr = rcr;
	vm->flash = fl;
	vm->lfs.base = flash_base(fl);
	vm->lfs.size = flash_size(fl);
	vm->lfs.heap = &vm->heap;
	vm->rng = cfg->seed ? cfg->seed : platform_random() | 1;
}

int nodemcu_vm_start(struct nodemcu_vm *vm)
{
	int rc;

	if (sched_new(&vm->sched)) {
		nodemcu_consolef(vm, "not enough memory to start the firmware\n");
		return -1;
	}
	if (setjmp(vm->panic)) {   /* a PANIC (nm_hooks): the chip reset */
		vm->panic_set = 0;
		return 0;
	}
	vm->panic_set = 1;
	rc = vm->boot->start(vm);
	vm->panic_set = 0;
	if (rc)
		return -1;
	if (vm->restart_pending)   /* node.restart() in the init command: it returned */
		nodemcu_vm_reset_now(vm, RTC_SOFT_RESTART);
	return 0;
}

int nodemcu_vm_run(struct nodemcu_vm *vm, int64_t deadline_ms)
{
	int64_t wait;

	if (setjmp(vm->panic)) {   /* a PANIC (nm_hooks): the chip reset */
		vm->panic_set = 0;
		return 0;
	}
	vm->panic_set = 1;
	while (!vm->end) {
		if (vm->restart_pending) {   /* node.restart(): the task has returned */
			nodemcu_vm_reset_now(vm, RTC_SOFT_RESTART);
			break;
		}
		wait = 100;
		if (deadline_ms) {
			wait = deadline_ms - platform_ms();
			if (wait <= 0)
				break;
			if (wait > 100)
				wait = 100;
		}
		if (sched_step(vm->sched, wait) < 0 && !vm->end && !vm->restart_pending) {
			vm->panic_set = 0;
			return 1;
		}
	}
	vm->panic_set = 0;
	return 0;
}

void nodemcu_vm_stop(struct nodemcu_vm *vm)
{
	int raw, ext;

	spiffs_reset(vm->fs);   /* unflushed SPIFFS writes are lost at any reset */
	if (vm->lua)
		vm->boot->stop(vm);   /* __gc of sockets and servers still need sched */
	sched_free(vm->sched);
	vm->sched = NULL;
	platform_log("boot ended: Lua heap peak %zu bytes (TLS charges included), cap %ld",
		     vm->heap.peak, vm->cfg->heap);
	if (vm->end == NODEMCU_RESTART) {
		nodemcu_rtc_reason(vm->reset_why, &raw, &ext);
		platform_log("reset (bootreason %d, %d)", raw, ext);
		nodemcu_rtc_reset(vm->rtc, vm->reset_why);
	}
}
