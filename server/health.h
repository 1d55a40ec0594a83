/* health.h - the storage trouble lfsd has seen and not yet seen gone, as
** GET /healthz reports it (503 with the reasons; server/README.md). One
** record per process, like the log; every function is safe from any thread
** and cheap when all is well (an atomic load).
**
** Reasons:
**   write     the last write to the store failed (disk full, read-only data
**             directory, I/O error); cleared by the next write that succeeds
**   database  the database answered a read with an error or reported damage;
**             kept until lfsd restarts (a damaged database needs the operator)
**   disk      the data directory's file system has less than HEALTH_MIN_FREE
**             bytes free (looked at, at most once a second)
**   blobs     blobs a row names that are missing or whose bytes no longer
**             match their SHA-256 (blob.h); each until it is found intact */
#ifndef HEALTH_H
#define HEALTH_H

#include <jansson.h>

#define HEALTH_MIN_FREE (1024 * 1024)
#define HEALTH_BLOBS_LISTED 8        /* bad blobs named in the report */

/* The directory whose free space counts (the data directory; borrowed,
** copied). Call once at start. */
void health_setup(const char *data_dir);

/* A store write failed (what: the message, as logged) / succeeded. */
void health_write_failed(const char *what);
void health_write_ok(void);
/* 1 when the last write failed more than secs seconds ago and no write
** was tried since health_write_probed(): time to try one (api_health.c). */
int health_write_stale(int secs);
void health_write_probed(void);

/* The database gave a read error or reported damage (what, as logged). */
void health_database(const char *what);

/* Blob sha (64 hex) is missing, damaged or unreadable (why says which):
** returns 1 the first time it is reported so, else 0. */
int health_blob_bad(const char *sha, const char *why);
/* Blob sha is intact again (or no row names it any more). */
void health_blob_ok(const char *sha);
/* Forgets the bad blobs for which named(cls, sha) is 0 (the rows that named
** them are gone). */
void health_blobs_prune(int (*named)(void *cls, const char *sha), void *cls);

/* The reasons now: NULL when healthy, else a new JSON array of
** {"reason":"write"|"database"|"disk"|"blobs","message":"..."} (caller
** owns: json_decref). */
json_t *health_problems(void);

#endif
