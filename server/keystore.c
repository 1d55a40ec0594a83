/* keystore.c - lfsd's key files and what is done with them: P-256 keys read,
** made and written as PEM, signatures, the manifest keys derived per device
** and HMAC tags (keystore.h). The custody rules are in keystore_open.c. The
** only server file besides tls_server.c that calls OpenSSL's key API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fsutil.h"
#include "hash.h"
#include "hex.h"
#include "keystore.h"
#include "log.h"

/* Logs what, with OpenSSL's last error, and returns -1. */
static int ssl_fail(const char *what)
{
	char msg[200];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, msg, sizeof msg);
	ERR_clear_error();
	return log_error("%s: %s", what, e ? msg : "error");
}

void keystore_key_free(struct keystore_key *k)
{
	EVP_PKEY_free(k->pk);
	free(k->spki_b64);
	free(k->pub_pem);
	memset(k, 0, sizeof *k);
}

/* The BIO's bytes as a new NUL-terminated string, or NULL. */
static char *bio_text(BIO *b)
{
	char *data, *out;
	long n = BIO_get_mem_data(b, &data);

	out = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (out) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	return out;
}

/* Fills k's fingerprint, id, base64 SPKI and public PEM from k->pk. */
static int describe(struct keystore_key *k)
{
	unsigned char *der = NULL;
	uint8_t md[32];
	BIO *b = BIO_new(BIO_s_mem());
	int n = i2d_PUBKEY(k->pk, &der), ret = -1;

	if (n <= 0 || !b || !PEM_write_bio_PUBKEY(b, k->pk)) {
		ssl_fail("cannot encode the public key");
		goto out;
	}
	hash_sha256(der, (size_t)n, md);
	hex_encode(md, 32, k->fingerprint);
	memcpy(k->id, k->fingerprint, KEYSTORE_ID_LEN);
	k->id[KEYSTORE_ID_LEN] = '\0';
	k->spki_b64 = malloc((size_t)(n + 2) / 3 * 4 + 1);
	k->pub_pem = bio_text(b);
	if (!k->spki_b64 || !k->pub_pem) {
		log_error("out of memory");
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)k->spki_b64, der, n);
	ret = 0;
out:
	OPENSSL_free(der);
	BIO_free(b);
	return ret;
}

/* 1 when pk is an EC key on P-256. */
static int is_p256(EVP_PKEY *pk)
{
	char group[40] = "";
	size_t len = 0;

	return EVP_PKEY_is_a(pk, "EC") &&
	       EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
	                                      sizeof group, &len) &&
	       !strcmp(group, "prime256v1");
}

int keystore_key_load(const char *path, struct keystore_key *k)
{
	char *pem = NULL;
	size_t len = 0;
	BIO *b = NULL;
	int rc = fsutil_read_file(path, 1 << 16, &pem, &len), ret = -1;

	memset(k, 0, sizeof *k);
	if (rc)
		return rc;   /* 1: missing; -1: logged */
	b = BIO_new_mem_buf(pem, (int)len);
	k->pk = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	if (!k->pk)
		ssl_fail(path);
	else if (!is_p256(k->pk))
		log_error("'%s' is not an ECDSA P-256 key", path);
	else
		ret = describe(k);
	BIO_free(b);
	OPENSSL_cleanse(pem, len);
	free(pem);
	if (ret)
		keystore_key_free(k);
	return ret;
}

int keystore_key_write(const char *path, const struct keystore_key *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long n;
	int ret = -1;

	if (!b || !PEM_write_bio_PrivateKey(b, k->pk, NULL, NULL, 0, NULL, NULL)) {
		ret = ssl_fail("cannot encode the signing key");
		goto out;
	}
	n = BIO_get_mem_data(b, &pem);
	ret = fsutil_write_durable(path, pem, (size_t)n, 0600);
out:
	BIO_free(b);
	return ret;
}

int keystore_key_make(const char *path, struct keystore_key *k)
{
	memset(k, 0, sizeof *k);
	k->pk = EVP_EC_gen("P-256");
	if (!k->pk)
		return ssl_fail("cannot make a P-256 key");
	if (describe(k) || keystore_key_write(path, k)) {
		keystore_key_free(k);
		return -1;
	}
	return 0;
}

/* The signature sig[0..len) as base64 into out. */
static int encode(const unsigned char *sig, size_t len, char *out, size_t outsize)
{
	if ((len + 2) / 3 * 4 + 1 > outsize)
		return log_error("signature buffer too small");
	EVP_EncodeBlock((unsigned char *)out, sig, (int)len);
	return 0;
}

int keystore_sign(const struct keystore_key *k, const void *data, size_t len, char *out,
                  size_t outsize)
{
	unsigned char sig[80];
	size_t slen = sizeof sig;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pk) == 1 &&
	         EVP_DigestSign(ctx, sig, &slen, data, len) == 1;

	EVP_MD_CTX_free(ctx);
	return ok ? encode(sig, slen, out, outsize) : ssl_fail("cannot sign");
}

int keystore_sign_digest(const struct keystore_key *k, const uint8_t digest[32], char *out,
                         size_t outsize)
{
	unsigned char sig[80];
	size_t slen = sizeof sig;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pk, NULL);
	int ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
	         EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
	         EVP_PKEY_sign(ctx, sig, &slen, digest, 32) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok ? encode(sig, slen, out, outsize) : ssl_fail("cannot sign");
}

const struct keystore_key *keystore_signer(const struct keystore *ks, const char *keyid,
                                           int *previous)
{
	*previous = keyid && ks->prev.pk && !strcmp(keyid, ks->prev.id);
	return *previous ? &ks->prev : &ks->sign;
}

void keystore_mac(const uint8_t key[32], const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = sizeof md;

	HMAC(EVP_sha256(), key, 32, data, len, md, &n);
	hex_encode(md, 32, out);
}

void keystore_device_key(const struct keystore *ks, const char *id, long long generation,
                         uint8_t out[32])
{
	static const char label[] = "lfsd-manifest-key";   /* with its NUL */
	char msg[sizeof label + 64 + 1 + 24];
	size_t n = strlen(id);
	unsigned int len = 32;
	int g;

	if (n > 64)
		n = 64;   /* ids are at most 64 characters (ident.h) */
	memcpy(msg, label, sizeof label);
	memcpy(msg + sizeof label, id, n);
	msg[sizeof label + n] = '\0';
	g = snprintf(msg + sizeof label + n + 1, 24, "%lld", generation);
	HMAC(EVP_sha256(), ks->master, 32, (const unsigned char *)msg,
	     sizeof label + n + 1 + (size_t)g, out, &len);
}

void keystore_close(struct keystore *ks)
{
	keystore_key_free(&ks->sign);
	keystore_key_free(&ks->prev);
	OPENSSL_cleanse(ks->master, sizeof ks->master);
}
