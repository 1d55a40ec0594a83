/*
** platform.h - the OS/firmware seam of lfs-device: clock, sleep, randomness,
** the console, and the file store that stands in for SPIFFS. The portable core
** (agent, install, verify, state) reaches the host only through these
** functions; platform_posix.c implements them for the simulator.
*/
#ifndef DEVICE_PLATFORM_H
#define DEVICE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Wall-clock seconds (Unix time) and a monotonic millisecond counter. */
int64_t platform_time(void);
int64_t platform_ms(void);
void platform_sleep_ms(long ms);
/* A random 32-bit value for poll jitter (not for keys). */
uint32_t platform_random(void);

/* Console (the device's UART): one line, prefixed "lfs-device: ". */
void platform_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file: *data (caller owns; free()) and *len. A missing file
** is DEV_ERR_IO with errno ENOENT preserved (see platform_exists()). */
int platform_read_file(const char *path, uint8_t **data, size_t *len,
		       struct dev_error *err);
/* Writes a file atomically: path.tmp, fsync, rename over path, fsync dir.
** data is borrowed for the call. */
int platform_write_atomic(const char *path, const void *data, size_t len,
			  struct dev_error *err);
/* 1 if path exists, 0 if not. */
int platform_exists(const char *path);
/* Size of a file in *size; DEV_ERR_IO if it cannot be stat'ed. */
int platform_file_size(const char *path, int64_t *size, struct dev_error *err);
/* Creates a directory (and its parent) if missing. */
int platform_mkdir(const char *path, struct dev_error *err);
/* Removes a file; a missing file is not an error. */
void platform_remove(const char *path);
/* Calls fn(ctx, name) for every regular file name in dir (no order). */
int platform_dir_each(const char *dir, void (*fn)(void *ctx, const char *name),
		      void *ctx, struct dev_error *err);
/* Renames a file and syncs the directory. */
int platform_rename(const char *from, const char *to, struct dev_error *err);

#endif
