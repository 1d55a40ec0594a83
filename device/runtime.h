/*
** runtime.h - runs the image in flash with the reference Lua 5.3 runtime
** (32-bit numbers, as the nodemcu-lua53 firmware): a fresh Lua state per
** boot, the modules read from the flash partition, node.LFS.get/list/time,
** node.restart, print, and the `_init` module run under a watchdog.
*/
#ifndef DEVICE_RUNTIME_H
#define DEVICE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct runtime_result {
	int has_lfs;           /* the partition held an LFS the runtime adopted */
	int ran_init;          /* a module `_init` existed and was called */
	int restart;           /* node.restart() was called */
	int failed;            /* _init raised an error (or the watchdog fired) */
	char message[256];     /* the error message when failed */
};

/*
** One boot. partition/len (borrowed for the call) is the whole partition
** mapped at base; has_lfs says whether the boot check adopted it (if 0 the
** runtime runs without LFS). init is the module to run ("_init"; NULL = none).
** watchdog_ms bounds its run time. Output of print goes to stdout.
** Returns 0 (see *res for what happened) or DEV_ERR_MEM / DEV_ERR_VERIFY when
** the adopted LFS cannot be opened.
*/
int runtime_boot(const uint8_t *partition, size_t len, uint32_t base, int has_lfs,
		 const char *init, long watchdog_ms, struct runtime_result *res,
		 struct dev_error *err);

/* The same boot for the 5.1 port (runtime51.c): the reference Lua 5.1.5 with
** doubles, the partition read as the 5.1 firmware reads it (§B4), node.LFS
** as the 5.1 firmware offers it (§B3.4). */
int runtime51_boot(const uint8_t *partition, size_t len, uint32_t base, int has_lfs,
		   const char *init, long watchdog_ms, struct runtime_result *res,
		   struct dev_error *err);

#endif
