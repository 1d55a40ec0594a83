/*
** flash.c - NOR flash emulation in a file (see flash.h for the rules).
** The file is written with pwrite and never cached here, so whatever an
** operation changed is on "the chip" even when the process dies right after.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "flash.h"

struct flash {
	int fd;          /* the partition file */
	uint32_t size;   /* partition bytes */
	uint32_t base;   /* mapped address of offset 0 */
	long ops;        /* erase + program operations done */
	long cut_at;     /* operation number that loses power; 0 = never */
};

static int pio(struct flash *fl, int writing, uint32_t off, void *buf, uint32_t len,
	       struct dev_error *err)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = writing ? pwrite(fl->fd, (uint8_t *)buf + done, len - done, off + done)
				    : pread(fl->fd, (uint8_t *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return dev_error_set(err, DEV_ERR_IO, "flash %s at 0x%x failed: %s",
					     writing ? "write" : "read", off + done,
					     n < 0 ? strerror(errno) : "short file");
		done += (uint32_t)n;
	}
	return DEV_OK;
}

int flash_open(const char *path, uint32_t size, uint32_t base, long cut_at,
	       struct flash **out, struct dev_error *err)
{
	int ret = DEV_ERR_IO;
	struct flash *fl = NULL;
	uint8_t ff[FLASH_SECTOR];
	struct stat st;
	uint32_t off;

	*out = NULL;
	if (size == 0 || size % FLASH_SECTOR) {
		ret = dev_error_set(err, DEV_ERR_USAGE,
				    "partition size 0x%x is not a positive multiple of 4096", size);
		goto out;
	}
	fl = calloc(1, sizeof *fl);
	if (!fl) {
		ret = dev_error_set(err, DEV_ERR_MEM, "out of memory");
		goto out;
	}
	fl->size = size;
	fl->base = base;
	fl->cut_at = cut_at;
	fl->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fl->fd < 0 || fstat(fl->fd, &st) < 0) {
		ret = dev_error_set(err, DEV_ERR_IO, "cannot open flash '%s': %s", path,
				    strerror(errno));
		goto out;
	}
	if (st.st_size == 0) {
		memset(ff, 0xFF, sizeof ff);
		for (off = 0; off < size; off += FLASH_SECTOR)
			if ((ret = pio(fl, 1, off, ff, FLASH_SECTOR, err)))
				goto out;
		fsync(fl->fd);
	} else if ((uint64_t)st.st_size != size) {
		ret = dev_error_set(err, DEV_ERR_USAGE,
				    "flash '%s' holds %lld bytes, partition size is %u", path,
				    (long long)st.st_size, size);
		goto out;
	}
	*out = fl;
	fl = NULL;
	ret = DEV_OK;
out:
	flash_free(fl);
	return ret;
}

void flash_free(struct flash *fl)
{
	if (!fl)
		return;
	if (fl->fd >= 0)
		close(fl->fd);
	free(fl);
}

uint32_t flash_size(const struct flash *fl) { return fl->size; }
uint32_t flash_base(const struct flash *fl) { return fl->base; }
long flash_ops(const struct flash *fl) { return fl->ops; }

int flash_read(struct flash *fl, uint32_t off, void *buf, uint32_t len,
	       struct dev_error *err)
{
	if (off > fl->size || len > fl->size - off)
		return dev_error_set(err, DEV_ERR_FLASH,
				     "flash read 0x%x+%u outside the partition", off, len);
	return pio(fl, 0, off, buf, len, err);
}

/* Counts one operation; at the cut the caller's half-done work is already on
** the chip, so we only have to die. */
static int op_is_cut(struct flash *fl)
{
	fl->ops++;
	return fl->cut_at > 0 && fl->ops == fl->cut_at;
}

static void power_cut(struct flash *fl, const char *what, uint32_t off)
{
	fprintf(stderr, "lfs-device: power cut at flash operation %ld (%s 0x%x)\n",
		fl->ops, what, off);
	_exit(FLASH_POWER_CUT_EXIT);
}

int flash_erase(struct flash *fl, uint32_t sector, struct dev_error *err)
{
	uint8_t ff[FLASH_SECTOR];
	uint32_t off = sector * FLASH_SECTOR;
	int cut;

	if (sector >= fl->size / FLASH_SECTOR)
		return dev_error_set(err, DEV_ERR_FLASH,
				     "erase of sector %u outside the partition", sector);
	memset(ff, 0xFF, sizeof ff);
	cut = op_is_cut(fl);
	if (cut) {
		pio(fl, 1, off, ff, FLASH_SECTOR / 2, NULL);
		power_cut(fl, "erase", off);
	}
	return pio(fl, 1, off, ff, FLASH_SECTOR, err);
}

int flash_sector_erased(struct flash *fl, uint32_t sector, int *erased,
			struct dev_error *err)
{
	uint8_t buf[FLASH_SECTOR];
	int ret, i;

	*erased = 0;
	if (sector >= fl->size / FLASH_SECTOR)
		return dev_error_set(err, DEV_ERR_FLASH, "sector %u outside the partition",
				     sector);
	if ((ret = pio(fl, 0, sector * FLASH_SECTOR, buf, FLASH_SECTOR, err)))
		return ret;
	for (i = 0; i < FLASH_SECTOR; i++)
		if (buf[i] != 0xFF)
			return DEV_OK;
	*erased = 1;
	return DEV_OK;
}

int flash_program(struct flash *fl, uint32_t off, const void *data, uint32_t len,
		  struct dev_error *err)
{
	int ret = DEV_ERR_FLASH;
	const uint8_t *src = data;
	uint8_t *old = NULL;
	uint32_t i;
	int cut;

	if (off % 4 || len % 4)
		return dev_error_set(err, DEV_ERR_FLASH,
				     "unaligned flash program 0x%x+%u", off, len);
	if (off > fl->size || len > fl->size - off)
		return dev_error_set(err, DEV_ERR_FLASH,
				     "flash program 0x%x+%u outside the partition", off, len);
	old = malloc(len ? len : 1);
	if (!old)
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	cut = op_is_cut(fl);
	if ((ret = pio(fl, 0, off, old, len, err)))
		goto out;
	for (i = 0; i < len; i++) {
		if (src[i] & ~old[i]) {
			ret = dev_error_set(err, DEV_ERR_FLASH,
					    "flash fault: program at 0x%x would set bits "
					    "(0x%02x -> 0x%02x)", off + i, old[i], src[i]);
			goto out;
		}
	}
	if (cut) {
		pio(fl, 1, off, (void *)src, (len / 2) & ~3u, NULL);
		power_cut(fl, "program", off);
	}
	ret = pio(fl, 1, off, (void *)src, len, err);
out:
	free(old);
	return ret;
}
