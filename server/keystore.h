/* keystore.h - lfsd's own keys and their custody (server/README.md, "Signed
** manifests"):
**
**   DIR/keys/signing.pem       the signing key (ECDSA P-256, PEM, mode 0600):
**                              signs every manifest (and each release's image
**                              digest); devices pin its public key
**   DIR/keys/signing.prev.pem  the key it replaced, while a rotation
**                              (--rotate-signing-key) is under way: it signs
**                              for devices that still pin it, and those
**                              manifests name the new key (next-key line)
**   DIR/keys/manifest.key      the manifest master secret: 32 random bytes as
**                              64 hex digits (mode 0600); each device's
**                              HMAC-SHA256 manifest key is derived from it
**
** Custody rules, applied by keystore_open() at start:
**  1. The database records each key's fingerprint (settings
**     signing_key_sha256, signing_key_prev_sha256, manifest_key_sha256).
**  2. A key is made only when the database is empty (no release, no device)
**     or when asked (--rotate-signing-key, --rotate-manifest-key); the
**     master secret also when the database never recorded one (a database
**     from before manifests: no device has a manifest key yet).
**  3. Otherwise a missing, unreadable or different key stops lfsd with a
**     message that says how to recover (never a silent replacement).
**  4. A rotation writes the previous key file, then the new key, then the
**     fingerprints; a start that finds the previous file holding the recorded
**     key and a new current key finishes an interrupted rotation. Removing
**     signing.prev.pem ends a rotation (GET /fleet counts the devices that
**     still pin it).
**
** Signatures use OpenSSL's libcrypto: a P-256 signature costs about 24 µs of
** CPU here against 880 µs with mbedTLS 2.28, and every offered manifest is
** signed. The structures are read-only after keystore_open(): every function
** below is safe from any thread. */
#ifndef KEYSTORE_H
#define KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "store.h"

#define KEYSTORE_ID_LEN 16   /* hex digits of a key id (keyid= of a poll) */

struct keystore_key {
	EVP_PKEY *pk;                    /* owned; NULL = no such key */
	char fingerprint[65];            /* hex SHA-256 of the DER SubjectPublicKeyInfo */
	char id[KEYSTORE_ID_LEN + 1];    /* its first 16 hex digits */
	char *spki_b64;                  /* owned; base64 of the DER SubjectPublicKeyInfo */
	char *pub_pem;                   /* owned; the public key as PEM */
};

struct keystore {
	struct keystore_key sign;        /* the current signing key */
	struct keystore_key prev;        /* the previous one during a rotation */
	uint8_t master[32];              /* the manifest master secret */
	char master_fingerprint[65];     /* hex SHA-256 of the master secret */
};

struct keystore_options {
	int rotate_signing;              /* --rotate-signing-key */
	int rotate_manifest;             /* --rotate-manifest-key */
};

/* Loads (or, per the rules above, makes) the keys in dir and checks them
** against store s (borrowed for the call). Returns 0, or -1 with the reason
** and the way to recover logged; ks is then safe to keystore_close(). */
int keystore_open(struct keystore *ks, const char *dir, struct store *s,
                  const struct keystore_options *o);
/* Frees the keys and wipes the master secret; safe on a zeroed keystore. */
void keystore_close(struct keystore *ks);

/* The key a device that pins key id `keyid` (NULL or unknown = the current
** one) gets its manifests signed with; *previous = 1 when it is the previous
** key of a rotation (the manifest then names the current key). */
const struct keystore_key *keystore_signer(const struct keystore *ks, const char *keyid,
                                           int *previous);
/* ECDSA P-256 over SHA-256(data[0..len)): the DER signature as base64, NUL
** terminated, into out (at least 100 bytes). Returns 0 or -1 (logged). */
int keystore_sign(const struct keystore_key *k, const void *data, size_t len, char *out,
                  size_t outsize);
/* ECDSA P-256 over a SHA-256 digest already made (a release's image), same
** output as keystore_sign(). Returns 0 or -1 (logged). */
int keystore_sign_digest(const struct keystore_key *k, const uint8_t digest[32], char *out,
                         size_t outsize);

/* Device id's manifest key for key generation `generation`:
** HMAC-SHA256(master, "lfsd-manifest-key\0" || id || "\0" || generation in
** decimal), 32 bytes into out. */
void keystore_device_key(const struct keystore *ks, const char *id, long long generation,
                         uint8_t out[32]);
/* HMAC-SHA256 of data[0..len) under key as 64 lowercase hex digits. */
void keystore_mac(const uint8_t key[32], const void *data, size_t len, char out[65]);

/* ---- the key files (keystore_open.c applies the custody rules with these) */

/* Loads a P-256 private key from the PEM file path into *k. Returns 0, 1 when
** the file does not exist (nothing logged), or -1 when it is unreadable or not
** a P-256 key (logged with the reason). */
int keystore_key_load(const char *path, struct keystore_key *k);
/* Makes a new P-256 key into *k and writes it durably to path (0600,
** replacing the file atomically). Returns 0 or -1 (logged). */
int keystore_key_make(const char *path, struct keystore_key *k);
/* Writes k's private key to path durably (0600). Returns 0 or -1 (logged). */
int keystore_key_write(const char *path, const struct keystore_key *k);
/* Frees *k's parts and zeroes it. */
void keystore_key_free(struct keystore_key *k);

#endif
