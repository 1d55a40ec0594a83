/*
** stage.c - download, verify and keep images in the SPIFFS stand-in.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform.h"
#include "stage.h"
#include "verify.h"

void stage_path(const struct stage *s, const char *sha, const char *ext, char *buf,
		size_t size)
{
	snprintf(buf, size, "%s/%s%s", s->dir, sha, ext);
}

int stage_has(const struct stage *s, const char *sha)
{
	char path[1200];

	if (!sha || !*sha)
		return 0;
	stage_path(s, sha, ".img", path, sizeof path);
	return platform_exists(path);
}

static int check_all(const struct stage *s, const uint8_t *data, size_t len,
		     const struct manifest *m, struct lfsc_buffer *layout, struct dev_error *err)
{
	int ret;

	if ((ret = verify_digest(data, len, m->size, m->sha256, err)) ||
	    (ret = verify_image(data, len, s->target, s->base, s->part_size, layout, err)))
		return ret;
	return DEV_OK;
}

int stage_fetch(const struct stage *s, struct fetch *f, const struct manifest *m,
		struct lfsc_buffer *layout, int *downloaded, struct dev_error *err)
{
	int ret = DEV_ERR_VERIFY, attempt;
	char img[1200], part[1200], etag[1200];
	uint8_t *data = NULL;
	size_t len = 0;
	int64_t from = 0, got = 0, have = -1;
	struct dev_error e;

	*downloaded = 0;
	dev_error_clear(&e);
	stage_path(s, m->sha256, ".img", img, sizeof img);
	stage_path(s, m->sha256, ".part", part, sizeof part);
	stage_path(s, m->sha256, ".etag", etag, sizeof etag);
	if (platform_exists(img)) {
		if ((ret = platform_read_file(img, &data, &len, err)))
			goto out;
		if ((ret = check_all(s, data, len, m, layout, err)))
			platform_remove(img);
		goto out;
	}
	if (m->size <= 0 || m->size > (int64_t)s->part_size * 4) {
		ret = dev_error_set(err, DEV_ERR_VERIFY,
				    "size mismatch: manifest says %lld bytes, partition is %u",
				    (long long)m->size, s->part_size);
		goto out;
	}
	attempt = 1;
	if (platform_file_size(part, &have, NULL) == 0 && have == m->size) {
		attempt = s->tries + 1;   /* completed before a restart: only the checks remain */
		ret = DEV_OK;
		*downloaded = 1;
	}
	for (; attempt <= s->tries; attempt++) {
		dev_error_clear(&e);
		ret = fetch_download(f, m->url, part, etag, m->size, &from, &got, &e);
		*downloaded = 1;
		platform_log("download: %s attempt %d: %lld bytes from offset %lld%s%s",
			     m->sha256, attempt, (long long)got, (long long)from,
			     ret ? ": " : "", ret ? e.text : "");
		if (!ret || ret == DEV_ERR_IO || ret == DEV_ERR_MEM)
			break;
		if (attempt < s->tries)
			platform_sleep_ms(200L * attempt);
	}
	if (ret) {
		ret = dev_error_set(err, ret, "download: %s", e.text);
		goto out;
	}
	if ((ret = platform_read_file(part, &data, &len, err)))
		goto out;
	if ((ret = check_all(s, data, len, m, layout, err))) {
		platform_remove(part);   /* a rejected download is never resumed */
		platform_remove(etag);
		goto out;
	}
	if ((ret = platform_rename(part, img, err)))
		goto out;
	platform_remove(etag);
out:
	free(data);
	return ret;
}

int stage_local(const struct stage *s, const char *file, char sha[65],
		struct lfsc_buffer *layout, struct dev_error *err)
{
	int ret;
	uint8_t *data = NULL;
	size_t len = 0;
	char img[1200];

	if ((ret = platform_read_file(file, &data, &len, err)))
		goto out;
	if ((ret = verify_image(data, len, s->target, s->base, s->part_size, layout, err)))
		goto out;
	verify_sha256_hex(data, len, sha);
	stage_path(s, sha, ".img", img, sizeof img);
	ret = platform_write_atomic(img, data, len, err);
out:
	free(data);
	return ret;
}

int stage_layout(const struct stage *s, const char *sha, struct lfsc_buffer *layout,
		 struct dev_error *err)
{
	int ret;
	uint8_t *data = NULL;
	size_t len = 0;
	char img[1200], got[65];

	stage_path(s, sha, ".img", img, sizeof img);
	if ((ret = platform_read_file(img, &data, &len, err)))
		goto out;
	verify_sha256_hex(data, len, got);
	if (strcmp(got, sha)) {
		ret = dev_error_set(err, DEV_ERR_VERIFY, "staged image %s is damaged "
				    "(sha256 now %s)", sha, got);
		goto out;
	}
	ret = verify_image(data, len, s->target, s->base, s->part_size, layout, err);
out:
	free(data);
	return ret;
}

struct gc {
	const struct stage *s;
	const char *const *keep;
	int n;
};

static void gc_one(void *ctx, const char *name)
{
	struct gc *g = ctx;
	char path[1200];
	int i;

	for (i = 0; i < g->n; i++)
		if (g->keep[i] && *g->keep[i] && !strncmp(name, g->keep[i], 64))
			return;
	snprintf(path, sizeof path, "%s/%s", g->s->dir, name);
	platform_remove(path);
}

void stage_gc(const struct stage *s, const char *const *keep, int n)
{
	struct gc g = { s, keep, n };

	platform_dir_each(s->dir, gc_one, &g, NULL);
}
