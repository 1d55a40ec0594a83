/*
** t_verify.c - device/verify.c: size and digest, the ECDSA P-256 signature
** (keys generated here with mbedTLS, as lfsd does), and the image format
** checks with the compiler's reader (truncation, target, partition fit).
*/
#include <stdlib.h>
#include <string.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include "../../device/verify.h"
#include "tap.h"

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

int main(void)
{
	static const char src[] = "local t = {} for i = 1, 100 do t[i] = ('x'):rep(i) end\n"
				  "print(#t)\n";
	mbedtls_pk_context key, other;
	char pem[1024], other_pem[1024], sig[200], bad[200], sha[65];
	struct lfsc_buffer img, img64, layout;
	struct dev_error e;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0);
	gen_key(&key, pem, sizeof pem);
	gen_key(&other, other_pem, sizeof other_pem);
	ok(compile(LFSC_TARGET_LUA53, src, &img) == 0, "compiled a %zu-byte image", img.len);
	ok(compile(LFSC_TARGET_LUA53_64, src, &img64) == 0, "compiled a 64-bit target image");
	verify_sha256_hex(img.data, img.len, sha);

	ok(verify_digest(img.data, img.len, (int64_t)img.len, sha, NULL) == 0,
	   "size and sha256 match");
	dev_error_clear(&e);
	ok(verify_digest(img.data, img.len - 1, (int64_t)img.len, sha, &e) == DEV_ERR_VERIFY &&
	   strstr(e.text, "size mismatch"), "short image: %s", e.text);
	img.data[100] ^= 0x20;
	dev_error_clear(&e);
	ok(verify_digest(img.data, img.len, (int64_t)img.len, sha, &e) == DEV_ERR_VERIFY &&
	   strstr(e.text, "sha256 mismatch"), "flipped byte: %.60s", e.text);
	img.data[100] ^= 0x20;

	sign(&key, img.data, img.len, sig, sizeof sig, 0);
	ok(verify_signature(sha, sig, pem, NULL) == 0, "signature by the server key verifies");
	dev_error_clear(&e);
	ok(verify_signature(sha, sig, other_pem, &e) == DEV_ERR_VERIFY &&
	   strstr(e.text, "signature invalid"), "another key: %s", e.text);
	sign(&key, img.data, img.len, bad, sizeof bad, 1);
	dev_error_clear(&e);
	ok(verify_signature(sha, bad, pem, &e) == DEV_ERR_VERIFY, "damaged signature: %s", e.text);
	sha[0] = sha[0] == '0' ? '1' : '0';
	ok(verify_signature(sha, sig, pem, NULL) == DEV_ERR_VERIFY,
	   "signature over another digest is rejected");
	verify_sha256_hex(img.data, img.len, sha);
	dev_error_clear(&e);
	ok(verify_signature(sha, "", pem, &e) == DEV_ERR_VERIFY && strstr(e.text, "missing"),
	   "no signature: %s", e.text);
	dev_error_clear(&e);
	ok(verify_signature(sha, "!!not base64!!", pem, &e) == DEV_ERR_VERIFY,
	   "garbage signature: %s", e.text);
	dev_error_clear(&e);
	ok(verify_signature(sha, sig, "-----BEGIN PUBLIC KEY-----\nxx\n", &e) == DEV_ERR_VERIFY &&
	   strstr(e.text, "public key unreadable"), "bad key: %.60s", e.text);

	lfsc_buffer_init(&layout);
	ok(verify_image(img.data, img.len, LFSC_TARGET_LUA53, 0x40296000, 0x40000, &layout,
			NULL) == 0, "image format accepted, %zu-byte flash layout", layout.len);
	ok(layout.len > 48 && layout.data[0] == 0x50 && layout.data[3] == 0xfa,
	   "layout starts with the LFS signature");
	lfsc_buffer_release(&layout);
	dev_error_clear(&e);
	ok(verify_image(img.data, img.len - 5, LFSC_TARGET_LUA53, 0x40296000, 0x40000, &layout,
			&e) == DEV_ERR_VERIFY && strstr(e.text, "truncated"),
	   "truncated image: %s", e.text);
	lfsc_buffer_release(&layout);
	img.data[4] = 0x51;
	dev_error_clear(&e);
	ok(verify_image(img.data, img.len, LFSC_TARGET_LUA53, 0x40296000, 0x40000, &layout,
			&e) == DEV_ERR_VERIFY && strstr(e.text, "version mismatch"),
	   "wrong version byte: %s", e.text);
	img.data[4] = 0x53;
	lfsc_buffer_release(&layout);
	dev_error_clear(&e);
	ok(verify_image(img64.data, img64.len, LFSC_TARGET_LUA53, 0x40296000, 0x40000, &layout,
			&e) == DEV_ERR_VERIFY && strstr(e.text, "wrong target nodemcu-lua53-64"),
	   "64-bit image on a 32-bit device: %s", e.text);
	lfsc_buffer_release(&layout);
	dev_error_clear(&e);
	ok(verify_image(img.data, img.len, LFSC_TARGET_LUA53, 0x40296000, 2048, &layout,
			&e) == DEV_ERR_VERIFY && strstr(e.text, "does not fit"),
	   "partition too small: %.70s", e.text);
	lfsc_buffer_release(&layout);

	lfsc_buffer_release(&img);
	lfsc_buffer_release(&img64);
	mbedtls_pk_free(&key);
	mbedtls_pk_free(&other);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return done_testing();
}
