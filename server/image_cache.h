/* image_cache.h - build id -> image sha256 and size, in memory. Builds never
** change once stored, so entries never go stale; the download path then needs
** no SQLite query (and no db lock) per request. Direct-mapped, fixed size. */
#ifndef IMAGE_CACHE_H
#define IMAGE_CACHE_H

#include <pthread.h>

#include "hash.h"

#define IMAGE_CACHE_SLOTS 256

struct image_cache {
	pthread_rwlock_t lock;
	struct {
		long long id;                    /* 0 = empty */
		char sha[HASH_HEX_LEN + 1];
		long long size;
	} slot[IMAGE_CACHE_SLOTS];
};

void image_cache_init(struct image_cache *c);
void image_cache_release(struct image_cache *c);
/* 0 and sha/size filled on a hit, 1 on a miss. */
int image_cache_get(struct image_cache *c, long long id, char sha[HASH_HEX_LEN + 1],
                    long long *size);
/* Remembers a build's image (sha borrowed, copied). */
void image_cache_put(struct image_cache *c, long long id, const char *sha, long long size);

#endif
