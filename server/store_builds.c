/* store_builds.c - SQL of builds and build_files; the API's build object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_builds.h"

static void bind_opt_int(sqlite3_stmt *st, int i, int has, long long v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

long long store_builds_find(struct db *d, const char *key)
{
	sqlite3_stmt *st;
	long long id = 0;
	int rc;

	db_lock(d);
	st = db_prepare(d, "SELECT id FROM builds WHERE dedup_key = ?");
	if (!st) {
		db_unlock(d);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		id = db_fail(d, "find build");
	sqlite3_finalize(st);
	db_unlock(d);
	return id;
}

long long store_builds_insert(struct db *d, const struct build_record *b,
                              long long *existing)
{
	const struct upload_options *o = &b->up->opts;
	sqlite3_stmt *st = NULL;
	long long id = -1;
	int i, rc;

	*existing = 0;
	db_lock(d);
	if (db_exec(d, "BEGIN IMMEDIATE", "begin build insert"))
		goto out;
	st = db_prepare(d, "INSERT INTO builds (dedup_key, sha256, size, created, target, "
		"strip, base_address, max_size, opt_seed, opt_timestamp, seed, timestamp, kind, "
		"flash_size, result_json, listing_sha256, queued_ms, compile_ms, total_ms) "
		"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!st)
		goto rollback;
	sqlite3_bind_text(st, 1, b->up->dedup_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, b->size);
	sqlite3_bind_int64(st, 4, (long long)time(NULL));
	sqlite3_bind_text(st, 5, o->target, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, o->strip);
	bind_opt_int(st, 7, o->has_base, o->base);
	bind_opt_int(st, 8, o->max_size != 0, o->max_size);
	bind_opt_int(st, 9, o->has_seed, o->seed);
	bind_opt_int(st, 10, o->has_timestamp, o->timestamp);
	sqlite3_bind_int64(st, 11, b->seed);
	sqlite3_bind_int64(st, 12, b->timestamp);
	sqlite3_bind_text(st, 13, b->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, b->flash_size);
	sqlite3_bind_text(st, 15, b->result_json, -1, SQLITE_STATIC);
	if (b->listing_sha[0])
		sqlite3_bind_text(st, 16, b->listing_sha, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 16);
	sqlite3_bind_int64(st, 17, b->queued_ms);
	sqlite3_bind_int64(st, 18, b->compile_ms);
	sqlite3_bind_int64(st, 19, b->total_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_CONSTRAINT) {
		db_exec(d, "ROLLBACK", "rollback build insert");
		db_unlock(d);
		*existing = store_builds_find(d, b->up->dedup_key);
		return *existing > 0 ? 0 : -1;
	}
	if (rc != SQLITE_DONE) {
		db_fail(d, "insert build");
		goto rollback;
	}
	id = sqlite3_last_insert_rowid(d->h);
	st = db_prepare(d, "INSERT INTO build_files (build_id, pos, name, sha256, size) "
	                "VALUES (?,?,?,?,?)");
	if (!st)
		goto rollback;
	for (i = 0; i < b->up->nfiles; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, b->up->files[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, b->up->files[i].sha, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (long long)b->up->files[i].len);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_fail(d, "insert build file");
			goto rollback;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_exec(d, "COMMIT", "commit build"))
		goto rollback;
	goto out;
rollback:
	sqlite3_finalize(st);
	db_exec(d, "ROLLBACK", "rollback build insert");
	id = -1;
out:
	db_unlock(d);
	return id;
}

static json_t *col_int_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null()
	       : json_integer(sqlite3_column_int64(st, i));
}

#define BUILD_COLS "id, sha256, size, created, target, strip, base_address, max_size, " \
	"opt_seed, opt_timestamp, seed, timestamp, kind, flash_size, result_json, " \
	"listing_sha256, queued_ms, compile_ms, total_ms"

/* One row of BUILD_COLS -> the API object (without files). */
static json_t *row_json(sqlite3_stmt *st)
{
	long long id = sqlite3_column_int64(st, 0);
	json_t *res = json_loads((const char *)sqlite3_column_text(st, 14), 0, NULL);
	json_t *modules = res ? json_object_get(res, "modules") : NULL;
	json_t *warnings = res ? json_object_get(res, "warnings") : NULL;
	json_t *strings = res ? json_object_get(res, "strings") : NULL;
	char base[16], url[64], listing[64];
	json_t *b;

	snprintf(base, sizeof base, "0x%08llx", (long long)sqlite3_column_int64(st, 6));
	snprintf(url, sizeof url, "/builds/%lld/lfs.img", id);
	snprintf(listing, sizeof listing, "/builds/%lld/listing", id);
	b = json_pack("{s:I,s:s,s:I,s:I,s:s,"
	              "s:{s:s,s:b,s:o,s:o,s:o,s:o},"
	              "s:{s:I,s:I,s:s,s:o},"
	              "s:O,s:O,s:O,s:{s:I,s:I,s:I},s:s,s:o}",
		"id", (json_int_t)id,
		"sha256", (const char *)sqlite3_column_text(st, 1),
		"size", (json_int_t)sqlite3_column_int64(st, 2),
		"created", (json_int_t)sqlite3_column_int64(st, 3),
		"status", "ok",
		"options",
		  "target", (const char *)sqlite3_column_text(st, 4),
		  "strip", sqlite3_column_int(st, 5),
		  "base_address", sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null()
		                  : json_string(base),
		  "max_size", col_int_or_null(st, 7),
		  "seed", col_int_or_null(st, 8),
		  "timestamp", col_int_or_null(st, 9),
		"effective",
		  "seed", (json_int_t)sqlite3_column_int64(st, 10),
		  "timestamp", (json_int_t)sqlite3_column_int64(st, 11),
		  "kind", (const char *)sqlite3_column_text(st, 12),
		  "flash_size", col_int_or_null(st, 13),
		"modules", modules ? modules : json_array(),
		"warnings", warnings ? warnings : json_array(),
		"strings", strings ? strings : json_object(),
		"timings",
		  "queued_ms", (json_int_t)sqlite3_column_int64(st, 16),
		  "compile_ms", (json_int_t)sqlite3_column_int64(st, 17),
		  "total_ms", (json_int_t)sqlite3_column_int64(st, 18),
		"url", url,
		"listing", sqlite3_column_type(st, 15) == SQLITE_NULL ? json_null()
		           : json_string(listing));
	json_decref(res);
	return b;
}

static json_t *files_json(struct db *d, long long id)
{
	sqlite3_stmt *st = db_prepare(d, "SELECT name, sha256, size FROM build_files "
	                              "WHERE build_id = ? ORDER BY pos");
	json_t *a = json_array();

	if (!st)
		return a;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s,s:s,s:I}",
			"name", (const char *)sqlite3_column_text(st, 0),
			"sha256", (const char *)sqlite3_column_text(st, 1),
			"size", (json_int_t)sqlite3_column_int64(st, 2)));
	sqlite3_finalize(st);
	return a;
}

json_t *store_builds_get(struct db *d, long long id)
{
	sqlite3_stmt *st;
	json_t *b = NULL;

	db_lock(d);
	st = db_prepare(d, "SELECT " BUILD_COLS " FROM builds WHERE id = ?");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			b = row_json(st);
			if (b)
				json_object_set_new(b, "files", files_json(d, id));
		}
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return b;
}

json_t *store_builds_list(struct db *d, int limit, long long before)
{
	sqlite3_stmt *st;
	json_t *a = json_array();

	db_lock(d);
	st = db_prepare(d, "SELECT " BUILD_COLS " FROM builds WHERE id < ? "
	                "ORDER BY id DESC LIMIT ?");
	if (st) {
		sqlite3_bind_int64(st, 1, before > 0 ? before : (1LL << 62));
		sqlite3_bind_int(st, 2, limit);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *b = row_json(st);

			if (b) {
				json_object_set_new(b, "files",
				                    files_json(d, sqlite3_column_int64(st, 0)));
				json_array_append_new(a, b);
			}
		}
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return a;
}

/* Runs st (already prepared; the build id is bound as parameter 1) for one
** row: column 0 is a sha256, column 1 a size when size is not NULL. Finalizes
** st. Returns 0, 1 (no such row) or -1 (st is NULL: prepare failed). */
static int one_blob(sqlite3_stmt *st, long long id, char sha[HASH_HEX_LEN + 1],
                    long long *size)
{
	int ret = 1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(sha, HASH_HEX_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
		if (size)
			*size = sqlite3_column_int64(st, 1);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

int store_builds_image(struct db *d, long long id, char sha[HASH_HEX_LEN + 1],
                       long long *size)
{
	int ret;

	db_lock(d);
	ret = one_blob(db_prepare(d, "SELECT sha256, size FROM builds WHERE id = ?"), id, sha,
	               size);
	db_unlock(d);
	return ret;
}

int store_builds_blob(struct db *d, long long id, const char *name,
                      char sha[HASH_HEX_LEN + 1])
{
	sqlite3_stmt *st;
	int ret;

	db_lock(d);
	if (name) {
		st = db_prepare(d, "SELECT sha256 FROM build_files WHERE build_id = ? AND name = ?");
		if (st)
			sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	} else {
		st = db_prepare(d, "SELECT listing_sha256 FROM builds WHERE id = ? "
		                "AND listing_sha256 IS NOT NULL");
	}
	ret = one_blob(st, id, sha, NULL);
	db_unlock(d);
	return ret;
}
