/*
** flash_write.c - the in-flash layout of an LFS partition after an on-device
** load at mapped address base, which is also luac.cross's absolute image
** (lfs-format.md §A5, procedure §A5.12). Write-order rules:
**   1. records are appended from byte 48 (the header is written last), each
**      starting on a 4-byte boundary, short records zero-padded (§A5.1);
**   2. strings first: the image's vector, then the 72 fixed strings in the
**      loader's order (§A5.5), each inserted at the head of its ROstrt bucket;
**   3. the ROstrt bucket vector;
**   4. Protos bottom-up, children before parents, each preceded by its child
**      pointers, code, constants, upvalues, line info and locals (§A5.7);
**   5. the module-index ROTable entries, terminator, then its header (§A5.8);
**   6. the 48-byte header (§A5.2). Padding the loader leaves uninitialised
**      (§A5.10) is written as zero.
*/
#include <string.h>
#include "lfsc_int.h"

struct flash {
	const struct image *im;
	struct buf w;
	uint32_t base;
	uint32_t *ts;              /* TString address per reference 1..nvec+72 */
	uint32_t *bucket;
	uint32_t nbuckets;
	uint32_t proto_head;       /* address of the last Proto written */
	int tvsize;                /* TValue bytes: 8, or 12 with 64-bit numbers */
	size_t start;              /* offset of the header in the output buffer */
};

static uint32_t here(const struct flash *f)
{
	return f->base + (uint32_t)(f->w.b->len - f->start);
}

static void align(struct flash *f)
{
	buf_zero(&f->w, (4 - (f->w.b->len - f->start) % 4) % 4);
}

/* §A5.4: Lua 5.3's string hash with the image seed */
static uint32_t hash(const char *s, size_t len, uint32_t seed)
{
	uint32_t h = seed ^ (uint32_t)len;
	size_t step = (len >> 5) + 1, l;

	for (l = len; l >= step; l -= step)
		h ^= (h << 5) + (h >> 2) + (uint8_t)s[l - 1];
	return h;
}

/* §A5.3: one TString record; returns its address */
static uint32_t tstring(struct flash *f, const struct lstr *s, int extra,
			uint32_t *short_head, uint32_t *long_head)
{
	uint32_t at = here(f), h = hash(s->s, s->len, f->im->seed);
	int is_short = s->len <= LFSC_MAXSHORTLEN;
	uint32_t *head = is_short ? short_head : long_head;

	buf_u32(&f->w, *head);
	buf_byte(&f->w, is_short ? 0x04 : 0x14);    /* tt */
	buf_byte(&f->w, 0x60);                      /* marked: LFS + fixed */
	buf_byte(&f->w, is_short ? extra : 1);
	buf_byte(&f->w, is_short ? (int)s->len : 0);
	buf_u32(&f->w, h);
	if (is_short) {
		uint32_t *b = &f->bucket[h & (f->nbuckets - 1)];
		buf_u32(&f->w, *b);             /* bucket chain, insert at head */
		*b = at;
	} else {
		buf_u32(&f->w, s->len);
	}
	buf_put(&f->w, s->s, s->len);
	buf_byte(&f->w, 0);
	align(f);
	*head = at;
	return at;
}

static uint32_t ts_addr(const struct flash *f, int32_t ref)
{
	return ref > 0 ? f->ts[ref] : 0;
}

/* §A5.6 TValue */
static void tvalue(struct flash *f, const struct konst *k)
{
	uint64_t v = 0;
	uint32_t tag = 0;

	switch (k->tag) {
	case K_NIL: break;
	case K_BOOL: v = k->b; tag = 0x01; break;
	case K_FLT: v = k->fbits; tag = 0x03; break;
	case K_INT: v = (uint64_t)k->i; tag = 0x13; break;
	default: {
		const struct lstr *s = strtab_ref(&f->im->strs, k->str);
		v = ts_addr(f, k->str);
		tag = s && s->len > LFSC_MAXSHORTLEN ? 0x54 : 0x44;
	}
	}
	buf_u32(&f->w, (uint32_t)v);
	if (f->tvsize == 12)
		buf_u32(&f->w, tag == 0x13 || tag == 0x03 ? (uint32_t)(v >> 32) : 0);
	buf_u32(&f->w, tag);
}

/* §A5.7: one Proto and its subtree; returns the Proto record's address */
static uint32_t proto(struct flash *f, const struct proto *p, uint32_t source)
{
	uint32_t child[256], *children = child, at_p, at_code, at_k, at_up = 0;
	uint32_t at_line = 0, at_loc, at;
	int i;

	if (p->source > 0)
		source = ts_addr(f, p->source);
	if (p->sizep > 256) {
		children = mem_calloc(f->im->mem, (size_t)p->sizep, sizeof *children);
		if (!children) {
			f->w.failed = 1;
			return 0;
		}
	}
	for (i = 0; i < p->sizep; i++)                          /* 1 */
		children[i] = proto(f, p->p[i], source);
	at_p = here(f);                                         /* 2 */
	for (i = 0; i < p->sizep; i++)
		buf_u32(&f->w, children[i]);
	if (children != child)
		mem_free(f->im->mem, children, (size_t)p->sizep * sizeof *children);
	at_code = here(f);                                      /* 3 */
	for (i = 0; i < p->sizecode; i++)
		buf_u32(&f->w, p->code[i]);
	at_k = here(f);                                         /* 4 */
	for (i = 0; i < p->sizek; i++)
		tvalue(f, &p->k[i]);
	if (p->sizeupvalues) {                                  /* 5 */
		at_up = here(f);
		for (i = 0; i < p->sizeupvalues; i++) {
			buf_u32(&f->w, ts_addr(f, p->upvalues[i].name));
			buf_byte(&f->w, p->upvalues[i].instack);
			buf_byte(&f->w, p->upvalues[i].idx);
			buf_zero(&f->w, 2);
		}
	}
	if (p->sizelineinfo) {                                  /* 6 */
		at_line = here(f);
		buf_put(&f->w, p->lineinfo, (size_t)p->sizelineinfo);
		align(f);
	}
	at_loc = here(f);                                       /* 7 */
	for (i = 0; i < p->sizelocvars; i++) {
		buf_u32(&f->w, ts_addr(f, p->locvars[i].name));
		buf_u32(&f->w, (uint32_t)p->locvars[i].startpc);
		buf_u32(&f->w, (uint32_t)p->locvars[i].endpc);
	}
	at = here(f);                                           /* 8 */
	buf_u32(&f->w, f->proto_head);
	buf_byte(&f->w, 0x09);
	buf_byte(&f->w, 0x21);     /* LFS bit + the white luac.cross wrote (§A5.7) */
	buf_byte(&f->w, p->numparams);
	buf_byte(&f->w, p->is_vararg);
	buf_byte(&f->w, p->maxstacksize);
	buf_zero(&f->w, 3);
	buf_u32(&f->w, (uint32_t)p->sizeupvalues);
	buf_u32(&f->w, (uint32_t)p->sizek);
	buf_u32(&f->w, (uint32_t)p->sizecode);
	buf_u32(&f->w, (uint32_t)p->sizelineinfo);
	buf_u32(&f->w, (uint32_t)p->sizep);
	buf_u32(&f->w, (uint32_t)p->sizelocvars);
	buf_u32(&f->w, (uint32_t)p->linedefined);
	buf_u32(&f->w, (uint32_t)p->lastlinedefined);
	buf_u32(&f->w, at_k);
	buf_u32(&f->w, at_code);
	buf_u32(&f->w, at_p);
	buf_u32(&f->w, at_line);
	buf_u32(&f->w, at_loc);
	buf_u32(&f->w, at_up);
	buf_u32(&f->w, source);
	buf_u32(&f->w, 0);         /* gclist */
	f->proto_head = at;
	return at;
}

static void put_u32_at(struct lfsc_buffer *b, size_t off, uint32_t v)
{
	b->data[off] = v & 0xff;
	b->data[off + 1] = (v >> 8) & 0xff;
	b->data[off + 2] = (v >> 16) & 0xff;
	b->data[off + 3] = v >> 24;
}

int flash_write(const struct image *im, uint32_t base, struct lfsc_buffer *out,
		size_t *module_bytes, struct lfsc_error *err)
{
	struct flash f = { im, { im->mem, out, 0 }, base, NULL, NULL, 1, base, 8, out->len };
	size_t start = out->len, nts = (size_t)im->strs.nvec + LFSC_NFIXED_LOADER + 1;
	uint32_t short_head = base, long_head = base, oROhash, rotable, entries;
	uint32_t *mains = NULL, hdr[12];
	int i, ret = LFSC_ERR_MEM, any_long = 0;

	if (image_num_size(im->target) == 8)
		f.tvsize = 12;
	while (f.nbuckets < (uint32_t)im->ns)        /* §A5.2 nROsize */
		f.nbuckets <<= 1;
	f.ts = mem_calloc(im->mem, nts, sizeof *f.ts);
	f.bucket = mem_calloc(im->mem, f.nbuckets, sizeof *f.bucket);
	mains = mem_calloc(im->mem, (size_t)im->nmodules + 1, sizeof *mains);
	if (!f.ts || !f.bucket || !mains)
		goto out;
	buf_zero(&f.w, LFSC_FLASH_HEADER);           /* filled last (rule 6) */

	for (i = 1; i <= im->strs.nvec; i++) {       /* rule 2 */
		const struct lstr *s = strtab_ref(&im->strs, i);
		any_long |= s->len > LFSC_MAXSHORTLEN;
		f.ts[i] = tstring(&f, s, 0, &short_head, &long_head);
	}
	for (i = 1; i <= LFSC_NFIXED_LOADER; i++) {
		const char *s = strtab_fixed_loader(i);
		struct lstr l = { s, (uint32_t)strlen(s) };
		f.ts[im->strs.nvec + i] = tstring(&f, &l, i <= 22 ? i : 0,
						  &short_head, &long_head);
	}
	oROhash = here(&f);                          /* rule 3 */
	for (i = 0; i < (int)f.nbuckets; i++)
		buf_u32(&f.w, f.bucket[i]);
	for (i = 0; i < im->nmodules; i++) {         /* rule 4 */
		size_t at = out->len;
		mains[i] = proto(&f, im->mains[i], 0);
		if (module_bytes)
			module_bytes[i] = out->len - at;
	}
	entries = here(&f);                          /* rule 5 */
	for (i = 0; i < im->nmodules; i++) {
		buf_u32(&f.w, ts_addr(&f, im->names[i]) + 16);   /* name text */
		buf_u32(&f.w, mains[i]);
		if (f.tvsize == 12)
			buf_u32(&f.w, 0);
		buf_u32(&f.w, 0x02);                 /* light userdata */
	}
	buf_zero(&f.w, (size_t)f.tvsize + 4);
	rotable = here(&f);
	buf_u32(&f.w, 1);
	buf_byte(&f.w, 0x15);
	buf_byte(&f.w, 0);
	buf_byte(&f.w, 0xff);
	buf_byte(&f.w, im->nmodules & 0xff);
	buf_u32(&f.w, 0);
	buf_u32(&f.w, entries);
	if (f.w.failed)
		goto out;

	hdr[0] = LFSC_FLASH_SIG;                     /* rule 6, §A5.2 */
	hdr[1] = (uint32_t)(out->len - start);
	hdr[2] = im->seed;
	hdr[3] = (uint32_t)im->timestamp;
	hdr[4] = (uint32_t)im->ns;
	hdr[5] = f.nbuckets;
	hdr[6] = (oROhash - base) / 4;
	hdr[7] = (rotable - base) / 4;
	hdr[8] = im->nmodules ? (f.proto_head - base) / 4 : 0;
	hdr[9] = (short_head - base) / 4;
	hdr[10] = any_long ? (long_head - base) / 4 : 0;
	hdr[11] = 0;
	for (i = 0; i < 12; i++)
		put_u32_at(out, start + 4 * (size_t)i, hdr[i]);
	ret = 0;
out:
	mem_free(im->mem, f.ts, nts * sizeof *f.ts);
	mem_free(im->mem, f.bucket, f.nbuckets * sizeof *f.bucket);
	mem_free(im->mem, mains, ((size_t)im->nmodules + 1) * sizeof *mains);
	if (ret)
		error_set(err, ret, NULL, 0, "out of memory laying out flash");
	return ret;
}

/* The sizes flash_write() produces, computed from the record sizes alone
** (same rules 1-6): returns flash_size; module_bytes as in flash_write(). */
static size_t measure_proto(const struct proto *p, int tvsize)
{
	size_t n = 76 + 4 * (size_t)p->sizep + 4 * (size_t)p->sizecode +
		   (size_t)tvsize * (size_t)p->sizek + 8 * (size_t)p->sizeupvalues +
		   (((size_t)p->sizelineinfo + 3) & ~(size_t)3) + 12 * (size_t)p->sizelocvars;
	int i;

	for (i = 0; i < p->sizep; i++)
		n += measure_proto(p->p[i], tvsize);
	return n;
}

static size_t measure_string(size_t len)
{
	return 16 + ((len + 1 + 3) & ~(size_t)3);
}

size_t flash_measure(const struct image *im, size_t *module_bytes)
{
	int tvsize = image_num_size(im->target) == 8 ? 12 : 8, i;
	size_t n = LFSC_FLASH_HEADER, nbuckets = 1;

	for (i = 1; i <= im->strs.nvec; i++)
		n += measure_string(strtab_ref(&im->strs, i)->len);
	for (i = 1; i <= LFSC_NFIXED_LOADER; i++)
		n += measure_string(strlen(strtab_fixed_loader(i)));
	while (nbuckets < (size_t)im->ns)
		nbuckets <<= 1;
	n += 4 * nbuckets;
	for (i = 0; i < im->nmodules; i++) {
		size_t m = measure_proto(im->mains[i], tvsize);
		if (module_bytes)
			module_bytes[i] = m;
		n += m;
	}
	return n + ((size_t)im->nmodules + 1) * ((size_t)tvsize + 4) + 16;
}
