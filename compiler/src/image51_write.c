/*
** image51_write.c - the raw LFS image of NodeMCU's Lua 5.1 port and its
** relocation bitmap (lfs-format.md §B2-§B3), laid out exactly as luac.cross's
** lflashimg.c allocates it:
**   1. the 8-word header (flash_size and mainProto filled last);
**   2. the ROstrt bucket vector (nROsize words);
**   3. one record per string, in rostrt51_order(), each inserted at the head
**      of its bucket: the strings of a pre-order walk from the index function
**      over sources, packed line info, string constants (§B3.2);
**   4. the Protos, children first; per Proto its child vector, constants,
**      code, then the 72-byte record (§B3.3); the index function (§B3.4) last.
** Every pointer is a word offset from the image start and its word is tagged
** in the bitmap; NULL is 0 and untagged. image51_relocate() relocates.
*/
#include <string.h>
#include "lfsc_int.h"

#define SIG51           0xfafaa154u   /* 0xFAFAA050 | version 1 << 8 | packed TValues */
#define SIG51_ABSOLUTE  0x01u
#define HEADER_BYTES    32
#define MAX_BYTES       (0x10000 * 4) /* LUA_MAX_FLASH_SIZE words */

struct img51 {
	struct image *im;
	struct buf w;              /* the raw image */
	struct lfsc_buffer *tags;  /* the bitmap, as little-endian words */
	uint32_t *rec;             /* string id -> record offset (0: none) */
};

static size_t here(const struct img51 *s)
{
	return s->w.b->len;
}

static void tag(struct img51 *s, size_t word)
{
	size_t need = (word / 32 + 1) * 4;

	if (s->tags->len < need) {
		struct buf t = { s->im->mem, s->tags, 0 };
		buf_zero(&t, need - s->tags->len);
		s->w.failed |= t.failed;
	}
	if (!s->w.failed)
		s->tags->data[word / 32 * 4 + (word % 32) / 8] |= (uint8_t)(1u << (word % 8));
}

/* a pointer to byte offset `to` (0 = NULL, untagged) */
static void ptr(struct img51 *s, size_t to)
{
	if (to)
		tag(s, here(s) / 4);
	buf_u32(&s->w, (uint32_t)(to / 4));
}

static void align(struct img51 *s)
{
	buf_zero(&s->w, (4 - here(s) % 4) % 4);
}

/* the id of a Proto's packed line info as a string, or -1 */
static int32_t lineinfo_id(struct image *im, const struct proto *f)
{
	if (f->sizelineinfo < 2)
		return -1;
	return strtab_intern(&im->strs, (const char *)f->lineinfo, (size_t)f->sizelineinfo - 1);
}

/* lflashimg.c scanProtoStrings: appends to ids[*n] (room for all) */
static int collect(struct image *im, const struct proto *f, int32_t source,
		   int32_t *ids, int *n)
{
	int i, li = lineinfo_id(im, f);

	if (f->sizelineinfo >= 2 && li < 0)
		return -1;
	ids[(*n)++] = f->source >= 0 ? f->source : source;
	if (li >= 0)
		ids[(*n)++] = li;
	for (i = 0; i < f->sizek; i++)
		if (f->k[i].tag == K_STR)
			ids[(*n)++] = f->k[i].str;
	for (i = 0; i < f->sizep; i++)
		if (collect(im, f->p[i], f->source >= 0 ? f->source : source, ids, n))
			return -1;
	return 0;
}

static int slots(const struct proto *f)
{
	int i, n = 2 + f->sizek;

	for (i = 0; i < f->sizep; i++)
		n += slots(f->p[i]);
	return n;
}

/* §B3.2: bucket vector and string records; fills s->rec */
static void strings(struct img51 *s, const int32_t *order, int n)
{
	const struct strtab *t = &s->im->strs;
	uint32_t nsize = rostrt51_size((uint32_t)n);
	size_t vec = here(s);
	int i;

	buf_zero(&s->w, 4 * (size_t)nsize);
	if (s->w.failed)
		return;
	for (i = 0; i < n; i++) {
		const struct lstr *str = &t->str[order[i]];
		uint32_t h = rostrt51_hash(str->s, str->len);
		size_t at = here(s), b = vec + 4 * (h & (nsize - 1));
		ptr(s, s->w.failed ? 0 : 4 * (size_t)get_u32(s->w.b->data + b));  /* next */
		buf_byte(&s->w, 0x04);           /* tt: LUA_TSTRING */
		buf_byte(&s->w, 0x40);           /* marked: the port's LFS bit */
		buf_zero(&s->w, 2);
		buf_u32(&s->w, h);
		buf_u32(&s->w, str->len);
		buf_put(&s->w, str->s, str->len);
		buf_byte(&s->w, 0);
		align(s);
		if (s->w.failed)
			return;
		put_u32(s->w.b->data + b, (uint32_t)(at / 4));
		tag(s, b / 4);
		s->rec[order[i]] = (uint32_t)at;
	}
	put_u32(s->w.b->data + 16, (uint32_t)n);       /* nROuse */
	put_u32(s->w.b->data + 20, nsize);              /* nROsize */
}

/* §B3.3 TValue, packed (12 bytes) */
static void tvalue(struct img51 *s, const struct konst *k)
{
	switch (k->tag) {
	case K_BOOL: buf_u32(&s->w, k->b); buf_u32(&s->w, 0); buf_u32(&s->w, 1); break;
	case K_FLT:
		buf_u32(&s->w, (uint32_t)k->fbits);
		buf_u32(&s->w, (uint32_t)(k->fbits >> 32));
		buf_u32(&s->w, 3);
		break;
	case K_STR: ptr(s, s->rec[k->str]); buf_u32(&s->w, 0); buf_u32(&s->w, 4); break;
	default: buf_zero(&s->w, 8); buf_u32(&s->w, 0); break;
	}
}

/* lflashimg.c functionToFlash: returns the record's offset */
static size_t proto(struct img51 *s, const struct proto *f, int32_t source, size_t *child_bytes)
{
	size_t child[64], *children = child, at_p = 0, at_k = 0, at_code, at, li = 0;
	int i, lid;

	if (f->source >= 0)
		source = f->source;
	if (f->sizep > 64 && !(children = mem_calloc(s->im->mem, (size_t)f->sizep,
						       sizeof *children))) {
		s->w.failed = 1;
		return 0;
	}
	for (i = 0; i < f->sizep; i++) {
		size_t from = here(s);
		children[i] = proto(s, f->p[i], source, NULL);
		if (child_bytes)
			child_bytes[i] = here(s) - from;
	}
	if (f->sizep) {
		at_p = here(s);
		for (i = 0; i < f->sizep; i++)
			ptr(s, children[i]);
	}
	if (children != child)
		mem_free(s->im->mem, children, (size_t)f->sizep * sizeof *children);
	if (f->sizek) {
		at_k = here(s);
		for (i = 0; i < f->sizek; i++)
			tvalue(s, &f->k[i]);
	}
	at_code = here(s);
	for (i = 0; i < f->sizecode; i++)
		buf_u32(&s->w, f->code[i]);
	lid = lineinfo_id(s->im, f);
	if (lid >= 0)
		li = s->rec[lid] + 16;            /* the text of its string record */
	at = here(s);
	buf_zero(&s->w, 8);                       /* next, tt/marked: zero */
	ptr(s, at_k);
	ptr(s, at_code);
	ptr(s, at_p);
	ptr(s, li);
	buf_zero(&s->w, 8);                       /* locvars, upvalues: none */
	ptr(s, s->rec[source]);
	buf_u32(&s->w, 0);                        /* sizeupvalues */
	buf_u32(&s->w, (uint32_t)f->sizek);
	buf_u32(&s->w, (uint32_t)f->sizecode);
	buf_u32(&s->w, (uint32_t)f->sizep);
	buf_u32(&s->w, 0);                        /* sizelocvars */
	buf_u32(&s->w, (uint32_t)f->linedefined);
	buf_u32(&s->w, (uint32_t)f->lastlinedefined);
	buf_u32(&s->w, 0);                        /* gclist */
	buf_byte(&s->w, f->nups);
	buf_byte(&s->w, f->numparams);
	buf_byte(&s->w, f->is_vararg);
	buf_byte(&s->w, f->maxstacksize);
	return at;
}

int image51_write(struct image *im, struct lfsc_buffer *raw, struct lfsc_buffer *bitmap,
		  size_t *module_bytes, struct lfsc_error *err)
{
	struct img51 s = { im, { im->mem, raw, 0 }, bitmap, NULL };
	struct proto *main = index51_lookup(im);
	int32_t *ids = NULL;
	int n = 0, nslots = 0, i, ret = LFSC_ERR_MEM;
	size_t main_at;

	if (!main)
		goto out;
	nslots = slots(main);
	ids = mem_calloc(im->mem, (size_t)nslots, sizeof *ids);
	if (!ids || collect(im, main, -1, ids, &n))
		goto out;
	s.rec = mem_calloc(im->mem, (size_t)im->strs.n, sizeof *s.rec);
	if (!s.rec || (n = rostrt51_order(im->mem, &im->strs, ids, n, ids)) < 0) {
		if (n == -2)
			ret = error_set(err, LFSC_ERR_LIMIT, NULL, 0,
					"string table order cannot be reproduced");
		goto out;
	}
	buf_u32(&s.w, SIG51);                          /* §B3.1 */
	buf_zero(&s.w, 8);                             /* flash_size, mainProto */
	ptr(&s, HEADER_BYTES);                         /* pROhash: always word 8 */
	buf_zero(&s.w, 16);                            /* nROuse, nROsize, fill */
	strings(&s, ids, n);
	main_at = proto(&s, main, -1, module_bytes);
	if (s.w.failed)
		goto out;
	if (raw->len > MAX_BYTES) {
		ret = error_set(err, LFSC_ERR_LIMIT, NULL, 0, "Out of Flash memory");
		goto out;
	}
	put_u32(raw->data + 4, (uint32_t)raw->len);
	put_u32(raw->data + 8, (uint32_t)(main_at / 4));
	tag(&s, 2);
	i = (int)((raw->len / 4 + 31) / 32 * 4);       /* §B2 bitmap length */
	if (bitmap->len < (size_t)i) {
		struct buf t = { im->mem, bitmap, 0 };
		buf_zero(&t, (size_t)i - bitmap->len);
		s.w.failed |= t.failed;
	}
	ret = s.w.failed ? LFSC_ERR_MEM : 0;
out:
	if (ret == LFSC_ERR_MEM)
		error_set(err, ret, NULL, 0, "out of memory writing the image");
	mem_free(im->mem, ids, (size_t)nslots * sizeof *ids);
	mem_free(im->mem, s.rec, (size_t)im->strs.n * sizeof *s.rec);
	index51_free(im->mem, main);
	return ret;
}

void image51_relocate(uint8_t *raw, size_t len, const uint8_t *bitmap, size_t bitmap_len,
		      uint32_t base, int absolute)
{
	size_t i, words = len / 4, nbytes = (words + 7) / 8;
	unsigned bits;

	if (nbytes > bitmap_len)
		nbytes = bitmap_len;
	for (i = 0; i < nbytes; i++)               /* most bytes are 0: skip them */
		for (bits = bitmap[i]; bits; bits &= bits - 1) {
			size_t w = 8 * i + (size_t)__builtin_ctz(bits);
			if (w < words)
				put_u32(raw + 4 * w, base + 4 * get_u32(raw + 4 * w));
		}
	if (len >= 4)
		put_u32(raw, (get_u32(raw) & ~SIG51_ABSOLUTE) | (absolute ? SIG51_ABSOLUTE : 0));
}
