/*
** nodemcu_device.h - lfs-device --client lua: the emulated NodeMCU board.
** Power-on, then boots in a row: the firmware's early boot (adopt a valid LFS,
** clear a corrupted one), the 5.3 port's pending LFS reload from the reboot
** record (§6), the port's Lua with init.lua (§8), and the single-threaded
** event loop until a reset (restart, PANIC, onerror, a reload) starts the
** next boot, or the run ends (--until, --run-for, nothing left to do).
*/
#ifndef DEVICE_NODEMCU_DEVICE_H
#define DEVICE_NODEMCU_DEVICE_H

#include "agent.h"
#include "error.h"

/* Runs the board with c's data directory, partition, power cut and
** c->nodemcu options (borrowed for the call). Returns 0 when the run ended,
** or an error that stops the simulator (unusable data directory, flash). A
** power cut ends the process inside flash.c (FLASH_POWER_CUT_EXIT). */
int nodemcu_device_run(const struct agent_config *c, struct dev_error *err);

#endif
