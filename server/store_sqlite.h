/* store_sqlite.h - the SQLite backend of store.h, private to its files:
** store_sqlite.c (open, settings, the ops table), store_sqlite_builds.c,
** store_sqlite_releases.c, store_sqlite_devices.c (reads, reports, flushes)
** and store_sqlite_lifecycle.c (register, delete, rekey, move). Each
** function takes the connection's lock itself and answers with the codes of
** store.h. */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include "db.h"
#include "store.h"

/* The backend's state: two connections to <data-dir>/lfsd.db. */
struct sqlite_store {
	struct db w;        /* the writer: every change, in transactions */
	struct db r;        /* a reader: WAL lets admin reads go on while the writer
	                       commits (the fleet's flusher, a build) */
};

static inline struct db *store_sqlite_writer(void *impl)
{
	return &((struct sqlite_store *)impl)->w;
}

static inline struct db *store_sqlite_reader(void *impl)
{
	return &((struct sqlite_store *)impl)->r;
}

int store_sqlite_build_insert(void *impl, struct build *b);
int store_sqlite_build_find(void *impl, const char *dedup_key, long long *id);
int store_sqlite_build_get(void *impl, long long id, struct build *out);
int store_sqlite_builds_list(void *impl, const struct build_query *q, store_build_cb cb,
                             void *cls);
int store_sqlite_build_image(void *impl, long long id, char sha[HASH_HEX_LEN + 1],
                             long long *size);
int store_sqlite_build_source(void *impl, long long id, const char *name,
                              char sha[HASH_HEX_LEN + 1]);
int store_sqlite_build_delete(void *impl, long long id);
int store_sqlite_blob_refs(void *impl, store_blob_cb cb, void *cls);

int store_sqlite_release_create(void *impl, struct release *r);
int store_sqlite_release_get(void *impl, long long id, struct release *out);
int store_sqlite_releases_list(void *impl, const char *channel, store_release_cb cb,
                               void *cls);
int store_sqlite_release_update(void *impl, long long id, int percent,
                                const enum release_state *state, struct release *out);
int store_sqlite_channels_list(void *impl, store_channel_cb cb, void *cls);

int store_sqlite_device_create(void *impl, const struct device *d,
                               struct device_registration *reg);
int store_sqlite_registration_get(void *impl, const char *idem_sha,
                                  struct device_registration *out);
int store_sqlite_device_delete(void *impl, const char *id);
int store_sqlite_device_rekey(void *impl, const char *id, const char *key_sha);
int store_sqlite_device_move(void *impl, const char *id, const char *channel);
int store_sqlite_device_counts(void *impl, const char *id, store_count_cb cb, void *cls);
int store_sqlite_device_get(void *impl, const char *id, struct device *out);
int store_sqlite_devices_list(void *impl, const struct device_query *q, store_device_cb cb,
                              void *cls);
int store_sqlite_devices_scan(void *impl, const char *id, store_device_cb cb, void *cls);
int store_sqlite_device_events(void *impl, const char *id, int limit, store_event_cb cb,
                               void *cls);
int store_sqlite_device_report(void *impl, const struct device_report *rep);
int store_sqlite_devices_seen(void *impl, const struct device_seen *v, size_t n);

#endif
