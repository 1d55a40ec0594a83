/*
** t_verify.c - device/verify.c: size and digest, the ECDSA P-256 signature
** (keys generated here with mbedTLS, as lfsd does), and the image format
** checks with the compiler's reader (truncation, target, partition fit).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include "../../device/verify.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

static void gen_key(mbedtls_pk_context *pk, char *pem, size_t size)
{
	mbedtls_pk_init(pk);
	mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
			    mbedtls_ctr_drbg_random, &drbg);
	mbedtls_pk_write_pubkey_pem(pk, (unsigned char *)pem, size);
}

/* base64 DER signature over sha256(data), as lfsd's manifest carries it */
static void sign(mbedtls_pk_context *pk, const uint8_t *data, size_t len, char *b64,
		 size_t size, int flip)
{
	uint8_t md[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t slen = 0, olen = 0;

	mbedtls_sha256_ret(data, len, md, 0);
	mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, md, 32, sig, &slen, mbedtls_ctr_drbg_random,
			&drbg);
	if (flip)
		sig[slen - 3] ^= 0x01;
	mbedtls_base64_encode((unsigned char *)b64, size, &olen, sig, slen);
}

static int compile(enum lfsc_target t, const char *src, struct lfsc_buffer *out)
{
	struct lfsc_options o;
	struct lfsc_compiler *c;
	int rc;

	lfsc_options_init(&o);
	o.target = t;
	o.timestamp = 1700000000;
	c = lfsc_new(&o);
	lfsc_buffer_init(out);
	rc = lfsc_add_source(c, "_init.lua", src, strlen(src), NULL) ||
	     lfsc_build(c, LFSC_OUT_IMAGE, out, NULL);
	lfsc_free(c);
	return rc;
}

static const char src[] = "local t = {} for i = 1, 100 do t[i] = ('x'):rep(i) end\n"
			  "print(#t)\n";
static mbedtls_pk_context key, other;
static char pem[1024], other_pem[1024];
static struct lfsc_buffer img, img64;

static void digest(void **state)
{
	char sha[65];
	struct dev_error e;

	verify_sha256_hex(img.data, img.len, sha);
	assert_int_equal(verify_digest(img.data, img.len, (int64_t)img.len, sha, NULL), 0);
	dev_error_clear(&e);                            /* short image */
	assert_int_equal(verify_digest(img.data, img.len - 1, (int64_t)img.len, sha, &e),
			 DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "size mismatch"));
	img.data[100] ^= 0x20;                          /* flipped byte */
	dev_error_clear(&e);
	assert_int_equal(verify_digest(img.data, img.len, (int64_t)img.len, sha, &e),
			 DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "sha256 mismatch"));
	img.data[100] ^= 0x20;
}

static void signature(void **state)
{
	char sig[200], bad[200], sha[65];
	struct dev_error e;

	verify_sha256_hex(img.data, img.len, sha);
	sign(&key, img.data, img.len, sig, sizeof sig, 0);
	assert_int_equal(verify_signature(sha, sig, pem, NULL), 0);   /* by the server key */
	dev_error_clear(&e);                            /* another key */
	assert_int_equal(verify_signature(sha, sig, other_pem, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "signature invalid"));
	sign(&key, img.data, img.len, bad, sizeof bad, 1);
	dev_error_clear(&e);                            /* damaged signature */
	assert_int_equal(verify_signature(sha, bad, pem, &e), DEV_ERR_VERIFY);
	sha[0] = sha[0] == '0' ? '1' : '0';             /* over another digest */
	assert_int_equal(verify_signature(sha, sig, pem, NULL), DEV_ERR_VERIFY);
	verify_sha256_hex(img.data, img.len, sha);
	dev_error_clear(&e);                            /* no signature */
	assert_int_equal(verify_signature(sha, "", pem, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "missing"));
	dev_error_clear(&e);                            /* garbage signature */
	assert_int_equal(verify_signature(sha, "!!not base64!!", pem, &e), DEV_ERR_VERIFY);
	dev_error_clear(&e);                            /* bad key */
	assert_int_equal(verify_signature(sha, sig, "-----BEGIN PUBLIC KEY-----\nxx\n", &e),
			 DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "public key unreadable"));
}

/* verify_image() of data/len as a 32-bit device with a partition of size
** bytes; returns its code, the message in e */
static int image(const uint8_t *data, size_t len, uint32_t size, struct dev_error *e)
{
	struct lfsc_buffer layout;
	int rc;

	lfsc_buffer_init(&layout);
	dev_error_clear(e);
	rc = verify_image(data, len, LFSC_TARGET_LUA53, 0x40296000, size, &layout, e);
	if (!rc) {   /* the layout starts with the LFS signature */
		assert_true(layout.len > 48);
		assert_int_equal(layout.data[0], 0x50);
		assert_int_equal(layout.data[3], 0xfa);
	}
	lfsc_buffer_release(&layout);
	return rc;
}

static void image_format(void **state)
{
	struct dev_error e;

	assert_int_equal(image(img.data, img.len, 0x40000, &e), 0);
	assert_int_equal(image(img.data, img.len - 5, 0x40000, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "truncated"));
	img.data[4] = 0x51;                             /* wrong version byte */
	assert_int_equal(image(img.data, img.len, 0x40000, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "version mismatch"));
	img.data[4] = 0x53;
	/* a 64-bit image on a 32-bit device */
	assert_int_equal(image(img64.data, img64.len, 0x40000, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "wrong target nodemcu-lua53-64"));
	/* a partition too small */
	assert_int_equal(image(img.data, img.len, 2048, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "does not fit"));
}

static int setup(void **state)
{
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0))
		return -1;
	gen_key(&key, pem, sizeof pem);
	gen_key(&other, other_pem, sizeof other_pem);
	/* a 32-bit and a 64-bit target image of the same source */
	return compile(LFSC_TARGET_LUA53, src, &img) || compile(LFSC_TARGET_LUA53_64, src, &img64)
		       ? -1 : 0;
}

static int teardown(void **state)
{
	lfsc_buffer_release(&img);
	lfsc_buffer_release(&img64);
	mbedtls_pk_free(&key);
	mbedtls_pk_free(&other);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(digest),
		cmocka_unit_test(signature),
		cmocka_unit_test(image_format),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
