/*
** t_verify.c - device/verify.c and device/manifest.c: size and digest, the
** ECDSA P-256 signature over a manifest's text (keys generated here with
** mbedTLS), key ids and next keys, the manifest's exact format and the
** device's rules on it, and the image format checks with the compiler's
** reader (truncation, target, partition fit).
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
#include "../../device/manifest.h"
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

static const char text[] =
	"lfsd-manifest 1\ndevice dev-1\nchannel stable\nrelease 12\nversion 3\n"
	"sha256 5f5356e7e044c4f2ad4d8d8984dffdd1a6a788fc9607764b418c256c1e664eb0\n"
	"size 5120\ntarget nodemcu-lua53\nurl /ota/images/5f53?device=dev-1\n"
	"rollback 0\nnonce 3e0f778b0bfd65ba7f056a380c1a2b4e\nissued 1764393600\n"
	"poll 60\nmodules _init,main,lfsota\n";

static void signature(void **state)
{
	char sig[200], bad[200];
	struct dev_error e;
	size_t n = strlen(text);

	sign(&key, (const uint8_t *)text, n, sig, sizeof sig, 0);
	assert_int_equal(verify_signature(text, n, sig, pem, NULL), 0);   /* by the server key */
	dev_error_clear(&e);                            /* another key */
	assert_int_equal(verify_signature(text, n, sig, other_pem, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "manifest signature invalid"));
	sign(&key, (const uint8_t *)text, n, bad, sizeof bad, 1);
	dev_error_clear(&e);                            /* damaged signature */
	assert_int_equal(verify_signature(text, n, bad, pem, &e), DEV_ERR_VERIFY);
	/* over other bytes: one character of the text changed, or a byte less */
	assert_int_equal(verify_signature(text, n - 1, sig, pem, NULL), DEV_ERR_VERIFY);
	dev_error_clear(&e);                            /* no signature */
	assert_int_equal(verify_signature(text, n, "", pem, &e), DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "missing"));
	dev_error_clear(&e);                            /* garbage signature */
	assert_int_equal(verify_signature(text, n, "!!not base64!!", pem, &e), DEV_ERR_VERIFY);
	dev_error_clear(&e);                            /* bad key */
	assert_int_equal(verify_signature(text, n, sig, "-----BEGIN PUBLIC KEY-----\nxx\n", &e),
			 DEV_ERR_VERIFY);
	assert_non_null(strstr(e.text, "public key unreadable"));
}

/* key ids are 16 hex digits of SHA-256(SPKI DER); a next-key line's base64
** SPKI becomes the same key as PEM */
static void keys(void **state)
{
	uint8_t der[300];
	unsigned char b64[500];
	size_t olen = 0;
	char id[17], id2[17], *back = NULL;
	int n = mbedtls_pk_write_pubkey_der(&key, der, sizeof der);
	struct dev_error e;

	assert_true(n > 0);
	assert_int_equal(verify_key_id(pem, id, NULL), 0);
	assert_int_equal(strlen(id), 16);
	assert_int_equal(verify_key_id(other_pem, id2, NULL), 0);
	assert_string_not_equal(id, id2);
	mbedtls_base64_encode(b64, sizeof b64, &olen, der + sizeof der - n, (size_t)n);
	assert_int_equal(verify_key_pem((char *)b64, &back, NULL), 0);
	assert_string_equal(back, pem);
	free(back);
	dev_error_clear(&e);
	assert_int_equal(verify_key_pem("AAAA", &back, &e), DEV_ERR_VERIFY);
	assert_null(back);
	assert_non_null(strstr(e.text, "next-key"));
}

/* manifest_parse of text with line `from` replaced by `to` (NULL: the text) */
static int parse(const char *from, const char *to, struct manifest *m, struct dev_error *e)
{
	char buf[2048];
	const char *at = from ? strstr(text, from) : NULL;

	if (at)
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, to,
			 at + strlen(from));
	else
		snprintf(buf, sizeof buf, "%s", text);
	dev_error_clear(e);
	return manifest_parse(buf, strlen(buf), m, e);
}

static void manifest_format(void **state)
{
	struct manifest m;
	struct dev_error e;

	assert_int_equal(parse(NULL, NULL, &m, &e), 0);
	assert_string_equal(m.device, "dev-1");
	assert_int_equal(m.release, 12);
	assert_int_equal(m.size, 5120);
	assert_int_equal(m.poll, 60);
	assert_int_equal(m.rollback, 0);
	assert_string_equal(m.next_key, "");
	assert_int_equal(parse("modules _init,main,lfsota\n",
			       "modules _init,main,lfsota\nnext-key QUJD\n", &m, &e), 0);
	assert_string_equal(m.next_key, "QUJD");
	assert_int_equal(parse("lfsd-manifest 1", "lfsd-manifest 2", &m, &e), DEV_ERR_VERIFY);
	assert_string_equal(e.text, "manifest version 2 unknown");
	assert_int_equal(parse("channel stable\nrelease 12\n", "release 12\nchannel stable\n",
			       &m, &e), DEV_ERR_VERIFY);   /* out of order */
	assert_string_equal(e.text, "manifest field 3 is 'release', not channel");
	assert_int_equal(parse("release 12", "release  12", &m, &e), DEV_ERR_VERIFY);
	assert_int_equal(parse("release 12", "release -1", &m, &e), DEV_ERR_VERIFY);
	assert_int_equal(parse("rollback 0", "rollback 2", &m, &e), DEV_ERR_VERIFY);
	assert_int_equal(parse("nonce 3e0f", "nonce 3E0F", &m, &e), DEV_ERR_VERIFY);
	assert_int_equal(parse("poll 60\n", "poll 60", &m, &e), DEV_ERR_VERIFY);   /* no \n */
	assert_int_equal(parse("modules _init,main,lfsota\n", "", &m, &e), DEV_ERR_VERIFY);
	assert_string_equal(e.text, "manifest has 13 fields, not 14");
	assert_int_equal(parse("modules _init,main,lfsota\n",
			       "modules x\nnext-key A\nextra 1\n", &m, &e), DEV_ERR_VERIFY);
}

static void manifest_rules(void **state)
{
	struct manifest m;
	struct dev_error e;
	struct manifest_expect x = { "dev-1", "stable", "3e0f778b0bfd65ba7f056a380c1a2b4e",
				     LFSC_TARGET_LUA53, 12 };

	assert_int_equal(parse(NULL, NULL, &m, &e), 0);
	assert_int_equal(manifest_check(&m, &x, NULL), 0);   /* release = floor */
#define check(x) (dev_error_clear(&e), manifest_check(&m, &(x), &e))
	x.device = "dev-2";
	assert_int_equal(check(x), DEV_ERR_VERIFY);
	assert_string_equal(e.text, "manifest is for device dev-1");
	x.device = "dev-1";
	x.channel = "beta";
	assert_int_equal(check(x), DEV_ERR_VERIFY);
	assert_string_equal(e.text, "manifest is for channel stable");
	x.channel = NULL;                               /* not configured: not checked */
	assert_int_equal(manifest_check(&m, &x, NULL), 0);
	x.nonce = "00000000000000000000000000000000";
	assert_int_equal(check(x), DEV_ERR_VERIFY);
	assert_string_equal(e.text, "manifest nonce is not the one sent (replayed)");
	x.nonce = m.nonce;
	x.target = LFSC_TARGET_LUA51;
	assert_int_equal(check(x), DEV_ERR_VERIFY);
	assert_string_equal(e.text, "image target nodemcu-lua53 is not nodemcu-lua51");
	x.target = LFSC_TARGET_LUA53;
	x.floor = 13;                                   /* a downgrade */
	assert_int_equal(check(x), DEV_ERR_VERIFY);
	assert_string_equal(e.text, "release 12 is below the anti-rollback floor 13");
	m.rollback = 1;                                 /* unless lfsd signed a rollback */
	assert_int_equal(manifest_check(&m, &x, NULL), 0);
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
		cmocka_unit_test(keys),
		cmocka_unit_test(manifest_format),
		cmocka_unit_test(manifest_rules),
		cmocka_unit_test(image_format),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
