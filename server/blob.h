/* blob.h - the content-addressed blob store: files named by SHA-256 in
** <data-dir>/blobs/ab/abcdef... (sources and images).
**
** Durability rule: a blob is written to a temp file, fsynced and renamed
** into place, and its directory is fsynced before a database row may name
** it. A build groups this: every new blob of the build is written and
** renamed, then each directory touched is fsynced once (blob_batch), then
** the row is committed.
**
** Sweep rule: blobs no row names are removed by blob_sweep (blob_sweep.c).
** A build holds the store shared (blob_hold) from its first blob write to
** its row commit, and the sweep holds it exclusively, so it never removes a
** blob that a build is about to name. */
#ifndef BLOB_H
#define BLOB_H

#include <pthread.h>
#include <stddef.h>

#include "hash.h"

struct blob_store {
	char dir[600];                 /* <data-dir>/blobs */
	pthread_rwlock_t gc;           /* builds shared, the sweep exclusive */
};

/* The directories a group of writes touched, fsynced once each by
** blob_batch_sync(). Zero it before use. */
struct blob_batch {
	int n;
	char dirs[16][3];              /* two hex digits each */
	int overflow;                  /* more than 16: sync every touched one at once */
};

/* Creates dir (and dir/tmp) if needed and deletes stale temp files left by
** a crash. Returns 0 or -1 (logged). dir borrowed (copied). */
int blob_open(struct blob_store *b, const char *dir);
/* Releases the lock; the files stay. */
void blob_close(struct blob_store *b);

/* Writes the path of blob sha into buf. Returns 0, or -1 if sha is not a
** well-formed hash or buf too small. */
int blob_path(const struct blob_store *b, const char *sha, char *buf, size_t size);

/* Stores data[0..len) (sha: its hex SHA-256 if the caller knows it, else
** NULL and it is computed; the hash is written to out, which may be NULL).
** An existing blob is kept. With batch NULL the directory is fsynced before
** returning; else it is remembered in batch. Returns 0 or -1 (logged). */
int blob_put(struct blob_store *b, const void *data, size_t len, const char *sha,
             char out[HASH_HEX_LEN + 1], struct blob_batch *batch);
/* A new unique path in the store's temp directory (the file is created
** empty, mode 0600) for a file another process writes; then blob_adopt()
** it, or unlink() it. Returns 0 or -1 (logged). */
int blob_temp(struct blob_store *b, char *buf, size_t size);
/* Takes the file at path tmp into the store: hashes it (sha out), fsyncs
** it and renames it into place (or removes it when the blob exists); *size
** gets its length. At most max bytes. Returns 0, or -1 (logged; tmp is
** removed). */
int blob_adopt(struct blob_store *b, const char *tmp, size_t max,
               char sha[HASH_HEX_LEN + 1], long long *size, struct blob_batch *batch);
/* fsyncs every directory batch touched. Returns 0 or -1 (logged). */
int blob_batch_sync(struct blob_store *b, struct blob_batch *batch);

/* Shared hold against the sweep, from a build's first blob to its row. */
void blob_hold(struct blob_store *b);
void blob_unhold(struct blob_store *b);

/* Reads a whole blob into a new buffer (caller owns: free()); at most max
** bytes. Returns 0, or -1 if missing/too big/unreadable. */
int blob_read(const struct blob_store *b, const char *sha, size_t max,
              char **data, size_t *len);

#endif
