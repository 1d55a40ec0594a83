/* blob.c - content-addressed blob store: temp file, fsync, rename, fsync
** directory (the rules are in blob.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "fsutil.h"
#include "health.h"
#include "log.h"

/* Creates the 256 directories blobs go to (00 .. ff) that are missing: once,
** at a data directory's first start, not in a build's way (a directory
** creation can cost more than the build's whole compile on a busy disk). */
static int make_subdirs(struct blob_store *b)
{
	char sub[700];
	int i, made = 0;

	for (i = 0; i < 256; i++) {
		snprintf(sub, sizeof sub, "%s/%02x", b->dir, i);
		if (mkdir(sub, 0700) == 0)
			made = 1;
		else if (errno != EEXIST)
			return log_error("cannot create '%s': %s", sub, strerror(errno));
	}
	return made ? fsutil_fsync_dir(b->dir) : 0;
}

int blob_open(struct blob_store *b, const char *dir)
{
	char tmp[700], abs[PATH_MAX];
	DIR *dh;
	struct dirent *e;

	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	if (fsutil_mkdir_p(tmp, 0700))
		return -1;
	/* absolute: lfsc writes images here from its own working directory */
	if (!realpath(dir, abs) || snprintf(b->dir, sizeof b->dir, "%s", abs) >= (int)sizeof b->dir)
		return log_error("cannot resolve the blob directory '%s'", dir);
	snprintf(tmp, sizeof tmp, "%s/tmp", b->dir);
	dh = opendir(tmp);
	if (!dh)
		return log_error("cannot read '%s': %s", tmp, strerror(errno));
	while ((e = readdir(dh))) {
		char p[1000];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
		if (unlink(p) == 0)
			log_info("removed stale temp file '%s'", p);
	}
	closedir(dh);
	if (make_subdirs(b))
		return -1;
	pthread_rwlock_init(&b->gc, NULL);
	pthread_mutex_init(&b->known_mu, NULL);
	memset(b->known, 0, sizeof b->known);
	pthread_mutex_init(&b->verified_mu, NULL);
	memset(b->verified, 0, sizeof b->verified);
	pthread_mutex_init(&b->scrub_mu, NULL);
	pthread_cond_init(&b->scrub_cond, NULL);
	b->scrub_stop = b->scrub_started = 0;
	return 0;
}

void blob_close(struct blob_store *b)
{
	if (b->scrub_started) {
		pthread_mutex_lock(&b->scrub_mu);
		b->scrub_stop = 1;
		pthread_cond_signal(&b->scrub_cond);
		pthread_mutex_unlock(&b->scrub_mu);
		pthread_join(b->scrubber, NULL);
		b->scrub_started = 0;
	}
	pthread_rwlock_destroy(&b->gc);
	pthread_mutex_destroy(&b->known_mu);
	pthread_mutex_destroy(&b->verified_mu);
	pthread_mutex_destroy(&b->scrub_mu);
	pthread_cond_destroy(&b->scrub_cond);
}

/* The known-table key of a hex sha: its first 16 digits, never 0. */
static uint64_t key_of(const char *sha)
{
	uint64_t k = strtoull((char[17]){ sha[0], sha[1], sha[2], sha[3], sha[4], sha[5],
	                                  sha[6], sha[7], sha[8], sha[9], sha[10], sha[11],
	                                  sha[12], sha[13], sha[14], sha[15], 0 }, NULL, 16);

	return k ? k : 1;
}

/* 1 if sha is in the known table; with add, puts it there. */
static int known(struct blob_store *b, const char *sha, int add)
{
	uint64_t k = key_of(sha);
	uint64_t *slot = &b->known[k % BLOB_KNOWN_SLOTS];
	int hit;

	pthread_mutex_lock(&b->known_mu);
	hit = *slot == k;
	if (add)
		*slot = k;
	pthread_mutex_unlock(&b->known_mu);
	return hit;
}

void blob_forget(struct blob_store *b)
{
	pthread_mutex_lock(&b->known_mu);
	memset(b->known, 0, sizeof b->known);
	pthread_mutex_unlock(&b->known_mu);
}

void blob_forget_one(struct blob_store *b, const char *sha)
{
	uint64_t k = key_of(sha);

	pthread_mutex_lock(&b->known_mu);
	if (b->known[k % BLOB_KNOWN_SLOTS] == k)
		b->known[k % BLOB_KNOWN_SLOTS] = 0;
	pthread_mutex_unlock(&b->known_mu);
}

int blob_path(const struct blob_store *b, const char *sha, char *buf, size_t size)
{
	if (!sha || !hash_is_hex64(sha))
		return -1;
	if (snprintf(buf, size, "%s/%.2s/%s", b->dir, sha, sha) >= (int)size)
		return -1;
	return 0;
}

static int known(struct blob_store *b, const char *sha, int add);

/* Notes that directory "dir/<sha's first two digits>" needs an fsync and
** that sha is known durable once it had it. */
static void touched(struct blob_batch *batch, const char *sha)
{
	int i;

	if (batch->nshas < (int)(sizeof batch->shas / sizeof batch->shas[0]))
		memcpy(batch->shas[batch->nshas++], sha, HASH_HEX_LEN + 1);

	for (i = 0; i < batch->n; i++)
		if (!memcmp(batch->dirs[i], sha, 2))
			return;
	if (batch->n == (int)(sizeof batch->dirs / sizeof batch->dirs[0])) {
		batch->overflow = 1;
		return;
	}
	memcpy(batch->dirs[batch->n], sha, 2);
	batch->dirs[batch->n++][2] = '\0';
}

static int sync_sub(struct blob_store *b, const char *two)
{
	char sub[700];

	snprintf(sub, sizeof sub, "%s/%.2s", b->dir, two);
	return fsutil_fsync_dir(sub);
}

int blob_batch_sync(struct blob_store *b, struct blob_batch *batch)
{
	int i, ret = 0;

	if (batch->overflow) {   /* a build of many new files: every directory */
		char sub[700];

		for (i = 0; i < 256 && !ret; i++) {
			snprintf(sub, sizeof sub, "%s/%02x", b->dir, i);
			if (access(sub, F_OK) == 0)
				ret = fsutil_fsync_dir(sub);
		}
		goto out;
	}
	for (i = 0; i < batch->n && !ret; i++)
		ret = sync_sub(b, batch->dirs[i]);
out:
	for (i = 0; i < batch->nshas && !ret; i++)
		known(b, batch->shas[i], 1);
	return ret;
}

/* Moves the fsynced file tmp to blob sha's place, creating its directory;
** then fsyncs the directory, or remembers it in batch. tmp is gone after. */
static int place(struct blob_store *b, const char *tmp, const char *sha,
                 struct blob_batch *batch)
{
	char final[700], sub[700];

	snprintf(sub, sizeof sub, "%s/%.2s", b->dir, sha);
	blob_path(b, sha, final, sizeof final);
	if (mkdir(sub, 0700) && errno != EEXIST) {
		unlink(tmp);
		return log_error("cannot create '%s': %s", sub, strerror(errno));
	}
	if (rename(tmp, final)) {
		unlink(tmp);
		return log_error("cannot rename blob to '%s': %s", final, strerror(errno));
	}
	health_blob_ok(sha);   /* the bytes its name says, whatever was there before */
	if (batch) {
		touched(batch, sha);
		return 0;
	}
	return fsutil_fsync_dir(sub);
}

/* 1 if blob sha is stored intact (it was renamed only after fsync); 0 if
** it is not, or is damaged (then the caller's bytes replace it). */
static int stored(struct blob_store *b, const char *sha)
{
	char path[700];
	struct stat st;

	blob_path(b, sha, path, sizeof path);
	if (stat(path, &st))
		return 0;   /* not there yet: written now */
	return blob_check(b, sha, -1) == BLOB_INTACT;   /* damaged: replaced now */
}

int blob_put(struct blob_store *b, const void *data, size_t len, const char *sha,
             char out[HASH_HEX_LEN + 1], struct blob_batch *batch)
{
	char hex[HASH_HEX_LEN + 1], tmp[700];
	int fd;

	if (sha)
		memcpy(hex, sha, sizeof hex);
	else
		hash_sha256_hex(data, len, hex);
	if (out)
		memcpy(out, hex, sizeof hex);
	if (known(b, hex, 0))
		return 0;
	if (stored(b, hex)) {
		/* renamed by a build that may not have synced its directory yet */
		if (batch) {
			touched(batch, hex);
			return 0;
		}
		if (sync_sub(b, hex))
			return -1;
		known(b, hex, 1);
		return 0;
	}
	snprintf(tmp, sizeof tmp, "%s/tmp/%s.XXXXXX", b->dir, hex);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_error("cannot create temp blob: %s", strerror(errno));
	if (fsutil_write_all(fd, data, len) || fsync(fd)) {
		log_error("cannot write blob '%s': %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (place(b, tmp, hex, batch))
		return -1;
	if (!batch)
		known(b, hex, 1);
	return 0;
}

int blob_temp(struct blob_store *b, char *buf, size_t size)
{
	int fd;

	if (snprintf(buf, size, "%s/tmp/out.XXXXXX", b->dir) >= (int)size)
		return log_error("blob directory name too long");
	fd = mkostemp(buf, O_CLOEXEC);
	if (fd < 0)
		return log_error("cannot create a temp file in '%s/tmp': %s", b->dir, strerror(errno));
	close(fd);
	return 0;
}

int blob_adopt(struct blob_store *b, const char *tmp, size_t max,
               char sha[HASH_HEX_LEN + 1], long long *size, struct blob_batch *batch)
{
	char *data = NULL;
	size_t len = 0;
	int fd, ret = -1;

	if (fsutil_read_file(tmp, max, &data, &len))
		goto out;
	hash_sha256_hex(data, len, sha);
	*size = (long long)len;
	if (stored(b, sha)) {   /* an identical image: keep that one */
		ret = batch ? (touched(batch, sha), 0) : sync_sub(b, sha);
		goto out;
	}
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		log_error("cannot fsync '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	free(data);
	return place(b, tmp, sha, batch);
out:
	free(data);
	unlink(tmp);
	return ret;
}

void blob_hold(struct blob_store *b)
{
	pthread_rwlock_rdlock(&b->gc);
}

void blob_unhold(struct blob_store *b)
{
	pthread_rwlock_unlock(&b->gc);
}

int blob_read(const struct blob_store *b, const char *sha, size_t max,
              char **data, size_t *len)
{
	char path[700];

	if (blob_path(b, sha, path, sizeof path))
		return -1;
	return fsutil_read_file(path, max, data, len) ? -1 : 0;
}
