/*
** install.h - the failsafe reflash loader and the boot-time flag check, for
** both firmware ports: the 5.3 port (lfs-format.md §A6.3-A6.4, with a
** two-part signature) and the 5.1 port (§B4, its in-progress bit); see
** install.c.
*/
#ifndef DEVICE_INSTALL_H
#define DEVICE_INSTALL_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "flash.h"
#include "lfsc.h"

/* Word 0 of the partition. The final value is NodeMCU's signature
** (LFSC_FLASH_SIG); the in-progress value differs from it only in bits that
** are still 1, so going from one to the other is a plain program. */
#define INSTALL_SIG_LOADING 0xFFFFA250u
#define INSTALL_SIG_DONE    0xFAFAA250u
/* The 5.1 port (§B4): its signature, and with the in-progress bit 0x08 that
** its loader keeps set until the last block is written */
#define INSTALL51_SIG_LOADING 0xFAFAA15Cu
#define INSTALL51_SIG_DONE    0xFAFAA154u

enum install_flag {
	INSTALL_EMPTY = 0,   /* 0xFFFFFFFF or 0: no LFS */
	INSTALL_TORN,        /* the port's LOADING value: a load was interrupted */
	INSTALL_VALID,       /* the port's DONE value: the load completed */
	INSTALL_CORRUPT      /* anything else: foreign image or a torn flag write */
};

/* Reads word 0 of the partition into *word and classifies it for the port
** of target t. */
int install_flag(struct flash *fl, enum lfsc_target t, uint32_t *word,
		 enum install_flag *kind, struct dev_error *err);
const char *install_flag_name(enum install_flag kind);

/* Erases every sector of the partition that does not already read all 0xFF
** (the firmware's "LFS cleared"). */
int install_clear(struct flash *fl, struct dev_error *err);

/*
** The loader: writes `layout` (borrowed; len bytes, a multiple of 4, as
** lfsc_image_flash() lays the image out for this partition's base; 5.3:
** header in bytes 0..47, records from 48; 5.1: the relocated raw image) with
** the port's protocol in install.c. Returns 0 when the final signature is on
** flash.
*/
int install_load(struct flash *fl, enum lfsc_target t, const uint8_t *layout, size_t len,
		 struct dev_error *err);

/* SHA-256 (lowercase hex, 65 bytes incl. NUL, caller's buffer) of partition
** bytes [0, used). */
int install_digest(struct flash *fl, uint32_t used, char hex[65], struct dev_error *err);

#endif
