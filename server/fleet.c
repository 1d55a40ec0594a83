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
	struct store *store;           /* borrowed */
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

/* store_device_cb of load_devices: adds or refreshes one device. */
static int load_device(void *cls, const struct device *row)
{
	struct fleet *f = cls;
	struct dev *d = find(f, row->id);

	if (!d) {
		unsigned b = hash_id(row->id) % NBUCKETS;

		d = calloc(1, sizeof *d);
		if (!d)
			return -1;
		snprintf(d->id, sizeof d->id, "%s", row->id);
		d->bucket = fleet_bucket(row->id);
		d->next = f->buckets[b];
		f->buckets[b] = d;
		atomic_store(&d->last_seen, row->last_seen);
		atomic_store(&d->flushed_seen, row->last_seen);
		snprintf(d->running, sizeof d->running, "%s", row->running);
	}
	snprintf(d->channel, sizeof d->channel, "%s", row->channel);
	hex_decode(row->key_sha, d->key_hash, 32);
	return 0;
}

/* Loads devices (id = NULL: all) under the caller's write lock. */
static int load_devices(struct fleet *f, const char *id)
{
	return store_devices_scan(f->store, id, load_device, f) == STORE_OK ? 0 : -1;
}

struct rels {
	struct rel *v;
	int n;
	int failed;
};

/* store_release_cb of load_channel: appends one release. */
static int add_release(void *cls, const struct release *r)
{
	struct rels *rs = cls;
	struct rel *nr = realloc(rs->v, (size_t)(rs->n + 1) * sizeof *rs->v), *x;

	if (!nr) {
		rs->failed = 1;
		return -1;
	}
	rs->v = nr;
	x = &nr[rs->n++];
	memset(x, 0, sizeof *x);
	x->id = r->id;
	x->number = r->number;
	memcpy(x->sha, r->sha, sizeof x->sha);
	x->size = r->size;
	x->percent = r->percent;
	x->state = r->state == RELEASE_REVOKED ? REL_REVOKED
	         : r->state == RELEASE_PAUSED ? REL_PAUSED : REL_ACTIVE;
	snprintf(x->signature, sizeof x->signature, "%s", r->signature);
	return 0;
}

/* Loads one channel's releases under the caller's write lock. */
static int load_channel(struct fleet *f, const char *name)
{
	struct chan *c = find_chan(f, name);
	struct rels rs = { NULL, 0, 0 };

	if (store_releases_list(f->store, name, add_release, &rs) != STORE_OK || rs.failed) {
		free(rs.v);
		return -1;
	}
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c) {
			free(rs.v);
			return -1;
		}
		snprintf(c->name, sizeof c->name, "%s", name);
		c->next = f->chans;
		f->chans = c;
	}
	free(c->rels);
	c->rels = rs.v;
	c->n = rs.n;
	return 0;
}

struct names {
	char (*v)[STORE_ID_MAX + 1];
	int n;
};

/* store_channel_cb of load_all_channels: collects the names (the store
** cannot be called back from inside its own callback). */
static int add_name(void *cls, const struct channel_row *c)
{
	struct names *ns = cls;
	char (*nv)[STORE_ID_MAX + 1] = realloc(ns->v, (size_t)(ns->n + 1) * sizeof *ns->v);

	if (!nv)
		return -1;
	ns->v = nv;
	memcpy(nv[ns->n++], c->name, sizeof *nv);
	return 0;
}

static int load_all_channels(struct fleet *f)
{
	struct names ns = { NULL, 0 };
	int i, ret = store_channels_list(f->store, add_name, &ns) == STORE_OK ? 0 : -1;

	for (i = 0; i < ns.n && !ret; i++)
		ret = load_channel(f, ns.v[i]);
	free(ns.v);
	return ret;
}

int fleet_flush(struct fleet *f)
{
	struct device_seen *items = NULL;
	size_t n = 0, cap = 0, i;
	int b, ret = 0;

	pthread_rwlock_rdlock(&f->lock);
	for (b = 0; b < NBUCKETS; b++) {
		struct dev *d;

		for (d = f->buckets[b]; d; d = d->next) {
			pthread_mutex_t *mu;

			if (!atomic_exchange(&d->dirty, 0))
				continue;
			if (n == cap) {
				struct device_seen *ni = realloc(items, (cap = cap ? cap * 2 : 256) *
				                                 sizeof *items);

				if (!ni) {
					atomic_store(&d->dirty, 1);
					break;
				}
				items = ni;
			}
			mu = &f->stripes[hash_id(d->id) % NSTRIPES];
			strcpy(items[n].id, d->id);
			items[n].last_seen = atomic_load(&d->last_seen);
			atomic_store(&d->flushed_seen, items[n].last_seen);
			pthread_mutex_lock(mu);
			strcpy(items[n].running, d->running);
			pthread_mutex_unlock(mu);
			n++;
		}
	}
	pthread_rwlock_unlock(&f->lock);
	/* chunks of FLUSH_CHUNK rows, the store free in between, so admin
	** requests and reports are not held up by a large flush */
	for (i = 0; i < n && !ret; i += FLUSH_CHUNK)
		ret = store_devices_seen(f->store, items + i, n - i < FLUSH_CHUNK ? n - i
		                         : FLUSH_CHUNK) == STORE_OK ? 0 : -1;
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

struct fleet *fleet_new(struct store *store, int poll_interval)
{
	struct fleet *f = calloc(1, sizeof *f);
	int i;

	if (!f)
		return NULL;
	f->store = store;
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

long long fleet_channel_devices(struct fleet *f, const char *channel)
{
	long long n = 0;
	struct dev *d;
	int b;

	pthread_rwlock_rdlock(&f->lock);
	for (b = 0; b < NBUCKETS; b++)
		for (d = f->buckets[b]; d; d = d->next)
			n += !strcmp(d->channel, channel);
	pthread_rwlock_unlock(&f->lock);
	return n;
}

void fleet_channels(struct fleet *f, fleet_channel_cb cb, void *cls)
{
	struct { char name[65]; long long n; } *v = NULL, *nv;
	struct dev *d;
	int b, i, n = 0;

	pthread_rwlock_rdlock(&f->lock);
	for (b = 0; b < NBUCKETS; b++)
		for (d = f->buckets[b]; d; d = d->next) {
			for (i = 0; i < n && strcmp(v[i].name, d->channel); i++)
				;
			if (i == n) {
				if (!(nv = realloc(v, (size_t)(n + 1) * sizeof *v)))
					continue;
				v = nv;
				strcpy(v[n].name, d->channel);
				v[n++].n = 0;
			}
			v[i].n++;
		}
	pthread_rwlock_unlock(&f->lock);
	for (i = 0; i < n; i++)
		cb(cls, v[i].name, v[i].n);
	free(v);
}
