/* build_store.h - the storage stage of a build: blobs, then the row. The
** new source blobs are written and the image lfsc wrote into the blob
** store's temp directory is renamed into place (written once, never copied),
** every directory touched is fsynced once, and then the build is inserted
** with everything lfsc reported in one transaction (store.h), all while the
** blob store is held against a sweep (blob.h). */
#ifndef BUILD_STORE_H
#define BUILD_STORE_H

#include "blob.h"
#include "build_compile.h"
#include "build_upload.h"
#include "store.h"

/* Milliseconds a build spent waiting, compiling, in all (till the row). */
struct build_timing {
	long long queued_ms, compile_ms;
	uint64_t queued_us;              /* when it was queued (http_now_us) */
};

/* Stores u's sources, the image at path image (adopted: gone afterwards)
** and the row built from u, res and t into *out; res's modules and warnings
** move into *out (caller releases it: build_release()). Returns STORE_OK
** (out->id is the new build), STORE_EXISTS (an identical build was stored
** meanwhile: out->id is that one) or STORE_ERROR (logged). */
int build_store_save(struct blob_store *blobs, struct store *store,
                     const struct build_upload *u, const char *image,
                     struct compile_result *res, const struct build_timing *t,
                     struct build *out);

#endif
