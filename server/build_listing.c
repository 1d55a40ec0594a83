/* build_listing.c - a stored build's listing from its image (build_listing.h). */
#include <stdlib.h>
#include <string.h>

#include "lfsc_image.h"

#include "build_listing.h"
#include "build_upload.h"
#include "log.h"

/* The listing of the relocatable image data[0..len). */
static int relocatable(const char *data, size_t len, struct lfsc_buffer *out,
                       struct lfsc_error *e)
{
	struct lfsc_image *im = NULL;
	int ret = lfsc_image_read(data, len, &im, e);

	if (!ret)
		ret = lfsc_image_list(im, 1, out);
	lfsc_image_free(im);
	return ret;
}

/* The listing of the absolute image data[0..len) mapped at base. */
static int absolute(const char *data, size_t len, uint32_t base, enum lfsc_target t,
                    struct lfsc_buffer *out, struct lfsc_error *e)
{
	struct lfsc_flash *fl = NULL;
	int ret = lfsc_flash_open(data, len, base, t, &fl, e);

	if (!ret)
		ret = lfsc_flash_list(fl, 1, out, e);
	lfsc_flash_free(fl);
	return ret;
}

int build_listing(const struct blob_store *blobs, const struct build *b,
                  struct lfsc_buffer *out)
{
	struct lfsc_error e;
	enum lfsc_target t = LFSC_TARGET_LUA53;
	char *data = NULL;
	size_t len = 0;
	int ret;

	memset(&e, 0, sizeof e);
	if (blob_read(blobs, b->sha, 64u << 20, &data, &len))
		return log_error("build %lld: image %s is unreadable", b->id, b->sha);
	build_upload_target(b->opts.target, &t);
	if (!strcmp(b->kind, "absolute"))
		ret = absolute(data, len, b->opts.base, t, out, &e);
	else
		ret = relocatable(data, len, out, &e);
	free(data);
	if (ret)
		return log_error("build %lld: cannot list image %s: %s", b->id, b->sha,
		                 e.text[0] ? e.text : "out of memory");
	return 0;
}
