/* fsutil.h - lfsd's file helpers: durable writes (file and directory fsync),
** whole-file reads, mkdir -p. Every failure is logged (log.h) with the path. */
#ifndef FSUTIL_H
#define FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Creates path and its missing parents with mode (existing ones are kept).
** Returns 0 or -1 (logged). path borrowed. */
int fsutil_mkdir_p(const char *path, mode_t mode);

/* Writes all of data[0..len) to fd, retrying short writes and EINTR.
** Returns 0 or -1 (errno set; not logged: the caller names the file). */
int fsutil_write_all(int fd, const void *data, size_t len);

/* fsyncs directory path, so renames and creations in it are durable.
** Returns 0 or -1 (logged). */
int fsutil_fsync_dir(const char *path);

/* Replaces path with data[0..len) so that a crash leaves the old file or the
** new one, never a mix: a temp file in the same directory, written, fsynced,
** given mode, renamed over path, then the directory fsynced. Returns 0 or -1
** (logged; the temp file removed). path and data borrowed. */
int fsutil_write_durable(const char *path, const void *data, size_t len, mode_t mode);

/* Reads the whole file at path, at most max bytes, into a new buffer with a
** NUL after the data (caller owns: free()); *len gets the size (len may be
** NULL). Returns 0, 1 if the file does not exist (nothing logged), or -1 if
** it is larger than max or unreadable (logged). */
int fsutil_read_file(const char *path, size_t max, char **data, size_t *len);

/* Makes path a file of at least bytes allocated bytes (posix_fallocate),
** mode 0600: room held back so a later write can succeed on a full disk
** once the file is removed. Returns 0 or -1 (logged). */
int fsutil_reserve(const char *path, off_t bytes);

#endif
