/*
** manifest.c - lfsd's signed manifest v1 parsed and checked on the device
** (manifest.h).
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "manifest.h"

enum kind { TEXT, NUMBER, HEX64, HEX32, BIT, ANY };

struct field {
	const char *name;
	enum kind kind;
	size_t offset;   /* into struct manifest; TEXT: size too */
	size_t size;
};

#define F(n, k, f) { n, k, offsetof(struct manifest, f), sizeof(((struct manifest *)0)->f) }
static const struct field fields[] = {
	{ "lfsd-manifest", ANY, 0, 0 },   /* the version, checked apart */
	F("device", TEXT, device),      F("channel", TEXT, channel),
	F("release", NUMBER, release),  F("version", NUMBER, version),
	F("sha256", HEX64, sha256),     F("size", NUMBER, size),
	F("target", TEXT, target),      F("url", TEXT, url),
	F("rollback", BIT, rollback),   F("nonce", HEX32, nonce),
	F("issued", NUMBER, issued),    F("poll", NUMBER, poll),
	{ "modules", ANY, 0, 0 },       F("next-key", TEXT, next_key),
};
#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))
#define NREQUIRED (NFIELDS - 1)   /* next-key is optional */

static int lower_hex(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return 0;
	return v[n] == '\0';
}

/* Stores value v (NUL terminated) into m per f; 0 or -1 when malformed. */
static int store(struct manifest *m, const struct field *f, const char *v)
{
	char *dst = (char *)m + f->offset;
	long long n;

	switch (f->kind) {
	case TEXT:
		if (!*v || strlen(v) >= f->size || strpbrk(v, " \t\r"))
			return -1;
		strcpy(dst, v);
		return 0;
	case HEX64:
	case HEX32:
		if (!lower_hex(v, f->kind == HEX64 ? 64 : 32))
			return -1;
		strcpy(dst, v);
		return 0;
	case BIT:
		if (strcmp(v, "0") && strcmp(v, "1"))
			return -1;
		*(int *)dst = v[0] == '1';
		return 0;
	case NUMBER:   /* 1-18 decimal digits, no sign, space or leading zero */
		if (strspn(v, "0123456789") != strlen(v) || !*v || strlen(v) > 18 ||
		    (v[0] == '0' && v[1]))
			return -1;
		n = strtoll(v, NULL, 10);
		if (f->size == sizeof(long))
			*(long *)dst = (long)n;
		else
			*(int64_t *)dst = n;
		return 0;
	case ANY:
		return 0;
	}
	return -1;
}

int manifest_parse(const char *text, size_t len, struct manifest *m, struct dev_error *err)
{
	char line[1024];
	size_t pos = 0, n;
	int i = 0;

	memset(m, 0, sizeof *m);
	for (; pos < len; i++) {
		const char *nl = memchr(text + pos, '\n', len - pos), *sp;

		if (!nl)
			return dev_error_set(err, DEV_ERR_VERIFY, "manifest line %d does not end", i + 1);
		n = (size_t)(nl - (text + pos));
		if (n >= sizeof line || memchr(text + pos, '\0', n))
			return dev_error_set(err, DEV_ERR_VERIFY, "manifest line %d malformed", i + 1);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		sp = strchr(line, ' ');
		if (i >= NFIELDS || !sp || (size_t)(sp - line) != strlen(fields[i].name) ||
		    strncmp(line, fields[i].name, (size_t)(sp - line)))
			return dev_error_set(err, DEV_ERR_VERIFY, "manifest field %d is '%.*s', not %s",
					     i + 1, (int)(sp ? sp - line : (long)n), line,
					     i < NFIELDS ? fields[i].name : "(the end)");
		if (i == 0 && strcmp(sp + 1, "1"))
			return dev_error_set(err, DEV_ERR_VERIFY, "manifest version %.20s unknown",
					     sp + 1);
		if (store(m, &fields[i], sp + 1))
			return dev_error_set(err, DEV_ERR_VERIFY, "manifest %s malformed: '%.80s'",
					     fields[i].name, sp + 1);
	}
	if (i < NREQUIRED)
		return dev_error_set(err, DEV_ERR_VERIFY, "manifest has %d fields, not %d", i,
				     NREQUIRED);
	return DEV_OK;
}

int manifest_check(const struct manifest *m, const struct manifest_expect *e,
		   struct dev_error *err)
{
	const char *want = lfsc_target_name(e->target);

	if (strcmp(m->device, e->device))
		return dev_error_set(err, DEV_ERR_VERIFY, "manifest is for device %s", m->device);
	if (e->channel && strcmp(m->channel, e->channel))
		return dev_error_set(err, DEV_ERR_VERIFY, "manifest is for channel %s", m->channel);
	if (strcmp(m->nonce, e->nonce))
		return dev_error_set(err, DEV_ERR_VERIFY,
				     "manifest nonce is not the one sent (replayed)");
	if (strcmp(m->target, want))
		return dev_error_set(err, DEV_ERR_VERIFY, "image target %s is not %s", m->target,
				     want);
	if (m->release < e->floor && !m->rollback)
		return dev_error_set(err, DEV_ERR_VERIFY,
				     "release %lld is below the anti-rollback floor %lld",
				     (long long)m->release, (long long)e->floor);
	return DEV_OK;
}
