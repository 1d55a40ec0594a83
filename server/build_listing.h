/* build_listing.h - the luac-style listing of a stored build (GET
** /builds/{id}/listing), derived on demand from its image with the image
** reader lfs-device shares (compiler/include/lfsc_image.h): a relocatable
** image (5.3, or 5.1's gzip) read with lfsc_image_read(), an absolute one
** read back from its flash layout with lfsc_image_read_absolute(), then
** lfsc_image_list(): the same lines either way (lfsc -F lfs.img -l).
** Listings are not stored: they are several times the size of the image. */
#ifndef BUILD_LISTING_H
#define BUILD_LISTING_H

#include "lfsc.h"

#include "blob.h"
#include "store.h"

/* Appends the listing of build b to out (caller owns: lfsc_buffer_release).
** Returns 0, or -1 (logged) if the image is missing or unreadable. */
int build_listing(const struct blob_store *blobs, const struct build *b,
                  struct lfsc_buffer *out);

#endif
