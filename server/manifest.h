/* manifest.h - lfsd's signed manifest, version 1 (server/README.md, "Signed
** manifests"): the text of one offer to one device, its HMAC-SHA256 tag under
** the device's manifest key and its ECDSA P-256 signature, and the two forms
** a poll is answered with (text for small clients, JSON for the C agent). */
#ifndef MANIFEST_H
#define MANIFEST_H

#include <stddef.h>

#include "keystore.h"

#define MANIFEST_NONCE_LEN 32   /* hex digits of a poll's nonce */

/* One offer: what the manifest says (every string borrowed). */
struct manifest_offer {
	const char *device;          /* device id (ident characters) */
	const char *channel;
	long long release;           /* global release id: the anti-rollback counter */
	long long version;           /* the release's number within its channel */
	const char *sha;             /* image sha256, 64 lowercase hex */
	long long size;              /* image bytes */
	const char *target;          /* image port, "nodemcu-lua53", ... */
	int rollback;                /* 1: authorized below the device's floor */
	const char *nonce;           /* the poll's, 32 lowercase hex */
	long long issued;            /* Unix seconds */
	int poll;                    /* poll interval, seconds */
	const char *modules;         /* module names, comma separated (encoded) */
	long long key_generation;    /* the device's manifest key generation */
	const char *keyid;           /* the signing key id the device pins, or NULL */
};

/* A made manifest. */
struct manifest {
	char *text;                  /* owned; the authenticated bytes, NUL terminated */
	size_t len;                  /* strlen(text) */
	char mac[65];                /* HMAC-SHA256 under the device's manifest key, hex */
	char sig[120];               /* ECDSA P-256 DER, base64 */
	const struct keystore_key *signer;   /* borrowed from the keystore */
	int next_key;                /* the text names the current key (next-key line) */
};

/* Makes the manifest of offer o with the keys of ks (both borrowed). Returns
** 0 (caller owns m: manifest_free()) or -1 (logged). */
int manifest_make(const struct manifest_offer *o, const struct keystore *ks,
                  struct manifest *m);
void manifest_free(struct manifest *m);

/* The small-client form: the text, then "mac <hex>\n" and "sig <base64>\n".
** Caller owns the result (free()); NULL when out of memory. */
char *manifest_text_form(const struct manifest *m, size_t *len);

/* Writes the n module names names[0..n) (borrowed) comma separated
** into a new string, each byte outside [A-Za-z0-9_.-] as %XX (so a name
** holds no comma, space or newline). Caller owns (free()); NULL when out
** of memory. */
char *manifest_modules(const char *const *names, int n);

#endif
