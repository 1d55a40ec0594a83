/*
** state.h - the OTA agent's persistent state (what survives restarts and
** power cuts): the phase of the update state machine, which images are
** current / previous / being installed, the expected flash digest, the
** anti-rollback floor (server/README.md "Signed manifests", rule 5), and
** the outbox of reports not yet delivered. Stored as one JSON file written
** atomically (temp + fsync + rename), so a power cut leaves either the old or
** the new state, never a mix.
*/
#ifndef DEVICE_STATE_H
#define DEVICE_STATE_H

#include <stdint.h>
#include "error.h"

#define STATE_SHA_HEX    65   /* 64 hex digits + NUL; "" = none */
#define STATE_MAX_OUTBOX 16

enum state_phase {
	STATE_IDLE = 0,      /* current image running (or none); nothing pending */
	STATE_APPLYING,      /* a load of target is pending/under way (NodeMCU's FLASHLFS record) */
	STATE_TRIAL,         /* target is in flash and on trial until it checks in */
	STATE_ROLLBACK       /* a load of target (the previous image) is pending after a failed trial */
};

struct state_report {
	char state[16];              /* downloading, downloaded, applied, booted, failed, rolled-back */
	char sha[STATE_SHA_HEX];     /* image concerned, "" if none */
	char detail[256];            /* reason or note */
	char running[STATE_SHA_HEX]; /* image running when it was made, "" = not said
					(rolled-back: the image it went back to) */
};

struct agent_state {
	enum state_phase phase;
	char current[STATE_SHA_HEX];   /* image known good (checked in); kept staged */
	char previous[STATE_SHA_HEX];  /* the good one before it; kept staged for rollback */
	char target[STATE_SHA_HEX];    /* image being loaded, or on trial */
	char bad[STATE_SHA_HEX];       /* last image rejected or rolled back; not retried */
	char flash_sha[STATE_SHA_HEX]; /* SHA-256 of partition bytes [0, flash_used) the
					  loader writes for the image that should be in flash */
	uint32_t flash_used;           /* flash_size (§A5.2) of that layout */
	int attempts;                  /* loads of target started in this phase */
	int64_t trial_since;           /* Unix time target first booted on trial; 0 before */
	int64_t floor;                 /* the highest release run and checked in (a signed
					  rollback sets it lower); 0 = none */
	int64_t target_release;        /* target's release from its manifest, 0 = none
					  (a local reload) */
	int target_rollback;           /* that manifest said rollback 1 */
	int noutbox;                   /* reports waiting for delivery, oldest first */
	struct state_report outbox[STATE_MAX_OUTBOX];
};

void state_init(struct agent_state *st);   /* empty state: idle, no images */
/* Loads path into st; a missing file gives the empty state. path borrowed. */
int state_load(const char *path, struct agent_state *st, struct dev_error *err);
/* Saves st atomically to path. */
int state_save(const char *path, const struct agent_state *st, struct dev_error *err);
/* Appends a report to the outbox (the oldest is dropped when full). Strings
** are copied; sha, detail and running may be NULL. */
void state_report(struct agent_state *st, const char *state, const char *sha,
		  const char *detail, const char *running);
/* Removes the first n reports. */
void state_outbox_drop(struct agent_state *st, int n);
const char *state_phase_name(enum state_phase p);

#endif
