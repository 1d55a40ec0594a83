/*
** lc51_write.c - the .lc file of NodeMCU's Lua 5.1 port (lfs-format.md §B5,
** the port's ldump.c): stock 5.1 layout for a 32-bit little-endian target
** with size_t 4, the code and the packed line info each aligned to a 4-byte
** file offset, line info as the port packs it (no local or upvalue records
** ever, §B1). -s drops sources and all debug data. Several inputs are
** wrapped in luac.cross's sequence main, or with -i in its lookup main.
** Sticky status: field writers never check; the buffer reports at the end.
*/
#include <string.h>
#include "lfsc_int.h"

static const uint8_t header51[12] = { 0x1b, 'L', 'u', 'a', 0x51, 0, 1, 4, 4, 4, 8, 0 };

struct lc {
	const struct image *im;
	struct buf w;
	size_t start;              /* offset of the header in the buffer */
	int strip;
};

static void align(struct lc *d)            /* ldump.c Align4 */
{
	buf_zero(&d->w, (4 - (d->w.b->len - d->start) % 4) % 4);
}

static void string(struct lc *d, int32_t id)
{
	const struct lstr *s;

	if (id < 0) {
		buf_u32(&d->w, 0);
		return;
	}
	s = &d->im->strs.str[id];
	buf_u32(&d->w, s->len + 1);
	buf_put(&d->w, s->s, s->len);
	buf_byte(&d->w, 0);
}

static void function(struct lc *d, const struct proto *f, int32_t parent)
{
	int32_t source = f->source >= 0 ? f->source : parent;
	int i;

	string(d, source == parent || d->strip ? -1 : source);
	buf_u32(&d->w, (uint32_t)f->linedefined);
	buf_u32(&d->w, (uint32_t)f->lastlinedefined);
	buf_byte(&d->w, f->nups);
	buf_byte(&d->w, f->numparams);
	buf_byte(&d->w, f->is_vararg);
	buf_byte(&d->w, f->maxstacksize);
	buf_u32(&d->w, (uint32_t)f->sizecode);
	align(d);
	for (i = 0; i < f->sizecode; i++)
		buf_u32(&d->w, f->code[i]);
	buf_u32(&d->w, (uint32_t)f->sizek);
	for (i = 0; i < f->sizek; i++) {
		const struct konst *k = &f->k[i];
		switch (k->tag) {
		case K_BOOL: buf_byte(&d->w, 1); buf_byte(&d->w, k->b); break;
		case K_FLT:
			buf_byte(&d->w, 3);
			buf_u32(&d->w, (uint32_t)k->fbits);
			buf_u32(&d->w, (uint32_t)(k->fbits >> 32));
			break;
		case K_STR: buf_byte(&d->w, 4); string(d, k->str); break;
		default: buf_byte(&d->w, 0); break;
		}
	}
	buf_u32(&d->w, (uint32_t)f->sizep);
	for (i = 0; i < f->sizep; i++)
		function(d, f->p[i], source);
	i = d->strip ? 0 : f->sizelineinfo;      /* strlen + 1 */
	buf_u32(&d->w, (uint32_t)i);
	align(d);
	buf_put(&d->w, f->lineinfo, (size_t)i);
	buf_u32(&d->w, 0);                       /* locals */
	buf_u32(&d->w, 0);                       /* upvalue names */
}

int lc51_write(struct image *im, int strip, int module_index, struct lfsc_buffer *out,
	       struct lfsc_error *err)
{
	struct lc d = { im, { im->mem, out, 0 }, out->len, strip };
	struct proto *main = NULL;

	if (im->nmodules > 1 || module_index) {
		main = module_index ? index51_lookup(im) : index51_sequence(im);
		if (!main)
			return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory writing .lc");
	}
	buf_put(&d.w, header51, sizeof header51);
	function(&d, main ? main : im->mains[0], -1);
	index51_free(im->mem, main);
	if (d.w.failed)
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory writing .lc");
	return 0;
}
