/* store_devices.c - SQL of devices and their event history. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_devices.h"

#define DEV_COLS "id, channel, created, last_seen, running_sha256, state, state_detail, state_time"

static json_t *opt_text(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null()
	       : json_string((const char *)sqlite3_column_text(st, i));
}

static json_t *opt_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null()
	       : json_integer(sqlite3_column_int64(st, i));
}

static json_t *row(sqlite3_stmt *st)
{
	return json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:o,s:o}",
		"id", (const char *)sqlite3_column_text(st, 0),
		"channel", (const char *)sqlite3_column_text(st, 1),
		"created", (json_int_t)sqlite3_column_int64(st, 2),
		"last_seen", opt_int(st, 3),
		"running_sha256", opt_text(st, 4),
		"state", opt_text(st, 5),
		"state_detail", opt_text(st, 6),
		"state_time", opt_int(st, 7));
}

int store_devices_create(struct db *d, const char *id, const char *channel,
                         const char *key_sha)
{
	sqlite3_stmt *st;
	int ret = 0, rc;

	db_lock(d);
	st = db_prepare(d, "INSERT INTO devices (id, channel, key_sha256, created) "
	                "VALUES (?, ?, ?, ?)");
	if (!st) {
		db_unlock(d);
		return -1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key_sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (long long)time(NULL));
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		ret = 1;
	else if (rc != SQLITE_DONE)
		ret = db_fail(d, "insert device");
	sqlite3_finalize(st);
	db_unlock(d);
	return ret;
}

json_t *store_devices_get(struct db *d, const char *id, int events)
{
	sqlite3_stmt *st;
	json_t *j = NULL, *ev;

	db_lock(d);
	st = db_prepare(d, "SELECT " DEV_COLS " FROM devices WHERE id = ?");
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			j = row(st);
		sqlite3_finalize(st);
	}
	if (j && events) {
		ev = json_array();
		st = db_prepare(d, "SELECT time, state, sha256, detail FROM device_events "
		                "WHERE device_id = ? ORDER BY id DESC LIMIT 100");
		if (st) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW)
				json_array_append_new(ev, json_pack("{s:I,s:s,s:o,s:o}",
					"time", (json_int_t)sqlite3_column_int64(st, 0),
					"state", (const char *)sqlite3_column_text(st, 1),
					"sha256", opt_text(st, 2), "detail", opt_text(st, 3)));
			sqlite3_finalize(st);
		}
		json_object_set_new(j, "events", ev);
	}
	db_unlock(d);
	return j;
}

json_t *store_devices_list(struct db *d)
{
	sqlite3_stmt *st;
	json_t *a = json_array();

	db_lock(d);
	st = db_prepare(d, "SELECT " DEV_COLS " FROM devices ORDER BY id");
	if (st) {
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(a, row(st));
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return a;
}

int store_devices_report(struct db *d, const char *id, const char *state,
                         const char *sha, const char *detail, const char *running)
{
	sqlite3_stmt *st = NULL;
	long long now = (long long)time(NULL);
	int ret = -1;

	db_lock(d);
	if (db_exec(d, "BEGIN IMMEDIATE", "begin report"))
		goto out;
	st = db_prepare(d, "INSERT INTO device_events (device_id, time, state, sha256, detail) "
	                "VALUES (?, ?, ?, ?, ?)");
	if (!st)
		goto rollback;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = db_prepare(d, "UPDATE devices SET state = ?, state_detail = ?, state_time = ?, "
	                "last_seen = ?, running_sha256 = COALESCE(?, running_sha256) WHERE id = ?");
	if (!st)
		goto rollback;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, running, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	if (db_exec(d, "COMMIT", "commit report"))
		goto rollback;
	ret = 0;
	goto out;
fail:
	db_fail(d, "store report");
rollback:
	db_exec(d, "ROLLBACK", "rollback report");
out:
	sqlite3_finalize(st);
	db_unlock(d);
	return ret;
}
