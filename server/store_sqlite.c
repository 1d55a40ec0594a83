/* store_sqlite.c - the embedded SQLite backend of store.h: one database file
** <data-dir>/lfsd.db (WAL; migrations and their rules in db.c), the settings
** table, and the table of operations that the store_sqlite_*.c files
** implement. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "store_sqlite.h"

static void sqlite_close(void *impl)
{
	struct sqlite_store *s = impl;

	if (!s)
		return;
	db_close(&s->r);
	db_close(&s->w);
	pthread_mutex_destroy(&s->r.mu);
	pthread_mutex_destroy(&s->w.mu);
	free(s);
}

static int setting_get(void *impl, const char *key, char *buf, size_t size)
{
	struct db *d = store_sqlite_reader(impl);
	sqlite3_stmt *st;
	int ret = STORE_ERROR;

	db_lock(d);
	st = db_prepare(d, "SELECT value FROM settings WHERE key = ?");
	if (st) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		ret = db_found(d, sqlite3_step(st), "read setting");
		if (ret == STORE_OK)
			db_text(st, 0, buf, size);
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return ret;
}

static int setting_set(void *impl, const char *key, const char *value)
{
	struct db *d = store_sqlite_writer(impl);
	sqlite3_stmt *st;
	int ret = STORE_ERROR;

	db_lock(d);
	st = db_prepare(d, "INSERT INTO settings(key, value) VALUES (?, ?) "
	                "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (st) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
		ret = db_written(d, sqlite3_step(st), "write setting");
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return ret;
}

static const struct store_ops sqlite_ops = {
	"sqlite",
	sqlite_close,
	setting_get,
	setting_set,
	store_sqlite_build_insert,
	store_sqlite_build_find,
	store_sqlite_build_get,
	store_sqlite_builds_list,
	store_sqlite_build_image,
	store_sqlite_build_source,
	store_sqlite_build_delete,
	store_sqlite_blob_refs,
	store_sqlite_release_create,
	store_sqlite_release_get,
	store_sqlite_releases_list,
	store_sqlite_release_update,
	store_sqlite_channels_list,
	store_sqlite_device_create,
	store_sqlite_registration_get,
	store_sqlite_device_delete,
	store_sqlite_device_rekey,
	store_sqlite_device_move,
	store_sqlite_device_counts,
	store_sqlite_device_get,
	store_sqlite_devices_list,
	store_sqlite_devices_scan,
	store_sqlite_device_events,
	store_sqlite_device_report,
	store_sqlite_devices_seen,
};

int store_open(struct store *s, const char *data_dir)
{
	struct sqlite_store *q = calloc(1, sizeof *q);
	char path[PATH_MAX];

	s->ops = NULL;
	s->impl = NULL;
	if (!q)
		return log_error("out of memory");
	snprintf(path, sizeof path, "%s/lfsd.db", data_dir);
	if (db_open(&q->w, path) || db_open_reader(&q->r, path)) {
		sqlite_close(q);
		return -1;
	}
	s->ops = &sqlite_ops;
	s->impl = q;
	return 0;
}
