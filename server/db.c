/* db.c - SQLite connection, migrations and their invariants.
**
** Migration rules:
**  1. schema/NNNN_name.sql files are append-only; their text is embedded in
**     lfsd at build time (schema_sql.c), in ascending NNNN order.
**  2. PRAGMA user_version holds the number of the last applied file.
**  3. At open, every file above user_version runs in its own transaction
**     (BEGIN IMMEDIATE ... COMMIT) and must leave user_version = NNNN; a
**     failure rolls the file back and lfsd refuses to start.
**  4. A database whose user_version is above the newest embedded file was
**     written by a newer lfsd: refuse it rather than guess.
**  5. journal_mode=WAL, synchronous=FULL: a commit that returned is on disk,
**     so an answered request never loses its rows to a crash.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "health.h"
#include "log.h"
#include "schema_sql.h"
#include "store.h"

int db_fail(struct db *d, const char *what)
{
	char msg[300];
	int rc = d->h ? sqlite3_errcode(d->h) : SQLITE_CANTOPEN;

	snprintf(msg, sizeof msg, "%s: %s", what, d->h ? sqlite3_errmsg(d->h) : "no database");
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || (!d->writer && rc == SQLITE_IOERR))
		health_database(msg);
	else if (d->writer)
		health_write_failed(msg);
	return log_error("%s", msg);
}

int db_found(struct db *d, int rc, const char *what)
{
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : db_fail(d, what);
}

int db_written(struct db *d, int rc, const char *what)
{
	if (rc == SQLITE_DONE) {
		health_write_ok();
		return STORE_OK;
	}
	return rc == SQLITE_CONSTRAINT ? STORE_EXISTS : db_fail(d, what);
}

/* Executes sql (no results) under the caller's lock. Returns 0 or -1 (logged
** with what). */
static int exec(struct db *d, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return db_fail(d, what);
	}
	return 0;
}

/* Rolls back the open transaction, if any: after some failures SQLite has
** already rolled it back, and that is not another failure. */
static void rollback(struct db *d)
{
	if (!sqlite3_get_autocommit(d->h))
		exec(d, "ROLLBACK", "rollback");
}

sqlite3_stmt *db_prepare(struct db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(d, "prepare");
		return NULL;
	}
	return st;
}

static int user_version(struct db *d, int *v)
{
	sqlite3_stmt *st = db_prepare(d, "PRAGMA user_version");

	if (!st)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(d, "read user_version");
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(struct db *d)
{
	int have, i, after;
	int newest = schema_migrations[schema_migration_count - 1].version;

	if (user_version(d, &have))
		return -1;
	if (have > newest)
		return log_error("database schema version %d is newer than this lfsd (%d)",
		                 have, newest);
	for (i = 0; i < schema_migration_count; i++) {
		const struct schema_migration *m = &schema_migrations[i];

		if (m->version <= have)
			continue;
		if (exec(d, "BEGIN IMMEDIATE", "begin migration"))
			return -1;
		if (exec(d, m->sql, m->name) || user_version(d, &after) ||
		    after != m->version) {
			rollback(d);
			return log_error("migration '%s' failed", m->name);
		}
		if (exec(d, "COMMIT", m->name))
			return -1;
	}
	return 0;
}

/* PRAGMA quick_check: a database with damaged pages or indexes is refused
** before anything reads it as if it were whole. Returns 0 or -1 (logged,
** with how to recover). */
static int check(struct db *d, const char *path)
{
	sqlite3_stmt *st = db_prepare(d, "PRAGMA quick_check(5)");
	const char *row;
	char first[300] = "";
	size_t n;
	int rc, ok = 0;

	if (!st)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = (const char *)sqlite3_column_text(st, 0);
		ok = row && !strcmp(row, "ok");
		n = strlen(first);
		snprintf(first + n, sizeof first - n, "%s%s", n ? "; " : "", row ? row : "?");
	}
	for (n = 0; first[n]; n++)   /* one log line */
		if (first[n] == '\n')
			first[n] = ' ';
	if (rc != SQLITE_DONE && !first[0])
		snprintf(first, sizeof first, "%s", sqlite3_errmsg(d->h));
	sqlite3_finalize(st);
out:
	if (ok)
		return 0;
	return log_error("database '%s' is damaged (PRAGMA quick_check: %s); lfsd will not "
	                 "start on it. To recover: stop writers, copy the data directory, "
	                 "then restore lfsd.db from a backup, or salvage it with "
	                 "`sqlite3 '%s' .recover | sqlite3 recovered.db` and move "
	                 "recovered.db to lfsd.db after checking it (server/README.md, "
	                 "\"Storage\")", path, first[0] ? first : "no answer", path);
}

int db_open(struct db *d, const char *path)
{
	pthread_mutex_init(&d->mu, NULL);
	d->writer = 1;
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		log_error("cannot open database '%s': %s", path,
		          d->h ? sqlite3_errmsg(d->h) : "out of memory");
		db_close(d);
		return -1;
	}
	sqlite3_busy_timeout(d->h, 5000);
	if (exec(d, "PRAGMA journal_mode=WAL", "set WAL mode") ||
	    exec(d, "PRAGMA synchronous=FULL", "set synchronous") ||
	    exec(d, "PRAGMA foreign_keys=ON", "enable foreign keys") ||
	    check(d, path) || migrate(d)) {
		db_close(d);
		return -1;
	}
	return 0;
}

int db_open_reader(struct db *d, const char *path)
{
	pthread_mutex_init(&d->mu, NULL);
	d->writer = 0;
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
	                    NULL) != SQLITE_OK) {
		log_error("cannot open database '%s' to read: %s", path,
		          d->h ? sqlite3_errmsg(d->h) : "out of memory");
		db_close(d);
		return -1;
	}
	sqlite3_busy_timeout(d->h, 5000);
	return 0;
}

void db_close(struct db *d)
{
	if (d->h) {
		sqlite3_close(d->h);
		d->h = NULL;
	}
}

void db_lock(struct db *d)
{
	pthread_mutex_lock(&d->mu);
}

void db_unlock(struct db *d)
{
	pthread_mutex_unlock(&d->mu);
}

int db_transaction(struct db *d, const char *what, int (*body)(struct db *d, void *cls),
                   void *cls)
{
	int ret;

	if (exec(d, "BEGIN IMMEDIATE", what))
		return -1;
	ret = body(d, cls);
	if (ret == 0 && exec(d, "COMMIT", what))
		ret = -1;
	if (ret != 0)
		rollback(d);
	else
		health_write_ok();
	return ret;
}

int db_rows(struct db *d, sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *cls),
            void *cls, const char *what)
{
	int rc = SQLITE_DONE, stop = 0, ret = 0;

	if (!st)
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = row(st, cls);
	if (!stop && rc != SQLITE_DONE)
		ret = db_fail(d, what);   /* before finalize: the message is the step's */
	sqlite3_finalize(st);
	return ret;
}

void db_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t ? t : "");
}

char *db_strdup(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return strdup(t ? t : "");
}

void db_bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void db_bind_opt_int(sqlite3_stmt *st, int i, int has, long long v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}
