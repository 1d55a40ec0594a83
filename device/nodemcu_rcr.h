/*
** nodemcu_rcr.h - the Reboot Config Record the firmware keeps in flash
** (nodemcu-api.md §6, §8): a pending LFS reload (5.3 port: the image name
** node.LFS.reload stored) and the init command (node.startup). Kept in
** DATA/rcr, written atomically. Lua-free.
*/
#ifndef DEVICE_NODEMCU_RCR_H
#define DEVICE_NODEMCU_RCR_H

#include "error.h"

struct nodemcu_rcr {
	char path[1100];      /* DATA/rcr */
	char lfs[64];         /* SPIFFS image to load at the next boot, "" = none */
	char startup[256];    /* init command, "" = the default "@init.lua" */
};

/* Loads DATA/rcr (missing = empty record). data_dir borrowed for the call. */
int nodemcu_rcr_load(struct nodemcu_rcr *r, const char *data_dir, struct dev_error *err);
/* Writes the record atomically. */
int nodemcu_rcr_save(const struct nodemcu_rcr *r, struct dev_error *err);

#endif
