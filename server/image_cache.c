/* image_cache.c - direct-mapped cache of build id -> image sha256/size. */
#include <string.h>

#include "image_cache.h"

void image_cache_init(struct image_cache *c)
{
	memset(c, 0, sizeof *c);
	pthread_rwlock_init(&c->lock, NULL);
}

void image_cache_release(struct image_cache *c)
{
	pthread_rwlock_destroy(&c->lock);
}

int image_cache_get(struct image_cache *c, long long id, char sha[HASH_HEX_LEN + 1],
                    long long *size)
{
	unsigned i = (unsigned)id % IMAGE_CACHE_SLOTS;
	int ret = 1;

	pthread_rwlock_rdlock(&c->lock);
	if (c->slot[i].id == id && id > 0) {
		memcpy(sha, c->slot[i].sha, HASH_HEX_LEN + 1);
		*size = c->slot[i].size;
		ret = 0;
	}
	pthread_rwlock_unlock(&c->lock);
	return ret;
}

void image_cache_put(struct image_cache *c, long long id, const char *sha, long long size)
{
	unsigned i = (unsigned)id % IMAGE_CACHE_SLOTS;

	pthread_rwlock_wrlock(&c->lock);
	c->slot[i].id = id;
	memcpy(c->slot[i].sha, sha, HASH_HEX_LEN + 1);
	c->slot[i].size = size;
	pthread_rwlock_unlock(&c->lock);
}

void image_cache_forget(struct image_cache *c, long long id)
{
	unsigned i = (unsigned)id % IMAGE_CACHE_SLOTS;

	pthread_rwlock_wrlock(&c->lock);
	if (c->slot[i].id == id)
		c->slot[i].id = 0;
	pthread_rwlock_unlock(&c->lock);
}
