/* rollout.c - the staged-rollout rule (rollout.h). */
#include <string.h>

#include "hash.h"
#include "rollout.h"

int rollout_bucket(const char *id)
{
	uint8_t d[32];

	hash_sha256(id, strlen(id), d);
	return (int)((((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) |
	              ((uint32_t)d[2] << 8) | d[3]) % 100u);
}

int rollout_pick(const struct rollout_release *rels, int n, int bucket,
                 const uint8_t *running)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct rollout_release *r = &rels[i];

		if (r->state == ROLLOUT_ACTIVE && bucket < r->percent)
			return i;
		if (r->state == ROLLOUT_PAUSED && running && !memcmp(running, r->sha, 32))
			return i;   /* paused: only devices already on it stay */
	}
	return -1;
}
