/*
** flash.h - the simulator's NOR flash: an LFS partition kept in a file.
** Rules of the real chip: erase sets a whole 4 KB sector to 0xFF; program
** only clears bits (a program that would set a bit is a fault: it is refused,
** nothing is written, DEV_ERR_FLASH); programs are word aligned.
** Fault injection: with cut_at = N > 0 the Nth erase-or-program operation of
** this process is torn (its first half takes effect) and the process ends at
** once with _exit(FLASH_POWER_CUT_EXIT) - a power cut. The next run of
** lfs-device is the power-on.
*/
#ifndef DEVICE_FLASH_H
#define DEVICE_FLASH_H

#include <stdint.h>
#include "error.h"

#define FLASH_SECTOR         4096
#define FLASH_POWER_CUT_EXIT 99   /* exit status of a simulated power cut */

struct flash;

/*
** Opens (creating it all 0xFF, like a new chip, when missing) the partition
** file at path with `size` bytes (a multiple of FLASH_SECTOR) mapped at `base`.
** path is borrowed for the call. cut_at: 0 = no power cut, else the operation
** number (counting erases and programs from 1) at which power is lost.
** On success *out is new (caller owns; free with flash_free()).
*/
int flash_open(const char *path, uint32_t size, uint32_t base, long cut_at,
	       struct flash **out, struct dev_error *err);
void flash_free(struct flash *fl);   /* NULL is a no-op */

uint32_t flash_size(const struct flash *fl);   /* partition bytes */
uint32_t flash_base(const struct flash *fl);   /* mapped address of byte 0 */
long flash_ops(const struct flash *fl);        /* erase+program operations so far */

/* Reads len bytes at partition offset off into buf (caller's). */
int flash_read(struct flash *fl, uint32_t off, void *buf, uint32_t len,
	       struct dev_error *err);
/* Erases sector number `sector` (offset sector * FLASH_SECTOR) to 0xFF. */
int flash_erase(struct flash *fl, uint32_t sector, struct dev_error *err);
/* *erased = 1 when every byte of the sector reads 0xFF (no operation counted). */
int flash_sector_erased(struct flash *fl, uint32_t sector, int *erased,
			struct dev_error *err);
/* Programs len bytes of data (borrowed) at off; off and len multiples of 4.
** Refused with DEV_ERR_FLASH if any bit would go from 0 to 1. */
int flash_program(struct flash *fl, uint32_t off, const void *data, uint32_t len,
		  struct dev_error *err);

#endif
