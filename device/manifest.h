/*
** manifest.h - lfsd's signed manifest, version 1, on the device
** (server/README.md "Signed manifests"): the text parsed exactly as lfsd
** writes it, and the device's rules checked on it, all before any byte is
** downloaded or flashed:
**   1. exactly the fields, in order (next-key optional, last); version 1;
**   2. the signature verifies (verify.h, over the text's bytes);
**   3. device = own id, channel = own channel (when configured), nonce = the
**      one just sent;
**   4. target = own port;
**   5. release >= the floor (the highest release run and checked in), unless
**      rollback 1.
** Messages are the Lua client's (device/nodemcu/lfsota.lua), word for word.
*/
#ifndef DEVICE_MANIFEST_H
#define DEVICE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "lfsc.h"

#define MANIFEST_MAX_TEXT 8192   /* bytes; lfsd's are a few hundred */

struct manifest {
	char device[65];
	char channel[65];
	int64_t release;             /* global release id: the anti-rollback counter */
	int64_t version;             /* the release's number within its channel */
	char sha256[65];             /* the image, lowercase hex */
	int64_t size;                /* image bytes */
	char target[32];             /* image port */
	char url[512];               /* where to GET the image */
	int rollback;                /* 1: lfsd authorizes going below the floor */
	char nonce[33];              /* echoed from the poll */
	int64_t issued;              /* server time (informative) */
	long poll;                   /* poll interval, seconds */
	char next_key[256];          /* base64 DER SubjectPublicKeyInfo of lfsd's next
	                                signing key, "" = none */
};

/*
** Parses text[0..len) (the authenticated bytes, without the mac/sig lines)
** into *m: each line "key value\n", the keys of server/README.md in order, no
** other whitespace, values checked (numbers, 64 hex digits, 0/1). Rule 1.
** DEV_ERR_VERIFY with "manifest field N is 'k', not x", "manifest version V
** unknown", "manifest <field> malformed", ...
*/
int manifest_parse(const char *text, size_t len, struct manifest *m, struct dev_error *err);

/* What the device expects (rules 3-5); strings borrowed. */
struct manifest_expect {
	const char *device;
	const char *channel;         /* NULL = not checked (no --channel) */
	const char *nonce;
	enum lfsc_target target;
	int64_t floor;               /* 0 = none yet */
};

/* Rules 3-5 on a parsed (and verified) manifest: DEV_ERR_VERIFY with the
** reason, or 0. */
int manifest_check(const struct manifest *m, const struct manifest_expect *e,
		   struct dev_error *err);

#endif
