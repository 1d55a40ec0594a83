/* store_sqlite_lifecycle.c - a device's life in SQLite: registered (with
** the replay record of an Idempotency-Key), deleted with its history, given
** a new key, moved to another channel; and
** the counts of its reports. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_sqlite.h"

struct create {
	const struct device *dev;
	struct device_registration *reg;   /* NULL = none */
	int64_t now;
};

/* The replay record of c (in the caller's transaction); expired ones go. */
static int put_registration(struct db *d, struct create *c)
{
	sqlite3_stmt *old = db_prepare(d, "DELETE FROM device_registrations WHERE created < ?");
	sqlite3_stmt *st = db_prepare(d, "INSERT INTO device_registrations (idem_sha256, "
	                              "device_id, channel, key_sealed, created) VALUES (?,?,?,?,?)");
	int ret = STORE_ERROR;

	if (old && st) {
		sqlite3_bind_int64(old, 1, c->now - STORE_REGISTRATION_TTL);
		snprintf(c->reg->device_id, sizeof c->reg->device_id, "%s", c->dev->id);
		snprintf(c->reg->channel, sizeof c->reg->channel, "%s", c->dev->channel);
		c->reg->created = c->now;
		sqlite3_bind_text(st, 1, c->reg->idem_sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->reg->device_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, c->reg->channel, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, c->reg->key_sealed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, c->now);
		ret = sqlite3_step(old) == SQLITE_DONE ? db_written(d, sqlite3_step(st),
		      "store a registration") : db_fail(d, "expire registrations");
	}
	sqlite3_finalize(old);
	sqlite3_finalize(st);
	return ret;
}

/* db_transaction body of store_sqlite_device_create. */
static int create(struct db *d, void *cls)
{
	struct create *c = cls;
	sqlite3_stmt *st = db_prepare(d, "INSERT INTO devices (id, channel, key_sha256, created) "
	                              "VALUES (?, ?, ?, ?)");
	int ret;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, c->dev->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->dev->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->dev->key_sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->now);
	ret = db_written(d, sqlite3_step(st), "insert device");
	sqlite3_finalize(st);
	if (ret == STORE_OK && c->reg)
		ret = put_registration(d, c);
	return ret;
}

int store_sqlite_device_create(void *impl, const struct device *dev,
                               struct device_registration *reg)
{
	struct db *d = store_sqlite_writer(impl);
	struct create c = { dev, reg, (int64_t)time(NULL) };
	int ret;

	db_lock(d);
	ret = db_transaction(d, "register a device", create, &c);
	db_unlock(d);
	return ret;
}

int store_sqlite_registration_get(void *impl, const char *idem_sha,
                                  struct device_registration *out)
{
	struct db *d = store_sqlite_reader(impl);
	sqlite3_stmt *st;
	int ret = STORE_ERROR;

	memset(out, 0, sizeof *out);
	db_lock(d);
	st = db_prepare(d, "SELECT idem_sha256, device_id, channel, key_sealed, created FROM "
	                "device_registrations WHERE idem_sha256 = ? AND created >= ?");
	if (st) {
		sqlite3_bind_text(st, 1, idem_sha, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (long long)time(NULL) - STORE_REGISTRATION_TTL);
		ret = db_found(d, sqlite3_step(st), "read a registration");
		if (ret == STORE_OK) {
			db_text(st, 0, out->idem_sha, sizeof out->idem_sha);
			db_text(st, 1, out->device_id, sizeof out->device_id);
			db_text(st, 2, out->channel, sizeof out->channel);
			db_text(st, 3, out->key_sealed, sizeof out->key_sealed);
			out->created = sqlite3_column_int64(st, 4);
		}
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return ret;
}

struct change {
	const char *const *sql;          /* statements with ?1 = id, ?2 = arg; NULL-ended */
	int row;                         /* the one on the device row: it must change it */
	const char *id, *arg;
};

/* db_transaction body of the changes below: runs c->sql in order; the
** statement c->row must change the device row (else NOT_FOUND). */
static int change(struct db *d, void *cls)
{
	struct change *c = cls;
	sqlite3_stmt *st;
	int i, ret = STORE_OK;

	for (i = 0; c->sql[i] && ret == STORE_OK; i++) {
		if (!(st = db_prepare(d, c->sql[i])))
			return STORE_ERROR;
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		if (c->arg)
			sqlite3_bind_text(st, 2, c->arg, -1, SQLITE_STATIC);
		ret = db_written(d, sqlite3_step(st), "change a device");
		if (ret == STORE_OK && i == c->row && sqlite3_changes(d->h) == 0)
			ret = STORE_NOT_FOUND;
		sqlite3_finalize(st);
	}
	return ret == STORE_EXISTS ? STORE_ERROR : ret;
}

/* Runs c in a write transaction. */
static int run(void *impl, struct change *c, const char *what)
{
	struct db *d = store_sqlite_writer(impl);
	int ret;

	db_lock(d);
	ret = db_transaction(d, what, change, c);
	db_unlock(d);
	return ret;
}

int store_sqlite_device_delete(void *impl, const char *id)
{
	static const char *const sql[] = {   /* the rows that refer to it first */
		"DELETE FROM device_events WHERE device_id = ?1",
		"DELETE FROM device_event_counts WHERE device_id = ?1",
		"DELETE FROM device_outcomes WHERE device_id = ?1",
		"DELETE FROM device_registrations WHERE device_id = ?1",
		"DELETE FROM devices WHERE id = ?1",
		NULL
	};
	struct change c = { sql, 4, id, NULL };

	return run(impl, &c, "delete a device");
}

int store_sqlite_device_rekey(void *impl, const char *id, const char *key_sha)
{
	static const char *const sql[] = {
		/* its manifest key changes with it (server/README.md "Signed manifests") */
		"UPDATE devices SET key_sha256 = ?2, key_generation = key_generation + 1 "
		"WHERE id = ?1",
		"DELETE FROM device_registrations WHERE device_id = ?1",
		NULL
	};
	struct change c = { sql, 0, id, key_sha };

	return run(impl, &c, "give a device a new key");
}

int store_sqlite_device_move(void *impl, const char *id, const char *channel)
{
	static const char *const sql[] = {
		"UPDATE devices SET channel = ?2 WHERE id = ?1",
		NULL
	};
	struct change c = { sql, 0, id, channel };

	return run(impl, &c, "move a device");
}

struct counts {
	store_count_cb cb;
	void *cls;
};

/* db_rows row function: one state's count to cb. */
static int count_row(sqlite3_stmt *st, void *cls)
{
	struct counts *c = cls;

	return c->cb(c->cls, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
}

int store_sqlite_device_counts(void *impl, const char *id, store_count_cb cb, void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	struct counts c = { cb, cls };
	sqlite3_stmt *st;
	int ret;

	db_lock(d);
	st = db_prepare(d, "SELECT state, count FROM device_event_counts WHERE device_id = ? "
	                "ORDER BY state");
	if (st)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	ret = db_rows(d, st, count_row, &c, "read event counts") ? STORE_ERROR : STORE_OK;
	db_unlock(d);
	return ret;
}
