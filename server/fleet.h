/* fleet.h - devices and releases held in memory for the poll path.
**
** GET /ota/latest must not write SQLite per request: the fleet keeps every
** device (id, key hash, channel, last seen, running image) and every channel's
** releases in memory; polls only update memory, and a flusher thread writes
** dirty last-seen/running values to SQLite in one transaction every 2 s (and
** at shutdown); last_seen is written once it is 30 s newer than the stored
** value (the admin API overlays the exact in-memory value). Changes made through the admin API go to SQLite
** first and then into the fleet. */
#ifndef FLEET_H
#define FLEET_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"
#include "hash.h"

struct fleet;

/* Loads devices and releases from store (borrowed, must outlive the fleet)
** and starts the flusher. NULL on failure (logged). */
struct fleet *fleet_new(struct store *store, int poll_interval);
/* Stops the flusher, flushes, frees; NULL is a no-op. */
void fleet_free(struct fleet *f);
/* Writes dirty device state now. Returns 0 or -1. */
int fleet_flush(struct fleet *f);

/* Result of a poll. */
struct fleet_offer {
	int found;                       /* a release applies to this device */
	long long release_id;
	long long number;
	char channel[65];
	char sha[HASH_HEX_LEN + 1];
	long long size;
	char signature[160];             /* base64 DER ECDSA */
};

enum fleet_auth { FLEET_OK = 0, FLEET_NO_DEVICE = -1, FLEET_BAD_KEY = -2,
                  FLEET_WRONG_CHANNEL = -3 };

/* Authenticates device id with key (and channel if non-NULL) and records a
** poll (last seen now, running image = current if non-NULL); fills *offer
** with the release it should run. Returns FLEET_OK or a negative enum. */
int fleet_poll(struct fleet *f, const char *id, const char *key, const char *channel,
               const char *current, struct fleet_offer *offer);
/* Authenticates only (reports, image downloads); *channel receives the
** device's channel (65 bytes). */
int fleet_auth(struct fleet *f, const char *id, const char *key, char *channel);
/* 1 if sha is the image of a non-revoked release of channel. */
int fleet_channel_has(struct fleet *f, const char *channel, const char *sha);

/* After an admin change: (re)load one device / one channel's releases from
** the database. Return 0 or -1. */
int fleet_reload_device(struct fleet *f, const char *id);
int fleet_reload_channel(struct fleet *f, const char *channel);
/* Sets a device's running image and last seen now (from a report). */
void fleet_set_running(struct fleet *f, const char *id, const char *sha);
/* Rollout bucket 0..99 of a device id: first 4 bytes of SHA-256(id),
** big-endian, modulo 100. */
int fleet_bucket(const char *id);
/* The in-memory last_seen/running of a device for the admin API (may be
** newer than the database); returns 0 found. */
int fleet_peek(struct fleet *f, const char *id, long long *last_seen,
               char running[HASH_HEX_LEN + 1]);

/* Devices registered on channel. */
long long fleet_channel_devices(struct fleet *f, const char *channel);
/* Calls cb(cls, name, devices) for every channel that has devices. */
typedef void (*fleet_channel_cb)(void *cls, const char *name, long long devices);
void fleet_channels(struct fleet *f, fleet_channel_cb cb, void *cls);

#endif
