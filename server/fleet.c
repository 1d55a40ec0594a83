/* fleet.c - the fleet in memory (the rules are in fleet.h): devices in
** fixed-size chunks (no copy as the fleet grows) found through an
** open-addressing index by id (a deleted device keeps its slot, marked
** gone, for a later device of its id), channels with their releases, the
** report rate per device, what the admin API shows of a device. Polls and
** reports are in fleet_offer.c, the dirty list the flusher drains in
** fleet_flush.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet.h"
#include "fleet_int.h"
#include "hex.h"
#include "log.h"
#include "manifest.h"

static const char *const state_names[FLEET_STATES] = {
	"", "downloading", "downloaded", "applied", "booted", "failed", "rolled-back"
};

const char *fleet_state_name(int i)
{
	return i > 0 && i < FLEET_STATES ? state_names[i] : "none";
}

int fleet_state_of(const char *s)
{
	int i;

	for (i = 1; s && i < FLEET_STATES; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return 0;
}

int fleet_bucket(const char *id)
{
	return rollout_bucket(id);
}

static uint32_t hash_id(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct dev *fleet_dev(struct fleet *f, uint32_t n)
{
	return &f->chunks[n >> FLEET_CHUNK_BITS][n & (FLEET_CHUNK - 1)];
}

const char *fleet_dev_id(struct fleet *f, const struct dev *d)
{
	return f->ids + d->id_off;
}

pthread_mutex_t *fleet_stripe(struct fleet *f, uint32_t n)
{
	return &f->stripes[n % FLEET_STRIPES];
}

/* The number of device id's slot, deleted or not, or -1 (under the
** caller's lock). */
static long find_slot(struct fleet *f, const char *id)
{
	uint32_t i;

	if (!f->index_cap)
		return -1;
	for (i = hash_id(id) & (f->index_cap - 1); f->index[i]; i = (i + 1) & (f->index_cap - 1))
		if (!strcmp(fleet_dev_id(f, fleet_dev(f, f->index[i] - 1)), id))
			return (long)f->index[i] - 1;
	return -1;
}

long fleet_find(struct fleet *f, const char *id)
{
	long n = find_slot(f, id);

	return n >= 0 && !fleet_dev(f, (uint32_t)n)->gone ? n : -1;
}

static void index_put(uint32_t *index, uint32_t cap, uint32_t h, uint32_t n)
{
	uint32_t i;

	for (i = h & (cap - 1); index[i]; i = (i + 1) & (cap - 1))
		;
	index[i] = n + 1;
}

/* Doubles the index when it is half full (under the write lock). */
static int index_grow(struct fleet *f)
{
	uint32_t cap = f->index_cap ? f->index_cap * 2 : 1024, n;
	uint32_t *index;

	if (f->ndev + 1 <= f->index_cap / 2)
		return 0;
	index = calloc(cap, sizeof *index);
	if (!index)
		return log_error("out of memory for the fleet index");
	for (n = 0; n < f->ndev; n++)
		index_put(index, cap, hash_id(fleet_dev_id(f, fleet_dev(f, n))), n);
	free(f->index);
	f->index = index;
	f->index_cap = cap;
	return 0;
}

/* The channel called name, added if new (under the write lock); -1 when
** out of memory or past 65535 channels. */
static int chan_of(struct fleet *f, const char *name)
{
	struct chan *c;
	int i;

	for (i = 0; i < f->nchans; i++)
		if (!strcmp(f->chans[i].name, name))
			return i;
	if (f->nchans == 65535)
		return -1;
	c = realloc(f->chans, (size_t)(f->nchans + 1) * sizeof *c);
	if (!c)
		return -1;
	f->chans = c;
	c = &f->chans[f->nchans];
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	return f->nchans++;
}

/* Appends the id to the arena; its offset, or -1. */
static long arena_add(struct fleet *f, const char *id)
{
	size_t len = strlen(id) + 1;
	long off;

	if (f->ids_len + len > f->ids_cap) {
		size_t cap = f->ids_cap ? f->ids_cap * 2 : 65536;
		char *ids = realloc(f->ids, cap);

		if (!ids)
			return -1;
		f->ids = ids;
		f->ids_cap = cap;
	}
	off = (long)f->ids_len;
	memcpy(f->ids + off, id, len);
	f->ids_len += len;
	return off;
}

/* A new device slot for id (under the write lock); NULL when out of memory. */
static struct dev *dev_new(struct fleet *f, const char *id)
{
	uint32_t n = f->ndev;
	struct dev *d;
	long off;

	if (index_grow(f))
		return NULL;
	if (!(n & (FLEET_CHUNK - 1)) && n >> FLEET_CHUNK_BITS >= f->nchunks) {
		struct dev **chunks = realloc(f->chunks, (f->nchunks + 1) * sizeof *chunks);

		if (!chunks)
			return NULL;
		f->chunks = chunks;
		if (!(chunks[f->nchunks] = calloc(FLEET_CHUNK, sizeof **chunks)))
			return NULL;
		f->nchunks++;
	}
	if ((off = arena_add(f, id)) < 0)
		return NULL;
	d = fleet_dev(f, n);
	memset(d, 0, sizeof *d);
	d->id_off = (uint32_t)off;
	d->bucket = (uint8_t)rollout_bucket(id);
	index_put(f->index, f->index_cap, hash_id(id), n);
	f->ndev++;
	return d;
}

/* store_device_cb of load_devices: adds or refreshes one device (a slot
** of a deleted device of the same id is taken afresh). */
static int load_device(void *cls, const struct device *row)
{
	struct fleet *f = cls;
	long n = find_slot(f, row->id);
	struct dev *d = n >= 0 ? fleet_dev(f, (uint32_t)n) : dev_new(f, row->id);
	int c = chan_of(f, row->channel);

	if (!d || c < 0)
		return -1;
	if (n < 0 || d->gone) {   /* new: what the store knows of it */
		atomic_store(&d->last_seen, (uint32_t)row->last_seen);
		atomic_store(&d->flushed_seen, (uint32_t)row->last_seen);
		memset(d->running, 0, sizeof d->running);
		if (row->running[0])
			hex_decode(row->running, d->running, 32);
		atomic_store(&d->state, (uint8_t)fleet_state_of(row->state));
		d->offered = (uint32_t)row->offered_release;
		d->floor = (uint32_t)row->floor;
		d->flags = (uint8_t)((row->offered_rollback ? FLEET_F_ROLLBACK : 0) |
		                     (row->client[0] ? FLEET_F_POLLED : 0) |
		                     (!strcmp(row->client, "lua") ? FLEET_F_LUA : 0));
		atomic_store(&d->report_tat, 0);
		d->gone = 0;
	} else {
		f->chans[d->chan].ndevices--;
	}
	d->chan = (uint16_t)c;
	f->chans[c].ndevices++;
	hex_decode(row->key_sha, d->key, 32);
	d->key_gen = (uint32_t)row->key_generation;
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
	static const enum rollout_state rule[] = {
		[RELEASE_ACTIVE] = ROLLOUT_ACTIVE, [RELEASE_PAUSED] = ROLLOUT_PAUSED,
		[RELEASE_REVOKED] = ROLLOUT_REVOKED
	};
	struct rels *rs = cls;
	struct rel *nr = realloc(rs->v, (size_t)(rs->n + 1) * sizeof *rs->v), *x;

	if (!nr) {
		rs->failed = 1;
		return -1;
	}
	rs->v = nr;
	x = &nr[rs->n++];
	memset(x, 0, sizeof *x);
	x->pub.id = r->id;
	x->pub.number = r->number;
	x->pub.build_id = r->build_id;
	memcpy(x->pub.sha, r->sha, sizeof x->pub.sha);
	x->pub.size = r->size;
	x->pub.state = r->state;
	hex_decode(r->sha, x->rule.sha, 32);
	x->rule.percent = r->percent;
	x->rule.state = rule[r->state];
	return 0;
}

/* What a manifest says of release x's build (its target and module names)
** and what identifies its image in a device's LFS (timestamp, flash size). */
static int load_build(struct fleet *f, struct rel *x)
{
	struct build b;
	const char **names;
	int i, ret = -1;

	if (store_build_get(f->store, x->pub.build_id, &b) != STORE_OK)
		return log_error("cannot read build %lld of release %lld", x->pub.build_id,
		                 x->pub.id);
	snprintf(x->target, sizeof x->target, "%s", b.opts.target);
	x->timestamp = b.timestamp;
	x->flash_size = b.flash_size;
	names = calloc((size_t)b.nmodules + 1, sizeof *names);
	for (i = 0; names && i < b.nmodules; i++)
		names[i] = b.modules[i].name;
	x->modules = names ? manifest_modules(names, b.nmodules) : NULL;
	if (x->modules)
		ret = 0;
	else
		log_error("out of memory loading releases");
	free(names);
	build_release(&b);
	return ret;
}

/* Frees n releases with their module lists. */
static void rels_free(struct rel *v, int n)
{
	int i;

	for (i = 0; v && i < n; i++)
		free(v[i].modules);
	free(v);
}

/* Loads one channel's releases under the caller's write lock. */
static int load_channel(struct fleet *f, const char *name)
{
	struct rels rs = { NULL, 0, 0 };
	struct chan *c;
	int i, ci;

	if (store_releases_list(f->store, name, add_release, &rs) != STORE_OK || rs.failed ||
	    (ci = chan_of(f, name)) < 0) {
		rels_free(rs.v, rs.n);
		return -1;
	}
	for (i = 0; i < rs.n; i++)
		if (load_build(f, &rs.v[i])) {
			rels_free(rs.v, rs.n);
			return -1;
		}
	c = &f->chans[ci];
	rels_free(c->rels, c->n);
	free(c->rules);
	c->rels = rs.v;
	c->n = rs.n;
	c->rules = calloc((size_t)rs.n + 1, sizeof *c->rules);
	if (!c->rules) {
		c->n = 0;
		return -1;
	}
	for (i = 0; i < rs.n; i++)
		c->rules[i] = rs.v[i].rule;
	return 0;
}

struct names {
	char (*v)[STORE_ID_MAX + 1];
	int n;
	int failed;
};

/* store_channel_cb of load_all_channels: collects the names (the store
** cannot be called back from inside its own callback). */
static int add_name(void *cls, const struct channel_row *c)
{
	struct names *ns = cls;
	char (*nv)[STORE_ID_MAX + 1] = realloc(ns->v, (size_t)(ns->n + 1) * sizeof *ns->v);

	if (!nv) {
		ns->failed = 1;
		return -1;
	}
	ns->v = nv;
	memcpy(nv[ns->n++], c->name, sizeof *nv);
	return 0;
}

static int load_all_channels(struct fleet *f)
{
	struct names ns = { NULL, 0, 0 };
	int i, ret = store_channels_list(f->store, add_name, &ns) == STORE_OK && !ns.failed
	             ? 0 : -1;

	for (i = 0; i < ns.n && !ret; i++)
		ret = load_channel(f, ns.v[i]);
	free(ns.v);
	return ret;
}

struct fleet *fleet_new(struct store *store, int poll_interval)
{
	struct fleet *f = calloc(1, sizeof *f);
	int i;

	if (!f)
		return NULL;
	f->store = store;
	pthread_rwlock_init(&f->lock, NULL);
	for (i = 0; i < FLEET_STRIPES; i++)
		pthread_mutex_init(&f->stripes[i], NULL);
	pthread_mutex_init(&f->dirty_mu, NULL);
	pthread_mutex_init(&f->flush_mu, NULL);
	pthread_mutex_init(&f->stop_mu, NULL);
	pthread_cond_init(&f->stop_cond, NULL);
	if (load_devices(f, NULL) || load_all_channels(f)) {
		log_error("cannot load devices and releases");
		fleet_free(f);
		return NULL;
	}
	if (fleet_flusher_start(f)) {
		fleet_free(f);
		return NULL;
	}
	return f;
}

void fleet_free(struct fleet *f)
{
	uint32_t i;
	int c;

	if (!f)
		return;
	fleet_flusher_stop(f);
	fleet_flush(f);
	for (i = 0; i < f->nchunks; i++)
		free(f->chunks[i]);
	for (c = 0; c < f->nchans; c++) {
		rels_free(f->chans[c].rels, f->chans[c].n);
		free(f->chans[c].rules);
	}
	free(f->chunks);
	free(f->chans);
	free(f->ids);
	free(f->index);
	free(f->dirty);
	free(f);
}

/* The store gets a contact with a later flush once it is SEEN_GRANULARITY
** newer than what the store has (rule 3). */
void fleet_seen(struct fleet *f, struct dev *d, uint32_t n)
{
	uint32_t now = (uint32_t)time(NULL);

	atomic_store(&d->last_seen, now);
	if (now - atomic_load(&d->flushed_seen) >= FLEET_SEEN_GRANULARITY)
		fleet_mark_dirty(f, d, n);
}

int fleet_check(struct fleet *f, const char *id, const char *key, long *n)
{
	uint8_t h[32];

	*n = id ? fleet_find(f, id) : -1;
	if (*n < 0)
		return FLEET_NO_DEVICE;
	if (!key)
		return FLEET_BAD_KEY;
	hash_sha256(key, strlen(key), h);
	return hash_equal(h, fleet_dev(f, (uint32_t)*n)->key, 32) ? FLEET_OK : FLEET_BAD_KEY;
}

void fleet_set_running(struct fleet *f, uint32_t n, const uint8_t sha[32])
{
	struct dev *d = fleet_dev(f, n);
	pthread_mutex_t *mu = fleet_stripe(f, n);
	int changed;

	pthread_mutex_lock(mu);
	changed = memcmp(d->running, sha, 32) != 0;
	if (changed)
		memcpy(d->running, sha, 32);
	pthread_mutex_unlock(mu);
	if (changed)
		fleet_mark_dirty(f, d, n);
}

const struct rel *fleet_offer_of(struct fleet *f, uint32_t n, const uint8_t running[32])
{
	static const uint8_t none[32];
	const struct dev *d = fleet_dev(f, n);
	const struct chan *c = &f->chans[d->chan];
	int i = rollout_pick(c->rules, c->n, d->bucket, memcmp(running, none, 32) ? running : NULL);

	return i < 0 ? NULL : &c->rels[i];
}

int fleet_auth(struct fleet *f, const char *id, const char *key, char *channel)
{
	long n;
	int rc;

	pthread_rwlock_rdlock(&f->lock);
	rc = fleet_check(f, id, key, &n);
	if (!rc) {
		struct dev *d = fleet_dev(f, (uint32_t)n);

		strcpy(channel, f->chans[d->chan].name);
		fleet_seen(f, d, (uint32_t)n);
	}
	pthread_rwlock_unlock(&f->lock);
	return rc;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The generic cell rate algorithm (ITU-T I.371): one report every
** 60000 / rate ms, with rate at once; the device's only state is when its
** next report is due (report_tat). */
int fleet_report_allowed(struct fleet *f, const char *id, int rate, int *retry_after)
{
	uint64_t r = rate > 0 ? (uint64_t)rate : 1, t = 60000u / r, burst = t * (r - 1);
	uint64_t now = now_ms(), tat, due;
	struct dev *d;
	long n;
	int ok = 1;

	pthread_rwlock_rdlock(&f->lock);
	n = id ? fleet_find(f, id) : -1;
	if (n >= 0) {
		d = fleet_dev(f, (uint32_t)n);
		tat = atomic_load(&d->report_tat);
		do {
			due = tat > now ? tat : now;
			ok = due - now <= burst;
		} while (ok && !atomic_compare_exchange_weak(&d->report_tat, &tat, due + t));
		if (!ok)
			*retry_after = (int)((due - now - burst + 999) / 1000);
	}
	pthread_rwlock_unlock(&f->lock);
	if (!ok && *retry_after < 1)
		*retry_after = 1;
	return ok;
}

/* load(f, name) under the write lock. */
static int reload(struct fleet *f, int (*load)(struct fleet *f, const char *name),
                  const char *name)
{
	int rc;

	pthread_rwlock_wrlock(&f->lock);
	rc = load(f, name);
	pthread_rwlock_unlock(&f->lock);
	return rc;
}

int fleet_reload_device(struct fleet *f, const char *id)
{
	return reload(f, load_devices, id);
}

int fleet_reload_channel(struct fleet *f, const char *channel)
{
	return reload(f, load_channel, channel);
}

void fleet_remove_device(struct fleet *f, const char *id)
{
	struct dev *d;
	long n;

	pthread_rwlock_wrlock(&f->lock);
	n = fleet_find(f, id);
	if (n >= 0) {
		d = fleet_dev(f, (uint32_t)n);
		d->gone = 1;
		memset(d->key, 0, sizeof d->key);   /* and no key matches */
		f->chans[d->chan].ndevices--;
	}
	pthread_rwlock_unlock(&f->lock);
}

/* The release of device n's channel whose image is sha, or NULL. */
static const struct rel *running_release(struct fleet *f, uint32_t n, const uint8_t sha[32])
{
	const struct chan *c = &f->chans[fleet_dev(f, n)->chan];
	int i;

	for (i = 0; i < c->n; i++)
		if (!memcmp(c->rules[i].sha, sha, 32))
			return &c->rels[i];
	return NULL;
}

int fleet_view(struct fleet *f, const char *id, struct fleet_view *v)
{
	static const uint8_t none[32];
	const struct rel *r;
	uint8_t run[32];
	uint32_t offered = 0;
	long n;

	memset(v, 0, sizeof *v);
	pthread_rwlock_rdlock(&f->lock);
	n = fleet_find(f, id);
	if (n >= 0) {
		struct dev *d = fleet_dev(f, (uint32_t)n);

		pthread_mutex_lock(fleet_stripe(f, (uint32_t)n));
		memcpy(run, d->running, 32);
		offered = d->offered;
		v->last_offer_rollback = (d->flags & FLEET_F_ROLLBACK) != 0;
		v->floor = d->floor;
		strcpy(v->client, !(d->flags & FLEET_F_POLLED) ? ""
		                  : (d->flags & FLEET_F_LUA) ? "lua" : "c");
		pthread_mutex_unlock(fleet_stripe(f, (uint32_t)n));
		v->last_seen = atomic_load(&d->last_seen);
		v->bucket = d->bucket;
		v->key_generation = d->key_gen;
		v->pin = (enum fleet_pin)atomic_load(&d->pin);
		if (memcmp(run, none, 32))
			hex_encode(run, 32, v->running);
		if ((r = running_release(f, (uint32_t)n, run))) {
			v->has_running_release = 1;
			v->running_release = r->pub;
		}
		if ((r = fleet_offer_of(f, (uint32_t)n, run))) {
			v->has_offer = 1;
			v->offer = r->pub;
		}
		if ((r = fleet_release_by_id(f, offered))) {
			v->has_last_offer = 1;
			v->last_offer = r->pub;
		}
	}
	pthread_rwlock_unlock(&f->lock);
	return n >= 0 ? 0 : -1;
}

const struct rel *fleet_release_by_id(struct fleet *f, long long id)
{
	int c, i;

	for (c = 0; id > 0 && c < f->nchans; c++)
		for (i = 0; i < f->chans[c].n; i++)
			if (f->chans[c].rels[i].pub.id == id)
				return &f->chans[c].rels[i];
	return NULL;
}

int fleet_key_generation(struct fleet *f, const char *id, long long *generation)
{
	long n;

	pthread_rwlock_rdlock(&f->lock);
	n = fleet_find(f, id);
	if (n >= 0)
		*generation = fleet_dev(f, (uint32_t)n)->key_gen;
	pthread_rwlock_unlock(&f->lock);
	return n >= 0 ? 0 : -1;
}

long long fleet_channel_devices(struct fleet *f, const char *channel)
{
	long long n = 0;
	int c;

	pthread_rwlock_rdlock(&f->lock);
	for (c = 0; c < f->nchans; c++)
		if (!strcmp(f->chans[c].name, channel))
			n = f->chans[c].ndevices;
	pthread_rwlock_unlock(&f->lock);
	return n;
}

void fleet_channels(struct fleet *f, fleet_channel_cb cb, void *cls)
{
	int c;

	pthread_rwlock_rdlock(&f->lock);
	for (c = 0; c < f->nchans; c++)
		if (f->chans[c].ndevices)
			cb(cls, f->chans[c].name, f->chans[c].ndevices);
	pthread_rwlock_unlock(&f->lock);
}
