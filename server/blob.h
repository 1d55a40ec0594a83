/* blob.h - the content-addressed blob store: files named by SHA-256 in
** <data-dir>/blobs/ab/abcdef... (sources and images).
**
** Durability rule: a blob is written to a temp file, fsynced and renamed
** into place, and its directory is fsynced before a database row may name
** it. A build groups this: every new blob of the build is written and
** renamed, then each directory touched is fsynced once (blob_batch), then
** the row is committed.
**
** Known blobs: a blob whose file and directory were fsynced is remembered
** (struct blob_store.known), so the next build of the same sources does not
** look at each file again; one found on disk but not known gets its
** directory fsynced by the build that found it (a concurrent build may have
** renamed it and not yet synced the directory).
**
** Verification rule: a blob is checked against its SHA-256 before it is
** served, released or trusted as already stored (blob_check), and every
** blob a row names is checked at start and every --verify-interval seconds
** (blob_scrub). A check reads the file only when its identity (device,
** inode, size, modification and change times) differs from the one last
** found intact. A missing or damaged blob is logged and reported (health.h);
** storing the same bytes again (the same upload) replaces it.
**
** Sweep rule: blobs no row names are removed by blob_sweep (blob_sweep.c).
** A build holds the store shared (blob_hold) from its first blob write to
** its row commit, and the sweep holds it exclusively, so it never removes a
** blob that a build is about to name. */
#ifndef BLOB_H
#define BLOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "hash.h"

#define BLOB_KNOWN_SLOTS 4096

/* A blob found intact, and the identity of its file then (blob_check). */
struct blob_verified {
	uint64_t key;                  /* first 16 hex digits of its sha, 0 = empty */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct blob_store {
	char dir[600];                 /* <data-dir>/blobs */
	pthread_rwlock_t gc;           /* builds shared, the sweep exclusive */
	pthread_mutex_t known_mu;      /* guards known */
	/* blobs seen durable lately (direct-mapped by hash; first 8 bytes of the
	** digest, 0 = empty): a build of an app with one new file skips the stat
	** of every other source; cleared by the sweep */
	uint64_t known[BLOB_KNOWN_SLOTS];
	pthread_mutex_t verified_mu;   /* guards verified */
	struct blob_verified verified[BLOB_KNOWN_SLOTS];   /* direct-mapped by key */
	/* the scrubber thread (blob_scrubber_start) */
	pthread_mutex_t scrub_mu;
	pthread_cond_t scrub_cond;
	atomic_int scrub_stop;         /* blob_close: the scrubber ends, mid-pass too */
	int scrub_started;
	pthread_t scrubber;
};

/* The directories a group of writes touched, fsynced once each by
** blob_batch_sync(), and the blobs then known durable. Zero it before use. */
struct blob_batch {
	int n;
	char dirs[16][3];              /* two hex digits each */
	int overflow;                  /* more than 16: sync every directory */
	int nshas;
	char shas[64][HASH_HEX_LEN + 1];  /* the first 64 blobs, known once synced */
};

/* Creates dir (and dir/tmp) if needed and deletes stale temp files left by
** a crash. Returns 0 or -1 (logged). dir borrowed (copied). */
int blob_open(struct blob_store *b, const char *dir);
/* Stops the scrubber, releases the locks; the files stay. */
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

/* Forgets every blob known durable (the sweep, before it removes any). */
void blob_forget(struct blob_store *b);
/* Forgets blob sha (found damaged: the next blob_put must look at it). */
void blob_forget_one(struct blob_store *b, const char *sha);

/* ---- verification (blob_verify.c) ---- */
enum blob_state { BLOB_INTACT = 0, BLOB_MISSING = 1, BLOB_DAMAGED = 2 };
/* Whether blob sha still holds the bytes its name says (verification rule).
** fd: the blob open for reading (borrowed; read with pread), or -1 to open
** it here. A missing, damaged or unreadable blob is logged once and reported
** to health.h; an intact one is cleared there. Returns BLOB_INTACT,
** BLOB_MISSING, BLOB_DAMAGED, or -1 when it cannot be read (logged). */
int blob_check(struct blob_store *b, const char *sha, int fd);
/* Checks every blob a row of store names, holding the store shared against
** the sweep. Returns how many are not intact, or -1 when the rows cannot
** be listed (logged). */
struct store;
long long blob_scrub(struct blob_store *b, struct store *store);
/* Starts a niced thread that scrubs now and then every interval seconds
** (0: once, at start). store borrowed; blob_close() stops it. Returns 0 or
** -1 (logged). */
int blob_scrubber_start(struct blob_store *b, struct store *store, int interval);

/* Shared hold against the sweep, from a build's first blob to its row. */
void blob_hold(struct blob_store *b);
void blob_unhold(struct blob_store *b);

/* Reads a whole blob into a new buffer (caller owns: free()); at most max
** bytes. Returns 0, or -1 if missing/too big/unreadable. */
int blob_read(const struct blob_store *b, const char *sha, size_t max,
              char **data, size_t *len);

/* Removes every blob no row of store names, holding the store exclusively
** (no build stores blobs meanwhile). *removed and *bytes (may be NULL) get
** what went. Returns 0 or -1 (logged; nothing is removed when the store
** cannot list its references). blob_sweep.c. */
int blob_sweep(struct blob_store *b, struct store *store, long long *removed,
               long long *bytes);
/* Every blob a row of store names, sorted, without repeats: *v (caller
** owns: free()) of *n hashes. Returns 0 or -1 (logged). blob_sweep.c. */
int blob_refs(struct store *store, char (**v)[HASH_HEX_LEN + 1], size_t *n);

#endif
