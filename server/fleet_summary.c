/* fleet_summary.c - counts of the fleet for the dashboard (fleet.h,
** fleet_summarize): one pass over every device in memory, no store query. */
#include <stdlib.h>
#include <string.h>

#include "fleet_int.h"

struct acc {
	long long devices;
	long long states[FLEET_STATES];
	long long *running;              /* per release of the channel */
	long long other, none, pending;
};

/* Counts device n into a (under the read lock). */
static void count(struct fleet *f, uint32_t n, struct acc *a)
{
	static const uint8_t none[32];
	const struct dev *d = fleet_dev(f, n);
	const struct chan *c = &f->chans[d->chan];
	const struct rel *offer;
	uint8_t run[32];
	int i;

	pthread_mutex_lock(fleet_stripe(f, n));
	memcpy(run, d->running, 32);
	pthread_mutex_unlock(fleet_stripe(f, n));
	a->devices++;
	a->states[atomic_load(&d->state) % FLEET_STATES]++;
	if (!memcmp(run, none, 32)) {
		a->none++;
	} else {
		for (i = 0; i < c->n && memcmp(c->rules[i].sha, run, 32); i++)
			;
		if (i < c->n)
			a->running[i]++;
		else
			a->other++;
	}
	offer = fleet_offer_of(f, n, run);
	if (offer && memcmp(offer->rule.sha, run, 32))
		a->pending++;
}

/* Hands channel c's counts to cb. */
static void report(struct fleet *f, int c, const struct acc *a, fleet_summary_cb cb, void *cls)
{
	struct fleet_release *rels = calloc((size_t)f->chans[c].n + 1, sizeof *rels);
	struct fleet_summary s;
	int i;

	if (!rels)
		return;
	for (i = 0; i < f->chans[c].n; i++)
		rels[i] = f->chans[c].rels[i].pub;
	s.channel = f->chans[c].name;
	s.devices = a->devices;
	memcpy(s.states, a->states, sizeof s.states);
	s.nreleases = f->chans[c].n;
	s.releases = rels;
	s.running = a->running;
	s.other_image = a->other;
	s.no_image = a->none;
	s.pending = a->pending;
	cb(cls, &s);
	free(rels);
}

void fleet_summarize(struct fleet *f, const char *channel, fleet_summary_cb cb, void *cls)
{
	struct acc *accs;
	uint32_t n;
	int c, only = -1;

	pthread_rwlock_rdlock(&f->lock);
	for (c = 0; channel && c < f->nchans; c++)
		if (!strcmp(f->chans[c].name, channel))
			only = c;
	accs = calloc((size_t)f->nchans + 1, sizeof *accs);
	for (c = 0; accs && c < f->nchans; c++)
		accs[c].running = calloc((size_t)f->chans[c].n + 1, sizeof *accs[c].running);
	for (n = 0; accs && n < f->ndev && (!channel || only >= 0); n++) {
		uint16_t dc = fleet_dev(f, n)->chan;

		if ((only < 0 || dc == only) && accs[dc].running && !fleet_dev(f, n)->gone)
			count(f, n, &accs[dc]);
	}
	for (c = 0; accs && c < f->nchans; c++)
		if (accs[c].running && (only < 0 ? f->chans[c].ndevices || f->chans[c].n : c == only))
			report(f, c, &accs[c], cb, cls);
	for (c = 0; accs && c < f->nchans; c++)
		free(accs[c].running);
	free(accs);
	pthread_rwlock_unlock(&f->lock);
}

long long fleet_lua_devices(struct fleet *f, const char *channel)
{
	long long count = 0;
	uint32_t n;
	int c;

	pthread_rwlock_rdlock(&f->lock);
	for (c = 0; c < f->nchans && strcmp(f->chans[c].name, channel); c++)
		;
	for (n = 0; c < f->nchans && n < f->ndev; n++) {
		struct dev *d = fleet_dev(f, n);

		pthread_mutex_lock(fleet_stripe(f, n));
		count += d->chan == c && !d->gone && (d->flags & FLEET_F_LUA);
		pthread_mutex_unlock(fleet_stripe(f, n));
	}
	pthread_rwlock_unlock(&f->lock);
	return count;
}

void fleet_pins(struct fleet *f, long long counts[4])
{
	uint32_t n;

	memset(counts, 0, 4 * sizeof *counts);
	pthread_rwlock_rdlock(&f->lock);
	for (n = 0; n < f->ndev; n++)
		counts[atomic_load(&fleet_dev(f, n)->pin) & 3]++;
	pthread_rwlock_unlock(&f->lock);
}
