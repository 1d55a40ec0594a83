/*
** verify.h - the signature on lfsd's manifest (ECDSA P-256 over the
** manifest's text, checked with lfsd's public key), lfsd's signing keys
** (their ids, a next key adopted), and everything a downloaded image must
** pass BEFORE flash is touched: size and SHA-256 against the verified
** manifest, and the image format with the compiler's own reader
** (lfsc_image_read, the one reader shared with lfsd) including the target's
** number configuration and the fit in the partition.
*/
#ifndef DEVICE_VERIFY_H
#define DEVICE_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "lfsc_image.h"

/* SHA-256 of data as lowercase hex into hex (caller's, 65 bytes). */
void verify_sha256_hex(const void *data, size_t len, char hex[65]);

/* Size equals want_size and SHA-256 equals want_sha (hex, any case).
** Messages: "size mismatch: got N bytes, manifest says M",
** "sha256 mismatch: got X, manifest says Y". */
int verify_digest(const uint8_t *data, size_t len, int64_t want_size,
		  const char *want_sha, struct dev_error *err);

/*
** ECDSA P-256 signature over SHA-256(data[0..len)) (the manifest's text):
** `sig` base64 (or hex) of a DER signature, `pubkey_pem` lfsd's public key
** in PEM. All borrowed. DEV_ERR_VERIFY: "manifest signature invalid: ...",
** "signature missing from manifest", "server public key unreadable: ...".
*/
int verify_signature(const void *data, size_t len, const char *sig, const char *pubkey_pem,
		     struct dev_error *err);

/* The id of a signing key (PEM): the first 16 hex digits of the SHA-256 of
** its DER SubjectPublicKeyInfo (lfsd's keyid=), into id (17 bytes). */
int verify_key_id(const char *pubkey_pem, char id[17], struct dev_error *err);

/* A next-key line's value (base64 of a DER SubjectPublicKeyInfo) as a P-256
** public key in PEM: *pem NUL terminated (caller owns: free()). */
int verify_key_pem(const char *spki_b64, char **pem, struct dev_error *err);

/*
** Parses data/len with lfsc_image_read (every §A6.2 check and more), requires
** target `target`, and lays it out for a partition at `base` of `max_size`
** bytes into *layout (appended; caller owns, release with
** lfsc_buffer_release()). Messages start with "image format: ".
*/
int verify_image(const uint8_t *data, size_t len, enum lfsc_target target,
		 uint32_t base, uint32_t max_size, struct lfsc_buffer *layout,
		 struct dev_error *err);

#endif
