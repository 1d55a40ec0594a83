/*
** lc51_read.c - reads a .lc file of NodeMCU's Lua 5.1 port (lfs-format.md
** §B5), given to lfsc as an input as luac.cross accepts it: the mirror of
** lc51_write.c, field by field, validated like the port's lundump.c. Local
** and upvalue-name records are read and dropped (§B1); the packed line info
** is kept as it is and must decode to one line per instruction.
*/
#include <string.h>
#include "lfsc_int.h"

static const uint8_t header51[12] = { 0x1b, 'L', 'u', 'a', 0x51, 0, 1, 4, 4, 4, 8, 0 };

struct rd {
	struct image *im;
	struct cursor c;
	struct lfsc_error *err;
	int ret;
};

static int fail(struct rd *r, int code, const char *what)
{
	if (!r->ret) {
		r->ret = error_set(r->err, code, NULL, 0, "%s", what);
		if (r->err)
			r->err->column = (int)cursor_offset(&r->c);
	}
	return r->ret;
}

static int check(struct rd *r)
{
	if (r->c.bad)
		fail(r, LFSC_ERR_FORMAT, "truncated precompiled chunk");
	return r->ret;
}

static int count(struct rd *r, size_t per)
{
	uint32_t v = cursor_u32(&r->c);

	if (!check(r) && v > cursor_left(&r->c) / per)
		fail(r, LFSC_ERR_FORMAT, "truncated precompiled chunk");
	return r->ret ? 0 : (int)v;
}

static void align(struct rd *r)
{
	cursor_take(&r->c, (4 - cursor_offset(&r->c) % 4) % 4);
}

static int32_t string(struct rd *r)
{
	uint32_t size = cursor_u32(&r->c);
	const uint8_t *q;
	int id;

	if (check(r) || size == 0)
		return -1;
	if (!(q = cursor_take(&r->c, size)) || check(r))
		return -1;
	if (q[size - 1] != 0) {
		fail(r, LFSC_ERR_FORMAT, "string without its terminating zero");
		return -1;
	}
	if ((id = strtab_intern(&r->im->strs, (const char *)q, size - 1)) < 0)
		fail(r, LFSC_ERR_MEM, "out of memory");
	return id;
}

static void *array(struct rd *r, int n, size_t size)
{
	void *a;

	if (n == 0 || r->ret)
		return NULL;
	if (!(a = mem_calloc(r->im->mem, (size_t)n, size)))
		fail(r, LFSC_ERR_MEM, "out of memory");
	return a;
}

static void constants(struct rd *r, struct proto *f)
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

static void debug(struct rd *r, struct proto *f)
{
	int i, n = count(r, 1), *lines;
	const uint8_t *q;

	align(r);
	if (n && (q = cursor_take(&r->c, (size_t)n)) && (f->lineinfo = array(r, n, 1))) {
		memcpy(f->lineinfo, q, (size_t)n);
		f->sizelineinfo = n;
		lines = array(r, f->sizecode + 1, sizeof *lines);
		if (lines && lineinfo_unpack(f->lineinfo, n, lines, f->sizecode))
			fail(r, LFSC_ERR_FORMAT, "line info does not match the instructions");
		mem_free(r->im->mem, lines, ((size_t)f->sizecode + 1) * sizeof *lines);
	}
	n = count(r, 12);                         /* locals: dropped (§B1) */
	for (i = 0; i < n && !check(r); i++) {
		string(r);
		cursor_take(&r->c, 8);
	}
	n = count(r, 4);                          /* upvalue names: dropped */
	for (i = 0; i < n && !check(r); i++)
		string(r);
}

static struct proto *function(struct rd *r, int depth)
{
	struct proto *f;
	int i, n;

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
	align(r);
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
	debug(r, f);
	if (check(r)) {
		proto_free(r->im->mem, f);
		return NULL;
	}
	return f;
}

int lc51_parse(struct image *im, const uint8_t *data, size_t len, struct proto **out,
	       struct lfsc_error *err)
{
	struct rd r = { im, { 0 }, err, 0 };
	const uint8_t *q;

	cursor_init(&r.c, data, len);
	*out = NULL;
	q = cursor_take(&r.c, 4);
	if (!q || memcmp(q, "\x1bLua", 4))
		return fail(&r, LFSC_ERR_FORMAT, "not a precompiled chunk");
	q = cursor_take(&r.c, 8);
	if (!q || q[0] != 0x51)
		return fail(&r, LFSC_ERR_FORMAT, "version mismatch in precompiled chunk");
	if (memcmp(q, header51 + 4, 8))
		return fail(&r, LFSC_ERR_FORMAT, "bad header in precompiled chunk");
	*out = function(&r, 0);
	if (!r.ret && (*out)->source < 0)
		fail(&r, LFSC_ERR_FORMAT, "precompiled chunk without a source name");
	if (!r.ret && cursor_left(&r.c))
		fail(&r, LFSC_ERR_FORMAT, "trailing bytes after the precompiled chunk");
	if (r.ret) {
		proto_free(im->mem, *out);
		*out = NULL;
	}
	return r.ret;
}
