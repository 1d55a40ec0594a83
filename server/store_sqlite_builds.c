/* store_sqlite_builds.c - builds in SQLite: the builds row (options and what
** lfsc reported, in typed columns) and its build_files, build_modules and
** build_warnings rows, written in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_sqlite.h"

#define BUILD_COLS "id, dedup_key, sha256, size, created, target, strip, base_address, " \
	"max_size, opt_seed, opt_timestamp, seed, timestamp, kind, flash_size, " \
	"strings_vector, strings_short, strings_long, queued_ms, compile_ms, total_ms"

/* Binds the columns of BUILD_COLS but id, as parameters 1..20. */
static void bind_build(sqlite3_stmt *st, const struct build *b)
{
	const struct build_options *o = &b->opts;

	sqlite3_bind_text(st, 1, b->dedup_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, b->size);
	sqlite3_bind_int64(st, 4, b->created);
	sqlite3_bind_text(st, 5, o->target, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, o->strip);
	db_bind_opt_int(st, 7, o->has_base, o->base);
	db_bind_opt_int(st, 8, o->max_size != 0, o->max_size);
	db_bind_opt_int(st, 9, o->has_seed, o->seed);
	db_bind_opt_int(st, 10, o->has_timestamp, o->timestamp);
	sqlite3_bind_int64(st, 11, b->seed);
	sqlite3_bind_int64(st, 12, b->timestamp);
	sqlite3_bind_text(st, 13, b->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, b->flash_size);
	sqlite3_bind_int(st, 15, b->strings_vector);
	sqlite3_bind_int(st, 16, b->strings_short);
	sqlite3_bind_int(st, 17, b->strings_long);
	sqlite3_bind_int64(st, 18, b->queued_ms);
	sqlite3_bind_int64(st, 19, b->compile_ms);
	sqlite3_bind_int64(st, 20, b->total_ms);
}

/* One row of BUILD_COLS -> b (without files, modules, warnings). */
static void row_build(sqlite3_stmt *st, struct build *b)
{
	struct build_options *o = &b->opts;

	memset(b, 0, sizeof *b);
	b->id = sqlite3_column_int64(st, 0);
	db_text(st, 1, b->dedup_key, sizeof b->dedup_key);
	db_text(st, 2, b->sha, sizeof b->sha);
	b->size = sqlite3_column_int64(st, 3);
	b->created = sqlite3_column_int64(st, 4);
	db_text(st, 5, o->target, sizeof o->target);
	o->strip = sqlite3_column_int(st, 6);
	o->has_base = sqlite3_column_type(st, 7) != SQLITE_NULL;
	o->base = (uint32_t)sqlite3_column_int64(st, 7);
	o->max_size = (uint32_t)sqlite3_column_int64(st, 8);
	o->has_seed = sqlite3_column_type(st, 9) != SQLITE_NULL;
	o->seed = (uint32_t)sqlite3_column_int64(st, 9);
	o->has_timestamp = sqlite3_column_type(st, 10) != SQLITE_NULL;
	o->timestamp = sqlite3_column_int64(st, 10);
	b->seed = (uint32_t)sqlite3_column_int64(st, 11);
	b->timestamp = sqlite3_column_int64(st, 12);
	db_text(st, 13, b->kind, sizeof b->kind);
	b->flash_size = sqlite3_column_int64(st, 14);
	b->strings_vector = sqlite3_column_int(st, 15);
	b->strings_short = sqlite3_column_int(st, 16);
	b->strings_long = sqlite3_column_int(st, 17);
	b->queued_ms = sqlite3_column_int64(st, 18);
	b->compile_ms = sqlite3_column_int64(st, 19);
	b->total_ms = sqlite3_column_int64(st, 20);
}

/* Inserts b's files, modules and warnings under build id (in the caller's
** transaction). Returns 0 or -1 (logged). */
static int insert_parts(struct db *d, long long id, const struct build *b)
{
	sqlite3_stmt *f = db_prepare(d, "INSERT INTO build_files (build_id, pos, name, sha256, "
	                             "size) VALUES (?,?,?,?,?)");
	sqlite3_stmt *m = db_prepare(d, "INSERT INTO build_modules (build_id, pos, name, file, "
	                             "image_bytes, flash_bytes, functions) VALUES (?,?,?,?,?,?,?)");
	sqlite3_stmt *w = db_prepare(d, "INSERT INTO build_warnings (build_id, pos, file, line, "
	                             "message) VALUES (?,?,?,?,?)");
	int i, ret = f && m && w ? 0 : -1;

	for (i = 0; !ret && i < b->nfiles; i++) {
		sqlite3_reset(f);
		sqlite3_bind_int64(f, 1, id);
		sqlite3_bind_int(f, 2, i);
		sqlite3_bind_text(f, 3, b->files[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(f, 4, b->files[i].sha, -1, SQLITE_STATIC);
		sqlite3_bind_int64(f, 5, b->files[i].size);
		ret = sqlite3_step(f) == SQLITE_DONE ? 0 : db_fail(d, "insert build file");
	}
	for (i = 0; !ret && i < b->nmodules; i++) {
		sqlite3_reset(m);
		sqlite3_bind_int64(m, 1, id);
		sqlite3_bind_int(m, 2, i);
		sqlite3_bind_text(m, 3, b->modules[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(m, 4, b->modules[i].file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(m, 5, b->modules[i].image_bytes);
		sqlite3_bind_int64(m, 6, b->modules[i].flash_bytes);
		sqlite3_bind_int(m, 7, b->modules[i].functions);
		ret = sqlite3_step(m) == SQLITE_DONE ? 0 : db_fail(d, "insert build module");
	}
	for (i = 0; !ret && i < b->nwarnings; i++) {
		sqlite3_reset(w);
		sqlite3_bind_int64(w, 1, id);
		sqlite3_bind_int(w, 2, i);
		sqlite3_bind_text(w, 3, b->warnings[i].file, -1, SQLITE_STATIC);
		sqlite3_bind_int(w, 4, b->warnings[i].line);
		sqlite3_bind_text(w, 5, b->warnings[i].message, -1, SQLITE_STATIC);
		ret = sqlite3_step(w) == SQLITE_DONE ? 0 : db_fail(d, "insert build warning");
	}
	sqlite3_finalize(f);
	sqlite3_finalize(m);
	sqlite3_finalize(w);
	return ret;
}

/* The id of the build with key (under the caller's lock). */
static int find(struct db *d, const char *key, long long *id)
{
	sqlite3_stmt *st = db_prepare(d, "SELECT id FROM builds WHERE dedup_key = ?");
	int ret;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	ret = db_found(d, sqlite3_step(st), "find build");
	if (ret == STORE_OK)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ret;
}

/* db_transaction body of store_sqlite_build_insert. */
static int insert(struct db *d, void *cls)
{
	struct build *b = cls;
	/* ids are never used twice, not even the newest's after a delete */
	sqlite3_stmt *st = db_prepare(d, "INSERT INTO builds (" BUILD_COLS ") VALUES ((SELECT "
		"max(coalesce((SELECT max(id) FROM builds), 0), coalesce((SELECT CAST(value AS "
		"INTEGER) FROM settings WHERE key = 'builds_deleted_max'), 0)) + 1),"
		"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	int rc;

	if (!st)
		return STORE_ERROR;
	bind_build(st, b);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)   /* an identical build was stored meanwhile */
		return find(d, b->dedup_key, &b->id) == STORE_OK ? STORE_EXISTS : STORE_ERROR;
	if (rc != SQLITE_DONE)
		return db_fail(d, "insert build");
	b->id = sqlite3_last_insert_rowid(d->h);
	return insert_parts(d, b->id, b) ? STORE_ERROR : STORE_OK;
}

int store_sqlite_build_insert(void *impl, struct build *b)
{
	struct db *d = store_sqlite_writer(impl);
	int ret;

	b->created = (int64_t)time(NULL);
	db_lock(d);
	ret = db_transaction(d, "store a build", insert, b);
	db_unlock(d);
	return ret;
}

int store_sqlite_build_find(void *impl, const char *dedup_key, long long *id)
{
	struct db *d = store_sqlite_reader(impl);
	int ret;

	db_lock(d);
	ret = find(d, dedup_key, id);
	db_unlock(d);
	return ret;
}

struct parts {
	struct build *b;
	int (*add)(struct build *b, sqlite3_stmt *st);
	int failed;
};

/* db_rows row function of load_parts: one file, module or warning. */
static int part_row(sqlite3_stmt *st, void *cls)
{
	struct parts *p = cls;

	p->failed = p->add(p->b, st);
	return p->failed;
}

/* Appends the rows of sql (build b->id as its one parameter) with add(). */
static int each_part(struct db *d, const char *sql, struct build *b,
                     int (*add)(struct build *b, sqlite3_stmt *st))
{
	sqlite3_stmt *st = db_prepare(d, sql);
	struct parts p = { b, add, 0 };

	if (st)
		sqlite3_bind_int64(st, 1, b->id);
	return db_rows(d, st, part_row, &p, "read build parts") || p.failed ? -1 : 0;
}

static int add_file(struct build *b, sqlite3_stmt *st)
{
	int n = b->nfiles;
	struct build_file *f = realloc(b->files, (size_t)(n + 1) * sizeof *f);

	if (!f)
		return -1;
	b->files = f;
	f += n;
	db_text(st, 0, f->name, sizeof f->name);
	db_text(st, 1, f->sha, sizeof f->sha);
	f->size = sqlite3_column_int64(st, 2);
	b->nfiles = n + 1;
	return 0;
}

static int add_module(struct build *b, sqlite3_stmt *st)
{
	int n = b->nmodules;
	struct build_module *m = realloc(b->modules, (size_t)(n + 1) * sizeof *m);

	if (!m)
		return -1;
	b->modules = m;
	m += n;
	m->name = db_strdup(st, 0);
	m->file = db_strdup(st, 1);
	m->image_bytes = sqlite3_column_int64(st, 2);
	m->flash_bytes = sqlite3_column_int64(st, 3);
	m->functions = sqlite3_column_int(st, 4);
	b->nmodules = n + 1;
	return m->name && m->file ? 0 : -1;
}

static int add_warning(struct build *b, sqlite3_stmt *st)
{
	int n = b->nwarnings;
	struct build_warning *w = realloc(b->warnings, (size_t)(n + 1) * sizeof *w);

	if (!w)
		return -1;
	b->warnings = w;
	w += n;
	w->file = db_strdup(st, 0);
	w->line = sqlite3_column_int(st, 1);
	w->message = db_strdup(st, 2);
	b->nwarnings = n + 1;
	return w->file && w->message ? 0 : -1;
}

/* Reads b's files, modules and warnings (under the caller's lock). */
static int load_parts(struct db *d, struct build *b)
{
	return each_part(d, "SELECT name, sha256, size FROM build_files WHERE build_id = ? "
	                 "ORDER BY pos", b, add_file) ||
	       each_part(d, "SELECT name, file, image_bytes, flash_bytes, functions FROM "
	                 "build_modules WHERE build_id = ? ORDER BY pos", b, add_module) ||
	       each_part(d, "SELECT file, line, message FROM build_warnings WHERE build_id = ? "
	                 "ORDER BY pos", b, add_warning) ? -1 : 0;
}

int store_sqlite_build_get(void *impl, long long id, struct build *out)
{
	struct db *d = store_sqlite_reader(impl);
	sqlite3_stmt *st;
	int ret = STORE_ERROR;

	memset(out, 0, sizeof *out);
	db_lock(d);
	st = db_prepare(d, "SELECT " BUILD_COLS " FROM builds WHERE id = ?");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		ret = db_found(d, sqlite3_step(st), "read build");
		if (ret == STORE_OK) {
			row_build(st, out);
			ret = load_parts(d, out) ? STORE_ERROR : STORE_OK;
		}
		sqlite3_finalize(st);
	}
	db_unlock(d);
	if (ret != STORE_OK)
		build_release(out);
	return ret;
}

struct listing {
	struct db *d;
	store_build_cb cb;
	void *cls;
	int failed;
};

/* db_rows row function of store_sqlite_builds_list: one whole build to cb. */
static int list_row(sqlite3_stmt *st, void *cls)
{
	struct listing *l = cls;
	struct build b;
	int stop;

	row_build(st, &b);
	l->failed = load_parts(l->d, &b);
	stop = l->failed || l->cb(l->cls, &b);
	build_release(&b);
	return stop;
}

int store_sqlite_builds_list(void *impl, const struct build_query *q, store_build_cb cb,
                             void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	struct listing l = { d, cb, cls, 0 };
	sqlite3_stmt *st;
	char upper[HASH_HEX_LEN + 2];
	int ret;

	/* the sha256 prefix as a range: [prefix, prefix with its last digit + 1) */
	snprintf(upper, sizeof upper, "%s", q->sha_prefix ? q->sha_prefix : "");
	if (upper[0])
		upper[strlen(upper) - 1]++;
	db_lock(d);
	st = db_prepare(d, "SELECT " BUILD_COLS " FROM builds WHERE id < ?1 AND (?2 IS NULL OR "
	                "id IN (SELECT build_id FROM releases WHERE channel = ?2)) AND "
	                "(?3 IS NULL OR (sha256 >= ?3 AND sha256 < ?4)) ORDER BY id DESC LIMIT ?5");
	if (st) {
		sqlite3_bind_int64(st, 1, q->before > 0 ? q->before : (1LL << 62));
		db_bind_opt_text(st, 2, q->channel);
		db_bind_opt_text(st, 3, q->sha_prefix);
		sqlite3_bind_text(st, 4, upper, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, q->limit);
	}
	ret = db_rows(d, st, list_row, &l, "list builds") || l.failed ? STORE_ERROR : STORE_OK;
	db_unlock(d);
	return ret;
}

/* st (prepared, build id bound as 1, or NULL) gives one row: a sha256 and,
** when size is not NULL, a size. Finalizes st. */
static int one_blob(struct db *d, sqlite3_stmt *st, long long id,
                    char sha[HASH_HEX_LEN + 1], long long *size)
{
	int ret;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	ret = db_found(d, sqlite3_step(st), "read build blob");
	if (ret == STORE_OK) {
		db_text(st, 0, sha, HASH_HEX_LEN + 1);
		if (size)
			*size = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return ret;
}

int store_sqlite_build_image(void *impl, long long id, char sha[HASH_HEX_LEN + 1],
                             long long *size)
{
	struct db *d = store_sqlite_reader(impl);
	int ret;

	db_lock(d);
	ret = one_blob(d, db_prepare(d, "SELECT sha256, size FROM builds WHERE id = ?"), id, sha,
	               size);
	db_unlock(d);
	return ret;
}

int store_sqlite_build_source(void *impl, long long id, const char *name,
                              char sha[HASH_HEX_LEN + 1])
{
	struct db *d = store_sqlite_reader(impl);
	sqlite3_stmt *st;
	int ret;

	db_lock(d);
	st = db_prepare(d, "SELECT sha256 FROM build_files WHERE build_id = ? AND name = ?");
	if (st)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	ret = one_blob(d, st, id, sha, NULL);
	db_unlock(d);
	return ret;
}

/* 1 if sql (one integer parameter, id) gives a row, 0 if not, -1 on error. */
static int exists(struct db *d, const char *sql, long long id)
{
	sqlite3_stmt *st = db_prepare(d, sql);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(d, "look up build");
	return rc == SQLITE_ROW;
}

/* db_transaction body of store_sqlite_build_delete. */
static int delete(struct db *d, void *cls)
{
	static const char *const deletes[] = {
		"DELETE FROM build_files WHERE build_id = ?",
		"DELETE FROM build_modules WHERE build_id = ?",
		"DELETE FROM build_warnings WHERE build_id = ?",
		"DELETE FROM builds WHERE id = ?",
		"INSERT INTO settings (key, value) VALUES ('builds_deleted_max', ?1) ON CONFLICT(key) "
		"DO UPDATE SET value = max(CAST(value AS INTEGER), ?1)",
		NULL
	};
	long long id = *(long long *)cls;
	int i, found = exists(d, "SELECT 1 FROM builds WHERE id = ?", id);
	int released = found == 1 ? exists(d, "SELECT 1 FROM releases WHERE build_id = ?", id) : 0;

	if (found < 0 || released < 0)
		return STORE_ERROR;
	if (!found || released)
		return !found ? STORE_NOT_FOUND : STORE_CONFLICT;
	for (i = 0; deletes[i]; i++) {
		sqlite3_stmt *st = db_prepare(d, deletes[i]);
		int rc = SQLITE_ERROR;

		if (st) {
			sqlite3_bind_int64(st, 1, id);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
		}
		if (rc != SQLITE_DONE)
			return db_fail(d, "delete build");
	}
	return STORE_OK;
}

int store_sqlite_build_delete(void *impl, long long id)
{
	struct db *d = store_sqlite_writer(impl);
	int ret;

	db_lock(d);
	ret = db_transaction(d, "delete a build", delete, &id);
	db_unlock(d);
	return ret;
}

struct refs {
	store_blob_cb cb;
	void *cls;
};

/* db_rows row function of store_sqlite_blob_refs. */
static int ref_row(sqlite3_stmt *st, void *cls)
{
	struct refs *r = cls;

	return r->cb(r->cls, (const char *)sqlite3_column_text(st, 0));
}

int store_sqlite_blob_refs(void *impl, store_blob_cb cb, void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	struct refs r = { cb, cls };
	int ret;

	db_lock(d);
	ret = db_rows(d, db_prepare(d, "SELECT sha256 FROM builds UNION SELECT sha256 FROM "
	                            "build_files"), ref_row, &r, "list blob references")
	      ? STORE_ERROR : STORE_OK;
	db_unlock(d);
	return ret;
}
