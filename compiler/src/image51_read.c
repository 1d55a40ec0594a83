/*
** image51_read.c - reads and validates LFS images of NodeMCU's Lua 5.1 port
** into the image model; the mirror of image51_write.c and gzip_write.c.
**   - the relocatable image (§B2): the on-device loader's pass-1 checks in its
**     order and words (§B4), then the gzip framing, inflated with zlib over a
**     16 KB window as the device's inflater allows (§B4: its dictionary);
**   - the absolute image (§B1): the boot-time checks (§B4 step 4);
** then, for both, what the firmware trusts blindly: every pointer inside the
** image and (relocatable) marked in the bitmap, and no other word marked;
** string records, hashes, buckets and the nROuse/nROsize rule (§B3.2);
** Proto records and their vectors, constants, line info (§B3.3); the main
** function being luac.cross's module index (§B3.4). Each rejection has its
** own message; err->column is the byte offset in the (inflated) raw image.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include "lfsc_int.h"

#define SIG51           0xfafaa154u
#define SIG_ABSOLUTE    0x01u
#define SIG_VERSION     0x100u
#define SIG_PACKED      0x04u
#define MAX_RAW         (0x10000u * 4)            /* luac.cross's LUA_MAX_FLASH_SIZE */
#define MAX_INFLATED    (MAX_RAW + MAX_RAW / 32)  /* raw image + bitmap */
#define FOUND_BYTES(words) (((words) + 31) / 32 * 4 + 4)

struct r51 {
	struct image *im;
	const uint8_t *d;          /* the raw image */
	uint32_t size;             /* flash_size */
	uint32_t base;             /* absolute: mapped address of byte 0 */
	int absolute;
	const uint8_t *tags;       /* relocatable: the file's bitmap */
	uint8_t *found;            /* the pointer words the walk found, as a bitmap */
	int32_t *str;              /* per word: id + 1 of the string record there */
	uint8_t *seen;             /* per word: a Proto record starts here */
	uint32_t nuse, nsize;
	struct lfsc_error *err;
	int ret;
};

static int fail(struct r51 *r, uint32_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct r51 *r, uint32_t at, const char *fmt, ...)
{
	if (!r->ret) {
		char msg[160];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		r->ret = error_set(r->err, LFSC_ERR_FORMAT, NULL, 0, "%s", msg);
		if (r->err)
			r->err->column = (int)at;
	}
	return r->ret;
}

static uint32_t word(const struct r51 *r, uint32_t at)
{
	return get_u32(r->d + at);
}

/* bytes [at, at + n) lie inside the image */
static int inside(const struct r51 *r, uint32_t at, uint64_t n)
{
	return (uint64_t)at + n <= r->size;
}

/* the pointer in the word at byte `at` -> byte offset in *to (0 = NULL) */
static int ptr(struct r51 *r, uint32_t at, uint32_t *to)
{
	uint32_t v = word(r, at), w = at / 4;
	int tagged = r->tags && (r->tags[w / 8] >> (w % 8)) & 1;

	*to = 0;
	if (r->ret)
		return r->ret;
	if (v == 0)
		return tagged ? fail(r, at, "NULL pointer marked in the relocation bitmap") : 0;
	if (!r->absolute && !tagged)
		return fail(r, at, "pointer 0x%x not marked in the relocation bitmap", v);
	if (r->absolute ? v - r->base >= r->size || (v - r->base) % 4 : v >= r->size / 4)
		return fail(r, at, "pointer 0x%08x outside the image", v);
	r->found[w / 8] |= (uint8_t)(1u << (w % 8));
	*to = r->absolute ? v - r->base : 4 * v;
	return 0;
}

/* the string record a pointer leads to -> id (text_off: points at the text) */
static int32_t string_at(struct r51 *r, uint32_t at, uint32_t to, int text_off)
{
	if (to % 4 == 0 && to >= (uint32_t)text_off && r->str[(to - (uint32_t)text_off) / 4] &&
	    !(text_off && (to - 16) % 4))
		return r->str[(to - (uint32_t)text_off) / 4] - 1;
	fail(r, at, text_off ? "line info pointer 0x%x is not the text of a string"
			     : "pointer 0x%x is not a string record", to);
	return -1;
}

/* §B3.2: the buckets and their chains */
static void strings(struct r51 *r)
{
	uint32_t b, at, next, n = 0, h, len;
	int id;

	if (!inside(r, 32, 4 * (uint64_t)r->nsize))
		return (void)fail(r, 20, "ROstrt of %u buckets does not fit the image", r->nsize);
	for (b = 0; b < r->nsize && !r->ret; b++) {
		for (ptr(r, 32 + 4 * b, &at); at && !r->ret; at = next) {
			if (at % 4 || !inside(r, at, 17) || at < 32 + 4 * r->nsize)
				return (void)fail(r, 32 + 4 * b, "string record 0x%x outside the strings",
						  at);
			if (r->str[at / 4] || ++n > r->nuse)
				return (void)fail(r, at, "string chains hold more than nROuse (%u) "
						  "strings", r->nuse);
			ptr(r, at, &next);
			h = word(r, at + 8);
			len = word(r, at + 12);
			if (r->d[at + 4] != 0x04 || r->d[at + 5] != 0x40)
				return (void)fail(r, at, "string record with tt/marked 0x%02x/0x%02x",
						  r->d[at + 4], r->d[at + 5]);
			if (!inside(r, at + 16, (uint64_t)len + 1) || r->d[at + 16 + len])
				return (void)fail(r, at, "string of %u bytes runs past the image", len);
			if (h != rostrt51_hash((const char *)r->d + at + 16, len))
				return (void)fail(r, at + 8, "string hash 0x%08x is wrong", h);
			if ((h & (r->nsize - 1)) != b)
				return (void)fail(r, at, "string in bucket %u belongs in bucket %u", b,
						  h & (r->nsize - 1));
			id = strtab_intern(&r->im->strs, (const char *)r->d + at + 16, len);
			if (id < 0 && !r->ret)
				r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
			r->str[at / 4] = id + 1;
		}
	}
	if (!r->ret && n != r->nuse)
		fail(r, 16, "nROuse is %u but the buckets hold %u strings", r->nuse, n);
}

static void constants(struct r51 *r, struct proto *f, uint32_t k)
{
	int i;

	for (i = 0; i < f->sizek && !r->ret; i++) {
		uint32_t at = k + 12 * (uint32_t)i, tag = word(r, at + 8), to;
		struct konst *c = &f->k[i];
		switch (tag) {
		case 0: c->tag = K_NIL; break;
		case 1: c->tag = K_BOOL; c->b = word(r, at) != 0; break;
		case 3: c->tag = K_FLT; c->fbits = word(r, at) | (uint64_t)word(r, at + 4) << 32; break;
		case 4:
			c->tag = K_STR;
			if (!ptr(r, at, &to))
				c->str = to ? string_at(r, at, to, 0) : -1;
			if (!r->ret && !to)
				fail(r, at, "NULL string constant");
			break;
		default: fail(r, at + 8, "bad constant tag %u", tag);
		}
	}
}

static void *array(struct r51 *r, uint32_t n, size_t size)
{
	void *a;

	if (n == 0 || r->ret)
		return NULL;
	if (!(a = mem_calloc(r->im->mem, n, size)) && !r->ret)
		r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	return a;
}

/* the vectors of the Proto record at `at`: constants, code, children, each
** inside the image and NULL exactly when empty (code never is) */
static int vectors(struct r51 *r, uint32_t at, const uint32_t *v)
{
	static const char *const what[3] = { "constants", "instructions", "children" };
	static const uint32_t size[3] = { 12, 4, 4 };
	int i;

	for (i = 0; i < 3 && !r->ret; i++) {
		uint32_t n = word(r, at + 40 + 4 * (uint32_t)i);
		if ((n == 0) != (v[i] == 0) || (i == 1 && n == 0))
			return fail(r, at, "Proto with %u %s at 0x%x", n, what[i], v[i]);
		if (n && !inside(r, v[i], (uint64_t)n * size[i]))
			return fail(r, at, "Proto's %u %s at 0x%x run past the image", n, what[i],
				    v[i]);
	}
	return r->ret;
}

static void lineinfo(struct r51 *r, struct proto *f, uint32_t at, uint32_t to)
{
	int32_t id = string_at(r, at, to, 16);
	const struct lstr *s;
	int *lines;

	if (id < 0)
		return;
	s = &r->im->strs.str[id];
	if (!(f->lineinfo = array(r, s->len + 1, 1)))
		return;
	memcpy(f->lineinfo, s->s, s->len + 1);
	f->sizelineinfo = (int)s->len + 1;
	lines = array(r, (uint32_t)f->sizecode + 1, sizeof *lines);
	if (lines && lineinfo_unpack(f->lineinfo, f->sizelineinfo, lines, f->sizecode))
		fail(r, at, "line info does not match the %d instructions", f->sizecode);
	mem_free(r->im->mem, lines, ((size_t)f->sizecode + 1) * sizeof *lines);
}

/* §B3.3: the record at `at` and everything it points to */
static struct proto *proto(struct r51 *r, uint32_t at, int32_t parent, int depth)
{
	uint32_t v[7], i, to;          /* k, code, p, lineinfo, locvars, upvalues, source */
	struct proto *f;
	int32_t src;

	if (depth > LFSC_MAX_DEPTH)
		return fail(r, at, "Protos nested too deep"), NULL;
	if (at % 4 || !inside(r, at, 72))
		return fail(r, at, "Proto record 0x%x outside the image", at), NULL;
	if (r->seen[at / 4])
		return fail(r, at, "Proto record 0x%x reached twice", at), NULL;
	r->seen[at / 4] = 1;
	if (word(r, at) || word(r, at + 4) || word(r, at + 64))
		return fail(r, at, "Proto record with next, tt/marked or gclist set"), NULL;
	for (i = 0; i < 7; i++)
		ptr(r, at + 8 + 4 * i, &v[i]);
	if (!r->ret && (v[4] || v[5] || word(r, at + 36) || word(r, at + 52)))
		fail(r, at, "Proto with local or upvalue-name records (§B1: never written)");
	if (!r->ret && !v[6])
		fail(r, at + 32, "Proto without a source");
	if (vectors(r, at, v) || (src = string_at(r, at + 32, v[6], 0)) < 0)
		return NULL;
	if (!(f = proto_new(r->im->mem))) {
		r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		return NULL;
	}
	f->source = src == parent ? -1 : src;
	f->linedefined = (int32_t)word(r, at + 56);
	f->lastlinedefined = (int32_t)word(r, at + 60);
	f->nups = r->d[at + 68];
	f->numparams = r->d[at + 69];
	f->is_vararg = r->d[at + 70];
	f->maxstacksize = r->d[at + 71];
	if ((f->code = array(r, word(r, at + 44), 4))) {
		f->sizecode = (int)word(r, at + 44);
		for (i = 0; i < (uint32_t)f->sizecode; i++)
			f->code[i] = word(r, v[1] + 4 * i);
	}
	if ((f->k = array(r, word(r, at + 40), sizeof *f->k))) {
		f->sizek = (int)word(r, at + 40);
		constants(r, f, v[0]);
	}
	if (v[3] && !r->ret)
		lineinfo(r, f, at + 20, v[3]);
	if ((f->p = array(r, word(r, at + 48), sizeof *f->p)))
		for (i = 0; i < word(r, at + 48) && !r->ret; i++) {
			if (!ptr(r, v[2] + 4 * i, &to) && !to)
				fail(r, v[2] + 4 * i, "NULL child Proto");
			f->p[i] = r->ret ? NULL : proto(r, to, src, depth + 1);
			f->sizep = (int)i + (f->p[i] != NULL);
		}
	if (r->ret) {
		proto_free(r->im->mem, f);
		return NULL;
	}
	return f;
}

/* §B3.4: the main Proto must be luac.cross's module index; its children
** become the modules, its constants the names and the timestamp */
static void index_main(struct r51 *r, struct proto *f, uint32_t at)
{
	struct image *im = r->im;
	int i, j, n = f->sizep;
	uint32_t *code = array(r, 5 * (uint32_t)n + 5, sizeof *code);
	double ts;

	if (!code)
		return;
	index51_code(n, code);
	if (f->sizecode != 5 * n + 5 || f->sizek != n + 1 ||
	    memcmp(code, f->code, (size_t)f->sizecode * 4) || f->k[n].tag != K_FLT)
		fail(r, at, "main function is not luac.cross's module index (§B3.4)");
	mem_free(im->mem, code, (5 * (size_t)n + 5) * sizeof *code);
	for (i = 0; i < n && !r->ret; i++) {
		if (f->k[i].tag != K_STR)
			fail(r, at, "module index name %d is not a string", i + 1);
		for (j = 0; j < i && !r->ret; j++)
			if (f->k[j].str == f->k[i].str)
				fail(r, at, "duplicate module name '%s'", im->strs.str[f->k[i].str].s);
	}
	if (r->ret || !(im->names = array(r, (uint32_t)n, sizeof *im->names)))
		return;
	for (i = 0; i < n; i++)
		im->names[i] = f->k[i].str;
	memcpy(&ts, &f->k[n].fbits, 8);
	im->timestamp = isfinite(ts) && fabs(ts) < 9e18 ? (int64_t)ts : 0;
	im->mains = f->p;
	im->nmodules = n;
	f->p = NULL;
	f->sizep = 0;
}

/* §B3.1 header, then the whole walk; for a relocatable image the bitmap
** must mark exactly the pointers the walk found */
static void walk(struct r51 *r)
{
	uint32_t main_at, rohash, w, words = r->size / 4;
	struct proto *main;

	if (word(r, 4) != r->size)
		return (void)fail(r, 4, "flash_size %u is not the image's %u bytes", word(r, 4),
				  r->size);
	r->found = array(r, FOUND_BYTES(words), 1);
	r->str = array(r, words + 1, sizeof *r->str);
	r->seen = array(r, words + 1, 1);
	r->nuse = word(r, 16);
	r->nsize = word(r, 20);
	if (r->ret || ptr(r, 8, &main_at) || ptr(r, 12, &rohash))
		return;
	if (rohash != 32)
		return (void)fail(r, 12, "pROhash does not point at word 8");
	if (r->nuse == 0 || r->nsize != rostrt51_size(r->nuse))
		return (void)fail(r, 20, "nROsize %u is not 2 << log2(nROuse %u)", r->nsize, r->nuse);
	if (word(r, 24) || word(r, 28))
		return (void)fail(r, 24, "header fill words are not 0");
	strings(r);
	if (!main_at && !r->ret)
		fail(r, 8, "no main Proto");
	if (r->ret || !(main = proto(r, main_at, -2, 0)))
		return;
	index_main(r, main, main_at);
	proto_free(r->im->mem, main);
	for (w = 0; r->tags && w < words && !r->ret; w++)
		if (((r->tags[w / 8] ^ r->found[w / 8]) >> (w % 8)) & 1)
			fail(r, 4 * w, "relocation bitmap marks word %u, which is not a pointer", w);
	for (w = words; r->tags && w < (words + 31) / 32 * 32 && !r->ret; w++)
		if ((r->tags[w / 8] >> (w % 8)) & 1)
			fail(r, r->size, "relocation bitmap marks word %u past the image", w);
}

/* zlib's allocations through the allocator seam (mem.c); the size is kept
** in front of each block for the accounting */
static voidpf zalloc(voidpf m, uInt n, uInt size)
{
	uint64_t *p = (size_t)n * size > SIZE_MAX - 8 ? NULL
						      : mem_alloc(m, (size_t)n * size + 8);

	if (!p)
		return Z_NULL;
	*p = (uint64_t)n * size + 8;
	return p + 1;
}

static void zfree(voidpf m, voidpf q)
{
	uint64_t *p = (uint64_t *)q - 1;

	mem_free(m, p, (size_t)*p);
}

/* RFC 1952 header: the fields the device's inflater skips; returns its length */
static size_t gzip_header(struct r51 *r, const uint8_t *d, size_t len)
{
	size_t at = 10;
	int flg;

	if (d[0] != 0x1f || d[1] != 0x8b || d[2] != 8)
		return fail(r, 0, "read error on LFS image file (not a gzip stream)"), 0;
	flg = d[3];
	if (flg & 0xe0)
		return fail(r, 3, "read error on LFS image file (reserved gzip flags)"), 0;
	if (flg & 4)                                   /* FEXTRA */
		at += 2 + (size_t)(d[10] | d[11] << 8);
	for (int bit = 8; bit <= 16; bit <<= 1)        /* FNAME, FCOMMENT */
		if (flg & bit) {
			while (at < len && d[at])
				at++;
			at++;
		}
	if (flg & 2)                                   /* FHCRC */
		at += 2;
	if (at + 8 > len)
		return fail(r, 0, "read error on LFS image file (truncated gzip header)"), 0;
	return at;
}

/* §B4 pass 1 over a gzip file: inflate into out and check it in the
** loader's order */
static void gunzip(struct r51 *r, const uint8_t *d, size_t len, struct lfsc_buffer *out)
{
	uint32_t isize, flash_size, sig;
	size_t at, n;
	z_stream z;
	int zr;

	if (len <= 200)
		return (void)fail(r, 0, "read error on LFS image file (%zu bytes; a 5.1 image "
				  "has more than 200)", len);
	isize = get_u32(d + len - 4);
	if (isize > MAX_INFLATED)
		return (void)fail(r, (uint32_t)len - 4, "inflated size %u is over the 5.1 port's "
				  "maximum of %u bytes", isize, MAX_INFLATED);
	if (!(at = gzip_header(r, d, len)))
		return;
	if (buf_grow(&(struct buf){ r->im->mem, out, 0 }, (size_t)isize + 1))
		return (void)(r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory"));
	memset(&z, 0, sizeof z);
	z.zalloc = zalloc;
	z.zfree = zfree;
	z.opaque = r->im->mem;
	if (inflateInit2(&z, -14) != Z_OK)     /* the device's 16 KB dictionary */
		return (void)(r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory"));
	z.next_in = (Bytef *)(uintptr_t)(d + at);
	z.avail_in = (uInt)(len - at);
	z.next_out = out->data;
	z.avail_out = isize + 1;
	zr = inflate(&z, Z_FINISH);
	n = z.total_out;
	out->len = n;
	at += z.total_in;
	if (zr == Z_DATA_ERROR && z.msg && strstr(z.msg, "too far back"))
		fail(r, (uint32_t)at, "invalid dictionary offset on inflate");
	else if (zr == Z_DATA_ERROR)
		fail(r, (uint32_t)at, "read error on LFS image file (%s)", z.msg ? z.msg : "bad data");
	else if (zr == Z_MEM_ERROR)
		r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	else if (zr != Z_STREAM_END && n > isize)
		fail(r, (uint32_t)at, "LFS length mismatch (inflates to more than the %u bytes "
		     "the trailer says)", isize);
	else if (zr != Z_STREAM_END)
		fail(r, (uint32_t)at, "read error on LFS image file (deflate data truncated)");
	else if (len - at != 8)
		fail(r, (uint32_t)at, "%s after the gzip stream", len - at < 8 ? "no trailer"
									  : "trailing bytes");
	inflateEnd(&z);
	if (r->ret)
		return;
	sig = n >= 4 ? get_u32(out->data) : 0;
	flash_size = n >= 8 ? get_u32(out->data + 4) : 0;
	if (n < 32)
		fail(r, 0, "LFS length mismatch (%zu bytes inflated, less than a header)", n);
	else if ((sig & 0xf00) != SIG_VERSION)
		fail(r, 0, "Incorrect LFS header version");
	else if ((sig & SIG_PACKED) != SIG_PACKED)
		fail(r, 0, "Incorrect LFS build type");
	else if ((sig & ~SIG_ABSOLUTE) != SIG51)
		fail(r, 0, "incorrect LFS header signature");
	else if ((flash_size & 3) || flash_size > n || flash_size < 32 ||
		 n - flash_size != (flash_size / 4 + 31) / 32 * 4)
		fail(r, 4, "LFS length mismatch");
	else if (n != isize)
		fail(r, (uint32_t)len - 4, "LFS length mismatch (%zu bytes inflated, the trailer "
		     "says %u)", n, isize);
	else if ((uint32_t)crc32(0L, out->data, (uInt)n) != get_u32(d + len - 8))
		fail(r, (uint32_t)len - 8, "checksum error on LFS image file");
}

/* §B4 step 4: what the firmware checks when it finds an image in flash */
static void boot_checks(struct r51 *r, const uint8_t *d, size_t len)
{
	uint32_t sig = len >= 4 ? get_u32(d) : 0, main_at, rohash, size;

	if (sig == 0 || sig == 0xffffffffu)
		return (void)fail(r, 0, "No LFS image loaded");
	if ((sig & ~SIG_ABSOLUTE) != SIG51)
		return (void)fail(r, 0, "Flash sig not correct: 0x%08x vs 0x%08x",
				  sig & ~SIG_ABSOLUTE, SIG51);
	if (len < 32)
		return (void)fail(r, 0, "LFS image of %zu bytes is shorter than its header", len);
	size = get_u32(d + 4);
	main_at = get_u32(d + 8);
	rohash = get_u32(d + 12);
	r->base = rohash - 32;                    /* pROhash is always word 8 */
	if (rohash == 0xffffffffu || main_at - r->base >= size)
		return (void)fail(r, 8, "Flash size check failed: 0x%08x vs 0xFFFFFFFF; "
				  "0x%08x >= 0x%08x", rohash, main_at - r->base, size);
	if (size != len)
		fail(r, 4, "flash_size %u is not the file's %zu bytes", size, len);
}

/* the validated image in relocatable form: an absolute one's pointers back to
** word offsets, its bitmap the pointers the walk found */
static void keep(struct r51 *r, struct image51_facts *facts)
{
	struct buf w = { r->im->mem, facts->raw, 0 }, t = { r->im->mem, facts->bitmap, 0 };
	size_t start = facts->raw->len, i, words = r->size / 4, blen = (words + 31) / 32 * 4;

	buf_put(&w, r->d, r->size);
	buf_put(&t, r->absolute ? r->found : r->tags, blen);
	if (w.failed || t.failed) {
		r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		return;
	}
	for (i = 0; r->absolute && i < words; i++)
		if ((r->found[i / 8] >> (i % 8)) & 1) {
			uint8_t *p = facts->raw->data + start + 4 * i;
			put_u32(p, (get_u32(p) - r->base) / 4);
		}
}

int image51_parse(struct image *im, const uint8_t *data, size_t len, int absolute,
		  struct image51_facts *facts, struct lfsc_error *err)
{
	struct r51 r;
	struct lfsc_buffer raw;
	uint32_t words = 0;

	memset(&r, 0, sizeof r);
	r.im = im;
	r.err = err;
	r.absolute = absolute;
	im->target = LFSC_TARGET_LUA51;
	lfsc_buffer_init(&raw);
	if (absolute) {
		boot_checks(&r, data, len);
		r.d = data;
		r.size = (uint32_t)len;
	} else {
		gunzip(&r, data, len, &raw);
		r.d = raw.data;
		r.size = r.ret ? 0 : get_u32(raw.data + 4);   /* gunzip checked it */
		r.tags = r.ret ? NULL : raw.data + r.size;
	}
	words = r.size / 4;
	if (!r.ret)
		walk(&r);
	if (!r.ret && facts->raw)
		keep(&r, facts);
	facts->flash_size = r.size;
	facts->base = r.base;
	facts->nuse = r.nuse;
	facts->nsize = r.nsize;
	mem_free(im->mem, r.found, FOUND_BYTES(words));
	mem_free(im->mem, r.str, ((size_t)words + 1) * sizeof *r.str);
	mem_free(im->mem, r.seen, (size_t)words + 1);
	buf_release(im->mem, &raw);
	return r.ret;
}

size_t image51_proto_bytes(const struct proto *f)
{
	size_t n = 72 + 4 * (size_t)f->sizep + 12 * (size_t)f->sizek + 4 * (size_t)f->sizecode;
	int i;

	for (i = 0; i < f->sizep; i++)
		n += image51_proto_bytes(f->p[i]);
	return n;
}
