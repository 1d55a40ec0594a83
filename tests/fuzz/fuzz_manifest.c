/* fuzz_manifest.c - libFuzzer target for the device's side of lfsd's signed
** manifest (device/manifest.h, device/verify.h): the manifest text parsed
** exactly (manifest_parse) and, when it parses, checked against a device's
** expectations (manifest_check); the text's last line as a signature checked
** against a fixed P-256 public key (verify_signature: base64 and DER
** decoding); and as a next-key value (verify_key_pem). Properties: a parsed
** manifest has a 64-digit lowercase sha256, a 32-digit nonce, rollback 0 or 1
** and NUL-terminated strings; a forged signature never verifies.
** Seeds: tests/fuzz/seed-manifest/ (make fuzz). */
#include <stdlib.h>
#include <string.h>
#include "manifest.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a P-256 public key whose private half was thrown away when it was made */
static const char pubkey[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkSLwFl6WhZWLlvFcmLrxuAkyJzfi\n"
	"zODUNb9IGnJSE3V3R7kWfLN5N33Jt6aZNp4hWFiLWi1khVXnYZfTuF4+8w==\n"
	"-----END PUBLIC KEY-----\n";

static void check_parsed(const struct manifest *m)
{
	size_t i;

	if (strlen(m->sha256) != 64 || strlen(m->nonce) != 32 || (m->rollback & ~1))
		__builtin_trap();
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", m->sha256[i]))
			__builtin_trap();
	if (memchr(m->device, 0, sizeof m->device) == NULL ||
	    memchr(m->url, 0, sizeof m->url) == NULL ||
	    memchr(m->next_key, 0, sizeof m->next_key) == NULL)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	struct manifest_expect e = { "dev-1", "stable", "0123456789abcdef0123456789abcdef",
	                             LFSC_TARGET_LUA53, 3 };
	struct dev_error err;
	char *text, *last, *pem = NULL;

	if (size > MANIFEST_MAX_TEXT)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&m, 0, sizeof m);
	if (!manifest_parse(text, size, &m, &err)) {
		check_parsed(&m);
		manifest_check(&m, &e, &err);
	}
	last = strrchr(text, '\n');
	last = last ? last + 1 : text;
	if (!verify_signature(text, (size_t)(last - text), last, pubkey, &err))
		__builtin_trap();   /* nobody here holds the private key */
	if (!verify_key_pem(last, &pem, &err))
		free(pem);
	free(text);
	return 0;
}
