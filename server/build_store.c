/* build_store.c - a compiled build's blobs and row (build_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_store.h"
#include "http.h"
#include "log.h"

/* The build row of u and res (res's lists move into b). Returns 0 or -1. */
static int fill(struct build *b, const struct build_upload *u, struct compile_result *res,
                const struct build_timing *t)
{
	int i;

	memset(b, 0, sizeof *b);
	memcpy(b->dedup_key, u->dedup_key, sizeof b->dedup_key);
	b->opts = u->opts;
	b->seed = res->seed;
	b->timestamp = res->timestamp;
	memcpy(b->kind, res->kind, sizeof b->kind);
	b->flash_size = res->flash_size;
	b->strings_vector = res->strings_vector;
	b->strings_short = res->strings_short;
	b->strings_long = res->strings_long;
	b->queued_ms = t->queued_ms;
	b->compile_ms = t->compile_ms;
	b->modules = res->modules;
	b->nmodules = res->nmodules;
	b->warnings = res->warnings;
	b->nwarnings = res->nwarnings;
	res->modules = NULL;
	res->warnings = NULL;
	res->nmodules = res->nwarnings = 0;
	b->files = calloc((size_t)u->nfiles + 1, sizeof *b->files);
	if (!b->files)
		return log_error("out of memory");
	for (i = 0; i < u->nfiles; i++) {
		memcpy(b->files[i].name, u->files[i].name, sizeof b->files[i].name);
		memcpy(b->files[i].sha, u->files[i].sha, sizeof b->files[i].sha);
		b->files[i].size = (long long)u->files[i].len;
	}
	b->nfiles = u->nfiles;
	return 0;
}

/* The blobs of the build, durable once this returns 0. */
static int blobs_of(struct blob_store *blobs, const struct build_upload *u, const char *image,
                    struct build *b)
{
	struct blob_batch batch;
	int i;

	memset(&batch, 0, sizeof batch);
	for (i = 0; i < u->nfiles; i++)
		if (blob_put(blobs, u->files[i].data, u->files[i].len, u->files[i].sha, NULL,
		             &batch)) {
			unlink(image);
			return -1;
		}
	if (blob_adopt(blobs, image, 64u << 20, b->sha, &b->size, &batch))
		return -1;
	return blob_batch_sync(blobs, &batch);
}

int build_store_save(struct blob_store *blobs, struct store *store,
                     const struct build_upload *u, const char *image,
                     struct compile_result *res, const struct build_timing *t,
                     struct build *out)
{
	int ret = STORE_ERROR;

	if (fill(out, u, res, t)) {
		unlink(image);
		return STORE_ERROR;
	}
	blob_hold(blobs);   /* rule of blob.h: no sweep between the blobs and the row */
	if (blobs_of(blobs, u, image, out) == 0) {
		out->total_ms = (long long)(http_now_us() - t->queued_us) / 1000;
		ret = store_build_insert(store, out);
	}
	blob_unhold(blobs);
	return ret;
}
