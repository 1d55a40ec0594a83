/* fleet_flush.c - the fleet's dirty list and the flusher thread that writes
** it to the store (fleet.h, rules 1-3). */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fleet_int.h"
#include "hex.h"
#include "log.h"

#define FLUSH_SECONDS 2        /* how often the flusher looks */
#define FLUSH_CHUNK 500        /* rows per store transaction */
#define FLUSH_PAUSE_MS 50      /* between chunks: at most 10,000 rows a second */
#define FLUSH_RETRY_MAX 32     /* seconds between tries while writes fail */

void fleet_mark_dirty(struct fleet *f, struct dev *d, uint32_t n)
{
	if (atomic_exchange(&d->dirty, 1))
		return;
	pthread_mutex_lock(&f->dirty_mu);
	if (f->ndirty == f->dirty_cap) {
		size_t cap = f->dirty_cap ? f->dirty_cap * 2 : 1024;
		uint32_t *v = realloc(f->dirty, cap * sizeof *v);

		if (!v) {   /* not listed: its next contact marks it again */
			atomic_store(&d->dirty, 0);
			pthread_mutex_unlock(&f->dirty_mu);
			return;
		}
		f->dirty = v;
		f->dirty_cap = cap;
	}
	f->dirty[f->ndirty++] = n;
	pthread_mutex_unlock(&f->dirty_mu);
}

/* The dirty list, taken (caller owns: free()); *n its length. */
static uint32_t *take_dirty(struct fleet *f, size_t *n)
{
	uint32_t *v;

	pthread_mutex_lock(&f->dirty_mu);
	v = f->dirty;
	*n = f->ndirty;
	f->dirty = NULL;
	f->ndirty = f->dirty_cap = 0;
	pthread_mutex_unlock(&f->dirty_mu);
	return v;
}

/* What the store gets of devices v[0..n): their state now (a change made
** after this read marks the device dirty again). */
static void snapshot(struct fleet *f, const uint32_t *v, size_t n, struct device_seen *out)
{
	static const uint8_t none[32];
	size_t i;

	pthread_rwlock_rdlock(&f->lock);
	for (i = 0; i < n; i++) {
		struct dev *d = fleet_dev(f, v[i]);
		uint8_t run[32];

		atomic_store(&d->dirty, 0);
		strcpy(out[i].id, fleet_dev_id(f, d));
		out[i].last_seen = atomic_load(&d->last_seen);
		atomic_store(&d->flushed_seen, (uint32_t)out[i].last_seen);
		pthread_mutex_lock(fleet_stripe(f, v[i]));
		memcpy(run, d->running, 32);
		out[i].offered_release = d->offered;
		out[i].offered_rollback = (d->flags & FLEET_F_ROLLBACK) != 0;
		out[i].floor = d->floor;
		strcpy(out[i].client, !(d->flags & FLEET_F_POLLED) ? ""
		                      : (d->flags & FLEET_F_LUA) ? "lua" : "c");
		pthread_mutex_unlock(fleet_stripe(f, v[i]));
		out[i].running[0] = '\0';
		if (memcmp(run, none, 32))
			hex_encode(run, 32, out[i].running);
	}
	pthread_rwlock_unlock(&f->lock);
}

/* 1 when the flusher is asked to stop (then it no longer paces). */
static int stopping(struct fleet *f)
{
	int s;

	pthread_mutex_lock(&f->stop_mu);
	s = f->stopping;
	pthread_mutex_unlock(&f->stop_mu);
	return s;
}

/* Writes the dirty list in chunks; paced unless pace is 0. */
static int flush(struct fleet *f, int pace)
{
	struct timespec pause = { 0, FLUSH_PAUSE_MS * 1000000L };
	struct device_seen *items;
	size_t n, i, k;
	uint32_t *v = take_dirty(f, &n);
	int ret = 0;

	if (!n)
		return 0;
	items = malloc(FLUSH_CHUNK * sizeof *items);
	if (!items) {
		for (i = 0; i < n; i++)
			atomic_store(&fleet_dev(f, v[i])->dirty, 0);   /* marked again later */
		free(v);
		return log_error("out of memory flushing the fleet");
	}

	for (i = 0; i < n; i += k) {
		k = n - i < FLUSH_CHUNK ? n - i : FLUSH_CHUNK;
		snapshot(f, v + i, k, items);
		if (store_devices_seen(f->store, items, k) != STORE_OK) {
			for (k = i; k < n; k++)   /* again next time */
				fleet_mark_dirty(f, fleet_dev(f, v[k]), v[k]);
			ret = -1;
			break;
		}
		if (pace && i + k < n && !stopping(f))
			nanosleep(&pause, NULL);
	}
	free(items);
	free(v);
	return ret;
}

size_t fleet_unflushed(struct fleet *f)
{
	size_t n;

	pthread_mutex_lock(&f->dirty_mu);
	n = f->ndirty;
	pthread_mutex_unlock(&f->dirty_mu);
	return n;
}

int fleet_flush(struct fleet *f)
{
	int ret;

	pthread_mutex_lock(&f->flush_mu);
	ret = flush(f, 0);
	pthread_mutex_unlock(&f->flush_mu);
	return ret;
}

static void *flusher(void *arg)
{
	struct fleet *f = arg;
	int wait = FLUSH_SECONDS, failed;

	/* background work: below the request threads (Linux: per-thread nice) */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	pthread_mutex_lock(&f->stop_mu);
	while (!f->stopping) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait;
		pthread_cond_timedwait(&f->stop_cond, &f->stop_mu, &ts);
		pthread_mutex_unlock(&f->stop_mu);
		pthread_mutex_lock(&f->flush_mu);
		failed = flush(f, 1) != 0;
		pthread_mutex_unlock(&f->flush_mu);
		/* a failing store (full disk): retried less and less often */
		wait = !failed ? FLUSH_SECONDS : wait < FLUSH_RETRY_MAX ? wait * 2 : FLUSH_RETRY_MAX;
		pthread_mutex_lock(&f->stop_mu);
	}
	pthread_mutex_unlock(&f->stop_mu);
	return NULL;
}

int fleet_flusher_start(struct fleet *f)
{
	if (pthread_create(&f->flusher, NULL, flusher, f))
		return log_error("cannot start the fleet's flusher");
	f->flusher_started = 1;
	return 0;
}

void fleet_flusher_stop(struct fleet *f)
{
	if (!f->flusher_started)
		return;
	pthread_mutex_lock(&f->stop_mu);
	f->stopping = 1;
	pthread_cond_signal(&f->stop_cond);
	pthread_mutex_unlock(&f->stop_mu);
	pthread_join(f->flusher, NULL);
	f->flusher_started = 0;
}
