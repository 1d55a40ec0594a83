/*
** chunk51_read.c - reads Lua 5.1 binary chunks into our prototype tree,
** validated like lundump.c, in the two layouts lfsc meets:
**   - the standard chunk the reference lua_dump writes on this host
**     (little-endian, int 4, size_t 8, Instruction 4, double), whose lines
**     are packed here with the fix-up history (lineinfo51.c);
**   - a .lc of the 5.1 port given as an input (lfs-format.md §B5: size_t 4,
**     code and packed line info aligned to 4 file bytes), whose packed line
**     info is kept and must decode to one line per instruction.
** Both apply the port's compile-time strip (§B1): no local-variable records,
** no upvalue names; the upvalue count stays.
*/
#include <string.h>
#include "lfsc_int.h"

static const uint8_t header_host[12] = { 0x1b, 'L', 'u', 'a', 0x51, 0, 1, 4, 8, 4, 8, 0 };
static const uint8_t header_lc[12] = { 0x1b, 'L', 'u', 'a', 0x51, 0, 1, 4, 4, 4, 8, 0 };

struct reader {
	struct image *im;
	struct cursor c;
	int lc;                    /* 1: the port's .lc; 0: this host's lua_dump */
	const struct history51 *h; /* lua_dump: the fix-up history */
	int nfunc;                 /* functions read so far (their dump index) */
	int *defects;
	struct lfsc_error *err;
	int ret;                   /* sticky: first failure */
};

static int fail(struct reader *r, int code, const char *what)
{
	if (!r->ret) {
		r->ret = error_set(r->err, code, NULL, 0, "%s", what);
		if (r->err)
			r->err->column = (int)cursor_offset(&r->c);
	}
	return r->ret;
}

static int check(struct reader *r)
{
	if (r->c.bad)
		fail(r, LFSC_ERR_FORMAT, "truncated precompiled chunk");
	return r->ret;
}

/* an int count of items of at least `per` bytes each */
static int count(struct reader *r, size_t per)
{
	uint32_t v = cursor_u32(&r->c);

	if (!check(r) && (v > INT32_MAX || v > cursor_left(&r->c) / per))
		fail(r, LFSC_ERR_FORMAT, "truncated precompiled chunk");
	return r->ret ? 0 : (int)v;
}

static void align(struct reader *r)        /* the port's ldump.c Align4 */
{
	if (r->lc)
		cursor_take(&r->c, (4 - cursor_offset(&r->c) % 4) % 4);
}

/* a string (size_t length with its NUL, then the bytes): its bytes and
** length without the NUL; NULL for the NULL string or a failure */
static const uint8_t *text(struct reader *r, size_t *len)
{
	uint64_t size = r->lc ? cursor_u32(&r->c) : cursor_u64(&r->c);
	const uint8_t *q;

	if (check(r) || size == 0)
		return NULL;
	if (size > cursor_left(&r->c) || !(q = cursor_take(&r->c, (size_t)size)))
		return fail(r, LFSC_ERR_FORMAT, "truncated precompiled chunk"), NULL;
	if (q[size - 1])
		return fail(r, LFSC_ERR_FORMAT, "string without its terminating zero"), NULL;
	*len = (size_t)size - 1;
	return q;
}

/* a string kept in the tree -> id; -1 for NULL */
static int32_t string(struct reader *r)
{
	size_t len;
	const uint8_t *q = text(r, &len);
	int id;

	if (!q)
		return -1;
	if ((id = strtab_intern(&r->im->strs, (const char *)q, len)) < 0)
		fail(r, LFSC_ERR_MEM, "out of memory");
	return id;
}

static void *array(struct reader *r, int n, size_t size)
{
	void *a;

	if (n == 0 || r->ret)
		return NULL;
	if (!(a = mem_calloc(r->im->mem, (size_t)n, size)))
		fail(r, LFSC_ERR_MEM, "out of memory");
	return a;
}

static void constants(struct reader *r, struct proto *f)
{
	int i, n = count(r, 1);

	if (!(f->k = array(r, n, sizeof *f->k)))
		return;
	f->sizek = n;
	for (i = 0; i < n && !check(r); i++) {
		struct konst *k = &f->k[i];
		switch (cursor_byte(&r->c)) {
		case 0: k->tag = K_NIL; break;
		case 1: k->tag = K_BOOL; k->b = cursor_byte(&r->c) != 0; break;
		case 3: k->tag = K_FLT; k->fbits = cursor_u64(&r->c); break;
		case 4:
			k->tag = K_STR;
			if ((k->str = string(r)) < 0)
				fail(r, LFSC_ERR_FORMAT, "absent string constant");
			break;
		default: fail(r, LFSC_ERR_FORMAT, "bad constant in precompiled chunk");
		}
	}
}

/* lua_dump: one line per instruction -> the port's bytes, replaying the
** fixes of function `index` */
static void pack_lines(struct reader *r, struct proto *f, int index)
{
	int i, n = count(r, 4), *l, from = 0, to = 0;
	const uint8_t *q;
	struct lfsc_buffer b;
	struct buf w = { r->im->mem, &b, 0 };

	if (!r->ret && n != f->sizecode)
		fail(r, LFSC_ERR_FORMAT, "line info does not match the instructions");
	if (!(l = array(r, n, sizeof *l)))
		return;
	if (!(q = cursor_take(&r->c, 4 * (size_t)n))) {
		check(r);
		mem_free(r->im->mem, l, (size_t)n * sizeof *l);
		return;
	}
	for (i = 0; i < n; i++)
		l[i] = (int32_t)get_u32(q + 4 * i);
	if (r->h && index < r->h->nfunc) {
		from = r->h->start[index];
		to = r->h->start[index + 1];
	}
	lfsc_buffer_init(&b);
	if (lineinfo51_pack(&w, l, n, r->h ? r->h->fix + from : NULL, to - from, r->defects))
		fail(r, LFSC_ERR_FORMAT, "line fix-up history does not match the line info");
	else if (w.failed)
		fail(r, LFSC_ERR_MEM, "out of memory");
	else if ((f->lineinfo = array(r, (int)b.len, 1))) {
		memcpy(f->lineinfo, b.data, b.len);
		f->sizelineinfo = (int)b.len;
	}
	buf_release(r->im->mem, &b);
	mem_free(r->im->mem, l, (size_t)n * sizeof *l);
}

/* .lc: the packed bytes as they are (strlen + 1, aligned) */
static void packed_lines(struct reader *r, struct proto *f)
{
	int n = count(r, 1), *lines;
	const uint8_t *q;

	align(r);
	if (!n || !(q = cursor_take(&r->c, (size_t)n)) || !(f->lineinfo = array(r, n, 1)))
		return;
	memcpy(f->lineinfo, q, (size_t)n);
	f->sizelineinfo = n;
	lines = array(r, f->sizecode + 1, sizeof *lines);
	if (lines && lineinfo_unpack(f->lineinfo, n, lines, f->sizecode))
		fail(r, LFSC_ERR_FORMAT, "line info does not match the instructions");
	mem_free(r->im->mem, lines, ((size_t)f->sizecode + 1) * sizeof *lines);
}

static void debug(struct reader *r, struct proto *f, int index)
{
	size_t sizet = r->lc ? 4 : 8;
	int i, n;

	if (r->lc)
		packed_lines(r, f);
	else
		pack_lines(r, f, index);
	n = count(r, sizet + 8);                   /* §B1: locals dropped */
	for (i = 0; i < n && !check(r); i++) {
		text(r, &(size_t){ 0 });           /* checked, not interned */
		cursor_take(&r->c, 8);
	}
	n = count(r, sizet);                       /* upvalue names dropped */
	for (i = 0; i < n && !check(r); i++)
		text(r, &(size_t){ 0 });
}

static struct proto *function(struct reader *r, int depth)
{
	struct proto *f;
	int i, n, index = r->nfunc++;

	if (depth > LFSC_MAX_DEPTH)
		return fail(r, LFSC_ERR_FORMAT, "functions nested too deep"), NULL;
	if (!(f = proto_new(r->im->mem)))
		return fail(r, LFSC_ERR_MEM, "out of memory"), NULL;
	f->source = string(r);
	f->linedefined = (int32_t)cursor_u32(&r->c);
	f->lastlinedefined = (int32_t)cursor_u32(&r->c);
	f->nups = (uint8_t)cursor_byte(&r->c);
	f->numparams = (uint8_t)cursor_byte(&r->c);
	f->is_vararg = (uint8_t)cursor_byte(&r->c);
	f->maxstacksize = (uint8_t)cursor_byte(&r->c);
	n = count(r, 4);
	align(r);
	if ((f->code = array(r, n, 4))) {
		const uint8_t *q = cursor_take(&r->c, 4 * (size_t)n);
		f->sizecode = n;
		for (i = 0; q && i < n; i++)
			f->code[i] = get_u32(q + 4 * i);
	} else if (!r->ret) {
		fail(r, LFSC_ERR_FORMAT, "function without instructions");
	}
	constants(r, f);
	n = count(r, 1);
	if ((f->p = array(r, n, sizeof *f->p)))
		for (i = 0; i < n && !r->ret; i++) {
			f->p[i] = function(r, depth + 1);
			f->sizep = i + (f->p[i] != NULL);
		}
	debug(r, f, index);
	if (check(r)) {
		proto_free(r->im->mem, f);
		return NULL;
	}
	return f;
}

static int parse(struct reader *r, const uint8_t *data, size_t len, struct proto **out)
{
	const uint8_t *q;

	cursor_init(&r->c, data, len);
	*out = NULL;
	q = cursor_take(&r->c, 12);
	if (!q || memcmp(q, "\x1bLua", 4))
		return fail(r, LFSC_ERR_FORMAT, "not a precompiled chunk");
	if (q[4] != 0x51)
		return fail(r, LFSC_ERR_FORMAT, "version mismatch in precompiled chunk");
	if (memcmp(q, r->lc ? header_lc : header_host, 12))
		return fail(r, LFSC_ERR_FORMAT, "bad header in precompiled chunk");
	*out = function(r, 0);
	if (!r->ret && (*out)->source < 0)
		fail(r, LFSC_ERR_FORMAT, "precompiled chunk without a source name");
	if (!r->ret && cursor_left(&r->c))
		fail(r, LFSC_ERR_FORMAT, "trailing bytes after the precompiled chunk");
	if (r->ret) {
		proto_free(r->im->mem, *out);
		*out = NULL;
	}
	return r->ret;
}

int chunk51_read(struct image *im, const uint8_t *data, size_t len,
		 const struct history51 *h, struct proto **out, int *defects,
		 struct lfsc_error *err)
{
	struct reader r = { im, { 0 }, 0, h, 0, defects, err, 0 };

	return parse(&r, data, len, out);
}

int lc51_parse(struct image *im, const uint8_t *data, size_t len, struct proto **out,
	       struct lfsc_error *err)
{
	int defects = 0;
	struct reader r = { im, { 0 }, 1, NULL, 0, &defects, err, 0 };

	return parse(&r, data, len, out);
}
