/*
** nodemcu_spiffs.h - the emulated SPIFFS file system (nodemcu-api.md §4) over
** a host directory (DATA/spiffs): a flat namespace of names up to 31
** characters ("/" is an ordinary character, a "/FLASH/" prefix is allowed),
** at most 4 descriptors open at once (files, rename, crypto.fhash and the LFS
** loader share them), a size limit, and a write cache of one 256-byte page per
** file whose content is lost at a reset or power cut unless flushed.
** Host names escape "/" as "%2F", "%" as "%25" and a leading "." as "%2E".
** Lua-free.
*/
#ifndef DEVICE_NODEMCU_SPIFFS_H
#define DEVICE_NODEMCU_SPIFFS_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define SPIFFS_NAME_MAX 31   /* FS_OBJ_NAME_LEN, app/include/user_config.h:116 */
#define SPIFFS_MAX_OPEN 4    /* SPIFFS_MAX_OPEN_FILES, user_config.h:115 */
#define SPIFFS_PAGE     256  /* log page size, app/spiffs/spiffs_config.h */

struct spiffs_file;

struct spiffs {
	char dir[1024];              /* host directory */
	uint32_t size;               /* file system bytes (partition size) */
	int open;                    /* descriptors in use */
	struct spiffs_file *files;   /* open files (owned) */
};

/* Sets up fs over dir (created if missing) with `size` bytes. dir is copied. */
int spiffs_init(struct spiffs *fs, const char *dir, uint32_t size, struct dev_error *err);

/* The firmware's "filename invalid" rule for open/exists/remove/rename: the
** part after the last '/' (or ':') at most 31 characters and no NUL inside
** the len bytes (app/modules/file.c:210, app/platform/vfs.c:436). */
int spiffs_name_ok(const char *name, size_t len);

/* Host path of a SPIFFS name into buf. Returns -1 when the object name
** (after "/FLASH/") is empty or longer than 31 characters. */
int spiffs_path(const struct spiffs *fs, const char *name, char *buf, size_t size);

/* One descriptor slot: 0, or -1 when all SPIFFS_MAX_OPEN are in use. */
int spiffs_slot_take(struct spiffs *fs);
void spiffs_slot_give(struct spiffs *fs);

/* Opens name in mode r/w/a/r+/w+/a+ (anything else = r, spiffs.c:398-421).
** NULL when the file is missing (r, r+), the name is invalid, or no slot is
** free. The file belongs to fs until spiffs_close(). */
struct spiffs_file *spiffs_open(struct spiffs *fs, const char *name, const char *mode);
/* Reads up to n bytes at the position; returns bytes read (0 at EOF) or -1. */
long spiffs_read(struct spiffs_file *f, void *buf, size_t n);
/* Writes n bytes (borrowed); returns bytes written, fewer when the file system
** is full or the file is read-only. */
size_t spiffs_write(struct spiffs_file *f, const void *data, size_t n);
/* whence 0 set, 1 cur, 2 end. Returns the new position or -1. */
int64_t spiffs_seek(struct spiffs_file *f, int whence, int64_t off);
int spiffs_flush(struct spiffs_file *f);   /* 0 or -1 */
void spiffs_close(struct spiffs_file *f);  /* flushes; NULL is a no-op */

/* A reset: every open file is closed WITHOUT writing its cache; the
** structs stay until their owners call spiffs_close() (which then only
** frees them). */
void spiffs_reset(struct spiffs *fs);

int spiffs_exists(const struct spiffs *fs, const char *name);
/* Size of a file; -1 if missing. */
int64_t spiffs_size(const struct spiffs *fs, const char *name);
void spiffs_remove(struct spiffs *fs, const char *name);   /* silent if missing */
/* 0, or -1 when from is missing, to exists (spiffs_hydrogen.c:893-899) or no
** descriptor slot is free. */
int spiffs_rename(struct spiffs *fs, const char *from, const char *to);
/* Calls fn(ctx, name, size) for every file. */
int spiffs_list(const struct spiffs *fs,
		void (*fn)(void *ctx, const char *name, int64_t size), void *ctx);
/* Bytes used (whole pages) and total. */
void spiffs_info(const struct spiffs *fs, uint32_t *used, uint32_t *total);
/* Reads a whole file: *data (caller owns; free()), *len. Uses a slot while
** reading. DEV_ERR_IO when missing or no slot is free. */
int spiffs_read_all(struct spiffs *fs, const char *name, uint8_t **data, size_t *len,
		    struct dev_error *err);

#endif
