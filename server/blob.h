/* blob.h - the content-addressed blob store: files named by SHA-256.
**
** Durability rule: blob_put() returns only after the blob's bytes and its
** directory entry are on disk (temp file, fsync, rename, fsync directory), so
** a database row written afterwards never refers to a missing blob. */
#ifndef BLOB_H
#define BLOB_H

#include <stddef.h>

#include "hash.h"

struct blob_store {
	char dir[600];   /* <data-dir>/blobs; blobs live in dir/ab/abcdef... */
};

/* Creates dir (and dir/tmp) if needed and deletes stale temp files left by
** a crash. Returns 0 or -1 (logged). dir borrowed (copied). */
int blob_open(struct blob_store *b, const char *dir);
/* Stores data[0..len) durably; writes its hex sha256 to sha (may be NULL).
** An existing blob with the same hash is kept. Returns 0 or -1 (logged). */
int blob_put(struct blob_store *b, const void *data, size_t len,
             char sha[HASH_HEX_LEN + 1]);
/* Writes the path of blob sha into buf. Returns 0, or -1 if sha is not a
** well-formed hash or buf too small. */
int blob_path(const struct blob_store *b, const char *sha, char *buf, size_t size);
/* Reads a whole blob into a new buffer (caller owns: free()); at most max
** bytes. Returns 0, or -1 if missing/too big/unreadable. */
int blob_read(const struct blob_store *b, const char *sha, size_t max,
              char **data, size_t *len);

#endif
