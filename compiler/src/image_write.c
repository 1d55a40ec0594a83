/*
** image_write.c - writes the relocatable LFS image, format 11 (lfs-format.md
** §A3), and the Proto record shared with the .lc writer (§A3.7, §A4). Strings
** are written by reference into the image's numbering (§A2.4) or inline.
** Sticky status: field writers never check; the buffer reports once at the end.
*/
#include <string.h>
#include "lfsc_int.h"

void image_write_header(struct buf *w, enum lfsc_target t, int format)
{
	static const uint8_t num32[4] = { 0x00, 0x40, 0xb9, 0x43 };   /* 370.5f */
	static const uint8_t num64[8] = { 0, 0, 0, 0, 0, 0x28, 0x77, 0x40 };
	int isz = image_int_size(t), nsz = image_num_size(t);

	buf_put(w, LFSC_SIGNATURE, 4);
	buf_byte(w, LFSC_VERSION);
	buf_byte(w, format);
	buf_put(w, LFSC_CHECK_BYTES, 6);
	buf_byte(w, 4);            /* sizeof(int) */
	buf_byte(w, 4);            /* sizeof(Instruction) */
	buf_byte(w, isz);
	buf_byte(w, nsz);
	buf_byte(w, 0x20);         /* float tag */
	buf_put(w, nsz == 4 ? num32 : num64, (size_t)nsz);
}

/* §A2.4: a string by reference (tag by length) or inline; 0x50 = absent */
static void string(struct buf *w, const struct image *im, int32_t ref, int inl)
{
	const struct lstr *s = strtab_ref(&im->strs, ref);
	int tag;

	if (!s) {
		buf_byte(w, 0x50);
		return;
	}
	tag = s->len <= LFSC_MAXSHORTLEN ? 5 : 6;
	if (inl) {
		varint_tt(w, tag, (int64_t)s->len + 1);
		buf_put(w, s->s, s->len);
	} else {
		varint_tt(w, tag, ref);
	}
}

/* §A3.8 */
static void constant(struct buf *w, const struct image *im, const struct konst *k,
		     int inl)
{
	int i, nsz = image_num_size(im->target);

	switch (k->tag) {
	case K_NIL: buf_byte(w, 0x00); break;
	case K_BOOL: buf_byte(w, k->b ? 0x11 : 0x10); break;
	case K_FLT:
		buf_byte(w, 0x20);
		for (i = 0; i < nsz; i++)
			buf_byte(w, (int)(k->fbits >> (8 * i)) & 0xff);
		break;
	case K_INT: varint_tt(w, 3, k->i); break;
	default: string(w, im, k->str, inl); break;
	}
}

/* §A3.7: fields 1-19, children before the Proto's own code */
void image_write_proto(struct buf *w, const struct image *im, const struct proto *f,
		       int strip, int inl)
{
	int i;

	string(w, im, f->source, inl);                     /* 1 */
	varint_mbi(w, (uint32_t)f->linedefined);           /* 2 */
	varint_mbi(w, (uint32_t)f->lastlinedefined);       /* 3 */
	buf_byte(w, f->numparams);                         /* 4 */
	buf_byte(w, f->is_vararg);                         /* 5 */
	buf_byte(w, f->maxstacksize);                      /* 6 */
	varint_mbi(w, (uint64_t)f->sizep);                 /* 7 */
	for (i = 0; i < f->sizep; i++)                     /* 8 */
		image_write_proto(w, im, f->p[i], strip, inl);
	varint_mbi(w, (uint64_t)f->sizecode);              /* 9 */
	for (i = 0; i < f->sizecode; i++)                  /* 10 */
		buf_u32(w, f->code[i]);
	varint_mbi(w, (uint64_t)f->sizek);                 /* 11 */
	for (i = 0; i < f->sizek; i++)                     /* 12 */
		constant(w, im, &f->k[i], inl);
	buf_byte(w, strip ? 0 : 1);                        /* 13 */
	varint_mbi(w, (uint64_t)f->sizeupvalues);          /* 14 */
	for (i = 0; i < f->sizeupvalues; i++) {            /* 15 */
		if (!strip)
			string(w, im, f->upvalues[i].name, inl);
		buf_byte(w, f->upvalues[i].instack);
		buf_byte(w, f->upvalues[i].idx);
	}
	varint_mbi(w, (uint64_t)f->sizelineinfo);          /* 16 */
	buf_put(w, f->lineinfo, (size_t)f->sizelineinfo);  /* 17 */
	varint_mbi(w, strip ? 0 : (uint64_t)f->sizelocvars);   /* 18 */
	for (i = 0; !strip && i < f->sizelocvars; i++) {   /* 19 */
		string(w, im, f->locvars[i].name, inl);
		varint_mbi(w, (uint32_t)f->locvars[i].startpc);
		varint_mbi(w, (uint32_t)f->locvars[i].endpc);
	}
}

int image_write(const struct image *im, int strip, struct lfsc_buffer *out,
		size_t *module_bytes, struct lfsc_error *err)
{
	struct buf w = { im->mem, out, 0 };
	int i;
	int64_t ts = im->timestamp;

	image_write_header(&w, im->target, LFSC_FORMAT_IMAGE);
	varint_tt(&w, 3, (int32_t)im->seed);               /* §A3.2: signed view */
	buf_put(&w, LFSC_MARK_STRINGS, 3);                 /* §A3.3 */
	varint_mbi(&w, (uint64_t)im->maxlen);
	varint_mbi(&w, (uint64_t)im->ns);
	varint_mbi(&w, (uint64_t)im->nl);
	varint_mbi(&w, (uint64_t)im->strs.nvec);
	for (i = 1; i <= im->strs.nvec; i++)               /* §A3.4 */
		string(&w, im, i, 1);
	buf_put(&w, LFSC_MARK_PROTOS, 3);                  /* §A3.6 */
	varint_mbi(&w, (uint64_t)im->nmodules);
	for (i = 0; i < im->nmodules; i++) {
		size_t at = out->len;
		image_write_proto(&w, im, im->mains[i], strip, 0);
		if (module_bytes)
			module_bytes[i] = out->len - at;
	}
	varint_mbi(&w, (uint64_t)im->nmodules + 1);        /* §A3.11 */
	for (i = 0; i < im->nmodules; i++)
		string(&w, im, im->names[i], 0);
	if (image_int_size(im->target) == 4)
		ts = (int32_t)ts;                          /* truncated to int */
	varint_tt(&w, 3, ts);
	if (w.failed)
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory writing image");
	return 0;
}
