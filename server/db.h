/* db.h - the SQLite connection of lfsd: open, migrate, serialise access. */
#ifndef DB_H
#define DB_H

#include <pthread.h>
#include <sqlite3.h>

/* One connection shared by all threads; every use is between db_lock() and
** db_unlock(), so a transaction is never interleaved with another thread's. */
struct db {
	sqlite3 *h;             /* owned; NULL when closed */
	pthread_mutex_t mu;     /* guards h and its transactions */
};

/* Opens (creating) path in WAL mode with synchronous=FULL and foreign keys,
** applies the missing migrations of schema/, refuses a database newer than
** this build. Returns 0 or -1 (logged). path borrowed. */
int db_open(struct db *d, const char *path);
/* Closes; safe on a closed db. */
void db_close(struct db *d);

void db_lock(struct db *d);
void db_unlock(struct db *d);

/* Executes sql (no results) under the caller's lock. Returns 0 or -1 (logged
** with what). */
int db_exec(struct db *d, const char *sql, const char *what);
/* Prepares sql; returns the statement (caller owns: sqlite3_finalize) or
** NULL (logged). */
sqlite3_stmt *db_prepare(struct db *d, const char *sql);
/* Logs "what: <sqlite message>" and returns -1. */
int db_fail(struct db *d, const char *what);

/* Reads/writes the settings table (under the caller's lock). db_setting_get
** copies into buf; returns 0 found, 1 absent, -1 error. */
int db_setting_get(struct db *d, const char *key, char *buf, size_t size);
int db_setting_set(struct db *d, const char *key, const char *value);

#endif
