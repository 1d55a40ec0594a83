/*
** nodemcu_boot.h - the ports of the emulated firmware: each starts one boot's
** Lua state (its libraries, the emulated modules, the SPIFFS loaders) and
** runs the init command (nodemcu-api.md §8). Lua-free interface; the code is
** nodemcu_boot.c compiled once per port.
*/
#ifndef DEVICE_NODEMCU_BOOT_H
#define DEVICE_NODEMCU_BOOT_H

#include "nodemcu_vm.h"

struct nodemcu_port {
	int number;                 /* 53 or 51 */
	const char *version;        /* _VERSION */
	/* Creates the Lua state of this boot in vm->lua (allocator: vm->heap),
	** opens the libraries and modules, runs the init command vm->init
	** (errors are printed, §8; vm->init_status says how it went). Returns 0,
	** or -1 when no state could be set up (the message is on the console;
	** vm->lua is NULL). */
	int (*start)(struct nodemcu_vm *vm);
	/* Closes vm->lua (its __gc run; SPIFFS was reset before, so unflushed
	** writes are already lost) and sets it NULL. */
	void (*stop)(struct nodemcu_vm *vm);
};

extern const struct nodemcu_port nodemcu_port_53;
extern const struct nodemcu_port nodemcu_port_51;

#endif
