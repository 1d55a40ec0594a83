/*
** runtime.h - the C agent's firmware: each boot of the agent is one boot of
** the emulated NodeMCU firmware (nodemcu_vm.h) of the agent's port - the
** same modules as the board of --client lua (node, file, tmr, net with TCP
** servers, tls, crypto, encoder, rtcmem), SPIFFS in DATA/spiffs, RTC memory
** - with the partition's image as its LFS. The init command runs the LFS's
** `_init` (no banner); then, while the agent waits between its own rounds,
** the boot's event loop runs: timers, sockets, tasks. Lua-free.
*/
#ifndef DEVICE_RUNTIME_H
#define DEVICE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include "agent.h"
#include "error.h"
#include "flash.h"
#include "nodemcu_vm.h"

struct runtime {
	const struct agent_config *cfg;   /* borrowed */
	struct flash *fl;                 /* borrowed */
	struct spiffs fs;
	struct nodemcu_rtc rtc;
	struct nodemcu_rcr rcr;
	struct nodemcu_vm vm;             /* the running boot, when up */
	int up;
	uint8_t *part;                    /* the partition the boot adopted (owned) */
	/* node.LFS.reload of the boots (nodemcu_vm.h); set by the agent */
	int (*reload)(void *ctx, const char *name, char *msg, size_t n);
	void *reload_ctx;
};

struct runtime_result {
	int has_lfs;           /* the partition held an LFS the runtime adopted */
	int ran_init;          /* a module `_init` existed and was called */
	int failed;            /* _init raised, or the chip reset while it ran */
	int restart;           /* the boot ended in a reset (node.restart(), ...) */
	int off;               /* the boot ended in a switch-off (--until) */
	char message[256];     /* the reason when failed */
};

/* Sets up the board's parts for c (borrowed, as fl, until runtime_close()):
** SPIFFS, RTC memory (a power-on unless --reset), the reboot record. */
int runtime_open(struct runtime *rt, const struct agent_config *c, struct flash *fl,
		 struct dev_error *err);
/* Ends a running boot (switched off) and frees what rt holds. */
void runtime_close(struct runtime *rt);

/*
** One boot: ends the running one (a software restart, bootreason 2, 4, unless
** it ended itself), reads the partition, adopts it as the LFS when has_lfs
** (its port's reader), starts the firmware and runs `_init` under the
** watchdog (c->watchdog_ms). Returns 0 (*res says what happened) or
** DEV_ERR_MEM / DEV_ERR_VERIFY when the adopted LFS cannot be read.
*/
int runtime_boot(struct runtime *rt, int has_lfs, struct runtime_result *res,
		 struct dev_error *err);

/* Ends the running boot now (the firmware stays down until the next
** runtime_boot()). */
void runtime_stop(struct runtime *rt);

/* Runs the boot's event loop until platform_ms() reaches deadline_ms, or the
** boot ends: then *restart (a reset) or *off (--until) is set to 1. With no
** boot, or nothing left to run, it sleeps until the deadline. */
void runtime_run(struct runtime *rt, int64_t deadline_ms, int *restart, int *off);

#endif
