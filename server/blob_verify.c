/* blob_verify.c - is a blob still the bytes its name says (blob.h,
** verification rule): the digest check, remembered per file identity so a
** blob is read once until its file changes, and the scrub of every blob a
** row names, at start and every --verify-interval seconds. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "blob.h"
#include "health.h"
#include "hex.h"
#include "log.h"
#include "store.h"

/* The table key of a hex sha: its first 16 digits, never 0. */
static uint64_t key_of(const char *sha)
{
	uint64_t k = 0;
	int i;

	for (i = 0; i < 16; i++)
		k = k << 4 | (uint64_t)(sha[i] <= '9' ? sha[i] - '0' : sha[i] - 'a' + 10);
	return k ? k : 1;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* 1 if sha was found intact in a file of identity st. */
static int verified(struct blob_store *b, const char *sha, const struct stat *st)
{
	uint64_t k = key_of(sha);
	const struct blob_verified *v = &b->verified[k % BLOB_KNOWN_SLOTS];
	int hit;

	pthread_mutex_lock(&b->verified_mu);
	hit = v->key == k && v->dev == st->st_dev && v->ino == st->st_ino &&
	      v->size == st->st_size && same_time(&v->mtime, &st->st_mtim) &&
	      same_time(&v->ctime, &st->st_ctim);
	pthread_mutex_unlock(&b->verified_mu);
	return hit;
}

/* Remembers that sha is intact in a file of identity st. */
static void remember(struct blob_store *b, const char *sha, const struct stat *st)
{
	uint64_t k = key_of(sha);
	struct blob_verified *v = &b->verified[k % BLOB_KNOWN_SLOTS];

	pthread_mutex_lock(&b->verified_mu);
	v->key = k;
	v->dev = st->st_dev;
	v->ino = st->st_ino;
	v->size = st->st_size;
	v->mtime = st->st_mtim;
	v->ctime = st->st_ctim;
	pthread_mutex_unlock(&b->verified_mu);
}

/* Reports blob sha not intact (why), logging it the first time. */
static int bad(struct blob_store *b, const char *sha, int state, const char *why,
               const char *detail)
{
	blob_forget_one(b, sha);
	if (health_blob_bad(sha, why))
		log_error("blob %s is %s%s (a row names it; storing the same bytes again "
		          "repairs it)", sha, why, detail);
	return state;
}

int blob_check(struct blob_store *b, const char *sha, int fd)
{
	char path[700], got[HASH_HEX_LEN + 1], detail[120];
	struct stat st;
	uint8_t d[32];
	long long size;
	int own = fd < 0, ret = -1;

	if (blob_path(b, sha, path, sizeof path))
		return -1;
	if (own && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return bad(b, sha, BLOB_MISSING, "missing", "");
		snprintf(detail, sizeof detail, ": %s", strerror(errno));
		return bad(b, sha, -1, "unreadable", detail);
	}
	if (fstat(fd, &st)) {
		snprintf(detail, sizeof detail, ": %s", strerror(errno));
		ret = bad(b, sha, -1, "unreadable", detail);
	} else if (verified(b, sha, &st)) {
		ret = BLOB_INTACT;
	} else if (hash_sha256_fd(fd, d, &size)) {
		snprintf(detail, sizeof detail, ": %s", strerror(errno));
		ret = bad(b, sha, -1, "unreadable", detail);
	} else if (hex_encode(d, sizeof d, got), strcmp(got, sha)) {
		snprintf(detail, sizeof detail, ": its %lld bytes hash to %.16s...", size, got);
		ret = bad(b, sha, BLOB_DAMAGED, "damaged", detail);
	} else {
		remember(b, sha, &st);
		health_blob_ok(sha);
		ret = BLOB_INTACT;
	}
	if (own)
		close(fd);
	return ret;
}

long long blob_scrub(struct blob_store *b, struct store *store)
{
	char (*v)[HASH_HEX_LEN + 1];
	long long nbad = 0;
	size_t n, i;

	blob_hold(b);   /* the sweep removes nothing meanwhile: missing means missing */
	if (blob_refs(store, &v, &n)) {
		blob_unhold(b);
		return -1;
	}
	for (i = 0; i < n && !atomic_load(&b->scrub_stop); i++)
		nbad += blob_check(b, v[i], -1) != BLOB_INTACT;
	blob_unhold(b);
	free(v);
	if (nbad)
		log_error("blob check: %lld of %zu blobs missing, damaged or unreadable", nbad, n);
	return nbad;
}

struct scrub_arg {
	struct blob_store *b;
	struct store *store;
	int interval;
};

static void *scrubber(void *p)
{
	struct scrub_arg a = *(struct scrub_arg *)p;
	struct blob_store *b = a.b;
	struct timespec ts;
	int stop = 0;

	free(p);
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);   /* background work */
	while (!stop) {
		blob_scrub(b, a.store);
		pthread_mutex_lock(&b->scrub_mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += a.interval;
		while (!b->scrub_stop && a.interval &&
		       pthread_cond_timedwait(&b->scrub_cond, &b->scrub_mu, &ts) == 0)
			;
		while (!b->scrub_stop && !a.interval)
			pthread_cond_wait(&b->scrub_cond, &b->scrub_mu);
		stop = b->scrub_stop;
		pthread_mutex_unlock(&b->scrub_mu);
	}
	return NULL;
}

int blob_scrubber_start(struct blob_store *b, struct store *store, int interval)
{
	struct scrub_arg *a = malloc(sizeof *a);

	if (!a)
		return log_error("out of memory");
	a->b = b;
	a->store = store;
	a->interval = interval;
	if (pthread_create(&b->scrubber, NULL, scrubber, a)) {
		free(a);
		return log_error("cannot start the blob checker");
	}
	b->scrub_started = 1;
	return 0;
}
