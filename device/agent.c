/*
** agent.c - the OTA state machine of lfs-device (device/README.md has the
** diagram). Power-on = agent_run(); a restart = another turn of boot(), with
** a fresh Lua state; a power cut = the process ending inside flash.c.
** Every transition is saved with state_save() before the action it guards,
** so the next power-on resumes from the last saved phase:
**   IDLE --poll: new image, staged and verified--> APPLYING(target)
**   APPLYING --load done (install.c)--> TRIAL ("applied")
**   TRIAL --_init ok and "booted" delivered--> IDLE (target becomes current)
**   TRIAL --_init error / no check-in in time--> ROLLBACK(current) ("rolled-back")
**   APPLYING --load fails 3 times / staged image damaged--> ROLLBACK(current)
**   ROLLBACK --load done--> IDLE ("booted" for the old image)
**   TRIAL --failed, with no other image to go back to--> IDLE (the image is
**     kept as current, "failed" with the reason: an LFS whose _init fails
**     beats an empty one, and the agent, not the image, does the updates)
** Each boot runs the image on the emulated firmware (runtime.c), whose event
** loop runs whenever the agent waits; --run-for / --until switch it off.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "fetch.h"
#include "flash.h"
#include "install.h"
#include "lfsc_image.h"
#include "manifest.h"
#include "ota.h"
#include "platform.h"
#include "runtime.h"
#include "stage.h"
#include "state.h"
#include "tls.h"
#include "verify.h"

#define MAX_LOAD_ATTEMPTS 3
#define MAX_RESTARTS      32   /* per run; a restart loop beyond this is a fault */

struct agent {
	const struct agent_config *cfg;   /* borrowed */
	struct flash *fl;
	struct tls_client *tls;           /* NULL offline */
	struct fetch http;
	struct stage stage;
	struct agent_state st;
	char state_path[1100];
	char spiffs[1100];
	char pubkey_path[1100];
	char *pubkey_pem;                 /* owned; lfsd's signing key, pinned */
	char keyid[17];                   /* its id (verify_key_id), sent with polls */
	char refusal[400];                /* the last manifest refusal reported */
	long poll_interval;               /* seconds */
	int restarts;                     /* restarts since the firmware last ran quietly */
	struct runtime rt;                /* the firmware */
	int64_t end_ms;                   /* --run-for's end (platform_ms()), 0 = none */
	int off;                          /* switched off: --run-for passed, --until */
};

void agent_config_init(struct agent_config *c)
{
	memset(c, 0, sizeof *c);
	c->part_size = 0x40000;
	c->base = 0x40296000;
	c->boot_timeout = 60;
	c->poll_interval = 60;
	c->watchdog_ms = 5000;
	c->download_tries = 3;
	c->nodemcu.spiffs_size = 0x100000;
	c->target = LFSC_TARGET_LUA53;
}

static const char *short_sha(const char *sha)
{
	return sha && *sha ? sha : "(none)";
}

static int save(struct agent *a, struct dev_error *err)
{
	return state_save(a->state_path, &a->st, err);
}

/* Queues a report; running (may be NULL) is the image the device runs after
** it, when that is not sha itself (a rollback names the image it went back to). */
static void report_running(struct agent *a, const char *state, const char *sha,
			   const char *detail, const char *running)
{
	platform_log("report %s %s: %s", state, short_sha(sha), detail ? detail : "");
	state_report(&a->st, state, sha, detail, running);
}

static void report(struct agent *a, const char *state, const char *sha, const char *detail)
{
	report_running(a, state, sha, detail, NULL);
}

static void set_sha(char *dst, const char *src)
{
	snprintf(dst, STATE_SHA_HEX, "%s", src ? src : "");
}

/* TRIAL -> IDLE: the new image checked in (checked_in: its booted report
** was delivered), or stays after a failed trial with nothing to go back to.
** A check-in raises the anti-rollback floor to the image's release, or sets
** it after a signed rollback (server/README.md "Signed manifests", rule 5). */
static void commit(struct agent *a, int checked_in)
{
	const char *keep[2];

	if (checked_in && a->st.target_release > 0 &&
	    (a->st.target_rollback || a->st.target_release > a->st.floor)) {
		a->st.floor = a->st.target_release;
		platform_log("anti-rollback floor: release %lld", (long long)a->st.floor);
	}
	a->st.target_release = 0;
	a->st.target_rollback = 0;
	if (strcmp(a->st.target, a->st.current)) {
		set_sha(a->st.previous, a->st.current);
		set_sha(a->st.current, a->st.target);
	}
	platform_log("image %s committed (previous %s)", a->st.current,
		     short_sha(a->st.previous));
	a->st.phase = STATE_IDLE;
	a->st.target[0] = '\0';
	a->st.trial_since = 0;
	a->st.attempts = 0;
	keep[0] = a->st.current;
	keep[1] = a->st.previous;
	stage_gc(&a->stage, keep, 2);
}

/* Delivers queued reports in order; stops at the first transport failure or
** server error (5xx); a report the server refuses (4xx) is dropped. */
static int flush(struct agent *a, struct dev_error *err)
{
	struct dev_error e;
	int status, rc, ret;

	while (a->tls && a->st.noutbox > 0) {
		struct state_report *r = &a->st.outbox[0];
		dev_error_clear(&e);
		rc = ota_report(&a->http, a->cfg->device, r->state, r->sha, r->detail, r->running,
				&status, &e);
		if (rc && (!status || status >= 500)) {   /* try again later */
			platform_log("report %s not delivered: %s", r->state, e.text);
			return DEV_OK;
		}
		if (rc)
			platform_log("report %s refused: %s", r->state, e.text);
		else
			platform_log("report %s %s delivered", r->state, short_sha(r->sha));
		if (!rc && a->st.phase == STATE_TRIAL && !strcmp(r->state, "booted") &&
		    !strcmp(r->sha, a->st.target))
			commit(a, 1);
		state_outbox_drop(&a->st, 1);
		if ((ret = save(a, err)))
			return ret;
	}
	return DEV_OK;
}

/* Sets up a load of `sha` (APPLYING or ROLLBACK) and saves it; release and
** rollback are its manifest's (0, 0 for an image no manifest offered). */
static int begin_load(struct agent *a, enum state_phase phase, const char *sha,
		      const struct lfsc_buffer *layout, int64_t release, int rollback,
		      struct dev_error *err)
{
	a->st.phase = phase;
	set_sha(a->st.target, sha);
	a->st.target_release = release;
	a->st.target_rollback = rollback;
	verify_sha256_hex(layout->data, layout->len, a->st.flash_sha);
	a->st.flash_used = (uint32_t)layout->len;
	a->st.attempts = 0;
	a->st.trial_since = 0;
	return save(a, err);
}

/* Leaves nothing in flash and nothing pending. */
static int go_empty(struct agent *a, const char *why, struct dev_error *err)
{
	int ret;

	platform_log("LFS cleared: %s", why);
	if ((ret = install_clear(a->fl, err)))
		return ret;
	a->st.phase = STATE_IDLE;
	a->st.target[0] = a->st.flash_sha[0] = '\0';
	a->st.flash_used = 0;
	a->st.attempts = 0;
	return save(a, err);
}

/* TRIAL or APPLYING failed: go back to the current (known good) image. */
static int rollback(struct agent *a, const char *reason, struct dev_error *err)
{
	struct lfsc_buffer layout;
	struct dev_error e;
	char detail[400];
	int ret;

	lfsc_buffer_init(&layout);
	dev_error_clear(&e);
	set_sha(a->st.bad, a->st.target);
	snprintf(detail, sizeof detail, "%s; back to %s", reason, short_sha(a->st.current));
	report_running(a, "rolled-back", a->st.target, detail,
		       strcmp(a->st.current, a->st.target) ? a->st.current : NULL);
	if (a->st.current[0] && !strcmp(a->st.current, a->st.target))
		a->st.current[0] = '\0';   /* the good image itself is what failed */
	if (a->st.current[0] && !stage_layout(&a->stage, a->st.current, &layout, &e))
		ret = begin_load(a, STATE_ROLLBACK, a->st.current, &layout, 0, 0, err);
	else
		ret = go_empty(a, a->st.current[0] ? e.text : "no previous image", err);
	lfsc_buffer_release(&layout);
	return ret;
}

/* 1 when the trial of target can go back to another image: current. */
static int has_fallback(struct agent *a)
{
	return a->st.current[0] && strcmp(a->st.current, a->st.target) &&
	       stage_has(&a->stage, a->st.current);
}

/* The trial of target failed: back to the previous image (*restart = 1: a
** restart loads it) or, with nothing to go back to, the image stays as
** current and is reported failed with the reason. */
static int fail_trial(struct agent *a, const char *reason, int *restart,
		      struct dev_error *err)
{
	char detail[400];

	if (has_fallback(a)) {
		*restart = 1;
		return rollback(a, reason, err);
	}
	snprintf(detail, sizeof detail, "%s; no previous image to go back to: kept", reason);
	report_running(a, "failed", a->st.target, detail, a->st.target);
	commit(a, 0);
	return save(a, err);
}

/* Runs the loader for target. Returns 0 when the load is complete, 1 when it
** failed (reason in detail: the caller rolls back), or a fatal error. */
static int load_target(struct agent *a, uint32_t word, enum install_flag kind,
		       char *detail, size_t dsize, struct dev_error *err)
{
	struct lfsc_buffer layout;
	struct dev_error e;
	char digest[65];
	int ret = 1;

	if (kind == INSTALL_VALID && a->st.flash_sha[0] &&
	    !install_digest(a->fl, a->st.flash_used, digest, NULL) &&
	    !strcmp(digest, a->st.flash_sha)) {
		platform_log("load of %s already complete", a->st.target);
		return 0;
	}
	lfsc_buffer_init(&layout);
	dev_error_clear(&e);
	if (kind == INSTALL_TORN || kind == INSTALL_CORRUPT) {
		snprintf(detail, dsize, "torn LFS load detected at boot (flag 0x%08x, %s): "
			 "LFS cleared, reloading %s", word, install_flag_name(kind),
			 a->st.target);
		platform_log("LFS image corrupted.");
		report(a, "failed", a->st.target, detail);
		if (install_clear(a->fl, &e)) {
			snprintf(detail, dsize, "cannot clear the LFS: %s", e.text);
			goto out;
		}
	}
	if (++a->st.attempts > MAX_LOAD_ATTEMPTS) {
		snprintf(detail, dsize, "load of %s failed %d times", a->st.target,
			 MAX_LOAD_ATTEMPTS);
		goto out;
	}
	if ((ret = save(a, err)))
		goto out;
	ret = 1;
	if (stage_layout(&a->stage, a->st.target, &layout, &e)) {
		snprintf(detail, dsize, "cannot load staged image: %s", e.text);
		goto out;
	}
	verify_sha256_hex(layout.data, layout.len, digest);
	if (strcmp(digest, a->st.flash_sha)) {   /* e.g. started with another --base */
		set_sha(a->st.flash_sha, digest);
		a->st.flash_used = (uint32_t)layout.len;
		if ((ret = save(a, err)))
			goto out;
		ret = 1;
	}
	platform_log("loading %s into LFS (%zu bytes, attempt %d)", a->st.target,
		     layout.len, a->st.attempts);
	if (install_load(a->fl, a->cfg->target, layout.data, layout.len, &e)) {
		snprintf(detail, dsize, "LFS load failed: %s", e.text);
		goto out;
	}
	ret = 0;
out:
	lfsc_buffer_release(&layout);
	return ret;
}

/* A load of target is pending (APPLYING/ROLLBACK): run it, then move on to
** TRIAL (or IDLE after a rollback); a failed load rolls back. */
static int pending_load(struct agent *a, uint32_t word, enum install_flag kind,
			struct dev_error *err)
{
	char detail[400] = "";
	int rc = load_target(a, word, kind, detail, sizeof detail, err);

	if (rc < 0)
		return rc;
	if (rc > 0) {
		report(a, "failed", a->st.target, detail);
		return a->st.phase == STATE_APPLYING ? rollback(a, detail, err)
						     : go_empty(a, detail, err);
	}
	a->st.attempts = 0;
	if (a->st.phase == STATE_APPLYING) {
		a->st.phase = STATE_TRIAL;
		a->st.trial_since = 0;
		report(a, "applied", a->st.target, "LFS loaded; restarting");
	} else {
		a->st.phase = STATE_IDLE;
		set_sha(a->st.current, a->st.target);
		a->st.target[0] = '\0';
	}
	return save(a, err);
}

/* The first boot hook: settles the flash against the state. *stable = 1 when
** no restart is needed. */
static int boot_check(struct agent *a, int *stable, struct dev_error *err)
{
	enum install_flag kind;
	uint32_t word;
	char digest[65], detail[400];
	const char *expect;
	int ret;

	*stable = 0;
	if ((ret = install_flag(a->fl, a->cfg->target, &word, &kind, err)))
		return ret;
	if (a->st.phase == STATE_APPLYING || a->st.phase == STATE_ROLLBACK)
		return pending_load(a, word, kind, err);
	if (kind == INSTALL_VALID && a->st.flash_sha[0] &&
	    (install_digest(a->fl, a->st.flash_used, digest, NULL) ||
	     strcmp(digest, a->st.flash_sha)))
		kind = INSTALL_CORRUPT;
	if (kind == INSTALL_VALID || (kind == INSTALL_EMPTY && !a->st.flash_sha[0])) {
		*stable = 1;
		return DEV_OK;
	}
	/* torn, corrupted, or lost: clear, report, reload what should be there */
	expect = a->st.phase == STATE_TRIAL ? a->st.target : a->st.current;
	snprintf(detail, sizeof detail, "LFS %s at boot (flag 0x%08x): cleared, reloading %s",
		 install_flag_name(kind), word, short_sha(expect));
	platform_log("LFS image corrupted.");
	report(a, "failed", expect, detail);
	if ((ret = install_clear(a->fl, err)))
		return ret;
	if (expect[0] && stage_has(&a->stage, expect)) {
		struct lfsc_buffer layout;
		struct dev_error e;
		lfsc_buffer_init(&layout);
		dev_error_clear(&e);
		if (!stage_layout(&a->stage, expect, &layout, &e)) {
			char sha[STATE_SHA_HEX];
			int trial = a->st.phase == STATE_TRIAL;
			set_sha(sha, expect);
			ret = begin_load(a, STATE_APPLYING, sha, &layout,
					 trial ? a->st.target_release : 0,
					 trial && a->st.target_rollback, err);
			lfsc_buffer_release(&layout);
			return ret;
		}
		lfsc_buffer_release(&layout);
	}
	return go_empty(a, "nothing staged to reload", err);
}

/* One boot: settle the flash, then start the firmware, which runs _init.
** *restart = 1 when the device must restart again (node.restart(), a reset,
** a rollback); a->off when it was switched off meanwhile. */
static int boot(struct agent *a, int *restart, struct dev_error *err)
{
	struct runtime_result res;
	enum install_flag kind;
	uint32_t word;
	char detail[400];
	int ret, stable = 0;

	*restart = 0;
	while (!stable) {
		if (a->restarts++ > MAX_RESTARTS) {
			ret = dev_error_set(err, DEV_ERR_STATE, "restart loop: %d restarts",
					    a->restarts);
			goto out;
		}
		if ((ret = boot_check(a, &stable, err)))
			goto out;
		if (!stable)
			platform_log("restart");
	}
	if ((ret = install_flag(a->fl, a->cfg->target, &word, &kind, err)))
		goto out;
	if (kind == INSTALL_VALID)
		platform_log("LFS image loaded");
	ret = runtime_boot(&a->rt, kind == INSTALL_VALID, &res, err);
	if (ret == DEV_ERR_VERIFY) {   /* the adopted LFS cannot be read */
		res.failed = 1;
		snprintf(res.message, sizeof res.message, "%s", err ? err->text : "");
		dev_error_clear(err);
		ret = DEV_OK;
	}
	if (ret)
		goto out;
	if (res.off) {   /* switched off while _init ran: nothing is judged */
		a->off = 1;
		goto out;
	}
	if (res.failed)
		platform_log("_init failed: %s", res.message);
	else
		platform_log("boot: %s", res.ran_init ? "_init ran" :
			     res.has_lfs ? "no _init module" : "no LFS");
	if (a->st.phase == STATE_TRIAL) {
		if (res.failed) {
			snprintf(detail, sizeof detail, "_init failed: %s", res.message);
			ret = fail_trial(a, detail, restart, err);
			if (!*restart && res.restart)   /* kept, after a crash in _init */
				runtime_stop(&a->rt);
			goto out;
		}
		if (!a->st.trial_since) {
			a->st.trial_since = platform_time();
			report(a, "booted", a->st.target,
			       res.ran_init ? "_init ran" : "booted (no _init)");
			if ((ret = save(a, err)))
				goto out;
		}
		if (!a->tls)
			commit(a, 0);   /* offline: no server to check in with */
	}
	if ((ret = save(a, err)))
		goto out;
	if (res.restart && (!res.failed || a->st.phase == STATE_APPLYING)) {
		platform_log("_init restarts the firmware (node.restart(), node.LFS.reload())");
		*restart = 1;
	} else if (res.restart) {   /* a boot loop would keep the agent from polling */
		platform_log("the firmware reset while _init ran: it stays down until the "
			     "next restart; the agent goes on");
		runtime_stop(&a->rt);
	}
out:
	return ret;
}

/* Runs the firmware for ms (a wait of the agent). Returns 1 when its boot
** ended: a->off set for a switch-off (also when --run-for passes), else a
** reset (the caller boots again). */
static int wait(struct agent *a, int64_t ms)
{
	int64_t until = platform_ms() + (ms > 0 ? ms : 0);
	int restart = 0, off = 0;

	if (a->end_ms && until >= a->end_ms)
		until = a->end_ms;
	runtime_run(&a->rt, until, &restart, &off);
	if (!restart && !off && a->end_ms && platform_ms() >= a->end_ms) {
		platform_log("--run-for: %ld s passed, switching off", a->cfg->nodemcu.run_for);
		off = 1;
	}
	if (off)
		a->off = 1;
	else if (restart)
		platform_log("the firmware reset; restarting");
	else
		a->restarts = 0;   /* it ran quietly: no restart loop */
	return restart || off;
}

/* Waits for the trial image's check-in (the firmware runs meanwhile); rolls
** back at the deadline. *restart = 1 after a rollback or a reset. */
static int trial(struct agent *a, int *restart, struct dev_error *err)
{
	char detail[400];
	int ret;

	*restart = 0;
	while (a->st.phase == STATE_TRIAL) {
		if ((ret = flush(a, err)))
			return ret;
		if (a->st.phase != STATE_TRIAL)
			break;
		if (platform_time() >= a->st.trial_since + a->cfg->boot_timeout) {
			snprintf(detail, sizeof detail, "no successful check-in within %ld s",
				 a->cfg->boot_timeout);
			return fail_trial(a, detail, restart, err);
		}
		if (wait(a, 500)) {
			*restart = !a->off;
			return DEV_OK;
		}
	}
	return save(a, err);
}

/* lfsd's signing key: DATA/pubkey.pem (fetched before, or adopted from a
** next-key line), else --pubkey, else GET /ota/pubkey once over the pinned
** (or CA-checked) connection, kept in DATA/pubkey.pem. */
static int need_pubkey(struct agent *a, struct dev_error *err)
{
	const char *file = platform_exists(a->pubkey_path) ? a->pubkey_path : a->cfg->pubkey;
	uint8_t *data = NULL;
	size_t len = 0;
	int ret;

	if (a->pubkey_pem)
		return DEV_OK;
	if (file) {
		if ((ret = platform_read_file(file, &data, &len, err)))
			return ret;
		a->pubkey_pem = realloc(data, len + 1);
		if (!a->pubkey_pem) {
			free(data);
			return dev_error_set(err, DEV_ERR_MEM, "out of memory");
		}
		a->pubkey_pem[len] = '\0';
	} else if ((ret = ota_pubkey(&a->http, &a->pubkey_pem, err)) ||
		   (ret = platform_write_atomic(a->pubkey_path, a->pubkey_pem,
						strlen(a->pubkey_pem), err))) {
		return ret;
	}
	return verify_key_id(a->pubkey_pem, a->keyid, err);
}

/* A next-key line of a verified manifest: lfsd rotated its signing key and
** the key the device pins vouches for the new one, which replaces it. */
static void adopt_key(struct agent *a, const char *spki_b64)
{
	struct dev_error e;
	char *pem = NULL, id[17];

	dev_error_clear(&e);
	if (verify_key_pem(spki_b64, &pem, &e) || verify_key_id(pem, id, &e) ||
	    platform_write_atomic(a->pubkey_path, pem, strlen(pem), &e)) {
		platform_log("next signing key not adopted: %s", e.text);
		free(pem);
		return;
	}
	if (strcmp(id, a->keyid))
		platform_log("signing key rotated by lfsd: key %s (vouched for by %s) adopted",
			     id, a->keyid);
	free(a->pubkey_pem);
	a->pubkey_pem = pem;
	memcpy(a->keyid, id, sizeof a->keyid);
}

/* Rules 1-5 of a manifest (manifest.h) on lfsd's offer, before anything is
** downloaded; then a next-key line is adopted. */
static int accept_offer(struct agent *a, const struct ota_offer *o, const char *nonce,
			struct manifest *m, struct dev_error *err)
{
	struct manifest_expect x = { a->cfg->device, a->cfg->channel, nonce, a->cfg->target,
				     a->st.floor };
	int ret;

	if (o->len > MANIFEST_MAX_TEXT)
		return dev_error_set(err, DEV_ERR_VERIFY, "manifest longer than %d bytes",
				     MANIFEST_MAX_TEXT);
	if ((ret = verify_signature(o->text, o->len, o->signature, a->pubkey_pem, err)) ||
	    (ret = manifest_parse(o->text, o->len, m, err)) ||
	    (ret = manifest_check(m, &x, err)))
		return ret;
	if (m->next_key[0])
		adopt_key(a, m->next_key);
	return DEV_OK;
}

/* A refused manifest: reported failed with the reason (once while the same
** refusal repeats), nothing marked bad (a replay of an image must not keep
** the genuine offer of it out). The image named, unverified, is only for
** the report. */
static int refuse(struct agent *a, const struct ota_offer *o, const char *why,
		  struct dev_error *err)
{
	struct manifest named;
	char detail[400];

	platform_log("manifest refused: %s", why);
	snprintf(detail, sizeof detail, "manifest refused: %s", why);
	if (!strcmp(detail, a->refusal))
		return DEV_OK;
	snprintf(a->refusal, sizeof a->refusal, "%s", detail);
	if (manifest_parse(o->text, o->len, &named, NULL))
		named.sha256[0] = '\0';
	report(a, "failed", named.sha256, detail);
	return flush(a, err);
}

/* One poll: a fresh nonce, the offer checked (accept_offer). On an offer
** *m is the verified manifest and *update = 1. */
static int poll_offer(struct agent *a, struct manifest *m, int *update, struct dev_error *err)
{
	struct ota_offer o;
	struct dev_error e;
	uint8_t raw[16];
	char nonce[33];
	long interval = 0;
	int status = 0, i, ret = DEV_OK;

	*update = 0;
	dev_error_clear(&e);
	if (need_pubkey(a, &e) || tls_random(a->tls, raw, sizeof raw, &e)) {
		platform_log("poll skipped: %s", e.text);
		return DEV_OK;
	}
	for (i = 0; i < 16; i++)
		snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
	if (ota_latest(&a->http, &(struct ota_poll){ a->cfg->device, a->st.current, nonce,
						     a->keyid }, &o, update, &status, &interval, &e)) {
		platform_log("poll failed: %s", e.text);
		return DEV_OK;
	}
	if (interval > 0)
		a->poll_interval = interval;
	if (!*update)
		platform_log("poll: up to date (HTTP %d)", status);
	else if (accept_offer(a, &o, nonce, m, &e)) {
		*update = 0;
		ret = refuse(a, &o, e.text, err);
	} else {
		a->refusal[0] = '\0';
		if (m->poll > 0)
			a->poll_interval = m->poll;
	}
	ota_offer_free(&o);
	return ret;
}

/* One poll. *restart = 1 when an image was staged and a load is pending. */
static int poll(struct agent *a, int *restart, struct dev_error *err)
{
	struct manifest m;
	struct lfsc_buffer layout;
	struct dev_error e;
	char detail[400];
	int update = 0, downloaded = 0, ret = DEV_OK;

	*restart = 0;
	lfsc_buffer_init(&layout);
	dev_error_clear(&e);
	if ((ret = poll_offer(a, &m, &update, err)) || !update)
		goto out;
	if (!strcmp(m.sha256, a->st.current)) {
		platform_log("poll: up to date (release %lld)", (long long)m.release);
		goto out;
	}
	if (!strcmp(m.sha256, a->st.bad)) {
		platform_log("poll: skipping %s, rejected or rolled back before", m.sha256);
		goto out;
	}
	platform_log("poll: update to %s (release %lld, version %lld, %lld bytes%s)",
		     m.sha256, (long long)m.release, (long long)m.version, (long long)m.size,
		     m.rollback ? ", a signed rollback" : "");
	if (!stage_has(&a->stage, m.sha256)) {
		report(a, "downloading", m.sha256, m.url);
		if ((ret = flush(a, err)))
			goto out;
	}
	if (stage_fetch(&a->stage, &a->http, &m, &layout, &downloaded, &e)) {
		snprintf(detail, sizeof detail, "%s%s", e.code == DEV_ERR_VERIFY ?
			 "rejected before flashing: " : "", e.text);
		platform_log("update %s failed: %s", m.sha256, detail);
		report(a, "failed", m.sha256, detail);
		if (e.code == DEV_ERR_VERIFY)
			set_sha(a->st.bad, m.sha256);
		ret = save(a, err);
		if (!ret)
			ret = flush(a, err);
		goto out;
	}
	if (downloaded)
		report(a, "downloaded", m.sha256, "verified: manifest signature, size, sha256, "
		       "format");
	if ((ret = begin_load(a, STATE_APPLYING, m.sha256, &layout, m.release, m.rollback,
			      err)) ||
	    (ret = flush(a, err)))
		goto out;
	platform_log("restarting to load %s", m.sha256);
	*restart = 1;
out:
	lfsc_buffer_release(&layout);
	return ret;
}

/* Console reload of a local file (node.LFS.reload): stage, then load at boot. */
static int local_reload(struct agent *a, struct dev_error *err)
{
	struct lfsc_buffer layout;
	char sha[65];
	int ret;

	lfsc_buffer_init(&layout);
	if ((ret = stage_local(&a->stage, a->cfg->reload, sha, &layout, err)))
		goto out;
	platform_log("reload: staged %s as %s", a->cfg->reload, sha);
	ret = begin_load(a, STATE_APPLYING, sha, &layout, 0, 0, err);
out:
	lfsc_buffer_release(&layout);
	return ret;
}

/* node.LFS.reload(name) of the firmware (runtime.h): the SPIFFS file is
** staged like --reload and loaded by the failsafe loader at the restart. */
static int lua_reload(void *ctx, const char *name, char *msg, size_t n)
{
	struct agent *a = ctx;
	struct lfsc_buffer layout;
	struct dev_error e;
	char path[1200], sha[65];
	int ret = -1;

	lfsc_buffer_init(&layout);
	dev_error_clear(&e);
	if (!name || spiffs_path(&a->rt.fs, name, path, sizeof path) || !platform_exists(path)) {
		snprintf(msg, n, "LFS image file not found");
		goto out;
	}
	if (stage_local(&a->stage, path, sha, &layout, &e) ||
	    begin_load(a, STATE_APPLYING, sha, &layout, 0, 0, &e)) {
		snprintf(msg, n, "%s", e.text);
		goto out;
	}
	platform_log("node.LFS.reload(\"%s\"): staged as %s; loading at the restart", name, sha);
	ret = 0;
out:
	lfsc_buffer_release(&layout);
	return ret;
}

static long jitter(long seconds)
{
	long ms = seconds * 1000;
	return ms - ms / 10 + (long)(platform_random() % (uint32_t)(ms / 5 + 1));
}

static int setup(struct agent *a, const struct agent_config *c, struct dev_error *err)
{
	char path[1100];
	int ret;

	a->cfg = c;
	a->poll_interval = c->poll_interval;
	snprintf(a->state_path, sizeof a->state_path, "%s/state.json", c->data);
	snprintf(a->spiffs, sizeof a->spiffs, "%s/spiffs", c->data);
	snprintf(a->pubkey_path, sizeof a->pubkey_path, "%s/pubkey.pem", c->data);
	snprintf(path, sizeof path, "%s/flash.bin", c->data);
	a->stage.dir = a->spiffs;
	a->stage.target = c->target;
	a->stage.base = c->base;
	a->stage.part_size = c->part_size;
	a->stage.tries = c->download_tries > 0 ? c->download_tries : 1;
	if ((ret = platform_mkdir(c->data, err)) || (ret = platform_mkdir(a->spiffs, err)) ||
	    (ret = flash_open(path, c->part_size, c->base, c->power_cut_at, &a->fl, err)) ||
	    (ret = state_load(a->state_path, &a->st, err)) ||
	    (ret = runtime_open(&a->rt, c, a->fl, err)))
		return ret;
	a->rt.reload = lua_reload;
	a->rt.reload_ctx = a;
	if (c->nodemcu.run_for > 0)
		a->end_ms = platform_ms() + c->nodemcu.run_for * 1000;
	if (c->server) {
		if ((ret = tls_client_new(c->ca, c->pin, 10000, &a->tls, err)) ||
		    (ret = fetch_init(&a->http, a->tls, c->server, c->key, err)))
			return ret;
		if (!c->device || !c->key)
			return dev_error_set(err, DEV_ERR_USAGE, "--device and --key are required "
					     "with --server");
	}
	platform_log("power on: %s, phase %s, current %s, flash ops so far 0",
		     lfsc_target_name(c->target), state_phase_name(a->st.phase),
		     short_sha(a->st.current));
	return DEV_OK;
}

int agent_run(const struct agent_config *c, struct dev_error *err)
{
	struct agent a;
	int ret, restart, polled = 0, need_boot = 1, done = 0;

	memset(&a, 0, sizeof a);
	if ((ret = setup(&a, c, err)))
		goto out;
	if (c->reload && (ret = local_reload(&a, err)))
		goto out;
	while (!a.off) {
		if (need_boot) {
			if ((ret = boot(&a, &restart, err)) || a.off)
				goto out;
			if (restart)
				continue;
			if (a.tls && (ret = trial(&a, &restart, err)))
				goto out;
			if (restart || a.off)
				continue;
			need_boot = 0;
		}
		if ((ret = flush(&a, err)))
			goto out;
		if (c->once && (polled || !a.tls))
			done = 1;   /* the cycle is over; with --run-for the firmware runs on */
		if (done && !a.end_ms && !c->nodemcu.until)
			break;
		if (done || !a.tls || polled) {
			need_boot = wait(&a, !done ? jitter(a.poll_interval) :
					     a.end_ms ? a.end_ms - platform_ms() : 1000);
			if (done || !a.tls || need_boot)
				continue;
		}
		polled = 1;
		if ((ret = poll(&a, &restart, err)))
			goto out;
		if (restart)
			need_boot = 1;
		else if (c->once)
			done = 1;
	}
out:
	if (a.fl)
		platform_log("done: phase %s, current %s, flash operations %ld",
			     state_phase_name(a.st.phase), short_sha(a.st.current), flash_ops(a.fl));
	runtime_close(&a.rt);
	free(a.pubkey_pem);
	tls_client_free(a.tls);
	flash_free(a.fl);
	return ret;
}
