/* build_listing.c - a stored build's listing from its image (build_listing.h). */
#include <stdlib.h>
#include <string.h>

#include "lfsc_image.h"

#include "build_listing.h"
#include "log.h"

/* The listing of image data[0..len): relocatable, or absolute (read back
** from its flash layout; the same lines). */
static int list(const char *data, size_t len, int absolute, struct lfsc_buffer *out,
                struct lfsc_error *e)
{
	struct lfsc_image *im = NULL;
	int ret = absolute ? lfsc_image_read_absolute(data, len, &im, e)
	                   : lfsc_image_read(data, len, &im, e);

	if (!ret)
		ret = lfsc_image_list(im, 1, out);
	lfsc_image_free(im);
	return ret;
}

int build_listing(const struct blob_store *blobs, const struct build *b,
                  struct lfsc_buffer *out)
{
	struct lfsc_error e;
	char *data = NULL;
	size_t len = 0;
	int ret;

	memset(&e, 0, sizeof e);
	if (blob_read(blobs, b->sha, 64u << 20, &data, &len))
		return log_error("build %lld: image %s is unreadable", b->id, b->sha);
	ret = list(data, len, !strcmp(b->kind, "absolute"), out, &e);
	free(data);
	if (ret)
		return log_error("build %lld: cannot list image %s: %s", b->id, b->sha,
		                 e.text[0] ? e.text : "out of memory");
	return 0;
}
