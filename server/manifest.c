/* manifest.c - makes lfsd's signed manifests (manifest.h): the text lines in
** their fixed order, the HMAC tag and the ECDSA signature over all of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "manifest.h"

/* The lines of server/README.md "Signed manifests", in order. */
static char *text_of(const struct manifest_offer *o, const char *next_key)
{
	char *text = NULL;

	if (asprintf(&text, "lfsd-manifest 1\ndevice %s\nchannel %s\nrelease %lld\n"
	             "version %lld\nsha256 %s\nsize %lld\ntarget %s\n"
	             "url /ota/images/%s?device=%s\nrollback %d\nnonce %s\n"
	             "issued %lld\npoll %d\nmodules %s\n%s%s%s", o->device, o->channel, o->release, o->version, o->sha,
	             o->size, o->target, o->sha, o->device, o->rollback ? 1 : 0, o->nonce,
	             o->issued, o->poll, o->modules, next_key ? "next-key " : "",
	             next_key ? next_key : "", next_key ? "\n" : "") < 0)
		return NULL;
	return text;
}

int manifest_make(const struct manifest_offer *o, const struct keystore *ks,
                  struct manifest *m)
{
	uint8_t mkey[32];

	memset(m, 0, sizeof *m);
	m->signer = keystore_signer(ks, o->keyid, &m->next_key);
	m->text = text_of(o, m->next_key ? ks->sign.spki_b64 : NULL);
	if (!m->text)
		return log_error("out of memory making a manifest");
	m->len = strlen(m->text);
	keystore_device_key(ks, o->device, o->key_generation, mkey);
	keystore_mac(mkey, m->text, m->len, m->mac);
	OPENSSL_cleanse(mkey, sizeof mkey);
	if (keystore_sign(m->signer, m->text, m->len, m->sig, sizeof m->sig)) {
		manifest_free(m);
		return -1;
	}
	return 0;
}

void manifest_free(struct manifest *m)
{
	free(m->text);
	m->text = NULL;
}

char *manifest_text_form(const struct manifest *m, size_t *len)
{
	char *out = NULL;
	int n = asprintf(&out, "%smac %s\nsig %s\n", m->text, m->mac, m->sig);

	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}

/* 1 when byte c may appear as itself in the modules line. */
static int plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

char *manifest_modules(const char *const *names, int n)
{
	size_t size = 1;
	char *out, *p;
	int i;

	for (i = 0; i < n; i++)
		size += strlen(names[i]) * 3 + 1;
	out = p = malloc(size);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		const unsigned char *s = (const unsigned char *)names[i];

		if (i)
			*p++ = ',';
		for (; *s; s++) {
			if (plain(*s))
				*p++ = (char)*s;
			else
				p += snprintf(p, 4, "%%%02X", *s);
		}
	}
	*p = '\0';
	return out;
}
