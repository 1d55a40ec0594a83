/* db.h - the SQLite connection of the SQLite store (store_sqlite*.c): open,
** migrate, serialise access, and the small helpers its SQL code shares. */
#ifndef DB_H
#define DB_H

#include <pthread.h>
#include <sqlite3.h>

/* One connection shared by all threads; every use is between db_lock() and
** db_unlock(), so a transaction is never interleaved with another thread's. */
struct db {
	sqlite3 *h;             /* owned; NULL when closed */
	pthread_mutex_t mu;     /* guards h and its transactions */
	int writer;             /* db_open()'s connection: its failures are failed writes */
};

/* Opens (creating) path in WAL mode with synchronous=FULL and foreign keys,
** checks it (PRAGMA quick_check: a damaged database is refused with a
** recovery hint), applies the missing migrations of schema/, refuses a
** database newer than this build. Returns 0 or -1 (logged). path borrowed. */
int db_open(struct db *d, const char *path);
/* Opens a second, read-only connection to a database db_open() prepared:
** in WAL mode its reads do not wait for the writer's transactions. Returns
** 0 or -1 (logged). */
int db_open_reader(struct db *d, const char *path);
/* Closes; safe on a closed db. */
void db_close(struct db *d);

void db_lock(struct db *d);
void db_unlock(struct db *d);

/* Prepares sql; returns the statement (caller owns: sqlite3_finalize) or
** NULL (logged). */
sqlite3_stmt *db_prepare(struct db *d, const char *sql);
/* Logs "what: <sqlite message>" and returns -1 (STORE_ERROR). The failure
** goes to health.h too: on the writer a failed write, a read error or damage
** on either connection. */
int db_fail(struct db *d, const char *what);
/* The store code (store.h) of rc, what sqlite3_step() gave; call it before
** finalizing. db_found, for a query of one row: SQLITE_ROW is STORE_OK,
** SQLITE_DONE STORE_NOT_FOUND. db_written, for a write: SQLITE_DONE is
** STORE_OK, SQLITE_CONSTRAINT STORE_EXISTS. Any other rc is logged ("what:
** message") and gives STORE_ERROR. */
int db_found(struct db *d, int rc, const char *what);
int db_written(struct db *d, int rc, const char *what);

/* Runs body(d, cls) in a write transaction (BEGIN IMMEDIATE) under the
** caller's lock: committed when body returns 0, rolled back otherwise.
** Returns body's result, or -1 when the transaction itself fails (logged). */
int db_transaction(struct db *d, const char *what, int (*body)(struct db *d, void *cls),
                   void *cls);
/* Steps st (prepared and bound; NULL = prepare failed) and calls row(st,
** cls) for each row until it returns non-zero (stop, not an error); then
** finalizes st. Returns 0, or -1 (logged with what) if a step failed. */
int db_rows(struct db *d, sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *cls),
            void *cls, const char *what);
/* Copies column i's text into buf (size bytes, cut if longer); "" for NULL. */
void db_text(sqlite3_stmt *st, int i, char *buf, size_t size);
/* Column i's text as a new string (caller owns: free()); NULL when out of
** memory. NULL columns give "". */
char *db_strdup(sqlite3_stmt *st, int i);
/* Binds s as text (SQLITE_STATIC: s must outlive the step), or NULL when s
** is NULL or "". */
void db_bind_opt_text(sqlite3_stmt *st, int i, const char *s);
/* Binds v, or NULL when has == 0. */
void db_bind_opt_int(sqlite3_stmt *st, int i, int has, long long v);

#endif
