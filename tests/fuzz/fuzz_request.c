/* fuzz_request.c - libFuzzer target for lfsd's request-facing parsers. The
** first input byte picks one; the rest is its input:
**   0  the JSON body of POST /build and its options (build_upload_parse_json,
**      then build_upload_finish as the handler calls it);
**   1  a multipart/form-data POST /build as libmicrohttpd's post processor
**      hands it to lfsd: parts (field name, file name or none, content in
**      pieces at growing offsets) through build_upload.c's part callback and
**      the options part's JSON, then build_upload_finish. The part callback is
**      static, so this file includes build_upload.c (libmicrohttpd's own
**      multipart parser is the library's, not ours);
**   2  a Range header against a blob size (serve_parse_range);
**   3  an admin JSON body as the handlers read it (http_body_object with
**      POST /releases' fields), and the same text as a path id (http_id: 0 unless a plain positive decimal).
** Beyond "no crash, leak or undefined behaviour" it checks what the callers
** rely on: an accepted upload has 1 to UPLOAD_MAX_FILES files, sorted, unique,
** named "*.lua" without a path separator, and a 64-hex dedup key; an accepted
** range lies inside the blob. Seeds: tests/fuzz/seed-request/ (make fuzz). */
#include "../../server/build_upload.c"
#include "http.h"
#include "response.h"
#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_upload(struct build_upload *u)
{
	int i;

	if (u->nfiles < 1 || u->nfiles > UPLOAD_MAX_FILES || strlen(u->dedup_key) != 64)
		__builtin_trap();
	for (i = 0; i < u->nfiles; i++) {
		size_t n = strlen(u->files[i].name);

		if (n < 5 || strcmp(u->files[i].name + n - 4, ".lua") ||
		    strpbrk(u->files[i].name, "/\\") ||
		    (i && strcmp(u->files[i - 1].name, u->files[i].name) >= 0))
			__builtin_trap();
	}
}

/* 0: the JSON body */
static void json_body(const uint8_t *p, size_t n)
{
	struct build_upload *u = malloc(sizeof *u);
	char err[256];

	if (!u)
		return;
	build_upload_init(u);
	if (!build_upload_parse_json(u, (const char *)p, n, err, sizeof err) &&
	    !build_upload_finish(u, err, sizeof err))
		check_upload(u);
	build_upload_release(u);
	free(u);
}

/* Splits off the text up to the next NUL (at most max bytes) into out;
** returns the bytes consumed, or 0 at the end of the input. */
static size_t field(const uint8_t *p, size_t n, char *out, size_t max)
{
	size_t i = 0;

	while (i < n && p[i] && i + 1 < max) {
		out[i] = (char)p[i];
		i++;
	}
	out[i] = '\0';
	while (i < n && p[i])
		i++;
	return i < n ? i + 1 : 0;
}

/* 1: parts separated by 0xff bytes, each "key\0filename\0" (filename "\1":
** none) then the content, delivered in pieces of 1 + (first byte % 64) bytes */
static void multipart(const uint8_t *p, size_t n)
{
	struct build_upload *u = malloc(sizeof *u);
	char err[256], key[128], name[UPLOAD_NAME_MAX * 4 + 8];
	struct mp m;
	int failed = 0;

	if (!u)
		return;
	build_upload_init(u);
	memset(&m, 0, sizeof m);
	m.u = u;
	m.err = err;
	m.errsize = sizeof err;
	while (n && !failed) {
		const uint8_t *end = memchr(p, 0xff, n);
		size_t len = end ? (size_t)(end - p) : n, a, b, off = 0, piece;

		a = field(p, len, key, sizeof key);
		b = a ? field(p + a, len - a, name, sizeof name) : 0;
		if (a && b && len > a + b) {
			const uint8_t *c = p + a + b;
			size_t clen = len - a - b;

			piece = 1 + c[0] % 64;
			c++, clen--;
			do {   /* a part with no content is still announced once */
				size_t k = clen - off < piece ? clen - off : piece;

				failed = mp_part(&m, key, strcmp(name, "\1") ? name : NULL,
				                 (const char *)c + off, off, k) != 0;
				off += k;
			} while (!failed && off < clen);
		}
		p += end ? len + 1 : len;
		n -= end ? len + 1 : len;
	}
	if (!failed && !mp_close(&m) && !build_upload_finish(u, err, sizeof err))
		check_upload(u);
	free(m.data);
	build_upload_release(u);
	free(u);
}

/* 2: eight bytes of blob size (little-endian, kept below 2^40), then the header */
static void range(const uint8_t *p, size_t n)
{
	long long size = 0, first = -1, last = -1;
	char h[512];
	int i;

	if (n < 8)
		return;
	for (i = 0; i < 5; i++)
		size |= (long long)p[i] << (8 * i);
	field(p + 8, n - 8, h, sizeof h);
	if (serve_parse_range(h, size, &first, &last) == 0 &&
	    !(first >= 0 && first <= last && last < size))
		__builtin_trap();
}

/* 3: a JSON body with the fields POST /releases takes; the text as an id */
static void admin_body(const uint8_t *p, size_t n)
{
	static const char *const fields[] = { "build_id", "channel", "rollout_percent", "notes",
	                                      NULL };
	struct req *r = calloc(1, sizeof *r);
	struct response res;
	char id[64];
	json_t *j;

	if (!r || !(r->body = malloc(n + 1))) {
		free(r);
		return;
	}
	memcpy(r->body, p, n);
	r->body[n] = '\0';
	r->body_len = n;
	j = http_body_object(r, fields, &res);
	if (j && !json_is_object(j))
		__builtin_trap();
	if (j)
		json_decref(j);
	else
		response_release(&res);
	field(p, n, id, sizeof id);
	if (http_id(id) > 0 && (id[0] < '1' || id[0] > '9' || strspn(id, "0123456789") != strlen(id)))
		__builtin_trap();   /* an id is a decimal without sign, space or leading 0 */
	free(r->body);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0: json_body(data + 1, size - 1); break;
	case 1: multipart(data + 1, size - 1); break;
	case 2: range(data + 1, size - 1); break;
	default: admin_body(data + 1, size - 1); break;
	}
	return 0;
}
