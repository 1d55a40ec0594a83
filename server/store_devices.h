/* store_devices.h - SQL for devices and their event history. Every function
** takes the db lock itself; JSON results are new references (caller owns:
** json_decref). */
#ifndef STORE_DEVICES_H
#define STORE_DEVICES_H

#include <jansson.h>

#include "db.h"

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
