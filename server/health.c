/* health.c - the storage trouble record behind GET /healthz (health.h). */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "health.h"

struct bad_blob {
	char sha[65];
	char why[16];
};

static struct {
	pthread_mutex_t mu;              /* guards everything but the atomics */
	atomic_int trouble;              /* write, database or blobs is set */
	char dir[PATH_MAX];
	char write[300];                 /* "" = the last write succeeded */
	uint64_t write_ms;               /* when it failed, or was last probed */
	char database[300];              /* "" = no read error */
	struct bad_blob *blobs;          /* owned */
	size_t nblobs, cap;
	_Atomic uint64_t disk_ms;        /* when the free space was looked at */
	_Atomic long long disk_free;     /* bytes free then, -1 = unknown */
} h = { PTHREAD_MUTEX_INITIALIZER, 0, "", "", 0, "", NULL, 0, 0, 0, -1 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Recomputes the trouble flag (under the lock). */
static void flag(void)
{
	atomic_store(&h.trouble, h.write[0] || h.database[0] || h.nblobs);
}

void health_setup(const char *data_dir)
{
	pthread_mutex_lock(&h.mu);
	snprintf(h.dir, sizeof h.dir, "%s", data_dir);
	pthread_mutex_unlock(&h.mu);
}

void health_write_failed(const char *what)
{
	pthread_mutex_lock(&h.mu);
	snprintf(h.write, sizeof h.write, "%s", what);
	h.write_ms = now_ms();
	flag();
	pthread_mutex_unlock(&h.mu);
}

void health_write_ok(void)
{
	if (!atomic_load(&h.trouble))
		return;
	pthread_mutex_lock(&h.mu);
	h.write[0] = '\0';
	flag();
	pthread_mutex_unlock(&h.mu);
}

int health_write_stale(int secs)
{
	int stale;

	if (!atomic_load(&h.trouble))
		return 0;
	pthread_mutex_lock(&h.mu);
	stale = h.write[0] && now_ms() - h.write_ms >= (uint64_t)secs * 1000u;
	pthread_mutex_unlock(&h.mu);
	return stale;
}

void health_write_probed(void)
{
	pthread_mutex_lock(&h.mu);
	h.write_ms = now_ms();
	pthread_mutex_unlock(&h.mu);
}

void health_database(const char *what)
{
	pthread_mutex_lock(&h.mu);
	if (!h.database[0])   /* the first one says most */
		snprintf(h.database, sizeof h.database, "%s", what);
	flag();
	pthread_mutex_unlock(&h.mu);
}

int health_blob_bad(const char *sha, const char *why)
{
	size_t i;
	int fresh;

	pthread_mutex_lock(&h.mu);
	for (i = 0; i < h.nblobs && strcmp(h.blobs[i].sha, sha); i++)
		;
	if (i == h.nblobs && h.nblobs == h.cap) {
		size_t cap = h.cap ? h.cap * 2 : 16;
		struct bad_blob *v = realloc(h.blobs, cap * sizeof *v);

		if (v) {
			h.blobs = v;
			h.cap = cap;
		}
	}
	fresh = i == h.nblobs || strcmp(h.blobs[i].why, why);
	if (i < h.cap) {
		snprintf(h.blobs[i].sha, sizeof h.blobs[i].sha, "%s", sha);
		snprintf(h.blobs[i].why, sizeof h.blobs[i].why, "%s", why);
		if (i == h.nblobs)
			h.nblobs++;
	}
	flag();
	pthread_mutex_unlock(&h.mu);
	return fresh;
}

void health_blobs_prune(int (*named)(void *cls, const char *sha), void *cls)
{
	size_t i = 0;

	if (!atomic_load(&h.trouble))
		return;
	pthread_mutex_lock(&h.mu);
	while (i < h.nblobs)
		if (!named(cls, h.blobs[i].sha))
			h.blobs[i] = h.blobs[--h.nblobs];
		else
			i++;
	flag();
	pthread_mutex_unlock(&h.mu);
}

void health_blob_ok(const char *sha)
{
	size_t i;

	if (!atomic_load(&h.trouble))
		return;
	pthread_mutex_lock(&h.mu);
	for (i = 0; i < h.nblobs; i++)
		if (!strcmp(h.blobs[i].sha, sha)) {
			h.blobs[i] = h.blobs[--h.nblobs];
			break;
		}
	flag();
	pthread_mutex_unlock(&h.mu);
}

/* Bytes free for lfsd in the data directory, looked at once a second at
** most; -1 when unknown. */
static long long disk_free(void)
{
	uint64_t now = now_ms();
	struct statvfs sv;
	char dir[PATH_MAX];

	if (now - atomic_load(&h.disk_ms) < 1000 && atomic_load(&h.disk_ms))
		return atomic_load(&h.disk_free);
	pthread_mutex_lock(&h.mu);
	memcpy(dir, h.dir, sizeof dir);
	pthread_mutex_unlock(&h.mu);
	atomic_store(&h.disk_free, dir[0] && statvfs(dir, &sv) == 0
	             ? (long long)sv.f_bavail * (long long)sv.f_frsize : -1);
	atomic_store(&h.disk_ms, now);
	return atomic_load(&h.disk_free);
}

static void add(json_t *list, const char *reason, json_t *message)
{
	json_array_append_new(list, json_pack("{s:s,s:o}", "reason", reason, "message", message));
}

/* The blobs reason's message (under the lock). */
static json_t *blobs_message(void)
{
	char text[HEALTH_BLOBS_LISTED * 80 + 100];
	size_t i, n = 0;

	n += (size_t)snprintf(text, sizeof text, "%zu blob%s missing or damaged:", h.nblobs,
	                      h.nblobs == 1 ? "" : "s");
	for (i = 0; i < h.nblobs && i < HEALTH_BLOBS_LISTED; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, " %s (%s)", h.blobs[i].sha,
		                      h.blobs[i].why);
	if (h.nblobs > HEALTH_BLOBS_LISTED)
		snprintf(text + n, sizeof text - n, " ...");
	return json_string(text);
}

json_t *health_problems(void)
{
	long long free_bytes = disk_free();
	json_t *list;

	if (!atomic_load(&h.trouble) && (free_bytes < 0 || free_bytes >= HEALTH_MIN_FREE))
		return NULL;
	list = json_array();
	pthread_mutex_lock(&h.mu);
	if (h.write[0])
		add(list, "write", json_sprintf("a write to the store failed: %s", h.write));
	if (h.database[0])
		add(list, "database", json_sprintf("the database failed a read: %s (restart lfsd "
		    "once it is repaired)", h.database));
	if (free_bytes >= 0 && free_bytes < HEALTH_MIN_FREE)
		add(list, "disk", json_sprintf("%lld bytes free in '%s'", free_bytes, h.dir));
	if (h.nblobs)
		add(list, "blobs", blobs_message());
	pthread_mutex_unlock(&h.mu);
	return list;
}
