/*
** verify.c - the manifest's signature, lfsd's signing keys, and the size,
** digest and format checks of a staged image.
** The only device file that calls the mbedTLS pk/ecdsa API; their codes are
** turned into messages here.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <mbedtls/base64.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include "verify.h"

void verify_sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t md[32];
	int i;

	mbedtls_sha256_ret(data, len, md, 0);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int verify_digest(const uint8_t *data, size_t len, int64_t want_size,
		  const char *want_sha, struct dev_error *err)
{
	char got[65];

	if (want_size < 0 || (uint64_t)want_size != len)
		return dev_error_set(err, DEV_ERR_VERIFY,
				     "size mismatch: got %zu bytes, manifest says %lld", len,
				     (long long)want_size);
	verify_sha256_hex(data, len, got);
	if (!want_sha || strcasecmp(got, want_sha))
		return dev_error_set(err, DEV_ERR_VERIFY,
				     "sha256 mismatch: got %s, manifest says %s", got,
				     want_sha ? want_sha : "(none)");
	return DEV_OK;
}

static int unhex(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s), i;

	if (len % 2 || len / 2 > max)
		return -1;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	for (i = 0; i < len / 2; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

/* Parses lfsd's public key into pk (initialized by the caller): an EC key. */
static int parse_key(mbedtls_pk_context *pk, const char *pem, struct dev_error *err)
{
	char msg[120];
	int rc = mbedtls_pk_parse_public_key(pk, (const uint8_t *)pem, strlen(pem) + 1);

	if (rc) {
		mbedtls_strerror(rc, msg, sizeof msg);
		return dev_error_set(err, DEV_ERR_VERIFY, "server public key unreadable: %s", msg);
	}
	if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA))
		return dev_error_set(err, DEV_ERR_VERIFY, "server public key is not ECDSA");
	return DEV_OK;
}

int verify_signature(const void *data, size_t len, const char *sig, const char *pubkey_pem,
		     struct dev_error *err)
{
	int ret = DEV_ERR_VERIFY;
	mbedtls_pk_context pk;
	uint8_t md[32], der[160];
	size_t derlen = 0;
	char msg[120];
	int rc;

	mbedtls_pk_init(&pk);
	if (!sig || !*sig) {
		ret = dev_error_set(err, DEV_ERR_VERIFY, "signature missing from manifest");
		goto out;
	}
	if (unhex(sig, der, sizeof der, &derlen) &&
	    mbedtls_base64_decode(der, sizeof der, &derlen, (const uint8_t *)sig,
				  strlen(sig))) {
		ret = dev_error_set(err, DEV_ERR_VERIFY,
				    "manifest signature is neither base64 nor hex");
		goto out;
	}
	if ((ret = parse_key(&pk, pubkey_pem, err)))
		goto out;
	mbedtls_sha256_ret(data, len, md, 0);
	rc = mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, md, sizeof md, der, derlen);
	if (rc) {
		mbedtls_strerror(rc, msg, sizeof msg);
		ret = dev_error_set(err, DEV_ERR_VERIFY, "manifest signature invalid: %s", msg);
		goto out;
	}
	ret = DEV_OK;
out:
	mbedtls_pk_free(&pk);
	return ret;
}

int verify_key_id(const char *pubkey_pem, char id[17], struct dev_error *err)
{
	mbedtls_pk_context pk;
	uint8_t der[300];
	char hex[65];
	int n, ret;

	mbedtls_pk_init(&pk);
	if ((ret = parse_key(&pk, pubkey_pem, err)))
		goto out;
	n = mbedtls_pk_write_pubkey_der(&pk, der, sizeof der);   /* at the end of der */
	if (n <= 0) {
		ret = dev_error_set(err, DEV_ERR_VERIFY, "server public key cannot be encoded");
		goto out;
	}
	verify_sha256_hex(der + sizeof der - n, (size_t)n, hex);
	memcpy(id, hex, 16);
	id[16] = '\0';
out:
	mbedtls_pk_free(&pk);
	return ret;
}

int verify_key_pem(const char *spki_b64, char **pem, struct dev_error *err)
{
	mbedtls_pk_context pk;
	uint8_t der[300], out[600];
	size_t len = 0;
	int ret = DEV_ERR_VERIFY;

	*pem = NULL;
	mbedtls_pk_init(&pk);
	if (mbedtls_base64_decode(der, sizeof der, &len, (const uint8_t *)spki_b64,
				  strlen(spki_b64)) ||
	    mbedtls_pk_parse_public_key(&pk, der, len) ||
	    !mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECDSA) ||
	    mbedtls_pk_write_pubkey_pem(&pk, out, sizeof out)) {
		ret = dev_error_set(err, DEV_ERR_VERIFY, "next-key is not an ECDSA public key");
		goto out;
	}
	*pem = strdup((char *)out);
	ret = *pem ? DEV_OK : dev_error_set(err, DEV_ERR_MEM, "out of memory");
out:
	mbedtls_pk_free(&pk);
	return ret;
}

int verify_image(const uint8_t *data, size_t len, enum lfsc_target target,
		 uint32_t base, uint32_t max_size, struct lfsc_buffer *layout,
		 struct dev_error *err)
{
	int ret = DEV_ERR_VERIFY;
	struct lfsc_image *img = NULL;
	struct lfsc_flash *fl = NULL;
	const struct lfsc_image_info *info;
	struct lfsc_error lerr;
	int rc;

	memset(&lerr, 0, sizeof lerr);
	rc = lfsc_image_read(data, len, &img, &lerr);
	if (rc) {
		ret = dev_error_set(err, rc == LFSC_ERR_MEM ? DEV_ERR_MEM : DEV_ERR_VERIFY,
				    "image format: %s (at byte %d)", lerr.text, lerr.column);
		goto out;
	}
	info = lfsc_image_get_info(img);
	if (info->target != target) {
		ret = dev_error_set(err, DEV_ERR_VERIFY,
				    "image format: wrong target %s, this device runs %s",
				    lfsc_target_name(info->target), lfsc_target_name(target));
		goto out;
	}
	rc = lfsc_image_flash(img, base, max_size, layout, &lerr);
	if (rc) {
		ret = dev_error_set(err, rc == LFSC_ERR_MEM ? DEV_ERR_MEM : DEV_ERR_VERIFY,
				    rc == LFSC_ERR_LIMIT ? "image does not fit the partition: %s"
							 : "image format: %s", lerr.text);
		goto out;
	}
	/* the runtime must be able to adopt what the loader would write */
	rc = lfsc_flash_open(layout->data, layout->len, base, target, &fl, &lerr);
	if (rc) {
		ret = dev_error_set(err, rc == LFSC_ERR_MEM ? DEV_ERR_MEM : DEV_ERR_VERIFY,
				    "image format: flash layout unreadable: %s", lerr.text);
		goto out;
	}
	ret = DEV_OK;
out:
	lfsc_flash_free(fl);
	lfsc_image_free(img);
	return ret;
}
