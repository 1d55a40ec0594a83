/* fleet_int.h - the fleet's tables, shared by its files only: fleet.c
** (tables, reloads, views), fleet_offer.c (polls, offers, reports),
** fleet_flush.c (dirty list, flusher) and fleet_summary.c (counts). Everyone
** else uses fleet.h. */
#ifndef FLEET_INT_H
#define FLEET_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "fleet.h"
#include "rollout.h"

#define FLEET_CHUNK_BITS 16
#define FLEET_CHUNK (1u << FLEET_CHUNK_BITS)   /* devices per chunk */
#define FLEET_STRIPES 64
#define FLEET_SEEN_GRANULARITY 300  /* rule 3: seconds */

#define FLEET_F_ROLLBACK 1   /* dev.flags: its last offer was a signed rollback */
#define FLEET_F_POLLED 2     /* dev.flags: its client is known (it polled): */
#define FLEET_F_LUA 4        /* ... the Lua client (text manifests), else the C agent */

/* One device: about 100 bytes, its id in the arena. */
struct dev {
	uint8_t key[32];                 /* SHA-256 of its key; guarded by the write
	                                    lock (a rotation is a reload) */
	_Atomic uint64_t report_tat;     /* report rate (fleet_report_allowed): when the
	                                    next report is due, ms on CLOCK_MONOTONIC */
	uint8_t running[32];             /* image it runs, all zero = unknown;
	                                    guarded by its stripe (fleet_stripe) */
	uint32_t offered;                /* id of the release last offered, 0 = none;
	                                    guarded by its stripe, as are floor, flags */
	uint32_t floor;                  /* its anti-rollback floor as lfsd knows it */
	uint32_t key_gen;                /* its manifest key generation */
	uint8_t flags;                   /* FLEET_F_* */
	_Atomic uint8_t pin;             /* enum fleet_pin of its last poll */
	_Atomic uint32_t last_seen;      /* Unix seconds, 0 = never */
	_Atomic uint32_t flushed_seen;   /* the last_seen the store has */
	uint32_t id_off;                 /* its id in fleet.ids */
	uint16_t chan;                   /* index in fleet.chans */
	uint8_t bucket;                  /* rollout_bucket(id), computed once */
	_Atomic uint8_t state;           /* last report (fleet_state_name) */
	_Atomic uint8_t dirty;           /* on the dirty list */
	uint8_t gone;                    /* deleted (its slot stays for its id; under
	                                    the write lock) */
};

struct rel {
	struct fleet_release pub;
	struct rollout_release rule;
	char target[24];                 /* its build's target */
	int64_t timestamp;               /* its build's LFS timestamp (node.LFS.time) */
	long long flash_size;            /* its build's flash bytes (node.LFS.config.lfs_used) */
	char *modules;                   /* owned; its module names (manifest_modules) */
};

struct chan {
	char name[STORE_ID_MAX + 1];
	struct rel *rels;                /* owned; newest first */
	struct rollout_release *rules;   /* owned; rels[i].rule, for rollout_pick */
	int n;
	long long ndevices;
};

struct fleet {
	struct store *store;             /* borrowed */
	pthread_rwlock_t lock;           /* the tables (not the fields of a device) */
	struct dev **chunks;             /* owned; FLEET_CHUNK devices each */
	uint32_t nchunks;
	uint32_t ndev;
	char *ids;                       /* owned; NUL-terminated ids, back to back */
	size_t ids_len, ids_cap;
	uint32_t *index;                 /* owned; device number + 1, 0 = empty slot */
	uint32_t index_cap;              /* a power of two, at least twice ndev */
	struct chan *chans;              /* owned; a device's chan never moves */
	int nchans;
	pthread_mutex_t stripes[FLEET_STRIPES];
	pthread_mutex_t dirty_mu;        /* guards dirty */
	uint32_t *dirty;                 /* owned; numbers of dirty devices */
	size_t ndirty, dirty_cap;
	pthread_mutex_t flush_mu;        /* one flush at a time */
	pthread_mutex_t stop_mu;
	pthread_cond_t stop_cond;
	int stopping;
	pthread_t flusher;
	int flusher_started;
};

/* The number of device id, or -1 (none, or deleted; under the caller's
** lock). */
long fleet_find(struct fleet *f, const char *id);
/* Under the read lock: the number of device id authenticated by key, or a
** negative enum fleet_auth. */
int fleet_check(struct fleet *f, const char *id, const char *key, long *n);
/* Records a contact of device n (last seen now). */
void fleet_seen(struct fleet *f, struct dev *d, uint32_t n);
/* Sets device n's running image (under the read lock); marks it dirty when
** it changed. */
void fleet_set_running(struct fleet *f, uint32_t n, const uint8_t sha[32]);
/* The release with id `id` in any channel, or NULL (under the read lock). */
const struct rel *fleet_release_by_id(struct fleet *f, long long id);
/* fleet.c: report states by name (0 = none). */
int fleet_state_of(const char *name);

/* Device number n (under the read lock) and its id. */
struct dev *fleet_dev(struct fleet *f, uint32_t n);
const char *fleet_dev_id(struct fleet *f, const struct dev *d);
/* The mutex guarding device n's running image. */
pthread_mutex_t *fleet_stripe(struct fleet *f, uint32_t n);

/* The release device n gets (rollout.h), NULL for none; running is its
** image, all zero when unknown (under the read lock). */
const struct rel *fleet_offer_of(struct fleet *f, uint32_t n, const uint8_t running[32]);

/* fleet_flush.c: puts device n on the dirty list unless it is there. */
void fleet_mark_dirty(struct fleet *f, struct dev *d, uint32_t n);
/* Starts / stops the flusher thread. Start returns 0 or -1 (logged). */
int fleet_flusher_start(struct fleet *f);
void fleet_flusher_stop(struct fleet *f);

#endif
