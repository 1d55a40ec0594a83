/*
** chunk_read.c - reads the standard Lua 5.3 binary chunk that the reference
** lua_dump writes (ldump.c layout, this host's int and size_t, the target's
** lua_Integer and lua_Number) into our prototype tree, validated like
** lundump.c. Applies NodeMCU's compile-time level-1 strip (lfs-format.md
** §A1.5): local-variable records are dropped and upvalue names made absent;
** per-instruction lines become LCD bytes (§A3.10).
*/
#include <string.h>
#include "lfsc_int.h"

struct reader {
	struct image *im;
	const uint8_t *p, *end;
	int isz, nsz;              /* target lua_Integer / lua_Number sizes */
	struct lfsc_error *err;
	int ret;                   /* sticky: first failure */
};

static int fail(struct reader *r, int code, const char *what)
{
	if (!r->ret)
		r->ret = error_set(r->err, code, NULL, 0, "%s in binary chunk", what);
	return r->ret;
}

static const uint8_t *take(struct reader *r, size_t n)
{
	const uint8_t *q = r->p;

	if (r->ret)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		fail(r, LFSC_ERR_FORMAT, "truncated");
		return NULL;
	}
	r->p += n;
	return q;
}

static int byte(struct reader *r)
{
	const uint8_t *q = take(r, 1);

	return q ? *q : 0;
}

static uint64_t le(const uint8_t *q, int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | q[n];
	return v;
}

static int count(struct reader *r)          /* ldump's DumpInt, as a count */
{
	const uint8_t *q = take(r, 4);
	int32_t v = q ? (int32_t)le(q, 4) : 0;

	if (v < 0 || (size_t)v > (size_t)(r->end - r->p) + 1) {
		fail(r, LFSC_ERR_FORMAT, "bad count");
		return 0;
	}
	return v;
}

static int32_t integer4(struct reader *r)
{
	const uint8_t *q = take(r, 4);

	return q ? (int32_t)le(q, 4) : 0;
}

/* a string -> interned id; -1 for NULL */
static int32_t string(struct reader *r)
{
	uint64_t size = byte(r);
	const uint8_t *q;
	int id;

	if (size == 0xff) {
		q = take(r, 8);
		size = q ? le(q, 8) : 0;
	}
	if (size == 0 || r->ret)
		return -1;
	q = take(r, (size_t)size - 1);
	if (!q)
		return -1;
	id = strtab_intern(&r->im->strs, (const char *)q, (size_t)size - 1);
	if (id < 0)
		fail(r, LFSC_ERR_MEM, "out of memory");
	return id;
}

static void *alloc_array(struct reader *r, int n, size_t size)
{
	void *a;

	if (n == 0 || r->ret)
		return NULL;
	a = mem_calloc(r->im->mem, (size_t)n, size);
	if (!a)
		fail(r, LFSC_ERR_MEM, "out of memory");
	return a;
}

static struct proto *function(struct reader *r, int depth);

static void constants(struct reader *r, struct proto *f)
{
	int i, n = count(r);

	f->k = alloc_array(r, n, sizeof *f->k);
	if (n && !f->k)
		return;
	f->sizek = n;
	for (i = 0; i < n && !r->ret; i++) {
		struct konst *k = &f->k[i];
		const uint8_t *q;
		switch (byte(r)) {
		case 0: k->tag = K_NIL; break;
		case 1: k->tag = K_BOOL; k->b = byte(r) != 0; break;
		case 3:
			k->tag = K_FLT;
			if ((q = take(r, r->nsz)))
				k->fbits = le(q, r->nsz);
			break;
		case 0x13:
			k->tag = K_INT;
			if ((q = take(r, r->isz)))
				k->i = r->isz == 4 ? (int32_t)le(q, 4) : (int64_t)le(q, 8);
			break;
		case 4: case 0x14:
			k->tag = K_STR;
			k->str = string(r);
			if (k->str < 0)
				fail(r, LFSC_ERR_FORMAT, "absent string constant");
			break;
		default:
			fail(r, LFSC_ERR_FORMAT, "bad constant");
		}
	}
}

static void debug(struct reader *r, struct proto *f)
{
	int i, n, *lines = NULL;
	struct lfsc_buffer lcd;
	struct buf w = { r->im->mem, &lcd, 0 };

	lfsc_buffer_init(&lcd);
	n = count(r);
	if (n != 0 && n != f->sizecode)
		fail(r, LFSC_ERR_FORMAT, "bad line info");
	if (n) {
		lines = alloc_array(r, n, sizeof *lines);
		for (i = 0; i < n && lines; i++)
			lines[i] = integer4(r);
	}
	if (!r->ret) {
		if (n)
			lineinfo_pack(&w, lines, n);
		if (w.failed)
			fail(r, LFSC_ERR_MEM, "out of memory");
		else if (n && (f->lineinfo = alloc_array(r, (int)lcd.len, 1))) {
			memcpy(f->lineinfo, lcd.data, lcd.len);
			f->sizelineinfo = (int)lcd.len;
		}
	}
	buf_release(r->im->mem, &lcd);
	mem_free(r->im->mem, lines, (size_t)n * sizeof *lines);
	/* §A1.5 level-1 strip: locals dropped, upvalue names absent */
	n = count(r);
	for (i = 0; i < n && !r->ret; i++) {
		string(r);
		take(r, 8);
	}
	n = count(r);
	for (i = 0; i < n && !r->ret; i++)
		string(r);
}

static struct proto *function(struct reader *r, int depth)
{
	struct proto *f;
	const uint8_t *q;
	int i, n;

	if (depth > LFSC_MAX_DEPTH) {
		fail(r, LFSC_ERR_FORMAT, "functions nested too deep");
		return NULL;
	}
	f = proto_new(r->im->mem);
	if (!f) {
		fail(r, LFSC_ERR_MEM, "out of memory");
		return NULL;
	}
	f->source = string(r);
	f->linedefined = integer4(r);
	f->lastlinedefined = integer4(r);
	f->numparams = byte(r);
	f->is_vararg = byte(r);
	f->maxstacksize = byte(r);
	n = count(r);
	if (!r->ret && (size_t)n > (size_t)(r->end - r->p) / 4)
		fail(r, LFSC_ERR_FORMAT, "truncated");
	f->code = alloc_array(r, n, 4);
	if (f->code || n == 0) {
		f->sizecode = n;
		for (i = 0; i < n && (q = take(r, 4)); i++)
			f->code[i] = (uint32_t)le(q, 4);
	}
	constants(r, f);
	n = count(r);
	f->upvalues = alloc_array(r, n, sizeof *f->upvalues);
	if (f->upvalues) {
		f->sizeupvalues = n;
		for (i = 0; i < n; i++) {
			f->upvalues[i].name = -1;
			f->upvalues[i].instack = byte(r);
			f->upvalues[i].idx = byte(r);
		}
	}
	n = count(r);
	f->p = alloc_array(r, n, sizeof *f->p);
	if (f->p) {
		f->sizep = n;
		for (i = 0; i < n && !r->ret; i++)
			f->p[i] = function(r, depth + 1);
		for (; i < n; i++)
			f->p[i] = NULL;
	}
	debug(r, f);
	if (r->ret) {
		for (i = 0; i < f->sizep; i++)
			if (!f->p[i])
				f->sizep = i;
		proto_free(r->im->mem, f);
		return NULL;
	}
	return f;
}

int chunk_read(struct image *im, const uint8_t *data, size_t len, struct proto **out,
	       struct lfsc_error *err)
{
	struct reader r = { im, data, data + len, image_int_size(im->target),
			    image_num_size(im->target), err, 0 };
	const uint8_t *h = take(&r, 4 + 1 + 1 + 6 + 5);

	*out = NULL;
	if (h && (memcmp(h, LFSC_SIGNATURE, 4) || h[4] != 0x53 || h[5] != 0 ||
		  memcmp(h + 6, LFSC_CHECK_BYTES, 6) || h[12] != 4 || h[13] != 8 ||
		  h[14] != 4 || h[15] != r.isz || h[16] != r.nsz))
		return fail(&r, LFSC_ERR_FORMAT, "header mismatch");
	take(&r, (size_t)r.isz + r.nsz);   /* LUAC_INT and LUAC_NUM samples */
	byte(&r);                          /* upvalues of the main function */
	if (r.ret)
		return r.ret;
	*out = function(&r, 0);
	if (!r.ret && r.p != r.end)
		fail(&r, LFSC_ERR_FORMAT, "trailing bytes");
	if (r.ret) {
		proto_free(im->mem, *out);
		*out = NULL;
	}
	return r.ret;
}
