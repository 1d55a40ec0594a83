/* store.h - lfsd's data layer: builds, releases, devices and their events,
** and settings, behind one interface with explicit result codes.
**
** A backend is a struct store_ops table; store_sqlite.c (SQLite in the data
** directory) is the embedded default. Another backend (PostgreSQL) is a new
** file with its own table and nothing else changes: callers see only the
** records below, never SQL or a connection. Every function is safe to call
** from any thread. Records are plain values owned by the caller; those with
** heap parts say so and have a _release function.
**
** Blobs (sources, images) are not in the store: rows name them by SHA-256
** (blob.h), and a row is written only after its blobs are durable. */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

enum store_rc {
	STORE_OK = 0,
	STORE_NOT_FOUND = 1,   /* no such row */
	STORE_EXISTS = 2,      /* a unique key is taken (device id, build dedup key) */
	STORE_CONFLICT = 3,    /* not allowed in the row's state (a revoked release
	                          changes no more; a released build is not deleted) */
	STORE_ERROR = -1       /* the backend failed (logged) */
};

#define STORE_ID_MAX 64         /* device ids and channel names: ident.h */
#define STORE_NAME_MAX 200      /* source file names */

/* ---- builds ---------------------------------------------------------- */

/* What a build request asked for (server/README.md, POST /build). */
struct build_options {
	char target[24];        /* "nodemcu-lua53", "nodemcu-lua53-64" or "nodemcu-lua51" */
	int strip;
	int has_base;           /* absolute image at base (-a) */
	uint32_t base;
	uint32_t max_size;      /* 0 = none (-m) */
	int has_seed;
	uint32_t seed;
	int has_timestamp;
	int64_t timestamp;
	int ota_client;         /* POST /build "ota_client": lfsd's Lua OTA client was
	                        ** added to the sources (build_upload_add_client); not
	                        ** stored: a build has the client when its modules
	                        ** include lfsota */
};

struct build_file {
	char name[STORE_NAME_MAX + 1];
	char sha[HASH_HEX_LEN + 1];      /* source blob */
	long long size;
};

struct build_module {
	char *name;                      /* owned by the record */
	char *file;                      /* owned by the record */
	long long image_bytes;
	long long flash_bytes;
	int functions;
};

struct build_warning {
	char *file;                      /* owned by the record */
	int line;
	char *message;                   /* owned by the record */
};

/* A stored build. files/modules/warnings are owned (build_release()). */
struct build {
	long long id;                    /* set by the store */
	char dedup_key[HASH_HEX_LEN + 1];
	char sha[HASH_HEX_LEN + 1];      /* image blob */
	long long size;                  /* image bytes */
	int64_t created;                 /* Unix seconds, set by the store */
	struct build_options opts;       /* requested */
	uint32_t seed;                   /* what lfsc used */
	int64_t timestamp;
	char kind[16];                   /* "image" or "absolute" */
	long long flash_size;            /* bytes of flash the image needs */
	int strings_vector, strings_short, strings_long;
	long long queued_ms, compile_ms, total_ms;
	int nfiles;
	struct build_file *files;        /* sorted by name */
	int nmodules;
	struct build_module *modules;    /* in image order */
	int nwarnings;
	struct build_warning *warnings;
};

/* Frees the record's parts (not b itself) and zeroes it. NULL: no-op. */
void build_release(struct build *b);
/* Frees nm modules and nw warnings with their strings, and both arrays
** (which may be NULL). */
void build_lists_free(struct build_module *m, int nm, struct build_warning *w, int nw);

/* Filters and cursor of store_builds_list(); NULL/0 = no filter. */
struct build_query {
	long long before;                /* only ids below this; 0 = newest */
	int limit;                       /* at most this many (1..500) */
	const char *channel;             /* only builds released on this channel */
	const char *sha_prefix;          /* only images whose sha256 starts so */
};

/* Called per build, newest first; b is borrowed for the call. Return 0 to go
** on, non-zero to stop. */
typedef int (*store_build_cb)(void *cls, const struct build *b);

/* ---- releases -------------------------------------------------------- */

enum release_state { RELEASE_ACTIVE, RELEASE_PAUSED, RELEASE_REVOKED };

struct release {
	long long id;
	char channel[STORE_ID_MAX + 1];
	long long number;                /* 1, 2, ... within the channel */
	long long build_id;
	char sha[HASH_HEX_LEN + 1];
	long long size;
	int percent;                     /* rollout_percent 0..100 */
	enum release_state state;
	char notes[4001];
	char signature[160];             /* base64 DER ECDSA P-256 over the image digest */
	int64_t created, updated;
	/* distinct devices of the channel that reported booted, failed or
	** rolled-back for the image since the release was made (read only) */
	long long booted, failed, rolled_back;
};

/* "active", "paused", "revoked"; static strings. */
const char *release_state_name(enum release_state s);
/* Parses a state name; 0, or -1 if it is none of them. */
int release_state_parse(const char *name, enum release_state *s);

/* Called per release; r borrowed for the call. Return 0 to go on. */
typedef int (*store_release_cb)(void *cls, const struct release *r);

/* One channel that has releases: their number and the newest one that is
** not revoked (has_latest = 0 when all are). */
struct channel_row {
	char name[STORE_ID_MAX + 1];
	long long releases;
	int has_latest;
	struct release latest;
};
typedef int (*store_channel_cb)(void *cls, const struct channel_row *c);

/* ---- devices --------------------------------------------------------- */

#define DEVICE_STATE_MAX 15

struct device {
	char id[STORE_ID_MAX + 1];
	char channel[STORE_ID_MAX + 1];
	char key_sha[HASH_HEX_LEN + 1];  /* hex SHA-256 of the device key */
	int64_t created;
	int64_t last_seen;               /* 0 = never */
	char running[HASH_HEX_LEN + 1];  /* "" = unknown */
	char state[DEVICE_STATE_MAX + 1];/* last report's state, "" = none */
	char detail[2001];               /* "" = none */
	int64_t state_time;              /* 0 = none */
	/* signed manifests (server/README.md "Signed manifests") */
	long long key_generation;        /* of its manifest key; +1 when its key is replaced */
	long long offered_release;       /* the last release offered to it, 0 = none */
	int offered_rollback;            /* that offer authorized going below its floor */
	long long floor;                 /* its anti-rollback floor as lfsd knows it, 0 = none */
	char unoffered[HASH_HEX_LEN + 1];/* image of a booted report lfsd never offered
	                                    it, "" = none (cleared by an offered one) */
	char client[4];                  /* its OTA client as its polls show it: "lua"
	                                    (text manifests), "c" (JSON), "" = not yet */
};

struct device_event {
	int64_t time;
	char state[DEVICE_STATE_MAX + 1];
	char sha[HASH_HEX_LEN + 1];      /* "" = none */
	char detail[2001];               /* "" = none */
	char flag[16];                   /* "unoffered" (a booted report for an image lfsd
	                                    never offered the device), "" = none */
};

/* Filters and cursor of store_devices_list(); NULL = no filter. */
struct device_query {
	const char *after;               /* only ids above this (the cursor) */
	int limit;                       /* at most this many (1..1000) */
	const char *channel;
	const char *state;               /* last report's state; "" = no report yet */
	const char *prefix;              /* ids starting so */
};

typedef int (*store_device_cb)(void *cls, const struct device *d);
typedef int (*store_event_cb)(void *cls, const struct device_event *e);
/* One state's count of reports (store_device_counts). */
typedef int (*store_count_cb)(void *cls, const char *state, long long count);

/* The replay record of a registration made with an Idempotency-Key
** (POST /devices): what its answer was, with the device key sealed by a key
** derived from the Idempotency-Key (api_devices.c). */
struct device_registration {
	char idem_sha[HASH_HEX_LEN + 1]; /* hex SHA-256 of the Idempotency-Key */
	char device_id[STORE_ID_MAX + 1];
	char channel[STORE_ID_MAX + 1];
	char key_sealed[HASH_HEX_LEN + 1];
	int64_t created;                 /* Unix seconds, set by the store */
};
#define STORE_REGISTRATION_TTL 86400 /* seconds a registration can be replayed */

/* A report from a device (POST /ota/report). */
struct device_report {
	const char *id;
	const char *state;
	const char *sha;                 /* NULL = none */
	const char *detail;              /* NULL = none */
	const char *running;             /* NULL = keep the running image */
	int64_t time;
	int unoffered;                   /* booted, for an image lfsd never offered it:
	                                    the event is flagged and the device's
	                                    unoffered image set; a booted report with
	                                    0 clears that image */
	int keep;                        /* events kept for the device (older go) */
};

/* What the fleet flushes in batches: "" running = unchanged. */
struct device_seen {
	char id[STORE_ID_MAX + 1];
	int64_t last_seen;
	char running[HASH_HEX_LEN + 1];  /* "" = unchanged */
	long long offered_release;       /* struct device's fields of the same names */
	int offered_rollback;
	long long floor;
	char client[4];                  /* "" = unchanged */
};

/* ---- the interface --------------------------------------------------- */

typedef int (*store_blob_cb)(void *cls, const char *sha);

struct store_ops {
	const char *name;
	void (*close)(void *impl);
	int (*setting_get)(void *impl, const char *key, char *buf, size_t size);
	int (*setting_set)(void *impl, const char *key, const char *value);
	int (*build_insert)(void *impl, struct build *b);
	int (*build_find)(void *impl, const char *dedup_key, long long *id);
	int (*build_get)(void *impl, long long id, struct build *out);
	int (*builds_list)(void *impl, const struct build_query *q, store_build_cb cb, void *cls);
	int (*build_image)(void *impl, long long id, char sha[HASH_HEX_LEN + 1], long long *size);
	int (*build_source)(void *impl, long long id, const char *name,
	                    char sha[HASH_HEX_LEN + 1]);
	int (*build_delete)(void *impl, long long id);
	int (*blob_refs)(void *impl, store_blob_cb cb, void *cls);
	int (*release_create)(void *impl, struct release *r);
	int (*release_get)(void *impl, long long id, struct release *out);
	int (*releases_list)(void *impl, const char *channel, store_release_cb cb, void *cls);
	int (*release_update)(void *impl, long long id, int percent, const enum release_state *state,
	                      struct release *out);
	int (*channels_list)(void *impl, store_channel_cb cb, void *cls);
	int (*device_create)(void *impl, const struct device *d,
	                     struct device_registration *reg);
	int (*registration_get)(void *impl, const char *idem_sha, struct device_registration *out);
	int (*device_delete)(void *impl, const char *id);
	int (*device_rekey)(void *impl, const char *id, const char *key_sha);
	int (*device_move)(void *impl, const char *id, const char *channel);
	int (*device_counts)(void *impl, const char *id, store_count_cb cb, void *cls);
	int (*device_get)(void *impl, const char *id, struct device *out);
	int (*devices_list)(void *impl, const struct device_query *q, store_device_cb cb,
	                    void *cls);
	int (*devices_scan)(void *impl, const char *id, store_device_cb cb, void *cls);
	int (*device_events)(void *impl, const char *id, int limit, store_event_cb cb, void *cls);
	int (*device_report)(void *impl, const struct device_report *rep);
	int (*devices_seen)(void *impl, const struct device_seen *v, size_t n);
};

struct store {
	const struct store_ops *ops;     /* the backend */
	void *impl;                      /* its state, owned */
};

/* Opens the embedded SQLite store in data_dir (lfsd.db there, migrated to
** this lfsd's schema; see store_sqlite.c). Returns 0 or -1 (logged). */
int store_open(struct store *s, const char *data_dir);
/* Closes; safe on a store that failed to open or is closed. */
void store_close(struct store *s);

/* Settings (the admin token hash): get copies into buf. OK, NOT_FOUND, ERROR. */
int store_setting_get(struct store *s, const char *key, char *buf, size_t size);
int store_setting_set(struct store *s, const char *key, const char *value);

/* Inserts b (files, modules and warnings too) in one transaction, setting
** b->id and b->created. OK; EXISTS when a build with b->dedup_key is stored
** (b->id is then that build's id); ERROR. */
int store_build_insert(struct store *s, struct build *b);
/* Id of the build with this dedup key. OK, NOT_FOUND, ERROR. */
int store_build_find(struct store *s, const char *dedup_key, long long *id);
/* The whole build. OK (caller owns *out: build_release()), NOT_FOUND, ERROR. */
int store_build_get(struct store *s, long long id, struct build *out);
/* The builds matching q, newest first, to cb. OK or ERROR. */
int store_builds_list(struct store *s, const struct build_query *q, store_build_cb cb,
                      void *cls);
/* A build's image blob and size. OK, NOT_FOUND, ERROR. */
int store_build_image(struct store *s, long long id, char sha[HASH_HEX_LEN + 1],
                      long long *size);
/* The blob of a build's source file `name`. OK, NOT_FOUND, ERROR. */
int store_build_source(struct store *s, long long id, const char *name,
                       char sha[HASH_HEX_LEN + 1]);
/* Deletes a build that was never released. OK, NOT_FOUND, CONFLICT (a
** release names it), ERROR. Its blobs stay until a sweep (blob.h). */
int store_build_delete(struct store *s, long long id);
/* Every blob a row names, each at least once, to cb. OK or ERROR. */
int store_blob_refs(struct store *s, store_blob_cb cb, void *cls);

/* Stores release r (channel, build_id, sha, size, percent, notes,
** signature; state active) as number max+1 of its channel; fills id,
** number, created, updated. OK or ERROR. */
int store_release_create(struct store *s, struct release *r);
int store_release_get(struct store *s, long long id, struct release *out);
/* The releases of channel (NULL = all, by channel), newest first. */
int store_releases_list(struct store *s, const char *channel, store_release_cb cb,
                        void *cls);
/* Sets percent (-1 = keep) and state (NULL = keep); *out gets the release
** after the change. OK, NOT_FOUND, CONFLICT (revoked: only revoking again is
** allowed), ERROR. */
int store_release_update(struct store *s, long long id, int percent,
                         const enum release_state *state, struct release *out);
/* The channels that have releases, by name. OK or ERROR. */
int store_channels_list(struct store *s, store_channel_cb cb, void *cls);

/* Registers d (id, channel, key_sha; created set by the store) and, when reg is not NULL, its replay record (idem_sha, key_sealed;
** device_id, channel and created are filled here) in the same transaction;
** replay records older than STORE_REGISTRATION_TTL go. OK, EXISTS (the id,
** or reg's Idempotency-Key, is taken), ERROR. */
int store_device_create(struct store *s, const struct device *d,
                        struct device_registration *reg);
/* The replay record of an Idempotency-Key (its hex SHA-256), if younger
** than STORE_REGISTRATION_TTL. OK, NOT_FOUND, ERROR. */
int store_registration_get(struct store *s, const char *idem_sha,
                           struct device_registration *out);
/* Deletes device id with its events, counts, outcomes and replay records.
** OK, NOT_FOUND, ERROR. */
int store_device_delete(struct store *s, const char *id);
/* Gives device id the key whose hex SHA-256 is key_sha and adds 1 to its
** key generation (its manifest key changes with it); its replay records go
** (they hold the old key). OK, NOT_FOUND, ERROR. */
int store_device_rekey(struct store *s, const char *id, const char *key_sha);
/* Moves device id to channel. OK, NOT_FOUND, ERROR. */
int store_device_move(struct store *s, const char *id, const char *channel);
/* How many reports of each state device id ever sent, to cb (states with
** none are not given). OK or ERROR. */
int store_device_counts(struct store *s, const char *id, store_count_cb cb, void *cls);
int store_device_get(struct store *s, const char *id, struct device *out);
/* The devices matching q, by id. OK or ERROR. */
int store_devices_list(struct store *s, const struct device_query *q, store_device_cb cb,
                       void *cls);
/* Every device (id = NULL) or one, in no particular order, for the fleet
** loaded in memory. OK or ERROR. */
int store_devices_scan(struct store *s, const char *id, store_device_cb cb, void *cls);
/* A device's events, newest first, at most limit. OK or ERROR. */
int store_device_events(struct store *s, const char *id, int limit, store_event_cb cb,
                        void *cls);
/* Appends the report to the device's events (keeping its rep->keep newest;
** its count of the state and, for booted/failed/rolled-back with a sha, its
** outcome for that image are kept apart) and sets its state, state detail
** and time, last seen and (when given) running image, atomically. OK or
** ERROR. */
int store_device_report(struct store *s, const struct device_report *rep);
/* Writes last seen, running image, last offer and floor of n devices (a
** batch of the fleet's in-memory state). OK or ERROR. */
int store_devices_seen(struct store *s, const struct device_seen *v, size_t n);

#endif
