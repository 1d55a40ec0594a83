/* store_sqlite_devices.c - devices and their event history in SQLite. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_sqlite.h"

#define DEV_COLS "id, channel, key_sha256, created, last_seen, running_sha256, state, " \
	"state_detail, state_time, key_generation, offered_release, offered_rollback, " \
	"floor_release, unoffered_sha256, client"

static void row_device(sqlite3_stmt *st, struct device *d)
{
	db_text(st, 0, d->id, sizeof d->id);
	db_text(st, 1, d->channel, sizeof d->channel);
	db_text(st, 2, d->key_sha, sizeof d->key_sha);
	d->created = sqlite3_column_int64(st, 3);
	d->last_seen = sqlite3_column_int64(st, 4);
	db_text(st, 5, d->running, sizeof d->running);
	db_text(st, 6, d->state, sizeof d->state);
	db_text(st, 7, d->detail, sizeof d->detail);
	d->state_time = sqlite3_column_int64(st, 8);
	d->key_generation = sqlite3_column_int64(st, 9);
	d->offered_release = sqlite3_column_int64(st, 10);
	d->offered_rollback = sqlite3_column_int(st, 11);
	d->floor = sqlite3_column_int64(st, 12);
	db_text(st, 13, d->unoffered, sizeof d->unoffered);
	db_text(st, 14, d->client, sizeof d->client);
}

struct each {
	store_device_cb cb;
	void *cls;
};

/* db_rows row function: one device to cb. */
static int device_row(sqlite3_stmt *st, void *cls)
{
	struct each *e = cls;
	struct device dev;

	row_device(st, &dev);
	return e->cb(e->cls, &dev);
}

/* Steps st (parameters bound; NULL = prepare failed) and hands each row to
** cb; finalizes st. */
static int each_device(struct db *d, sqlite3_stmt *st, store_device_cb cb, void *cls)
{
	struct each e = { cb, cls };

	return db_rows(d, st, device_row, &e, "read devices") ? STORE_ERROR : STORE_OK;
}

/* store_device_cb of store_sqlite_device_get: copies the one row. */
static int copy_device(void *cls, const struct device *d)
{
	memcpy(cls, d, sizeof *d);
	return 0;
}

int store_sqlite_device_get(void *impl, const char *id, struct device *out)
{
	struct db *d = store_sqlite_reader(impl);
	sqlite3_stmt *st;
	int ret = STORE_ERROR;

	out->id[0] = '\0';
	db_lock(d);
	st = db_prepare(d, "SELECT " DEV_COLS " FROM devices WHERE id = ?");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		ret = each_device(d, st, copy_device, out);
	}
	db_unlock(d);
	return ret == STORE_OK && !out->id[0] ? STORE_NOT_FOUND : ret;
}

int store_sqlite_devices_list(void *impl, const struct device_query *q, store_device_cb cb,
                              void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	sqlite3_stmt *st;
	char upper[STORE_ID_MAX + 2];
	int ret = STORE_ERROR;

	/* the id prefix as a range: [prefix, prefix with its last character + 1) */
	snprintf(upper, sizeof upper, "%s", q->prefix ? q->prefix : "");
	if (upper[0])
		upper[strlen(upper) - 1]++;
	db_lock(d);
	st = db_prepare(d, "SELECT " DEV_COLS " FROM devices WHERE id > ?1 AND "
	                "(?2 IS NULL OR channel = ?2) AND (?3 IS NULL OR state = ?3 OR "
	                "(?3 = '' AND state IS NULL)) AND "
	                "(?4 IS NULL OR (id >= ?4 AND id < ?5)) ORDER BY id LIMIT ?6");
	if (st) {
		sqlite3_bind_text(st, 1, q->after ? q->after : "", -1, SQLITE_STATIC);
		db_bind_opt_text(st, 2, q->channel);
		if (q->state)
			sqlite3_bind_text(st, 3, q->state, -1, SQLITE_STATIC);
		db_bind_opt_text(st, 4, q->prefix);
		sqlite3_bind_text(st, 5, upper, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, q->limit);
		ret = each_device(d, st, cb, cls);
	}
	db_unlock(d);
	return ret;
}

int store_sqlite_devices_scan(void *impl, const char *id, store_device_cb cb, void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	sqlite3_stmt *st;
	int ret = STORE_ERROR;

	db_lock(d);
	st = db_prepare(d, id ? "SELECT " DEV_COLS " FROM devices WHERE id = ?"
	                      : "SELECT " DEV_COLS " FROM devices");
	if (st) {
		if (id)
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		ret = each_device(d, st, cb, cls);
	}
	db_unlock(d);
	return ret;
}

struct events {
	store_event_cb cb;
	void *cls;
};

/* db_rows row function: one event to cb. */
static int event_row(sqlite3_stmt *st, void *cls)
{
	struct events *ev = cls;
	struct device_event e;

	e.time = sqlite3_column_int64(st, 0);
	db_text(st, 1, e.state, sizeof e.state);
	db_text(st, 2, e.sha, sizeof e.sha);
	db_text(st, 3, e.detail, sizeof e.detail);
	db_text(st, 4, e.flag, sizeof e.flag);
	return ev->cb(ev->cls, &e);
}

int store_sqlite_device_events(void *impl, const char *id, int limit, store_event_cb cb,
                               void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	struct events ev = { cb, cls };
	sqlite3_stmt *st;
	int ret;

	db_lock(d);
	st = db_prepare(d, "SELECT time, state, sha256, detail, flag FROM device_events "
	                "WHERE device_id = ? ORDER BY id DESC LIMIT ?");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, limit);
	}
	ret = db_rows(d, st, event_row, &ev, "read events") ? STORE_ERROR : STORE_OK;
	db_unlock(d);
	return ret;
}

/* The statements of a report, each with the parameters ?1 id, ?2 time,
** ?3 state, ?4 sha256, ?5 detail, ?6 running, ?7 events kept, ?8 the event's
** flag, ?9 the unoffered image to set (a flagged booted), '' to clear it
** (another booted), NULL to keep it; run in order in the caller's
** transaction. */
static const char *const report_sql[] = {
	"INSERT INTO device_events (device_id, time, state, sha256, detail, flag) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?8)",
	"UPDATE devices SET state = ?3, state_detail = ?5, state_time = ?2, last_seen = ?2, "
	"running_sha256 = COALESCE(?6, running_sha256), unoffered_sha256 = "
	"CASE WHEN ?9 IS NULL THEN unoffered_sha256 WHEN ?9 = '' THEN NULL ELSE ?9 END "
	"WHERE id = ?1",
	"INSERT INTO device_event_counts (device_id, state, count) VALUES (?1, ?3, 1) "
	"ON CONFLICT (device_id, state) DO UPDATE SET count = count + 1",
	"INSERT INTO device_outcomes (device_id, sha256, state, time) SELECT ?1, ?4, ?3, ?2 "
	"WHERE ?4 IS NOT NULL AND ?3 IN ('booted', 'failed', 'rolled-back') "
	"ON CONFLICT (device_id, sha256, state) DO UPDATE SET time = excluded.time",
	/* retention: the device's events beyond its ?7 newest */
	"DELETE FROM device_events WHERE device_id = ?1 AND id <= (SELECT id FROM "
	"device_events WHERE device_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?7)",
	NULL
};

/* The rows of a report (in the caller's transaction). Returns 0 or -1
** (logged). */
static int report_rows(struct db *d, const struct device_report *rep)
{
	sqlite3_stmt *st;
	int i, ret = 0;

	for (i = 0; report_sql[i] && !ret; i++) {
		if (!(st = db_prepare(d, report_sql[i])))
			return -1;
		sqlite3_bind_text(st, 1, rep->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, rep->time);
		sqlite3_bind_text(st, 3, rep->state, -1, SQLITE_STATIC);
		db_bind_opt_text(st, 4, rep->sha);
		db_bind_opt_text(st, 5, rep->detail);
		db_bind_opt_text(st, 6, rep->running);
		sqlite3_bind_int(st, 7, rep->keep > 0 ? rep->keep : 1);
		db_bind_opt_text(st, 8, rep->unoffered ? "unoffered" : NULL);
		if (rep->unoffered && rep->sha)
			sqlite3_bind_text(st, 9, rep->sha, -1, SQLITE_STATIC);
		else if (!strcmp(rep->state, "booted"))
			sqlite3_bind_text(st, 9, "", 0, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 9);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = db_fail(d, "store report");
		sqlite3_finalize(st);
	}
	return ret;
}

/* db_transaction body of store_sqlite_device_report. */
static int report(struct db *d, void *cls)
{
	return report_rows(d, cls) ? STORE_ERROR : STORE_OK;
}

int store_sqlite_device_report(void *impl, const struct device_report *rep)
{
	struct db *d = store_sqlite_writer(impl);
	int ret;

	db_lock(d);
	ret = db_transaction(d, "store a report", report, (void *)rep);
	db_unlock(d);
	return ret;
}

struct seen {
	const struct device_seen *v;
	size_t n;
};

/* db_transaction body of store_sqlite_devices_seen. */
static int update_seen(struct db *d, void *cls)
{
	const struct seen *s = cls;
	sqlite3_stmt *st = db_prepare(d, "UPDATE devices SET last_seen = ?, running_sha256 = "
	                              "COALESCE(?, running_sha256), offered_release = ?, "
	                              "offered_rollback = ?, floor_release = ?, "
	                              "client = COALESCE(?, client) WHERE id = ?");
	size_t i;
	int ret = st ? STORE_OK : STORE_ERROR;

	for (i = 0; st && i < s->n && ret == STORE_OK; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, s->v[i].last_seen);
		db_bind_opt_text(st, 2, s->v[i].running);
		sqlite3_bind_int64(st, 3, s->v[i].offered_release);
		sqlite3_bind_int(st, 4, s->v[i].offered_rollback);
		sqlite3_bind_int64(st, 5, s->v[i].floor);
		db_bind_opt_text(st, 6, s->v[i].client);
		sqlite3_bind_text(st, 7, s->v[i].id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = db_fail(d, "flush device");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_sqlite_devices_seen(void *impl, const struct device_seen *v, size_t n)
{
	struct db *d = store_sqlite_writer(impl);
	struct seen s = { v, n };
	int ret;

	db_lock(d);
	ret = db_transaction(d, "flush devices", update_seen, &s);
	db_unlock(d);
	return ret;
}

