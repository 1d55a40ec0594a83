/* rollout.h - the staged-rollout rule (server/README.md, "Which release a
** device gets"): pure functions, used by the fleet for polls, the admin API
** and the dashboard's counts alike, so there is one answer everywhere. */
#ifndef ROLLOUT_H
#define ROLLOUT_H

#include <stdint.h>

enum rollout_state { ROLLOUT_ACTIVE, ROLLOUT_PAUSED, ROLLOUT_REVOKED };

/* What the rule needs of a release. */
struct rollout_release {
	uint8_t sha[32];                 /* image digest */
	int percent;                     /* rollout_percent 0..100 */
	enum rollout_state state;
};

/* The device's bucket 0..99: the first 4 bytes of SHA-256(id) as a
** big-endian number, modulo 100. Raising a percentage keeps every device
** already in. id borrowed. */
int rollout_bucket(const char *id);

/* The release a device gets: the newest of rels (n of them, newest first)
** that is not revoked and for which the device qualifies: active with
** bucket < percent, or paused and already running its image (running NULL =
** unknown). Returns its index, or -1 for none. */
int rollout_pick(const struct rollout_release *rels, int n, int bucket,
                 const uint8_t *running);

#endif
