/* store_releases.h - SQL for releases and the channel overview. Every
** function takes the db lock itself; JSON results are new references (caller
** owns: json_decref). */
#ifndef STORE_RELEASES_H
#define STORE_RELEASES_H

#include <jansson.h>

#include "db.h"

/* Creates release number max+1 of channel. Returns the id or -1. */
long long store_releases_create(struct db *d, const char *channel, long long build_id,
                                const char *sha, long long size, int percent,
                                const char *notes, const char *signature);
json_t *store_releases_get(struct db *d, long long id);
/* channel NULL = all channels. */
json_t *store_releases_list(struct db *d, const char *channel);
/* Changes percent (-1 = keep) and/or state (NULL = keep). Returns 0 (channel
** filled, 65 bytes), 1 no such release, 2 revoked releases cannot change, -1. */
int store_releases_update(struct db *d, long long id, int percent, const char *state,
                          char *channel);
json_t *store_releases_channels(struct db *d);

#endif
