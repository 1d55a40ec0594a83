/* store_sqlite_releases.c - releases and the channel overview in SQLite. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store_sqlite.h"

/* devices of the release's channel that reported this outcome for its image
** since the release was made (device_outcomes: one row per device, image and
** outcome, kept when old events go; index device_outcomes_by_image) */
#define REL_OUTCOME(state) "(SELECT COUNT(*) FROM device_outcomes o " \
	"JOIN devices d ON d.id = o.device_id WHERE o.sha256 = releases.sha256 AND " \
	"o.state = '" state "' AND o.time >= releases.created AND d.channel = releases.channel)"
#define REL_COLS "id, channel, number, build_id, sha256, size, rollout_percent, state, " \
	"notes, signature, created, updated, " REL_OUTCOME("booted") ", " \
	REL_OUTCOME("failed") ", " REL_OUTCOME("rolled-back")

static void row_release(sqlite3_stmt *st, struct release *r)
{
	char state[16];

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	db_text(st, 1, r->channel, sizeof r->channel);
	r->number = sqlite3_column_int64(st, 2);
	r->build_id = sqlite3_column_int64(st, 3);
	db_text(st, 4, r->sha, sizeof r->sha);
	r->size = sqlite3_column_int64(st, 5);
	r->percent = sqlite3_column_int(st, 6);
	db_text(st, 7, state, sizeof state);
	if (release_state_parse(state, &r->state))
		r->state = RELEASE_REVOKED;   /* unknown text: never offer it */
	db_text(st, 8, r->notes, sizeof r->notes);
	db_text(st, 9, r->signature, sizeof r->signature);
	r->created = sqlite3_column_int64(st, 10);
	r->updated = sqlite3_column_int64(st, 11);
	r->booted = sqlite3_column_int64(st, 12);
	r->failed = sqlite3_column_int64(st, 13);
	r->rolled_back = sqlite3_column_int64(st, 14);
}

/* Release id into out (under the caller's lock). */
static int get(struct db *d, long long id, struct release *out)
{
	sqlite3_stmt *st = db_prepare(d, "SELECT " REL_COLS " FROM releases WHERE id = ?");
	int ret;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	ret = db_found(d, sqlite3_step(st), "read release");
	if (ret == STORE_OK)
		row_release(st, out);
	sqlite3_finalize(st);
	return ret;
}

/* db_transaction body of store_sqlite_release_create. */
static int create(struct db *d, void *cls)
{
	struct release *r = cls;
	sqlite3_stmt *st = db_prepare(d, "INSERT INTO releases (channel, number, build_id, "
		"sha256, size, rollout_percent, state, notes, signature, created, updated) VALUES "
		"(?1, (SELECT COALESCE(MAX(number), 0) + 1 FROM releases WHERE channel = ?1), "
		"?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?8)");
	int rc;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, r->channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->build_id);
	sqlite3_bind_text(st, 3, r->sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->size);
	sqlite3_bind_int(st, 5, r->percent);
	sqlite3_bind_text(st, 6, r->notes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->signature, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (long long)time(NULL));
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		db_fail(d, "insert release");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? get(d, sqlite3_last_insert_rowid(d->h), r) : STORE_ERROR;
}

int store_sqlite_release_create(void *impl, struct release *r)
{
	struct db *d = store_sqlite_writer(impl);
	int ret;

	db_lock(d);
	ret = db_transaction(d, "store a release", create, r);
	db_unlock(d);
	return ret;
}

int store_sqlite_release_get(void *impl, long long id, struct release *out)
{
	struct db *d = store_sqlite_reader(impl);
	int ret;

	db_lock(d);
	ret = get(d, id, out);
	db_unlock(d);
	return ret;
}

struct each {
	store_release_cb cb;
	void *cls;
};

/* db_rows row function: one release to cb. */
static int release_row(sqlite3_stmt *st, void *cls)
{
	struct each *e = cls;
	struct release r;

	row_release(st, &r);
	return e->cb(e->cls, &r);
}

int store_sqlite_releases_list(void *impl, const char *channel, store_release_cb cb,
                               void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	struct each e = { cb, cls };
	sqlite3_stmt *st;
	int ret;

	db_lock(d);
	st = db_prepare(d, channel
		? "SELECT " REL_COLS " FROM releases WHERE channel = ? ORDER BY number DESC"
		: "SELECT " REL_COLS " FROM releases ORDER BY channel, number DESC");
	if (st && channel)
		sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	ret = db_rows(d, st, release_row, &e, "list releases") ? STORE_ERROR : STORE_OK;
	db_unlock(d);
	return ret;
}

/* The UPDATE of store_sqlite_release_update (under the caller's lock). */
static int update(struct db *d, long long id, int percent, const enum release_state *state)
{
	sqlite3_stmt *st = db_prepare(d, "UPDATE releases SET rollout_percent = "
	                              "COALESCE(?, rollout_percent), state = COALESCE(?, state), "
	                              "updated = ? WHERE id = ?");
	int ret = STORE_OK;

	if (!st)
		return STORE_ERROR;
	db_bind_opt_int(st, 1, percent >= 0, percent);
	db_bind_opt_text(st, 2, state ? release_state_name(*state) : NULL);
	sqlite3_bind_int64(st, 3, (long long)time(NULL));
	sqlite3_bind_int64(st, 4, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_fail(d, "update release");
	sqlite3_finalize(st);
	return ret;
}

int store_sqlite_release_update(void *impl, long long id, int percent,
                                const enum release_state *state, struct release *out)
{
	struct db *d = store_sqlite_writer(impl);
	int ret;

	db_lock(d);
	ret = get(d, id, out);
	if (ret == STORE_OK && out->state == RELEASE_REVOKED &&
	    !(state && *state == RELEASE_REVOKED && percent < 0))
		ret = STORE_CONFLICT;   /* revoking twice is harmless; nothing else is */
	if (ret == STORE_OK)
		ret = update(d, id, percent, state);
	if (ret == STORE_OK)
		ret = get(d, id, out);
	db_unlock(d);
	return ret;
}

struct channels {
	struct db *d;
	sqlite3_stmt *latest;            /* the newest release not revoked of a channel */
	store_channel_cb cb;
	void *cls;
	int failed;                      /* a read of latest failed (logged) */
};

/* db_rows row function: one channel, with its latest release, to cb. */
static int channel_row(sqlite3_stmt *st, void *cls)
{
	struct channels *cs = cls;
	struct channel_row c;
	int rc;

	memset(&c, 0, sizeof c);
	db_text(st, 0, c.name, sizeof c.name);
	c.releases = sqlite3_column_int64(st, 1);
	sqlite3_reset(cs->latest);
	sqlite3_bind_text(cs->latest, 1, c.name, -1, SQLITE_STATIC);
	rc = sqlite3_step(cs->latest);
	if (rc == SQLITE_ROW) {
		row_release(cs->latest, &c.latest);
		c.has_latest = 1;
	} else if (rc != SQLITE_DONE) {
		cs->failed = db_fail(cs->d, "read the latest release of a channel");
		return 1;
	}
	return cs->cb(cs->cls, &c);
}

int store_sqlite_channels_list(void *impl, store_channel_cb cb, void *cls)
{
	struct db *d = store_sqlite_reader(impl);
	struct channels cs = { store_sqlite_reader(impl), NULL, cb, cls, 0 };
	sqlite3_stmt *st;
	int ret = STORE_ERROR;

	db_lock(d);
	cs.latest = db_prepare(d, "SELECT " REL_COLS " FROM releases WHERE channel = ? AND "
	                       "state != 'revoked' ORDER BY number DESC LIMIT 1");
	st = db_prepare(d, "SELECT channel, COUNT(*) FROM releases GROUP BY channel "
	                "ORDER BY channel");
	if (cs.latest)
		ret = db_rows(d, st, channel_row, &cs, "list channels") || cs.failed ? STORE_ERROR
		      : STORE_OK;
	else
		sqlite3_finalize(st);
	sqlite3_finalize(cs.latest);
	db_unlock(d);
	return ret;
}
