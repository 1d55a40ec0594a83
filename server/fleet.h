/* fleet.h - the fleet in memory: every device's poll state (key hash,
** channel, last seen, running image, last reported state, rollout bucket)
** and every channel's releases, and the rollout policy, the one place that
** decides which release a device gets. GET /ota/latest is answered from here
** alone; the store (store.h) is read at start and after admin changes, and
** written only by the flusher.
**
** Rules:
**  1. A poll never touches the store: it updates last seen and the running
**     image in memory and marks the device dirty (a list of dirty devices, so
**     an idle fleet costs nothing).
**  2. The flusher writes dirty devices to the store in chunks of at most
**     FLUSH_CHUNK rows, paced (FLUSH_PAUSE_MS between chunks) and niced, so
**     a backlog of a million first-seen devices never starves the polls; at
**     shutdown it writes everything. A chunk whose write fails stays dirty
**     and is tried again, after 2, 4, ... up to 32 s while writes keep
**     failing (a full disk), and at shutdown.
**  3. last_seen is written when it is SEEN_GRANULARITY seconds newer than the
**     value the store has; the admin API shows the exact in-memory value.
**  4. Admin changes go to the store first, then into the fleet (reload). */
#ifndef FLEET_H
#define FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "store.h"

struct fleet;

/* Loads devices and releases from store (borrowed, must outlive the fleet)
** and starts the flusher. NULL on failure (logged). */
struct fleet *fleet_new(struct store *store, int poll_interval);
/* Stops the flusher, writes every dirty device, frees; NULL is a no-op. */
void fleet_free(struct fleet *f);
/* Writes every dirty device now. Returns 0, or -1 when a write failed:
** the devices not written stay dirty, for the next flush. */
int fleet_flush(struct fleet *f);
/* Devices whose last seen or running image the store does not have yet. */
size_t fleet_unflushed(struct fleet *f);

/* A release as the fleet knows it. */
struct fleet_release {
	long long id, number, build_id;
	char sha[HASH_HEX_LEN + 1];
	long long size;
	enum release_state state;
};

/* Which signing key a device said it pins (the keyid= of its poll). */
enum fleet_pin { FLEET_PIN_UNKNOWN = 0, FLEET_PIN_CURRENT, FLEET_PIN_PREVIOUS,
                 FLEET_PIN_OTHER };

/* One poll, as api_ota.c read it (strings borrowed). */
struct fleet_poll_req {
	const char *id, *key;            /* device id and its bearer key */
	const char *channel;             /* channel= of the poll, or NULL */
	const char *current;             /* the image it runs (64 hex), or NULL */
	long long lfs_time;              /* the timestamp of the LFS image it runs, -1 = not
	                                    sent (lfs-format.md §A6.5 node.LFS.time) */
	long long lfs_used;              /* that LFS's flash_size (node.LFS.config.lfs_used),
	                                    -1 = not sent */
	enum fleet_pin pin;
	int lua;                         /* it asked for the text manifest: the Lua client */
};

/* Result of a poll: the release a device should run. */
struct fleet_offer {
	int found;                       /* a release applies to this device */
	int update;                      /* ... and it is not the image it runs: an offer,
	                                    recorded as the device's last offer */
	struct fleet_release rel;
	char channel[STORE_ID_MAX + 1];
	/* with update only: */
	int rollback;                    /* the offer authorizes going below the device's
	                                    floor (server/README.md "Signed manifests") */
	long long key_generation;        /* of the device's manifest key */
	char target[24];                 /* the image's port */
	char *modules;                   /* owned (fleet_offer_free); encoded module names */
};

enum fleet_auth { FLEET_OK = 0, FLEET_NO_DEVICE = -1, FLEET_BAD_KEY = -2,
                  FLEET_WRONG_CHANNEL = -3, FLEET_NO_MEMORY = -4 };

/* Authenticates the device of q with its key (and channel if given) and
** records the poll (last seen now; running image = current; the signing key
** it pins); without current, an LFS timestamp (and flash size, when sent)
** equal to those of the release's build counts as running that release's
** image (recorded as its running image: up to date, nothing offered); fills *offer with the release it should run and, when that is
** an update, records it as the device's last offer and decides whether the
** offer is a signed rollback: the release is below the device's floor and
** the floor's release is revoked or not of its channel (a revoke with
** fallback, a channel move), never because of what the poll says it runs.
** Returns FLEET_OK (release *offer with fleet_offer_free) or a negative
** enum. */
int fleet_poll(struct fleet *f, const struct fleet_poll_req *q, struct fleet_offer *offer);
void fleet_offer_free(struct fleet_offer *offer);
/* Authenticates only (reports, image downloads) and records the contact;
** channel receives the device's channel (STORE_ID_MAX + 1 bytes). */
int fleet_auth(struct fleet *f, const char *id, const char *key, char *channel);
/* 1 if device id may download image sha now: it is the image of the
** release last offered to the device, and that release is active in the
** device's channel (not paused, not revoked, not of a channel it left). A
** device outside a rollout was never offered the image (server/README.md,
** GET /ota/images). */
int fleet_may_download(struct fleet *f, const char *id, const char *sha);
/* The report rate of device id: 1 if a report now is within rate reports a
** minute (and rate at once), counting it; else 0 with *retry_after the
** seconds until one is (at least 1). A device the fleet does not know is
** allowed. */
int fleet_report_allowed(struct fleet *f, const char *id, int rate, int *retry_after);

/* After an admin change: (re)load one device (a new one, a new key or
** channel) / one channel's releases from the store. Return 0 or -1. */
int fleet_reload_device(struct fleet *f, const char *id);
int fleet_reload_channel(struct fleet *f, const char *channel);
/* 1 when a report of state about image sha is a booted report for an image
** lfsd never offered device id: neither its last offer nor the image it ran
** before. 0 otherwise (also for other states, an unknown device, no sha). */
int fleet_unoffered(struct fleet *f, const char *id, const char *state, const char *sha);
/* After a stored report: the device's state and (running non-NULL) its
** image; a booted report for its last offer raises its floor to that
** release (or sets it, after a signed rollback), as the device itself does
** after a successful check-in. */
void fleet_report(struct fleet *f, const char *id, const char *state, const char *sha,
                  const char *running);
/* The manifest key generation of device id into *generation (the store's
** key_generation, as last loaded: store_device_rekey() then
** fleet_reload_device()). Returns 0, or -1 when there is no such device. */
int fleet_key_generation(struct fleet *f, const char *id, long long *generation);
/* After DELETE /devices/{id}: the device is gone at once (its key no
** longer authenticates; a device of that id registered later starts
** afresh). */
void fleet_remove_device(struct fleet *f, const char *id);

/* Rollout bucket 0..99 of a device id: first 4 bytes of SHA-256(id),
** big-endian, modulo 100 (server/README.md). */
int fleet_bucket(const char *id);

/* What the admin API shows of one device, from memory. */
struct fleet_view {
	long long last_seen;             /* 0 = never */
	char running[HASH_HEX_LEN + 1];  /* "" = unknown */
	int bucket;
	int has_running_release;         /* running is a release of its channel: */
	struct fleet_release running_release;
	int has_offer;                   /* the release a poll would offer now */
	struct fleet_release offer;
	int has_last_offer;              /* the release last offered to it */
	struct fleet_release last_offer;
	int last_offer_rollback;         /* that offer was a signed rollback */
	long long floor;                 /* its anti-rollback floor as lfsd knows it */
	long long key_generation;
	enum fleet_pin pin;              /* the signing key its last poll named */
	char client[4];                  /* struct device's client */
};
/* Fills *v for device id. Returns 0, or -1 if the fleet has no such device. */
int fleet_view(struct fleet *f, const char *id, struct fleet_view *v);

/* Report states as the fleet counts them; index 0 is "no report yet". */
#define FLEET_STATES 7
const char *fleet_state_name(int i);

/* Counts of one channel (or, for channel "", of the whole fleet). */
struct fleet_summary {
	const char *channel;             /* borrowed for the callback */
	long long devices;
	long long states[FLEET_STATES];  /* by last reported state */
	int nreleases;
	const struct fleet_release *releases;  /* the channel's, newest first */
	const long long *running;        /* devices running releases[i]'s image */
	long long other_image;           /* running an image of no release */
	long long no_image;              /* no running image known */
	long long pending;               /* offered a release they do not run */
};
typedef void (*fleet_summary_cb)(void *cls, const struct fleet_summary *s);
/* Counts every device (one pass over the fleet) and calls cb for each
** channel that has devices or releases (channel NULL), or for that channel
** only, by name. */
void fleet_summarize(struct fleet *f, const char *channel, fleet_summary_cb cb, void *cls);

/* Devices by the signing key their last poll (since lfsd started) named:
** counts[FLEET_PIN_*]. One pass over the fleet. */
void fleet_pins(struct fleet *f, long long counts[4]);
/* How many devices of channel poll with the Lua client (their last poll
** asked for the text manifest). One pass over the fleet. */
long long fleet_lua_devices(struct fleet *f, const char *channel);

/* Devices registered on channel. */
long long fleet_channel_devices(struct fleet *f, const char *channel);
/* Calls cb(cls, name, devices) for every channel that has devices. */
typedef void (*fleet_channel_cb)(void *cls, const char *name, long long devices);
void fleet_channels(struct fleet *f, fleet_channel_cb cb, void *cls);

#endif
