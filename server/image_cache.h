/* image_cache.h - build id -> image sha256 and size, in memory. Builds never
** change once stored and ids are never used twice, so entries go stale only
** when a build is deleted (image_cache_forget); the download path needs no
** store query per request. Direct-mapped, fixed size. */
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

/* Empty cache; image_cache_release() destroys its lock. */
void image_cache_init(struct image_cache *c);
void image_cache_release(struct image_cache *c);
/* 0 and sha/size filled on a hit, 1 on a miss. */
int image_cache_get(struct image_cache *c, long long id, char sha[HASH_HEX_LEN + 1],
                    long long *size);
/* Remembers a build's image (sha borrowed, copied). */
void image_cache_put(struct image_cache *c, long long id, const char *sha, long long size);
/* Forgets build id (deleted). */
void image_cache_forget(struct image_cache *c, long long id);

#endif
