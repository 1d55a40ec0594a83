/* build_upload.c - reads and validates the body of POST /build: JSON or
** multipart/form-data (http_form_parse), file names, options, and the dedup
** key that makes identical builds return the existing one. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "build_upload.h"
#include "fsutil.h"
#include "log.h"

/* The targets lfsd builds for: lfsc's --target names (lfsc.h). */
static const struct { const char *name; enum lfsc_target t; } targets[] = {
	{ "nodemcu-lua53", LFSC_TARGET_LUA53 },
	{ "nodemcu-lua53-64", LFSC_TARGET_LUA53_64 },
	{ "nodemcu-lua51", LFSC_TARGET_LUA51 },
	{ NULL, LFSC_TARGET_LUA53 }
};

int build_upload_target(const char *name, enum lfsc_target *t)
{
	int i;

	for (i = 0; name && targets[i].name; i++)
		if (!strcmp(name, targets[i].name)) {
			if (t)
				*t = targets[i].t;
			return 0;
		}
	return -1;
}

void build_upload_init(struct build_upload *u)
{
	memset(u, 0, sizeof *u);
	strcpy(u->opts.target, "nodemcu-lua53");
}

void build_upload_release(struct build_upload *u)
{
	int i;

	for (i = 0; i < u->nfiles; i++)
		free(u->files[i].data);
	u->nfiles = 0;
}

/* 1 if s is well-formed UTF-8 (RFC 3629 §4): no overlong form, no
** surrogate (U+D800..U+DFFF), nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned char lo = 0x80, hi = 0xbf;   /* range of the second byte */
		int n;

		if (*s < 0x80)
			n = 0;
		else if (*s >= 0xc2 && *s <= 0xdf)
			n = 1;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 2;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 3;
		else
			return 0;
		if (*s == 0xe0)
			lo = 0xa0;      /* overlong below U+0800 */
		else if (*s == 0xed)
			hi = 0x9f;      /* surrogates */
		else if (*s == 0xf0)
			lo = 0x90;      /* overlong below U+10000 */
		else if (*s == 0xf4)
			hi = 0x8f;      /* above U+10FFFF */
		s++;
		if (n && (*s < lo || *s > hi))
			return 0;
		while (n--)
			if ((*s++ & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* The name rules of server/README.md; says which one failed. */
static int name_check(const char *name, size_t len, char *err, size_t errsize)
{
	size_t i;

	if (len == 0 || len > UPLOAD_NAME_MAX) {
		snprintf(err, errsize, "file name must be 1 to %d bytes", UPLOAD_NAME_MAX);
		return -1;
	}
	if (strlen(name) != len) {
		snprintf(err, errsize, "file name contains a NUL byte");
		return -1;
	}
	if (!utf8_valid((const unsigned char *)name)) {
		snprintf(err, errsize, "file name is not valid UTF-8");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == '\\') {
			snprintf(err, errsize, "file name '%s' contains a path separator", name);
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errsize, "file name contains a control character");
			return -1;
		}
	}
	if (name[0] == '.' || name[0] == '-') {
		snprintf(err, errsize, "file name '%s' starts with '%c'", name, name[0]);
		return -1;
	}
	if (len < 5 || strcmp(name + len - 4, ".lua")) {
		snprintf(err, errsize, "file name '%s' does not end in .lua", name);
		return -1;
	}
	return 0;
}

static int add_file(struct build_upload *u, const char *name, char *data, size_t len,
                    char *err, size_t errsize)
{
	int i;

	if (name_check(name, strlen(name), err, errsize))
		return -1;
	for (i = 0; i < u->nfiles; i++)
		if (!strcmp(u->files[i].name, name)) {
			snprintf(err, errsize, "duplicate module '%.*s' (file '%s' given twice)",
			         (int)strlen(name) - 4, name, name);
			return -1;
		}
	if (u->nfiles == UPLOAD_MAX_FILES) {
		snprintf(err, errsize, "too many files (at most %d)", UPLOAD_MAX_FILES);
		return -1;
	}
	strcpy(u->files[u->nfiles].name, name);
	u->files[u->nfiles].data = data;   /* takes ownership */
	u->files[u->nfiles].len = len;
	u->nfiles++;
	return 0;
}

static int parse_u32(json_t *v, uint32_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > 0xffffffffLL)
			return -1;
		*out = (uint32_t)i;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		unsigned long long x = strtoull(s, &end, 0);

		if (!*s || *end || *s == '-' || x > 0xffffffffULL)
			return -1;
		*out = (uint32_t)x;
		return 0;
	}
	return -1;
}

int build_upload_options_parse(struct build_options *o, json_t *j, char *err, size_t errsize)
{
	const char *key;
	json_t *v;

	if (!json_is_object(j)) {
		snprintf(err, errsize, "options must be a JSON object");
		return -1;
	}
	json_object_foreach(j, key, v) {
		if (!strcmp(key, "target")) {
			const char *t = json_string_value(v);

			if (build_upload_target(t, NULL)) {
				snprintf(err, errsize, "option 'target' must be \"nodemcu-lua53\", "
				         "\"nodemcu-lua53-64\" or \"nodemcu-lua51\"");
				return -1;
			}
			strcpy(o->target, t);
		} else if (!strcmp(key, "strip")) {
			if (!json_is_boolean(v)) {
				snprintf(err, errsize, "option 'strip' must be true or false");
				return -1;
			}
			o->strip = json_is_true(v);
		} else if (!strcmp(key, "base_address")) {
			o->has_base = !json_is_null(v);
			if (o->has_base && (parse_u32(v, &o->base) || o->base == 0)) {
				snprintf(err, errsize, "option 'base_address' must be null or an "
				         "address such as \"0x40296000\"");
				return -1;
			}
		} else if (!strcmp(key, "max_size")) {
			o->max_size = 0;
			if (!json_is_null(v) && (parse_u32(v, &o->max_size) || !json_is_integer(v) ||
			                         o->max_size == 0 || o->max_size % 4096)) {
				snprintf(err, errsize, "option 'max_size' must be null or a positive "
				         "multiple of 4096");
				return -1;
			}
		} else if (!strcmp(key, "seed")) {
			o->has_seed = !json_is_null(v);
			if (o->has_seed && (!json_is_integer(v) || parse_u32(v, &o->seed))) {
				snprintf(err, errsize, "option 'seed' must be null or an integer "
				         "0..4294967295");
				return -1;
			}
		} else if (!strcmp(key, "timestamp")) {
			o->has_timestamp = !json_is_null(v);
			if (o->has_timestamp && (!json_is_integer(v) || json_integer_value(v) < 0)) {
				snprintf(err, errsize, "option 'timestamp' must be null or an integer >= 0");
				return -1;
			}
			o->timestamp = o->has_timestamp ? json_integer_value(v) : 0;
		} else if (!strcmp(key, "ota_client")) {
			if (!json_is_boolean(v)) {
				snprintf(err, errsize, "option 'ota_client' must be true or false");
				return -1;
			}
			o->ota_client = json_is_true(v);
		} else {
			snprintf(err, errsize, "unknown option '%s' (known: target, strip, "
			         "base_address, max_size, seed, timestamp, ota_client)", key);
			return -1;
		}
	}
	return 0;
}

json_t *build_upload_options_json(const struct build_options *o)
{
	char base[16];

	snprintf(base, sizeof base, "0x%08x", o->base);
	return json_pack("{s:s,s:b,s:o,s:o,s:o,s:o}",
		"target", o->target,
		"strip", o->strip,
		"base_address", o->has_base ? json_string(base) : json_null(),
		"max_size", o->max_size ? json_integer(o->max_size) : json_null(),
		"seed", o->has_seed ? json_integer(o->seed) : json_null(),
		"timestamp", o->has_timestamp ? json_integer(o->timestamp) : json_null());
}

int build_upload_parse_json(struct build_upload *u, const char *body, size_t len,
                      char *err, size_t errsize)
{
	json_error_t e;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	json_t *files, *v;
	const char *key;
	int ret = -1;

	if (!root) {
		snprintf(err, errsize, "invalid JSON at line %d column %d: %s", e.line,
		         e.column, e.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errsize, "body must be a JSON object {\"files\":{...},\"options\":{...}}");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "files") && strcmp(key, "options")) {
			snprintf(err, errsize, "unknown field '%s' (expected files, options)", key);
			goto out;
		}
	}
	files = json_object_get(root, "files");
	if (!json_is_object(files)) {
		snprintf(err, errsize, "'files' must be an object of name: source text");
		goto out;
	}
	json_object_foreach(files, key, v) {
		char *data;
		size_t n;

		if (!json_is_string(v)) {
			snprintf(err, errsize, "file '%s': source must be a string", key);
			goto out;
		}
		n = json_string_length(v);
		data = malloc(n + 1);
		if (!data) {
			snprintf(err, errsize, "out of memory");
			goto out;
		}
		memcpy(data, json_string_value(v), n);
		data[n] = '\0';
		if (add_file(u, key, data, n, err, errsize)) {
			free(data);
			goto out;
		}
	}
	v = json_object_get(root, "options");
	if (v && !json_is_null(v) && build_upload_options_parse(&u->opts, v, err, errsize))
		goto out;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

/* PostProcessor state: the part being received. A part named "options" is
** the options JSON even when sent as a file (curl -F options=@opts.json). */
struct mp {
	struct build_upload *u;
	char *err;
	size_t errsize;
	int failed;
	char key[128];          /* form field name of the current part */
	char name[UPLOAD_NAME_MAX * 4 + 1];
	int is_file;
	char *data;             /* bytes of the current part */
	size_t len;
	int open;               /* a part is being collected */
};

static int mp_close(struct mp *m)
{
	int ret = 0;

	if (!m->open)
		return 0;
	m->open = 0;
	if (m->is_file && strcmp(m->key, "options")) {
		if (!m->data)
			m->data = calloc(1, 1);   /* an empty file: "" */
		ret = m->data ? add_file(m->u, m->name, m->data, m->len, m->err, m->errsize) : -1;
		if (!m->data)
			snprintf(m->err, m->errsize, "out of memory");
		else if (ret)
			free(m->data);
	} else if (!strcmp(m->key, "options")) {
		json_error_t e;
		json_t *j = json_loadb(m->data ? m->data : "", m->len, JSON_REJECT_DUPLICATES, &e);

		if (!j) {
			snprintf(m->err, m->errsize, "part 'options': invalid JSON at line %d "
			         "column %d: %s", e.line, e.column, e.text);
			ret = -1;
		} else {
			ret = build_upload_options_parse(&m->u->opts, j, m->err, m->errsize);
			json_decref(j);
		}
		free(m->data);
	} else {
		snprintf(m->err, m->errsize, "part '%s' is neither a file (no filename=) nor "
		         "'options'", m->key);
		free(m->data);
		ret = -1;
	}
	m->data = NULL;
	m->len = 0;
	return ret;
}

/* http_part_cb: collects each part, closing the previous one at a new one. */
static int mp_part(void *cls, const char *key, const char *filename, const char *data,
                   uint64_t off, size_t size)
{
	struct mp *m = cls;
	char *nd;

	if (off == 0) {
		if (mp_close(m))
			return -1;
		snprintf(m->key, sizeof m->key, "%s", key);
		m->is_file = filename != NULL;
		if (filename && strlen(filename) >= sizeof m->name) {
			snprintf(m->err, m->errsize, "file name must be 1 to %d bytes",
			         UPLOAD_NAME_MAX);
			return -1;
		}
		snprintf(m->name, sizeof m->name, "%s", filename ? filename : "");
		m->open = 1;
	}
	if (size) {
		nd = realloc(m->data, m->len + size + 1);
		if (!nd) {
			snprintf(m->err, m->errsize, "out of memory");
			return -1;
		}
		memcpy(nd + m->len, data, size);
		m->data = nd;
		m->len += size;
		m->data[m->len] = '\0';
	}
	return 0;
}

int build_upload_parse_multipart(struct build_upload *u, struct req *r, char *err, size_t errsize)
{
	struct mp m;
	int ret;

	memset(&m, 0, sizeof m);
	m.u = u;
	m.err = err;
	m.errsize = errsize;
	ret = http_form_parse(r, mp_part, &m, err, errsize);
	if (ret == 0)
		ret = mp_close(&m);
	free(m.data);
	return ret ? -1 : 0;
}

/* An absolute image's base must be a mapped flash address the target's
** firmware can load from (lfs-format.md §A1.2: 0x40200001..0x40300000 for
** the 5.3 ports; §B1: 0x40210000..0x40310000 for nodemcu-lua51), the range
** lfsc's -a takes. */
static int base_check(const struct build_options *o, char *err, size_t errsize)
{
	int lua51 = !strcmp(o->target, "nodemcu-lua51");
	uint32_t lo = lua51 ? 0x40210000u : 0x40200001u, hi = lo + (lua51 ? 0x100000u : 0xfffffu);

	if (!o->has_base || (o->base >= lo && o->base <= hi))
		return 0;
	snprintf(err, errsize, "option 'base_address' 0x%08x is not a flash address of "
	         "%s (0x%08x..0x%08x)", o->base, o->target, lo, hi);
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct upload_file *)a)->name,
	              ((const struct upload_file *)b)->name);
}

/* One file of the client directory added as name; 0 or -1 with err. */
static int add_client_file(struct build_upload *u, const char *dir, const char *name,
                           char *err, size_t errsize)
{
	char path[PATH_MAX + 64], *data = NULL;
	size_t len = 0;
	int i;

	for (i = 0; i < u->nfiles; i++)
		if (!strcmp(u->files[i].name, name)) {
			snprintf(err, errsize, "option 'ota_client' adds %s, which the upload also "
			         "has: drop the file or the option", name);
			return -1;
		}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!dir[0] || fsutil_read_file(path, UPLOAD_CLIENT_MAX, &data, &len)) {
		log_error("option 'ota_client': cannot read '%s' (lfsd's NodeMCU client files: "
		          "device/nodemcu in the checkout, PREFIX/share/lfsd/nodemcu installed)",
		          dir[0] ? path : name);
		snprintf(err, errsize, "option 'ota_client': this lfsd has no NodeMCU client "
		         "files (see its log)");
		return -2;
	}
	if (add_file(u, name, data, len, err, errsize)) {
		free(data);
		return -1;
	}
	return 0;
}

int build_upload_add_client(struct build_upload *u, const char *dir, char *err,
                            size_t errsize)
{
	int i, rc, has_init = 0;

	if (!u->opts.ota_client)
		return 0;
	for (i = 0; i < u->nfiles; i++)
		has_init |= !strcmp(u->files[i].name, "_init.lua");
	if ((rc = add_client_file(u, dir, "lfsota.lua", err, errsize)))
		return rc;
	return has_init ? 0 : add_client_file(u, dir, "_init.lua", err, errsize);
}

int build_upload_finish(struct build_upload *u, char *err, size_t errsize)
{
	char *canon = NULL, *opts;
	size_t size = 0;
	FILE *f;
	json_t *oj;
	int i;

	if (u->nfiles == 0) {
		snprintf(err, errsize, "empty upload: no .lua files");
		return -1;
	}
	if (base_check(&u->opts, err, errsize))
		return -1;
	qsort(u->files, (size_t)u->nfiles, sizeof u->files[0], by_name);
	for (i = 0; i < u->nfiles; i++)
		hash_sha256_hex(u->files[i].data, u->files[i].len, u->files[i].sha);
	oj = build_upload_options_json(&u->opts);
	opts = oj ? json_dumps(oj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(oj);
	f = open_memstream(&canon, &size);
	if (!opts || !f) {
		free(opts);
		if (f)
			fclose(f);
		free(canon);
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	fprintf(f, "lfsd-build-v1\n%s\n", opts);
	for (i = 0; i < u->nfiles; i++)
		fprintf(f, "%s%c%s\n", u->files[i].name, 0, u->files[i].sha);
	fclose(f);
	hash_sha256_hex(canon, size, u->dedup_key);
	free(canon);
	free(opts);
	return 0;
}
