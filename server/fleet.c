/* fleet.c - devices and releases in memory for the poll path; batched
** last-seen writes (see fleet.h for the rules). */
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet.h"
#include "hex.h"
#include "log.h"

#define NBUCKETS 16384
#define NSTRIPES 64
#define FLUSH_SECONDS 2
#define FLUSH_CHUNK 500
#define SEEN_GRANULARITY 30   /* last_seen in SQLite may lag memory by this much */

enum rel_state { REL_ACTIVE, REL_PAUSED, REL_REVOKED };

struct dev {
	char id[65];
	uint8_t key_hash[32];
	char channel[65];
	int bucket;                    /* fleet_bucket(id), computed once */
	atomic_llong last_seen;        /* Unix seconds, 0 = never */
	char running[HASH_HEX_LEN + 1];  /* guarded by the device's stripe */
	atomic_int dirty;              /* last_seen/running not yet in SQLite */
	atomic_llong flushed_seen;     /* last_seen value SQLite has */
	struct dev *next;              /* bucket chain */
};

struct rel {
	long long id, number;
	char sha[HASH_HEX_LEN + 1];
	long long size;
	int percent;
	enum rel_state state;
	char signature[160];
};

struct chan {
	char name[65];
	struct rel *rels;              /* owned; newest (highest number) first */
	int n;
	struct chan *next;
};

struct fleet {
	struct db *db;                 /* borrowed */
	pthread_rwlock_t lock;         /* guards the tables (not device fields) */
	struct dev *buckets[NBUCKETS];
	struct chan *chans;
	pthread_mutex_t stripes[NSTRIPES]; /* guard dev->running */
	pthread_mutex_t stop_mu;
	pthread_cond_t stop_cond;
	int stopping;
	pthread_t flusher;
	int flusher_started;
};

static unsigned hash_id(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

int fleet_bucket(const char *id)
{
	uint8_t d[32];

	hash_sha256(id, strlen(id), d);
	return (int)((((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) |
	              ((uint32_t)d[2] << 8) | d[3]) % 100u);
}

static struct dev *find(struct fleet *f, const char *id)
{
	struct dev *d = f->buckets[hash_id(id) % NBUCKETS];

	while (d && strcmp(d->id, id))
		d = d->next;
	return d;
}

static struct chan *find_chan(struct fleet *f, const char *name)
{
	struct chan *c = f->chans;

	while (c && strcmp(c->name, name))
		c = c->next;
	return c;
}

/* Loads devices (id = NULL: all) under the caller's write lock. */
static int load_devices(struct fleet *f, const char *id)
{
	sqlite3_stmt *st;
	int rc;

	db_lock(f->db);
	st = db_prepare(f->db, id ? "SELECT id, channel, key_sha256, last_seen, running_sha256 "
	                "FROM devices WHERE id = ?" : "SELECT id, channel, key_sha256, "
	                "last_seen, running_sha256 FROM devices");
	if (!st) {
		db_unlock(f->db);
		return -1;
	}
	if (id)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *did = (const char *)sqlite3_column_text(st, 0);
		const char *run = (const char *)sqlite3_column_text(st, 4);
		struct dev *d = find(f, did);

		if (!d) {
			unsigned b = hash_id(did) % NBUCKETS;

			d = calloc(1, sizeof *d);
			if (!d)
				break;
			snprintf(d->id, sizeof d->id, "%s", did);
			d->bucket = fleet_bucket(did);
			d->next = f->buckets[b];
			f->buckets[b] = d;
			atomic_store(&d->last_seen, sqlite3_column_int64(st, 3));
			atomic_store(&d->flushed_seen, sqlite3_column_int64(st, 3));
			snprintf(d->running, sizeof d->running, "%s", run ? run : "");
		}
		snprintf(d->channel, sizeof d->channel, "%s",
		         (const char *)sqlite3_column_text(st, 1));
		hex_decode((const char *)sqlite3_column_text(st, 2), d->key_hash, 32);
	}
	sqlite3_finalize(st);
	db_unlock(f->db);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Loads one channel's releases under the caller's write lock. */
static int load_channel(struct fleet *f, const char *name)
{
	sqlite3_stmt *st;
	struct chan *c = find_chan(f, name);
	struct rel *rels = NULL;
	int n = 0, rc;

	db_lock(f->db);
	st = db_prepare(f->db, "SELECT id, number, sha256, size, rollout_percent, state, "
	                "signature FROM releases WHERE channel = ? ORDER BY number DESC");
	if (!st) {
		db_unlock(f->db);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rel *nr = realloc(rels, (size_t)(n + 1) * sizeof *rels), *r;
		const char *state = (const char *)sqlite3_column_text(st, 5);

		if (!nr)
			break;
		rels = nr;
		r = &rels[n++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->number = sqlite3_column_int64(st, 1);
		snprintf(r->sha, sizeof r->sha, "%s", (const char *)sqlite3_column_text(st, 2));
		r->size = sqlite3_column_int64(st, 3);
		r->percent = sqlite3_column_int(st, 4);
		r->state = !strcmp(state, "revoked") ? REL_REVOKED
		         : !strcmp(state, "paused") ? REL_PAUSED : REL_ACTIVE;
		snprintf(r->signature, sizeof r->signature, "%s",
		         (const char *)sqlite3_column_text(st, 6));
	}
	sqlite3_finalize(st);
	db_unlock(f->db);
	if (rc != SQLITE_DONE) {
		free(rels);
		return -1;
	}
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c) {
			free(rels);
			return -1;
		}
		snprintf(c->name, sizeof c->name, "%s", name);
		c->next = f->chans;
		f->chans = c;
	}
	free(c->rels);
	c->rels = rels;
	c->n = n;
	return 0;
}

static int load_all_channels(struct fleet *f)
{
	sqlite3_stmt *st;
	char names[256][65];
	int n = 0, i, more = 1;

	/* channels come in pages so the db lock is not held across load_channel */
	while (more) {
		db_lock(f->db);
		st = db_prepare(f->db, "SELECT DISTINCT channel FROM releases ORDER BY channel "
		                "LIMIT 256 OFFSET ?");
		if (!st) {
			db_unlock(f->db);
			return -1;
		}
		sqlite3_bind_int(st, 1, n);
		i = 0;
		while (sqlite3_step(st) == SQLITE_ROW && i < 256)
			snprintf(names[i++], 65, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		db_unlock(f->db);
		more = i == 256;
		n += i;
		while (i--)
			if (load_channel(f, names[i]))
				return -1;
	}
	return 0;
}

int fleet_flush(struct fleet *f)
{
	struct item { char id[65]; long long seen; char run[HASH_HEX_LEN + 1]; } *items = NULL;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *st;
	int b, ret = 0;

	pthread_rwlock_rdlock(&f->lock);
	for (b = 0; b < NBUCKETS; b++) {
		struct dev *d;

		for (d = f->buckets[b]; d; d = d->next) {
			pthread_mutex_t *mu;

			if (!atomic_exchange(&d->dirty, 0))
				continue;
			if (n == cap) {
				struct item *ni = realloc(items, (cap = cap ? cap * 2 : 256) * sizeof *items);

				if (!ni) {
					atomic_store(&d->dirty, 1);
					break;
				}
				items = ni;
			}
			mu = &f->stripes[hash_id(d->id) % NSTRIPES];
			strcpy(items[n].id, d->id);
			items[n].seen = atomic_load(&d->last_seen);
			atomic_store(&d->flushed_seen, items[n].seen);
			pthread_mutex_lock(mu);
			strcpy(items[n].run, d->running);
			pthread_mutex_unlock(mu);
			n++;
		}
	}
	pthread_rwlock_unlock(&f->lock);
	if (!n)
		return 0;
	/* chunks of FLUSH_CHUNK rows, the db lock released in between, so admin
	** requests and reports are not held up by a large flush */
	for (i = 0; i < n && !ret; i += FLUSH_CHUNK) {
		size_t k, end = i + FLUSH_CHUNK < n ? i + FLUSH_CHUNK : n;

		db_lock(f->db);
		if (db_exec(f->db, "BEGIN IMMEDIATE", "begin flush")) {
			db_unlock(f->db);
			ret = -1;
			break;
		}
		st = db_prepare(f->db, "UPDATE devices SET last_seen = ?, running_sha256 = "
		                "COALESCE(NULLIF(?, ''), running_sha256) WHERE id = ?");
		for (k = i; st && k < end; k++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, items[k].seen);
			sqlite3_bind_text(st, 2, items[k].run, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, items[k].id, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				ret = db_fail(f->db, "flush device");
		}
		sqlite3_finalize(st);
		if (!st || ret || db_exec(f->db, "COMMIT", "commit flush")) {
			db_exec(f->db, "ROLLBACK", "rollback flush");
			ret = -1;
		}
		db_unlock(f->db);
	}
	free(items);
	return ret;
}

static void *flusher(void *arg)
{
	struct fleet *f = arg;

	/* background work: below the request threads (Linux: per-thread nice) */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	pthread_mutex_lock(&f->stop_mu);
	while (!f->stopping) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += FLUSH_SECONDS;
		pthread_cond_timedwait(&f->stop_cond, &f->stop_mu, &ts);
		pthread_mutex_unlock(&f->stop_mu);
		fleet_flush(f);
		pthread_mutex_lock(&f->stop_mu);
	}
	pthread_mutex_unlock(&f->stop_mu);
	return NULL;
}

struct fleet *fleet_new(struct db *db, int poll_interval)
{
	struct fleet *f = calloc(1, sizeof *f);
	int i;

	if (!f)
		return NULL;
	f->db = db;
	pthread_rwlock_init(&f->lock, NULL);
	for (i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&f->stripes[i], NULL);
	pthread_mutex_init(&f->stop_mu, NULL);
	pthread_cond_init(&f->stop_cond, NULL);
	if (load_devices(f, NULL) || load_all_channels(f)) {
		log_error("cannot load devices and releases");
		fleet_free(f);
		return NULL;
	}
	if (pthread_create(&f->flusher, NULL, flusher, f)) {
		fleet_free(f);
		return NULL;
	}
	f->flusher_started = 1;
	return f;
}

void fleet_free(struct fleet *f)
{
	struct chan *c;
	int b;

	if (!f)
		return;
	if (f->flusher_started) {
		pthread_mutex_lock(&f->stop_mu);
		f->stopping = 1;
		pthread_cond_signal(&f->stop_cond);
		pthread_mutex_unlock(&f->stop_mu);
		pthread_join(f->flusher, NULL);
	}
	fleet_flush(f);
	for (b = 0; b < NBUCKETS; b++)
		while (f->buckets[b]) {
			struct dev *d = f->buckets[b];

			f->buckets[b] = d->next;
			free(d);
		}
	while ((c = f->chans)) {
		f->chans = c->next;
		free(c->rels);
		free(c);
	}
	free(f);
}

/* Records a contact in memory; SQLite gets it with the next flush once it is
** SEEN_GRANULARITY newer than what SQLite has, so a device polling every
** second costs one row update per 30 s, not one per poll. */
static void seen(struct dev *d, long long now)
{
	atomic_store(&d->last_seen, now);
	if (now - atomic_load(&d->flushed_seen) >= SEEN_GRANULARITY)
		atomic_store(&d->dirty, 1);
}

/* Under the read lock: authenticate. */
static int check(struct fleet *f, const char *id, const char *key, struct dev **out)
{
	struct dev *d = id ? find(f, id) : NULL;
	uint8_t h[32];

	if (!d)
		return FLEET_NO_DEVICE;
	if (!key)
		return FLEET_BAD_KEY;
	hash_sha256(key, strlen(key), h);
	if (!hash_equal(h, d->key_hash, 32))
		return FLEET_BAD_KEY;
	*out = d;
	return FLEET_OK;
}

int fleet_poll(struct fleet *f, const char *id, const char *key, const char *channel,
               const char *current, struct fleet_offer *offer)
{
	struct dev *d = NULL;
	struct chan *c;
	int rc, i, bucket;

	memset(offer, 0, sizeof *offer);
	pthread_rwlock_rdlock(&f->lock);
	rc = check(f, id, key, &d);
	if (rc)
		goto out;
	if (channel && strcmp(channel, d->channel)) {
		rc = FLEET_WRONG_CHANNEL;
		goto out;
	}
	seen(d, (long long)time(NULL));
	if (current && hash_is_hex64(current)) {
		pthread_mutex_t *mu = &f->stripes[hash_id(d->id) % NSTRIPES];

		pthread_mutex_lock(mu);
		if (strcmp(d->running, current)) {
			strcpy(d->running, current);
			atomic_store(&d->dirty, 1);
		}
		pthread_mutex_unlock(mu);
	}
	c = find_chan(f, d->channel);
	bucket = d->bucket;
	for (i = 0; c && i < c->n; i++) {
		const struct rel *r = &c->rels[i];

		if (r->state == REL_REVOKED)
			continue;
		if (r->state == REL_ACTIVE) {
			if (bucket >= r->percent)
				continue;
		} else if (!current || strcmp(current, r->sha)) {
			continue;   /* paused: only devices already on it stay */
		}
		offer->found = 1;
		offer->release_id = r->id;
		offer->number = r->number;
		snprintf(offer->channel, sizeof offer->channel, "%s", c->name);
		strcpy(offer->sha, r->sha);
		offer->size = r->size;
		snprintf(offer->signature, sizeof offer->signature, "%s", r->signature);
		break;
	}
out:
	pthread_rwlock_unlock(&f->lock);
	return rc;
}

int fleet_auth(struct fleet *f, const char *id, const char *key, char *channel)
{
	struct dev *d = NULL;
	int rc;

	pthread_rwlock_rdlock(&f->lock);
	rc = check(f, id, key, &d);
	if (!rc) {
		strcpy(channel, d->channel);
		seen(d, (long long)time(NULL));
	}
	pthread_rwlock_unlock(&f->lock);
	return rc;
}

int fleet_channel_has(struct fleet *f, const char *channel, const char *sha)
{
	struct chan *c;
	int i, found = 0;

	pthread_rwlock_rdlock(&f->lock);
	c = find_chan(f, channel);
	for (i = 0; c && i < c->n && !found; i++)
		found = c->rels[i].state != REL_REVOKED && !strcmp(c->rels[i].sha, sha);
	pthread_rwlock_unlock(&f->lock);
	return found;
}

void fleet_set_running(struct fleet *f, const char *id, const char *sha)
{
	struct dev *d;

	pthread_rwlock_rdlock(&f->lock);
	d = find(f, id);
	if (d && sha && hash_is_hex64(sha)) {
		pthread_mutex_t *mu = &f->stripes[hash_id(d->id) % NSTRIPES];

		pthread_mutex_lock(mu);
		strcpy(d->running, sha);
		pthread_mutex_unlock(mu);
	}
	pthread_rwlock_unlock(&f->lock);
}

int fleet_peek(struct fleet *f, const char *id, long long *last_seen,
               char running[HASH_HEX_LEN + 1])
{
	struct dev *d;
	int ret = -1;

	pthread_rwlock_rdlock(&f->lock);
	d = find(f, id);
	if (d) {
		pthread_mutex_t *mu = &f->stripes[hash_id(d->id) % NSTRIPES];

		*last_seen = atomic_load(&d->last_seen);
		pthread_mutex_lock(mu);
		strcpy(running, d->running);
		pthread_mutex_unlock(mu);
		ret = 0;
	}
	pthread_rwlock_unlock(&f->lock);
	return ret;
}

int fleet_reload_device(struct fleet *f, const char *id)
{
	int rc;

	pthread_rwlock_wrlock(&f->lock);
	rc = load_devices(f, id);
	pthread_rwlock_unlock(&f->lock);
	return rc;
}

int fleet_reload_channel(struct fleet *f, const char *channel)
{
	int rc;

	pthread_rwlock_wrlock(&f->lock);
	rc = load_channel(f, channel);
	pthread_rwlock_unlock(&f->lock);
	return rc;
}
