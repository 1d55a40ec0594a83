/*
** chunk51_read.c - reads the standard Lua 5.1 binary chunk that the reference
** lua_dump writes on this host (ldump.c layout: little-endian, int 4, size_t
** 8, Instruction 4, lua_Number double) into our prototype tree, validated
** like lundump.c. Applies the 5.1 port's compile-time strip (lfs-format.md
** §B1: no local-variable records, no upvalue names; the upvalue count stays)
** and packs each function's lines with its fix-up history (lineinfo51.c).
*/
#include <string.h>
#include "lfsc_int.h"

static const uint8_t header51[12] = { 0x1b, 'L', 'u', 'a', 0x51, 0, 1, 4, 8, 4, 8, 0 };

struct reader {
	struct image *im;
	struct cursor c;
	const struct history51 *h;
	int nfunc;                 /* functions read so far (their dump index) */
	int *defects;
	struct lfsc_error *err;
	int ret;                   /* sticky: first failure */
};

static int fail(struct reader *r, int code, const char *what)
{
	if (!r->ret)
		r->ret = error_set(r->err, code, NULL, 0, "%s in binary chunk", what);
	return r->ret;
}

static int check(struct reader *r)
{
	if (r->c.bad)
		fail(r, LFSC_ERR_FORMAT, "truncated");
	return r->ret;
}

/* an int count of items of at least `per` bytes each */
static int count(struct reader *r, size_t per)
{
	uint32_t v = cursor_u32(&r->c);

	if (check(r))
		return 0;
	if (v > INT32_MAX || v > cursor_left(&r->c) / per) {
		fail(r, LFSC_ERR_FORMAT, "bad count");
		return 0;
	}
	return (int)v;
}

/* a string -> interned id; -1 for NULL */
static int32_t string(struct reader *r)
{
	uint64_t size = cursor_u64(&r->c);
	const uint8_t *q;
	int id;

	if (check(r) || size == 0)
		return -1;
	if (size > cursor_left(&r->c)) {
		fail(r, LFSC_ERR_FORMAT, "truncated");
		return -1;
	}
	q = cursor_take(&r->c, (size_t)size);
	id = strtab_intern(&r->im->strs, (const char *)q, (size_t)size - 1);
	if (id < 0)
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
	for (i = 0; i < n && !r->ret; i++) {
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
		default:
			fail(r, LFSC_ERR_FORMAT, "bad constant");
		}
		check(r);
	}
}

/* lines -> the port's packed bytes, replaying function `index`'s fixes */
static void lines(struct reader *r, struct proto *f, int index)
{
	int i, n = count(r, 4), *l, from = 0, to = 0;
	struct lfsc_buffer b;
	struct buf w = { &b, 0 };

	if (n != f->sizecode)
		fail(r, LFSC_ERR_FORMAT, "bad line info");
	if (!(l = array(r, n, sizeof *l)))
		return;
	for (i = 0; i < n; i++)
		l[i] = (int32_t)cursor_u32(&r->c);
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
	lfsc_buffer_release(&b);
	mem_free(r->im->mem, l, (size_t)n * sizeof *l);
}

static struct proto *function(struct reader *r, int depth)
{
	struct proto *f;
	int i, n, index = r->nfunc++;

	if (depth > LFSC_MAX_DEPTH) {
		fail(r, LFSC_ERR_FORMAT, "functions nested too deep");
		return NULL;
	}
	if (!(f = proto_new(r->im->mem))) {
		fail(r, LFSC_ERR_MEM, "out of memory");
		return NULL;
	}
	f->source = string(r);
	f->linedefined = (int32_t)cursor_u32(&r->c);
	f->lastlinedefined = (int32_t)cursor_u32(&r->c);
	f->nups = (uint8_t)cursor_byte(&r->c);
	f->numparams = (uint8_t)cursor_byte(&r->c);
	f->is_vararg = (uint8_t)cursor_byte(&r->c);
	f->maxstacksize = (uint8_t)cursor_byte(&r->c);
	n = count(r, 4);
	if ((f->code = array(r, n, 4))) {
		f->sizecode = n;
		for (i = 0; i < n; i++)
			f->code[i] = cursor_u32(&r->c);
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
	lines(r, f, index);
	n = count(r, 16);                          /* §B1: locals dropped */
	for (i = 0; i < n && !r->ret; i++) {
		string(r);
		cursor_take(&r->c, 8);
	}
	n = count(r, 8);                           /* upvalue names dropped */
	for (i = 0; i < n && !r->ret; i++)
		string(r);
	if (check(r)) {
		proto_free(r->im->mem, f);
		return NULL;
	}
	return f;
}

int chunk51_read(struct image *im, const uint8_t *data, size_t len,
		 const struct history51 *h, struct proto **out, int *defects,
		 struct lfsc_error *err)
{
	struct reader r = { im, { 0 }, h, 0, defects, err, 0 };
	const uint8_t *q;

	cursor_init(&r.c, data, len);
	*out = NULL;
	q = cursor_take(&r.c, sizeof header51);
	if (!q || memcmp(q, header51, sizeof header51))
		return fail(&r, LFSC_ERR_FORMAT, "header mismatch");
	*out = function(&r, 0);
	if (!r.ret && cursor_left(&r.c))
		fail(&r, LFSC_ERR_FORMAT, "trailing bytes");
	if (r.ret) {
		proto_free(im->mem, *out);
		*out = NULL;
	}
	return r.ret;
}
