/*
** chunk51_write.c - writes one prototype tree (string ids) as the standard
** Lua 5.1 binary chunk that the reference lua_load of this host reads
** (ldump.c: little-endian, int 4, size_t of the host, Instruction 4,
** double). lfs-device uses it to run modules read back from a 5.1 LFS
** partition, as chunk_write.c does for 5.3; the packed line info is unpacked
** to one line per instruction (§B3.3). No locals or upvalue names exist.
*/
#include <string.h>
#include "lfsc_int.h"

struct cw {
	const struct image *im;
	struct buf w;
};

static void integer(struct cw *c, int32_t v)
{
	buf_u32(&c->w, (uint32_t)v);
}

static void size(struct cw *c, uint64_t v)
{
	buf_u32(&c->w, (uint32_t)v);
	if (sizeof(size_t) == 8)
		buf_u32(&c->w, (uint32_t)(v >> 32));
}

static void string(struct cw *c, int32_t id)
{
	const struct lstr *s;

	if (id < 0 || id >= c->im->strs.n) {
		size(c, 0);
		return;
	}
	s = &c->im->strs.str[id];
	size(c, (uint64_t)s->len + 1);
	buf_put(&c->w, s->s, s->len);
	buf_byte(&c->w, 0);
}

static void function(struct cw *c, const struct proto *f)
{
	int i;

	string(c, f->source);
	integer(c, f->linedefined);
	integer(c, f->lastlinedefined);
	buf_byte(&c->w, f->nups);
	buf_byte(&c->w, f->numparams);
	buf_byte(&c->w, f->is_vararg);
	buf_byte(&c->w, f->maxstacksize);
	integer(c, f->sizecode);
	for (i = 0; i < f->sizecode; i++)
		buf_u32(&c->w, f->code[i]);
	integer(c, f->sizek);
	for (i = 0; i < f->sizek; i++) {
		const struct konst *k = &f->k[i];
		switch (k->tag) {
		case K_BOOL: buf_byte(&c->w, 1); buf_byte(&c->w, k->b); break;
		case K_FLT:
			buf_byte(&c->w, 3);
			buf_u32(&c->w, (uint32_t)k->fbits);
			buf_u32(&c->w, (uint32_t)(k->fbits >> 32));
			break;
		case K_STR: buf_byte(&c->w, 4); string(c, k->str); break;
		default: buf_byte(&c->w, 0); break;
		}
	}
	integer(c, f->sizep);
	for (i = 0; i < f->sizep; i++)
		function(c, f->p[i]);
	proto_put_lines(f, &c->w);
	integer(c, 0);                     /* locals */
	integer(c, 0);                     /* upvalue names */
}

int chunk51_write(const struct image *im, const struct proto *main, struct lfsc_buffer *out)
{
	static const uint8_t header[12] = { 0x1b, 'L', 'u', 'a', 0x51, 0, 1, 4,
					    (uint8_t)sizeof(size_t), 4, 8, 0 };
	struct cw c = { im, { im->mem, out, 0 } };

	buf_put(&c.w, header, sizeof header);
	function(&c, main);
	return c.w.failed ? LFSC_ERR_MEM : 0;
}
