/* store_releases.c - SQL of releases and the channel overview. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_releases.h"

/* distinct devices of the release's channel that reported this outcome for its
** image since the release was made (index device_events_by_image) */
#define REL_OUTCOME(state) "(SELECT COUNT(DISTINCT e.device_id) FROM device_events e " \
	"JOIN devices d ON d.id = e.device_id WHERE e.sha256 = releases.sha256 AND " \
	"e.state = '" state "' AND e.time >= releases.created AND d.channel = releases.channel)"
#define REL_COLS "id, channel, number, build_id, sha256, size, rollout_percent, state, " \
	"notes, signature, created, updated, " REL_OUTCOME("booted") ", " \
	REL_OUTCOME("failed") ", " REL_OUTCOME("rolled-back")

static json_t *row(sqlite3_stmt *st)
{
	return json_pack("{s:I,s:s,s:I,s:I,s:s,s:I,s:i,s:s,s:s,s:s,s:s,s:I,s:I,"
	                 "s:{s:i,s:i,s:i}}",
		"id", (json_int_t)sqlite3_column_int64(st, 0),
		"channel", (const char *)sqlite3_column_text(st, 1),
		"number", (json_int_t)sqlite3_column_int64(st, 2),
		"build_id", (json_int_t)sqlite3_column_int64(st, 3),
		"sha256", (const char *)sqlite3_column_text(st, 4),
		"size", (json_int_t)sqlite3_column_int64(st, 5),
		"rollout_percent", sqlite3_column_int(st, 6),
		"state", (const char *)sqlite3_column_text(st, 7),
		"notes", (const char *)sqlite3_column_text(st, 8),
		"signature", (const char *)sqlite3_column_text(st, 9),
		"signature_alg", "ecdsa-p256-sha256",
		"created", (json_int_t)sqlite3_column_int64(st, 10),
		"updated", (json_int_t)sqlite3_column_int64(st, 11),
		"outcomes", "booted", sqlite3_column_int(st, 12),
		"failed", sqlite3_column_int(st, 13),
		"rolled_back", sqlite3_column_int(st, 14));
}

long long store_releases_create(struct db *d, const char *channel, long long build_id,
                                const char *sha, long long size, int percent,
                                const char *notes, const char *signature)
{
	sqlite3_stmt *st = NULL;
	long long id = -1, now = (long long)time(NULL);

	db_lock(d);
	if (db_exec(d, "BEGIN IMMEDIATE", "begin release"))
		goto out;
	st = db_prepare(d, "INSERT INTO releases (channel, number, build_id, sha256, size, "
		"rollout_percent, state, notes, signature, created, updated) VALUES (?1, "
		"(SELECT COALESCE(MAX(number), 0) + 1 FROM releases WHERE channel = ?1), "
		"?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?8)");
	if (!st)
		goto rollback;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, build_id);
	sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, size);
	sqlite3_bind_int(st, 5, percent);
	sqlite3_bind_text(st, 6, notes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, signature, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(d, "insert release");
		goto rollback;
	}
	id = sqlite3_last_insert_rowid(d->h);
	if (db_exec(d, "COMMIT", "commit release"))
		goto rollback;
	goto out;
rollback:
	db_exec(d, "ROLLBACK", "rollback release");
	id = -1;
out:
	sqlite3_finalize(st);
	db_unlock(d);
	return id;
}

json_t *store_releases_get(struct db *d, long long id)
{
	sqlite3_stmt *st;
	json_t *j = NULL;

	db_lock(d);
	st = db_prepare(d, "SELECT " REL_COLS " FROM releases WHERE id = ?");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			j = row(st);
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return j;
}

json_t *store_releases_list(struct db *d, const char *channel)
{
	sqlite3_stmt *st;
	json_t *a = json_array();

	db_lock(d);
	st = db_prepare(d, channel
		? "SELECT " REL_COLS " FROM releases WHERE channel = ? ORDER BY number DESC"
		: "SELECT " REL_COLS " FROM releases ORDER BY channel, number DESC");
	if (st) {
		if (channel)
			sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(a, row(st));
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return a;
}

int store_releases_update(struct db *d, long long id, int percent, const char *state,
                          char *channel)
{
	sqlite3_stmt *st;
	int ret = 1;

	db_lock(d);
	st = db_prepare(d, "SELECT channel, state FROM releases WHERE id = ?");
	if (!st) {
		db_unlock(d);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(channel, 65, "%s", (const char *)sqlite3_column_text(st, 0));
		ret = strcmp((const char *)sqlite3_column_text(st, 1), "revoked") ? 0 : 2;
	}
	sqlite3_finalize(st);
	if (ret == 2 && state && !strcmp(state, "revoked") && percent < 0)
		ret = 0;   /* revoking twice is harmless */
	if (ret) {
		db_unlock(d);
		return ret;
	}
	st = db_prepare(d, "UPDATE releases SET rollout_percent = COALESCE(?, rollout_percent), "
	                "state = COALESCE(?, state), updated = ? WHERE id = ?");
	if (!st) {
		db_unlock(d);
		return -1;
	}
	if (percent >= 0)
		sqlite3_bind_int(st, 1, percent);
	else
		sqlite3_bind_null(st, 1);
	if (state)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, (long long)time(NULL));
	sqlite3_bind_int64(st, 4, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_fail(d, "update release");
	sqlite3_finalize(st);
	db_unlock(d);
	return ret;
}

json_t *store_releases_channels(struct db *d)
{
	sqlite3_stmt *st, *latest;
	json_t *a = json_array();

	db_lock(d);
	st = db_prepare(d, "SELECT name, (SELECT COUNT(*) FROM releases r WHERE r.channel = c.name), "
		"(SELECT COUNT(*) FROM devices v WHERE v.channel = c.name) FROM "
		"(SELECT channel AS name FROM releases UNION SELECT channel FROM devices) c "
		"ORDER BY name");
	latest = db_prepare(d, "SELECT " REL_COLS " FROM releases WHERE channel = ? AND "
	                    "state != 'revoked' ORDER BY number DESC LIMIT 1");
	while (st && latest && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		json_t *l = json_null();

		sqlite3_reset(latest);
		sqlite3_bind_text(latest, 1, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(latest) == SQLITE_ROW)
			l = row(latest);
		json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:o}", "name", name,
			"releases", (json_int_t)sqlite3_column_int64(st, 1),
			"devices", (json_int_t)sqlite3_column_int64(st, 2), "latest", l));
	}
	sqlite3_finalize(st);
	sqlite3_finalize(latest);
	db_unlock(d);
	return a;
}
