/*
** stage.h - images staged in the SPIFFS stand-in (a directory):
**   <sha256>.img   a complete image that passed every check of verify.h
**   <sha256>.part  a download in progress (a valid prefix; resumed with Range)
**   <sha256>.etag  the ETag the .part bytes came from (for If-Range)
** An image is renamed to .img only after its size and digest are checked
** against the verified manifest (manifest.h) and its format against the
** device, so anything named .img may be loaded into flash.
*/
#ifndef DEVICE_STAGE_H
#define DEVICE_STAGE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "lfsc_image.h"
#include "fetch.h"
#include "manifest.h"

struct stage {
	const char *dir;          /* the SPIFFS directory; borrowed */
	enum lfsc_target target;  /* this device's number configuration */
	uint32_t base;            /* partition's mapped address */
	uint32_t part_size;       /* partition bytes */
	int tries;                /* download attempts per call */
};

/* dir/<sha><ext> into buf. */
void stage_path(const struct stage *s, const char *sha, const char *ext, char *buf,
		size_t size);
/* 1 when <sha>.img exists. */
int stage_has(const struct stage *s, const char *sha);

/*
** Makes <sha>.img hold the image of manifest m (verified by the caller):
** downloads it (resuming a .part, up to s->tries attempts) unless already
** staged, then checks size and SHA-256 against m and the format; a rejected
** download is deleted. On success *layout receives the flash layout
** (appended; caller owns) and *downloaded says whether bytes were fetched.
** Rejections are DEV_ERR_VERIFY with the reason; transfer failures
** DEV_ERR_NET/DEV_ERR_HTTP (the .part is kept for the next attempt).
*/
int stage_fetch(const struct stage *s, struct fetch *f, const struct manifest *m,
		struct lfsc_buffer *layout, int *downloaded, struct dev_error *err);

/* Stages a local image file (the console's node.LFS.reload): format checks
** only. *sha receives its SHA-256 (65 bytes, caller's). */
int stage_local(const struct stage *s, const char *file, char sha[65],
		struct lfsc_buffer *layout, struct dev_error *err);

/* Reads <sha>.img again, checks its digest still matches its name and its
** format, and lays it out into *layout (caller owns). */
int stage_layout(const struct stage *s, const char *sha, struct lfsc_buffer *layout,
		 struct dev_error *err);

/* Deletes every staged file whose SHA-256 is not one of keep[0..n-1]
** (empty strings ignored). */
void stage_gc(const struct stage *s, const char *const *keep, int n);

#endif
