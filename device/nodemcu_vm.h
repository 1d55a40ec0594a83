/*
** nodemcu_vm.h - one boot of the emulated NodeMCU firmware (lfs-device
** --client lua): the state every emulated module reaches (heap, scheduler,
** SPIFFS, RTC, reboot record, LFS), the options of the mode, and what ends
** the boot (a deferred restart, a PANIC, the end of the run). Lua-free, so
** the per-port module code (nodemcu_lua.h) and the device loop
** (nodemcu_device.c) share it.
*/
#ifndef DEVICE_NODEMCU_VM_H
#define DEVICE_NODEMCU_VM_H

#include <stddef.h>
#include <stdint.h>
#include "flash.h"
#include "lfsc_image.h"
#include "nodemcu_heap.h"
#include "nodemcu_rcr.h"
#include "nodemcu_rtc.h"
#include "nodemcu_sched.h"
#include "nodemcu_spiffs.h"

#define NODEMCU_TCP_MSS 1460   /* TCP_MSS, app/include/lwipopts.h:956 */
#define NODEMCU_TCP_WND 5840   /* TCP_WND, app/lwip/core/init.c:263 */

/* Options of the Lua-client mode (lfs-device --help). */
struct nodemcu_config {
	const char *lua;           /* port: "5.3" (default) or "5.1" */
	long heap;                 /* --heap: Lua heap cap in bytes, 0 = none */
	const char *rx;            /* --rx-chunk: "1460" (default), "N" or "random" */
	const char *until;         /* --until: stop when the console prints this */
	long run_for;              /* --run-for: seconds before the device is switched off */
	const char *modules;       /* --modules: firmware modules built in (NULL = all) */
	uint32_t spiffs_size;      /* --spiffs-size: SPIFFS bytes */
	int reset;                 /* --reset: this start is the reset pin, not power-on */
	uint32_t seed;             /* --seed: receive chunking PRNG seed (0 = random) */
};

/* The LFS as the runtime sees it (node.LFS, nodemcu_lfs.c). */
struct nodemcu_lfs {
	struct lfsc_flash *fl;             /* the adopted LFS or NULL; borrowed */
	uint32_t base;                     /* mapped address of the partition */
	uint32_t size;                     /* partition bytes (0 = no partition) */
	struct nodemcu_heap *heap;         /* NULL, or the heap that does not count
					      code loaded from the LFS */
};

/* Why a boot ended. */
enum nodemcu_end {
	NODEMCU_RUNNING = 0,
	NODEMCU_RESTART,           /* a reset; vm->reset_why says which */
	NODEMCU_STOP               /* --until matched, --run-for passed, or idle */
};

struct nodemcu_vm {
	struct nodemcu_heap heap;          /* FIRST member: the lua_Alloc ud is the vm */
	const struct nodemcu_config *cfg;  /* borrowed */
	const char *data;                  /* the data directory; borrowed */
	struct sched *sched;               /* this boot's scheduler (owned by the device) */
	struct spiffs *fs;                 /* borrowed */
	struct nodemcu_rtc *rtc;           /* borrowed */
	struct nodemcu_rcr *rcr;           /* borrowed */
	struct flash *flash;               /* the LFS partition; borrowed */
	struct nodemcu_lfs lfs;            /* the adopted LFS (lfs.fl NULL: none) */
	int port;                          /* 53 or 51 */
	void *lua;                         /* the boot's main lua_State: callbacks run
					      on it, never on the coroutine that
					      registered them (lua_getstate()) */
	int dns_pending;                   /* net.dns lookups under way (lwIP: 4) */
	enum nodemcu_end end;              /* set when the boot must end */
	enum rtc_reset reset_why;          /* with NODEMCU_RESTART */
	int restart_pending;               /* node.restart(): after the current task */
	uint32_t rng;                      /* chunking PRNG state */
	struct sched_timer onerror_timer;  /* default onerror's restart in 2 s */
	struct sched_timer softwd_timer;   /* tmr.softwd's restart */
	char line[512];                    /* console line so far (for --until) */
	size_t line_len;
};

/* Writes n bytes (borrowed) to the UART (stdout); a completed line containing
** cfg->until ends the boot with NODEMCU_STOP. */
void nodemcu_console(struct nodemcu_vm *vm, const char *s, size_t n);
/* printf to the UART, e.g. the firmware's own messages. */
void nodemcu_consolef(struct nodemcu_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A PANIC or other immediate reset: ends the boot now (the current task is
** abandoned), the next boot reports why. */
void nodemcu_vm_reset_now(struct nodemcu_vm *vm, enum rtc_reset why);
/* node.restart() and friends: the reset happens when the current task returns
** (nodemcu-api.md §0). */
void nodemcu_vm_restart_later(struct nodemcu_vm *vm);

/* Receive shaping (--rx-chunk): bytes to take from the socket in one task
** (a burst of segments, at most TCP_WND) and the size of the next pbuf
** delivered to `receive` (1..1460). */
size_t nodemcu_vm_burst(struct nodemcu_vm *vm);
size_t nodemcu_vm_chunk(struct nodemcu_vm *vm);

/* 1 when the firmware was built with module `name` (--modules). */
int nodemcu_vm_has(const struct nodemcu_vm *vm, const char *name);

#endif
