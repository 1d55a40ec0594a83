/*
** nodemcu_vm.h - one boot of the emulated NodeMCU firmware: the state every
** emulated module reaches (heap, scheduler, SPIFFS, RTC, reboot record, LFS),
** the options, what ends the boot (a deferred restart, a PANIC, a watchdog
** reset, the end of the run), and its life cycle (nodemcu_vm.c): start (the
** port's Lua and the init command), the event loop, stop. Shared by the
** emulated board (lfs-device --client lua, nodemcu_device.c) and the C
** agent's firmware (runtime.c). Lua-free, so the per-port module code
** (nodemcu_lua.h) and both device loops share it.
*/
#ifndef DEVICE_NODEMCU_VM_H
#define DEVICE_NODEMCU_VM_H

#include <setjmp.h>
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

/* Options of the emulated firmware, for both clients (lfs-device --help). */
struct nodemcu_config {
	const char *lua;           /* --lua: "5.3" or "5.1" (NULL: from --target) */
	long heap;                 /* --heap: Lua heap cap in bytes, 0 = none */
	const char *rx;            /* --rx-chunk: "1460" (default), "N" or "random" */
	const char *until;         /* --until: stop when the console prints this */
	long run_for;              /* --run-for: seconds before the device is switched off */
	const char *modules;       /* --modules: firmware modules built in (NULL = all) */
	uint32_t spiffs_size;      /* --spiffs-size: SPIFFS bytes */
	int reset;                 /* --reset: this start is the reset pin, not power-on */
	uint32_t seed;             /* --seed: receive chunking PRNG seed (0 = random) */
	const char *port_offset;   /* --port-offset: "N" (default 0) or "any": a
				      server's device port P listens on host
				      127.0.0.1:P+N, or on a free port */
};

/* The LFS as the runtime sees it (node.LFS, nodemcu_lfs.c). */
struct nodemcu_lfs {
	struct lfsc_flash *fl;             /* the adopted LFS or NULL; borrowed */
	uint32_t base;                     /* mapped address of the partition */
	uint32_t size;                     /* partition bytes (0 = no partition) */
	struct nodemcu_heap *heap;         /* NULL, or the heap that does not count
					      code loaded from the LFS */
};

struct nodemcu_port;   /* nodemcu_boot.h */

#define NODEMCU_MAX_SERVERS 8   /* listening net servers of one boot (ports file) */

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
	const struct nodemcu_port *boot;   /* the port's Lua (nodemcu_boot.h) */
	void *lua;                         /* the boot's main lua_State (NULL before
					      start and after stop): callbacks run
					      on it, never on the coroutine that
					      registered them (lua_getstate()) */
	const char *init;                  /* init command; NULL: the reboot record's,
					      else "@init.lua" (§8) */
	int quiet;                         /* no banner (the C agent's firmware) */
	long watchdog_ms;                  /* a task running longer resets the chip
					      (software watchdog); 0 = none */
	int64_t task_ms;                   /* platform_ms() when the running task began */
	int task_depth;                    /* > 0 while a task (Lua callback) runs */
	int init_status;                   /* after start: NODEMCU_INIT_* */
	char init_msg[256];                /* the error of NODEMCU_INIT_FAILED */
	/* the C agent's node.LFS.reload (NULL on the board): 0 when the image
	** `name` is accepted and will be loaded at the restart, else -1 with the
	** reason in msg (caller's buffer of n bytes) */
	int (*reload)(void *ctx, const char *name, char *msg, size_t n);
	void *reload_ctx;
	int servers[NODEMCU_MAX_SERVERS][2];   /* listening: device port, host port */
	jmp_buf panic;                     /* where a PANIC outside any protected call
					      lands (nm_hooks), while panic_set */
	int panic_set;
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

enum {
	NODEMCU_INIT_OK = 0,       /* the init command ran and returned */
	NODEMCU_INIT_FAILED,       /* it raised (or the chip reset while it ran) */
	NODEMCU_INIT_MISSING       /* "!module" and the LFS has no such module */
};

/* Fills vm for a boot of `boot`'s port with cfg (borrowed: must outlive vm),
** the data directory and the board's parts (all borrowed). vm->lfs.fl is
** NULL (no LFS) until the caller adopts one. */
void nodemcu_vm_init(struct nodemcu_vm *vm, const struct nodemcu_config *cfg,
		     const char *data, const struct nodemcu_port *boot, struct spiffs *fs,
		     struct nodemcu_rtc *rtc, struct nodemcu_rcr *rcr, struct flash *fl);
/* Starts the boot: the scheduler, the port's Lua, the init command (errors
** printed, init_status set). Returns 0, or -1 when Lua could not start (the
** console says why; the boot is over: call nodemcu_vm_stop()). */
int nodemcu_vm_start(struct nodemcu_vm *vm);
/* Runs the event loop, one unit of work at a time (§0), until the boot ends
** (vm->end set), platform_ms() reaches deadline_ms (0 = none), or nothing is
** left that could ever run (no task, timer or socket). Returns 1 in the last
** case, else 0. */
int nodemcu_vm_run(struct nodemcu_vm *vm, int64_t deadline_ms);
/* Ends the boot: unflushed SPIFFS writes are lost, the Lua state is closed,
** and after a reset the RTC records its cause for the next boot. */
void nodemcu_vm_stop(struct nodemcu_vm *vm);

/* Writes n bytes (borrowed) to the UART (stdout); a completed line containing
** cfg->until ends the boot with NODEMCU_STOP. */
void nodemcu_console(struct nodemcu_vm *vm, const char *s, size_t n);
/* printf to the UART, e.g. the firmware's own messages. */
void nodemcu_consolef(struct nodemcu_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A PANIC or other immediate reset: ends the boot now (the current task is
** abandoned: see nm_halt() to stop the Lua code too), the next boot reports
** why. */
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

/* The host port a net server's device port listens on (--port-offset):
** port + N, or 0 (any free port). -1 when port + N is not a port. */
int nodemcu_vm_host_port(const struct nodemcu_vm *vm, int port);
/* Records that device port `port` listens on host port `host` (host 0: it
** stopped): logged, and DATA/ports rewritten ("<device port> <host port>"
** per line) for scripts that connect to the board. */
void nodemcu_vm_listening(struct nodemcu_vm *vm, int port, int host);

#endif
