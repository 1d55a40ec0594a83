/* store_ota.h - SQL for releases (store_releases.c) and devices
** (store_devices.c). Every function takes the db lock itself; JSON results
** are new references (caller owns: json_decref). */
#ifndef STORE_OTA_H
#define STORE_OTA_H

#include <jansson.h>

#include "db.h"
#include "hash.h"

/* store_releases.c */

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
json_t *store_channels_list(struct db *d);

/* store_devices.c */

/* Returns 0, 1 if the id exists, -1. key_sha: hex SHA-256 of the key. */
int store_devices_create(struct db *d, const char *id, const char *channel,
                         const char *key_sha);
/* With events (newest first, at most 100) when events != 0. NULL if absent. */
json_t *store_devices_get(struct db *d, const char *id, int events);
json_t *store_devices_list(struct db *d);
/* Appends an event and sets the device's state; running (may be NULL) sets
** its running image. Returns 0 or -1. */
int store_devices_report(struct db *d, const char *id, const char *state,
                         const char *sha, const char *detail, const char *running);

#endif
