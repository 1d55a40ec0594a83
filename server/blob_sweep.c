/* blob_sweep.c - removing the blobs no row names (blob.h, sweep rule):
** under the exclusive hold, the store lists every blob its rows name, and
** each file of blobs/xy/ missing from that list is removed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "fsutil.h"
#include "health.h"
#include "log.h"
#include "store.h"

struct refs {
	char (*v)[HASH_HEX_LEN + 1];
	size_t n, cap;
	int failed;
};

/* store_blob_cb: collects one reference. */
static int add_ref(void *cls, const char *sha)
{
	struct refs *r = cls;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		void *nv = realloc(r->v, cap * sizeof *r->v);

		if (!nv) {
			r->failed = 1;
			return -1;
		}
		r->v = nv;
		r->cap = cap;
	}
	snprintf(r->v[r->n++], HASH_HEX_LEN + 1, "%s", sha ? sha : "");
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* 1 if refs r (sorted) hold sha. */
static int named(void *cls, const char *sha)
{
	const struct refs *r = cls;

	return r->n && bsearch(sha, r->v, r->n, sizeof *r->v, cmp) != NULL;
}

/* Removes the unreferenced blobs of directory blobs/<sub>. */
static void sweep_dir(struct blob_store *b, const char *sub, const struct refs *r,
                      long long *removed, long long *bytes)
{
	char dir[700], path[1000];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/%s", b->dir, sub);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!hash_is_hex64(e->d_name) || strncmp(e->d_name, sub, 2) ||
		    named((void *)r, e->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && unlink(path) == 0) {
			health_blob_ok(e->d_name);   /* no row names it: no longer trouble */
			n++;
			*removed += 1;
			*bytes += (long long)st.st_size;
		}
	}
	closedir(d);
	if (n)
		fsutil_fsync_dir(dir);
}

int blob_refs(struct store *store, char (**v)[HASH_HEX_LEN + 1], size_t *n)
{
	struct refs r = { NULL, 0, 0, 0 };

	*v = NULL;
	*n = 0;
	if (store_blob_refs(store, add_ref, &r) != STORE_OK || r.failed) {
		free(r.v);
		return log_error("cannot list the blobs rows name");
	}
	if (r.n)
		qsort(r.v, r.n, sizeof *r.v, cmp);
	*v = r.v;
	*n = r.n;
	return 0;
}

int blob_sweep(struct blob_store *b, struct store *store, long long *removed,
               long long *bytes)
{
	struct refs r = { NULL, 0, 0, 0 };
	long long nrem = 0, nbytes = 0;
	char sub[3];
	int i, ret = -1;

	pthread_rwlock_wrlock(&b->gc);
	blob_forget(b);
	if (blob_refs(store, &r.v, &r.n)) {
		log_error("blob sweep: nothing removed");
		goto out;
	}
	for (i = 0; i < 256; i++) {
		snprintf(sub, sizeof sub, "%02x", i);
		sweep_dir(b, sub, &r, &nrem, &nbytes);
	}
	health_blobs_prune(named, &r);   /* a missing blob no row names is no trouble */
	if (nrem)
		log_info("blob sweep: removed %lld blobs no build names (%lld bytes)", nrem, nbytes);
	ret = 0;
out:
	pthread_rwlock_unlock(&b->gc);
	free(r.v);
	if (removed)
		*removed = nrem;
	if (bytes)
		*bytes = nbytes;
	return ret;
}
