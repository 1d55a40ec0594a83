/* keystore_open.c - the custody rules of lfsd's keys at start (keystore.h,
** rules 1-4): which key files are loaded, made, rotated or refused, and the
** messages that say how to recover. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "fsutil.h"
#include "hash.h"
#include "hex.h"
#include "keystore.h"
#include "log.h"

#define SET_SIGN "signing_key_sha256"
#define SET_PREV "signing_key_prev_sha256"
#define SET_MASTER "manifest_key_sha256"

struct paths {
	char cur[700], prev[700], master[700];
};

/* store_release_cb / store_device_cb: one row is enough. */
static int any_release(void *cls, const struct release *r)
{
	*(int *)cls = 1;
	return 1;
}

static int any_device(void *cls, const struct device *d)
{
	*(int *)cls = 1;
	return 1;
}

/* *empty = 1 when the database has no release and no device. */
static int database_empty(struct store *s, int *empty)
{
	struct device_query q = { NULL, 1, NULL, NULL, NULL };
	int found = 0;

	if (store_releases_list(s, NULL, any_release, &found) != STORE_OK ||
	    store_devices_list(s, &q, any_device, &found) != STORE_OK)
		return log_error("cannot read the database to check the keys");
	*empty = !found;
	return 0;
}

/* A recorded fingerprint into buf ("" when none). */
static int recorded(struct store *s, const char *key, char buf[65])
{
	int rc = store_setting_get(s, key, buf, 65);

	if (rc == STORE_NOT_FOUND)
		buf[0] = '\0';
	return rc == STORE_ERROR ? -1 : 0;
}

static int record(struct store *s, const char *key, const char *value)
{
	return store_setting_set(s, key, value) == STORE_OK ? 0
	       : log_error("cannot record the key fingerprint '%s'", key);
}

/* --rotate-signing-key: the current key becomes the previous one, a new one
** is made (rule 4). cur is the keystore_key_load() result for p->cur. */
static int rotate_signing(struct keystore *ks, const struct paths *p, struct store *s,
                          int cur, const char *rec, const char *rec_prev)
{
	struct keystore_key old;

	if (ks->prev.pk && strcmp(ks->prev.fingerprint, rec_prev))
		keystore_key_free(&ks->prev);   /* a stale copy, not a rotation */
	if (ks->prev.pk)
		return log_error("--rotate-signing-key: a rotation is under way ('%s' exists); "
		                 "end it first: when GET /fleet shows no device on the previous "
		                 "key, remove that file and start lfsd again", p->prev);
	if (cur == 1) {   /* lost: nothing can vouch for a new key */
		if (keystore_key_make(p->cur, &ks->sign) || record(s, SET_SIGN, ks->sign.fingerprint))
			return -1;
		log_error("warning: the signing key was lost; new key %s made. Devices that pin "
		          "the old key%s%s refuse every manifest until they are given the new "
		          "public key (GET /ota/pubkey) by hand", ks->sign.id, rec[0] ? " " : "",
		          rec);
		return record(s, SET_PREV, "");
	}
	if (rec[0] && strcmp(rec, ks->sign.fingerprint))
		return log_error("--rotate-signing-key: '%s' is not the key this database "
		                 "recorded (%s); put that key back, or move the file away to "
		                 "declare the key lost", p->cur, rec);
	old = ks->sign;
	memset(&ks->sign, 0, sizeof ks->sign);
	if (keystore_key_write(p->prev, &old) || keystore_key_make(p->cur, &ks->sign) ||
	    record(s, SET_PREV, old.fingerprint) || record(s, SET_SIGN, ks->sign.fingerprint)) {
		keystore_key_free(&old);
		return -1;
	}
	ks->prev = old;
	log_info("signing key rotated: new key %s; the previous key %s signs for the devices "
	         "that pin it, with a next-key line, until '%s' is removed", ks->sign.id,
	         ks->prev.id, p->prev);
	return 0;
}

/* The previous key of a rotation: kept when the database names it, else
** dropped (a copy left by an interrupted rotation, or a rotation ended). */
static int settle_previous(struct keystore *ks, const struct paths *p, struct store *s,
                           const char *rec_prev)
{
	if (!ks->prev.pk) {
		if (rec_prev[0])
			log_info("signing-key rotation ended ('%s' is gone)", p->prev);
		return rec_prev[0] ? record(s, SET_PREV, "") : 0;
	}
	if (!strcmp(ks->prev.fingerprint, rec_prev) &&
	    strcmp(ks->prev.fingerprint, ks->sign.fingerprint)) {
		log_info("signing-key rotation under way: previous key %s, current key %s",
		         ks->prev.id, ks->sign.id);
		return 0;
	}
	log_info("ignoring '%s': it is not the previous key of a rotation", p->prev);
	keystore_key_free(&ks->prev);
	return 0;
}

/* The signing key without --rotate-signing-key: rules 2 and 3. */
static int check_signing(struct keystore *ks, const struct paths *p, struct store *s,
                         int cur, int empty, const char *rec)
{
	if (cur == 1 && !empty)
		return log_error("the signing key '%s' is missing, but this database has releases "
		                 "or devices, which pin the key%s%s. Restore the file from a backup "
		                 "of the data directory's keys/. If the key is lost for good, start "
		                 "lfsd once with --rotate-signing-key: it makes a new key, which "
		                 "devices must then be given by hand", p->cur,
		                 rec[0] ? " with fingerprint " : " made with it", rec);
	if (cur == 1) {
		if (keystore_key_make(p->cur, &ks->sign))
			return -1;
		log_info("made the signing key '%s' (%s)", p->cur, ks->sign.id);
		return record(s, SET_SIGN, ks->sign.fingerprint);
	}
	if (rec[0] && strcmp(rec, ks->sign.fingerprint)) {
		if (!empty)
			return log_error("'%s' is not the signing key this database recorded: its "
			                 "fingerprint is %s, the recorded one %s. Put the recorded "
			                 "key back (from a backup of keys/); to replace the key on "
			                 "purpose, start lfsd with --rotate-signing-key", p->cur,
			                 ks->sign.fingerprint, rec);
		log_info("the database is empty: adopting the signing key in '%s' (%s)", p->cur,
		         ks->sign.id);
	}
	return strcmp(rec, ks->sign.fingerprint) ? record(s, SET_SIGN, ks->sign.fingerprint) : 0;
}

static int open_signing(struct keystore *ks, const struct paths *p, struct store *s,
                        int rotate, int empty)
{
	char rec[65], rec_prev[65];
	int cur = keystore_key_load(p->cur, &ks->sign), prev;

	if (cur < 0)
		return log_error("the signing key '%s' is unreadable (above); fix the file's "
		                 "permissions or restore it from a backup of keys/", p->cur);
	if (recorded(s, SET_SIGN, rec) || recorded(s, SET_PREV, rec_prev))
		return -1;
	if ((prev = keystore_key_load(p->prev, &ks->prev)) < 0)
		return log_error("'%s' is unreadable (above)", p->prev);
	if (!cur && !prev && rec[0] && strcmp(rec, ks->sign.fingerprint) &&
	    !strcmp(rec, ks->prev.fingerprint)) {   /* a rotation stopped before its record */
		log_info("finishing an interrupted signing-key rotation");
		snprintf(rec_prev, sizeof rec_prev, "%s", rec);
		if (record(s, SET_PREV, rec_prev) || record(s, SET_SIGN, ks->sign.fingerprint))
			return -1;
		snprintf(rec, sizeof rec, "%s", ks->sign.fingerprint);
	}
	if (rotate)
		return rotate_signing(ks, p, s, cur, rec, rec_prev);
	if (check_signing(ks, p, s, cur, empty, rec))
		return -1;
	return settle_previous(ks, p, s, rec_prev);
}

/* Reads the master secret: 0, 1 when missing, -1 unreadable or malformed. */
static int master_load(const char *path, uint8_t out[32])
{
	char *text = NULL;
	size_t len = 0;
	int rc = fsutil_read_file(path, 4096, &text, &len);

	if (rc == 0 && (len < 64 || hex_decode(text, out, 32) ||
	                (len > 64 && strspn(text + 64, "\r\n") != len - 64)))
		rc = log_error("'%s' is not 64 hex digits", path);
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

static int master_make(struct keystore *ks, const char *path)
{
	char text[66];
	int ret;

	if (RAND_bytes(ks->master, 32) != 1)
		return log_error("no randomness for the manifest master key");
	hex_encode(ks->master, 32, text);
	text[64] = '\n';
	ret = fsutil_write_durable(path, text, 65, 0600);
	OPENSSL_cleanse(text, sizeof text);
	return ret;
}

static int open_master(struct keystore *ks, const char *path, struct store *s, int rotate,
                       int empty)
{
	char rec[65];
	int rc = rotate ? 1 : master_load(path, ks->master);

	if (recorded(s, SET_MASTER, rec))
		return -1;
	if (rc < 0)
		return log_error("the manifest master key '%s' is unreadable (above); fix it or "
		                 "restore it from a backup of keys/", path);
	/* a database that never recorded a master (made before manifests) has
	** no device whose manifest key derives from one */
	if (rc == 1 && rec[0] && !empty && !rotate)
		return log_error("the manifest master key '%s' is missing, but this database has "
		                 "devices whose manifest keys derive from it. Restore the file from "
		                 "a backup of keys/. If it is lost for good, start lfsd once with "
		                 "--rotate-manifest-key; every device using the Lua client then "
		                 "needs a new lfsd_cfg.lua (a new key for each device)", path);
	if (rc == 1 && master_make(ks, path))
		return -1;
	hash_sha256_hex(ks->master, 32, ks->master_fingerprint);
	if (rc == 1)
		log_info("made the manifest master key '%s'%s", path, rotate ?
		         ": every device's manifest key changed; Lua-client devices need a new "
		         "lfsd_cfg.lua" : "");
	else if (rec[0] && strcmp(rec, ks->master_fingerprint) && !empty)
		return log_error("'%s' is not the manifest master key this database recorded "
		                 "(fingerprint %s, recorded %s). Put the recorded key back (from a "
		                 "backup of keys/), or start lfsd with --rotate-manifest-key to "
		                 "replace it on purpose", path, ks->master_fingerprint, rec);
	return strcmp(rec, ks->master_fingerprint) ? record(s, SET_MASTER, ks->master_fingerprint)
	                                            : 0;
}

int keystore_open(struct keystore *ks, const char *dir, struct store *s,
                  const struct keystore_options *o)
{
	struct paths p;
	int empty = 0;

	memset(ks, 0, sizeof *ks);
	if (fsutil_mkdir_p(dir, 0700) || database_empty(s, &empty))
		return -1;
	snprintf(p.cur, sizeof p.cur, "%s/signing.pem", dir);
	snprintf(p.prev, sizeof p.prev, "%s/signing.prev.pem", dir);
	snprintf(p.master, sizeof p.master, "%s/manifest.key", dir);
	if (open_signing(ks, &p, s, o->rotate_signing, empty) ||
	    open_master(ks, p.master, s, o->rotate_manifest, empty))
		return -1;
	return 0;
}
