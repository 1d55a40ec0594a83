/*
** agent.h - the OTA agent: the device's update state machine
**   poll -> download -> verify -> apply (failsafe load at boot) -> restart
**   -> boot check -> run _init -> check-in / report, with rollback,
** whose state (state.h) survives restarts and power cuts.
*/
#ifndef DEVICE_AGENT_H
#define DEVICE_AGENT_H

#include <stdint.h>
#include "error.h"
#include "nodemcu_vm.h"
#include "lfsc.h"

struct agent_config {
	const char *server;       /* "https://host:port", NULL = offline (no network) */
	const char *device;       /* device id */
	const char *key;          /* device key (Bearer token): --key, --key-file or
				  ** LFS_DEVICE_KEY */
	const char *key_file;     /* --key-file: main.c reads the key from it */
	const char *channel;      /* the device's channel (--channel), checked in every
				  ** manifest; NULL = not checked */
	const char *pin;          /* server certificate SHA-256, hex; or NULL */
	const char *ca;           /* CA file (PEM); or NULL */
	const char *pubkey;       /* lfsd's signing key (PEM) to pin when DATA/pubkey.pem
				  ** does not exist; NULL = GET /ota/pubkey once */
	const char *data;         /* data directory: flash.bin, state.json, spiffs/ */
	const char *reload;       /* local image to install first (console reload), or NULL */
	uint32_t part_size;       /* LFS partition bytes */
	uint32_t base;            /* mapped address of the partition */
	long power_cut_at;        /* 0 or the flash operation that loses power */
	int once;                 /* one poll/update/boot cycle, then return */
	long boot_timeout;        /* seconds a new image has to check in */
	long poll_interval;       /* seconds between polls until the server says otherwise */
	long watchdog_ms;         /* the firmware's software watchdog: a task (_init
				  ** included) running longer resets the chip */
	int download_tries;       /* attempts per download in one cycle (resuming) */
	const char *client;       /* "c" (this agent, default) or "lua" (nodemcu_device.c) */
	struct nodemcu_config nodemcu;   /* options of the emulated firmware (both clients) */
	enum lfsc_target target;  /* the firmware port this device runs (images of
				  ** another port are refused before flashing) */
	int target_set;           /* --target was given */
};

/* Fills the defaults (partition 0x40000 at 0x40296000, boot timeout 60 s,
** poll interval 60 s, watchdog 5 s, 3 download tries, nodemcu-lua53). */
void agent_config_init(struct agent_config *c);

/*
** Runs the device: power-on, boot, then the poll loop (forever, or one cycle
** with `once`; until --run-for or --until switch it off), the firmware's
** event loop running whenever it waits. c and everything it points to are
** borrowed for the call.
** Returns 0, or an error that stops the device (unusable data directory,
** flash file, TLS settings); network and image problems are reported to the
** server and survived, never returned.
*/
int agent_run(const struct agent_config *c, struct dev_error *err);

#endif
