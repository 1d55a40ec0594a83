/* fleet_offer.c - polls and reports against the fleet in memory (fleet.h):
** the release a device gets, the offer recorded as its last one and whether
** it is a signed rollback, and what a booted report tells of the device's
** floor (server/README.md "Signed manifests"). No store access here (fleet.h
** rule 1): what changes is flushed by fleet_flush.c. */
#include <stdlib.h>
#include <string.h>

#include "fleet_int.h"
#include "hex.h"

/* 1 when release `floor` is no longer a release device d may stay on: it is
** revoked, or it is not of d's channel (the device moved). Under the read
** lock. */
static int floor_gone(struct fleet *f, const struct dev *d, uint32_t floor)
{
	const struct chan *c = &f->chans[d->chan];
	int i;

	for (i = 0; i < c->n; i++)
		if (c->rels[i].pub.id == floor)
			return c->rules[i].state == ROLLOUT_REVOKED;
	return 1;
}

/* Records r as device n's last offer (under the read lock); returns 1 when
** it is a signed rollback: below the floor, whose release is gone. */
static int record_offer(struct fleet *f, uint32_t n, const struct rel *r)
{
	struct dev *d = fleet_dev(f, n);
	pthread_mutex_t *mu = fleet_stripe(f, n);
	uint8_t flags;
	int rollback, changed;

	pthread_mutex_lock(mu);
	rollback = d->floor && r->pub.id < d->floor && floor_gone(f, d, d->floor);
	flags = (uint8_t)((d->flags & ~FLEET_F_ROLLBACK) | (rollback ? FLEET_F_ROLLBACK : 0));
	changed = d->offered != (uint32_t)r->pub.id || d->flags != flags;
	d->offered = (uint32_t)r->pub.id;
	d->flags = flags;
	pthread_mutex_unlock(mu);
	if (changed)
		fleet_mark_dirty(f, d, n);
	return rollback;
}

/* Records which client device n polls with (under the read lock). */
static void record_client(struct fleet *f, uint32_t n, int lua)
{
	struct dev *d = fleet_dev(f, n);
	uint8_t flags;
	int changed;

	pthread_mutex_lock(fleet_stripe(f, n));
	flags = (uint8_t)((d->flags & ~FLEET_F_LUA) | FLEET_F_POLLED | (lua ? FLEET_F_LUA : 0));
	changed = d->flags != flags;
	d->flags = flags;
	pthread_mutex_unlock(fleet_stripe(f, n));
	if (changed)
		fleet_mark_dirty(f, d, n);
}

/* 1 when a poll without current= says its LFS holds r's image: the LFS
** timestamp, and the flash size when sent, are those of r's build. Two
** builds with the same timestamp and size would be taken for each other. */
static int lfs_matches(const struct fleet_poll_req *q, const struct rel *r)
{
	return !q->current && q->lfs_time >= 0 && q->lfs_time == r->timestamp &&
	       (q->lfs_used < 0 || q->lfs_used == r->flash_size);
}

/* The poll of authenticated device n (under the read lock). */
static int poll_device(struct fleet *f, uint32_t n, const struct fleet_poll_req *q,
                       struct fleet_offer *o)
{
	struct dev *d = fleet_dev(f, n);
	uint8_t cur[32];
	const struct rel *r;

	memset(cur, 0, sizeof cur);
	fleet_seen(f, d, n);
	atomic_store(&d->pin, (uint8_t)q->pin);
	record_client(f, n, q->lua);
	if (q->current && hash_is_hex64(q->current) && !hex_decode(q->current, cur, 32))
		fleet_set_running(f, n, cur);
	r = fleet_offer_of(f, n, cur);   /* as the device says it runs */
	if (!r)
		return FLEET_OK;
	o->found = 1;
	o->rel = r->pub;
	memcpy(o->channel, f->chans[d->chan].name, sizeof o->channel);
	if (q->current && !strcmp(q->current, r->pub.sha))
		return FLEET_OK;   /* up to date: nothing offered */
	if (lfs_matches(q, r)) {
		fleet_set_running(f, n, r->rule.sha);
		return FLEET_OK;   /* its LFS holds r's image: up to date */
	}
	o->modules = strdup(r->modules);
	if (!o->modules)
		return FLEET_NO_MEMORY;
	o->update = 1;
	memcpy(o->target, r->target, sizeof o->target);
	o->key_generation = d->key_gen;
	o->rollback = record_offer(f, n, r);
	return FLEET_OK;
}

int fleet_poll(struct fleet *f, const struct fleet_poll_req *q, struct fleet_offer *o)
{
	long n;
	int rc;

	memset(o, 0, sizeof *o);
	pthread_rwlock_rdlock(&f->lock);
	rc = fleet_check(f, q->id, q->key, &n);
	if (!rc && q->channel &&
	    strcmp(q->channel, f->chans[fleet_dev(f, (uint32_t)n)->chan].name))
		rc = FLEET_WRONG_CHANNEL;
	if (!rc)
		rc = poll_device(f, (uint32_t)n, q, o);
	pthread_rwlock_unlock(&f->lock);
	if (rc)
		fleet_offer_free(o);
	return rc;
}

void fleet_offer_free(struct fleet_offer *o)
{
	free(o->modules);
	o->modules = NULL;
}

/* Under the read lock: device n's running image and last offer. */
static const struct rel *last_offer(struct fleet *f, uint32_t n, uint8_t run[32],
                                    int *rollback)
{
	struct dev *d = fleet_dev(f, n);
	uint32_t offered;

	pthread_mutex_lock(fleet_stripe(f, n));
	memcpy(run, d->running, 32);
	offered = d->offered;
	*rollback = (d->flags & FLEET_F_ROLLBACK) != 0;
	pthread_mutex_unlock(fleet_stripe(f, n));
	return fleet_release_by_id(f, offered);
}

int fleet_may_download(struct fleet *f, const char *id, const char *sha)
{
	const struct rel *r;
	const struct chan *c;
	uint8_t run[32];
	long n;
	int i, rollback, ok = 0;

	pthread_rwlock_rdlock(&f->lock);
	n = fleet_find(f, id);
	if (n >= 0 && (r = last_offer(f, (uint32_t)n, run, &rollback)) && !strcmp(r->pub.sha, sha)) {
		c = &f->chans[fleet_dev(f, (uint32_t)n)->chan];
		for (i = 0; i < c->n && &c->rels[i] != r; i++)
			;
		ok = i < c->n && c->rules[i].state == ROLLOUT_ACTIVE;
	}
	pthread_rwlock_unlock(&f->lock);
	return ok;
}

int fleet_unoffered(struct fleet *f, const char *id, const char *state, const char *sha)
{
	uint8_t s[32], run[32];
	const struct rel *r;
	long n;
	int flag = 0, rollback;

	if (!sha || !state || strcmp(state, "booted") || hex_decode(sha, s, 32))
		return 0;
	pthread_rwlock_rdlock(&f->lock);
	n = fleet_find(f, id);
	if (n >= 0) {
		r = last_offer(f, (uint32_t)n, run, &rollback);
		flag = !(r && !strcmp(r->pub.sha, sha)) && memcmp(run, s, 32) != 0;
	}
	pthread_rwlock_unlock(&f->lock);
	return flag;
}

/* A booted report for device n's last offer (under the read lock): its
** floor becomes that release, or the higher of the two (the device's rule
** after a successful check-in). */
static void raise_floor(struct fleet *f, uint32_t n, const char *sha)
{
	struct dev *d = fleet_dev(f, n);
	uint8_t run[32];
	const struct rel *r;
	int rollback, changed = 0;

	r = last_offer(f, n, run, &rollback);
	if (!r || strcmp(r->pub.sha, sha))
		return;
	pthread_mutex_lock(fleet_stripe(f, n));
	if (d->offered == (uint32_t)r->pub.id && (rollback || d->offered > d->floor) &&
	    d->floor != d->offered) {
		d->floor = d->offered;
		changed = 1;
	}
	pthread_mutex_unlock(fleet_stripe(f, n));
	if (changed)
		fleet_mark_dirty(f, d, n);
}

void fleet_report(struct fleet *f, const char *id, const char *state, const char *sha,
                  const char *running)
{
	uint8_t run[32];
	long n;

	pthread_rwlock_rdlock(&f->lock);
	n = fleet_find(f, id);
	if (n >= 0) {
		atomic_store(&fleet_dev(f, (uint32_t)n)->state, (uint8_t)fleet_state_of(state));
		if (sha && !strcmp(state, "booted"))
			raise_floor(f, (uint32_t)n, sha);
		if (running && hash_is_hex64(running) && !hex_decode(running, run, 32))
			fleet_set_running(f, (uint32_t)n, run);
	}
	pthread_rwlock_unlock(&f->lock);
}
