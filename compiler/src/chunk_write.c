/*
** chunk_write.c - writes one prototype tree (string ids, not references) as
** the standard Lua 5.3 binary chunk that the reference lua_load reads (the
** ldump.c layout: host int and size_t, the target's lua_Integer and
** lua_Number). lfs-device uses it to run modules read back from its flash.
** Line info is unpacked from LCD into one int per instruction.
*/
#include <string.h>
#include "lfsc_int.h"

struct cw {
	const struct image *im;
	struct buf w;
	int isz, nsz;
};

static void u64(struct cw *c, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf_byte(&c->w, (int)(v >> (8 * i)) & 0xff);
}

static void integer(struct cw *c, int32_t v)
{
	u64(c, (uint32_t)v, 4);
}

static void string(struct cw *c, int32_t id)
{
	const struct lstr *s;
	uint64_t size;

	if (id < 0 || id >= c->im->strs.n) {
		buf_byte(&c->w, 0);
		return;
	}
	s = &c->im->strs.str[id];
	size = (uint64_t)s->len + 1;
	if (size < 0xff) {
		buf_byte(&c->w, (int)size);
	} else {
		buf_byte(&c->w, 0xff);
		u64(c, size, (int)sizeof(size_t));
	}
	buf_put(&c->w, s->s, s->len);
}

static void function(struct cw *c, const struct proto *f)
{
	int i, any_name = 0;

	string(c, f->source);
	integer(c, f->linedefined);
	integer(c, f->lastlinedefined);
	buf_byte(&c->w, f->numparams);
	buf_byte(&c->w, f->is_vararg);
	buf_byte(&c->w, f->maxstacksize);
	integer(c, f->sizecode);
	for (i = 0; i < f->sizecode; i++)
		u64(c, f->code[i], 4);
	integer(c, f->sizek);
	for (i = 0; i < f->sizek; i++) {
		const struct konst *k = &f->k[i];
		switch (k->tag) {
		case K_NIL: buf_byte(&c->w, 0); break;
		case K_BOOL: buf_byte(&c->w, 1); buf_byte(&c->w, k->b); break;
		case K_FLT: buf_byte(&c->w, 3); u64(c, k->fbits, c->nsz); break;
		case K_INT: buf_byte(&c->w, 0x13); u64(c, (uint64_t)k->i, c->isz); break;
		default:
			buf_byte(&c->w, c->im->strs.str[k->str].len > LFSC_MAXSHORTLEN ? 0x14 : 4);
			string(c, k->str);
		}
	}
	integer(c, f->sizeupvalues);
	for (i = 0; i < f->sizeupvalues; i++) {
		buf_byte(&c->w, f->upvalues[i].instack);
		buf_byte(&c->w, f->upvalues[i].idx);
		any_name |= f->upvalues[i].name >= 0;
	}
	integer(c, f->sizep);
	for (i = 0; i < f->sizep; i++)
		function(c, f->p[i]);
	proto_put_lines(f, &c->w);
	integer(c, f->sizelocvars);
	for (i = 0; i < f->sizelocvars; i++) {
		string(c, f->locvars[i].name);
		integer(c, f->locvars[i].startpc);
		integer(c, f->locvars[i].endpc);
	}
	integer(c, any_name ? f->sizeupvalues : 0);
	for (i = 0; any_name && i < f->sizeupvalues; i++)
		string(c, f->upvalues[i].name);
}

int chunk_write(const struct image *im, const struct proto *main, struct lfsc_buffer *out)
{
	struct cw c = { im, { im->mem, out, 0 }, image_int_size(im->target),
			image_num_size(im->target) };
	float f = 370.5f;
	double d = 370.5;
	uint32_t fb;
	uint64_t db;

	buf_put(&c.w, LFSC_SIGNATURE, 4);
	buf_byte(&c.w, 0x53);
	buf_byte(&c.w, 0);                        /* official format */
	buf_put(&c.w, LFSC_CHECK_BYTES, 6);
	buf_byte(&c.w, (int)sizeof(int));
	buf_byte(&c.w, (int)sizeof(size_t));
	buf_byte(&c.w, 4);                        /* Instruction */
	buf_byte(&c.w, c.isz);
	buf_byte(&c.w, c.nsz);
	u64(&c, 0x5678, c.isz);                   /* LUAC_INT */
	memcpy(&fb, &f, 4);
	memcpy(&db, &d, 8);
	u64(&c, c.nsz == 4 ? fb : db, c.nsz);     /* LUAC_NUM */
	buf_byte(&c.w, main->sizeupvalues);
	function(&c, main);
	return c.w.failed ? LFSC_ERR_MEM : 0;
}
