/*
** flash_read.c - reads an LFS partition as the firmware finds it after a load
** (lfs-format.md §A5): the 48-byte header, the module-index ROTable, and each
** module's Protos through their absolute pointers, with every pointer checked
** to lie inside the used part of the partition. Strings are read through the
** TString each constant points at, so constants come back exactly as the
** firmware resolves them (the "thread"/"proto" defect of §A5.5 shows).
** A 5.1 partition (target nodemcu-lua51) is read by flash51_read.c.
*/
#include <string.h>
#include "lfsc_int.h"

struct lfsc_flash {
	struct mem mem;            /* the seam of everything below */
	const uint8_t *data;
	uint32_t size;             /* flash_size */
	uint32_t base;
	enum lfsc_target target;
	int tvsize;                /* 8, or 12 with 64-bit numbers */
	int64_t timestamp;
	int nmodules;
	uint32_t cap;              /* entries allocated in names and protos, less 1 */
	char **names;              /* module names, index order */
	uint32_t *protos;          /* module main Proto addresses */
	struct flash51 *f51;       /* nodemcu-lua51: the 5.1 partition instead */
};

struct fr {
	const struct lfsc_flash *fl;
	struct image *im;
	struct lfsc_error *err;
	int ret;
};

static uint32_t word(const struct lfsc_flash *fl, uint32_t off)
{
	const uint8_t *p = fl->data + off;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int bad(struct fr *r, const char *what, uint32_t addr)
{
	if (!r->ret)
		r->ret = error_set(r->err, LFSC_ERR_FORMAT, NULL, 0, "%s at 0x%08x", what, addr);
	return r->ret;
}

/* offset of n bytes at address addr, or -1 when outside the used region */
static int64_t at(const struct lfsc_flash *fl, uint32_t addr, uint64_t n)
{
	uint64_t off = (uint64_t)addr - fl->base;

	if (addr < fl->base || off < LFSC_FLASH_HEADER || off + n > fl->size)
		return -1;
	return (int64_t)off;
}

/* a TString at addr -> interned id */
static int32_t tstring(struct fr *r, uint32_t addr)
{
	const struct lfsc_flash *fl = r->fl;
	int64_t off = at(fl, addr, 16);
	uint32_t len;
	int id;

	if (off < 0)
		return bad(r, "string pointer outside the LFS", addr), -1;
	if (fl->data[off + 4] == 0x04)
		len = fl->data[off + 7];
	else if (fl->data[off + 4] == 0x14)
		len = word(fl, (uint32_t)off + 12);
	else
		return bad(r, "not a string", addr), -1;
	if (at(fl, addr + 16, (uint64_t)len + 1) < 0)
		return bad(r, "string runs outside the LFS", addr), -1;
	id = strtab_intern(&r->im->strs, (const char *)fl->data + off + 16, len);
	if (id < 0 && !r->ret)
		r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	return id;
}

static void *array(struct fr *r, uint32_t n, size_t size)
{
	void *a;

	if (!n || r->ret)
		return NULL;
	a = mem_calloc(r->im->mem, n, size);
	if (!a)
		r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	return a;
}

/* §A5.7 Proto record (76 bytes) and its vectors */
static struct proto *proto(struct fr *r, uint32_t addr, int32_t parent_src, int depth)
{
	const struct lfsc_flash *fl = r->fl;
	int64_t o = at(fl, addr, 76), q = 0;
	struct proto *f;
	uint32_t i, n, a;

	if (depth > LFSC_MAX_DEPTH)
		return bad(r, "Protos nested too deep", addr), NULL;
	if (o < 0 || fl->data[o + 4] != 0x09)
		return bad(r, "not a Proto", addr), NULL;
	if (!(f = proto_new(r->im->mem))) {
		r->ret = error_set(r->err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		return NULL;
	}
	f->numparams = fl->data[o + 6];
	f->is_vararg = fl->data[o + 7];
	f->maxstacksize = fl->data[o + 8];
	f->linedefined = (int32_t)word(fl, (uint32_t)o + 36);
	f->lastlinedefined = (int32_t)word(fl, (uint32_t)o + 40);
	f->source = tstring(r, word(fl, (uint32_t)o + 68));
	if (f->source == parent_src)
		f->source = -1;                   /* same as parent: absent in a chunk */

	n = word(fl, (uint32_t)o + 28);           /* sizep, p */
	a = word(fl, (uint32_t)o + 52);
	if (n && at(fl, a, (uint64_t)n * 4) < 0)
		bad(r, "child vector outside the LFS", a);
	if ((f->p = array(r, n, sizeof *f->p)))
		for (i = 0; i < n && !r->ret; i++) {
			f->p[i] = proto(r, word(fl, (uint32_t)at(fl, a, 4) + 4 * i),
					f->source >= 0 ? f->source : parent_src, depth + 1);
			f->sizep = (int)i + (f->p[i] != NULL);
		}
	n = word(fl, (uint32_t)o + 20);           /* sizecode, code */
	a = word(fl, (uint32_t)o + 48);
	if (!r->ret && (!n || (q = at(fl, a, (uint64_t)n * 4)) < 0))
		bad(r, "code outside the LFS", a);
	else if ((f->code = array(r, n, 4))) {
		f->sizecode = (int)n;
		for (i = 0; i < n; i++)
			f->code[i] = word(fl, (uint32_t)q + 4 * i);
	}
	n = word(fl, (uint32_t)o + 16);           /* sizek, k */
	a = word(fl, (uint32_t)o + 44);
	if (!r->ret && n && (q = at(fl, a, (uint64_t)n * fl->tvsize)) < 0)
		bad(r, "constants outside the LFS", a);
	else if ((f->k = array(r, n, sizeof *f->k))) {
		f->sizek = (int)n;
		for (i = 0; i < n && !r->ret; i++) {
			uint32_t off = (uint32_t)q + i * (uint32_t)fl->tvsize;
			uint32_t tag = word(fl, off + (uint32_t)fl->tvsize - 4);
			uint64_t v = word(fl, off);
			struct konst *k = &f->k[i];
			if (fl->tvsize == 12)
				v |= (uint64_t)word(fl, off + 4) << 32;
			switch (tag) {
			case 0x00: k->tag = K_NIL; break;
			case 0x01: k->tag = K_BOOL; k->b = (v & 0xffffffffu) != 0; break;
			case 0x03: k->tag = K_FLT; k->fbits = v; break;
			case 0x13:
				k->tag = K_INT;
				k->i = fl->tvsize == 12 ? (int64_t)v : (int32_t)v;
				break;
			case 0x44: case 0x54:
				k->tag = K_STR;
				k->str = tstring(r, (uint32_t)v);
				break;
			default: bad(r, "bad constant tag", a);
			}
		}
	}
	n = word(fl, (uint32_t)o + 12);           /* sizeupvalues, upvalues */
	a = word(fl, (uint32_t)o + 64);
	if (!r->ret && n && (q = at(fl, a, (uint64_t)n * 8)) < 0)
		bad(r, "upvalues outside the LFS", a);
	else if ((f->upvalues = array(r, n, sizeof *f->upvalues))) {
		f->sizeupvalues = (int)n;
		for (i = 0; i < n && !r->ret; i++) {
			uint32_t nm = word(fl, (uint32_t)q + 8 * i);
			f->upvalues[i].name = nm ? tstring(r, nm) : -1;
			f->upvalues[i].instack = fl->data[q + 8 * i + 4];
			f->upvalues[i].idx = fl->data[q + 8 * i + 5];
		}
	}
	n = word(fl, (uint32_t)o + 24);           /* sizelineinfo, lineinfo */
	a = word(fl, (uint32_t)o + 56);
	if (!r->ret && n && (q = at(fl, a, n)) < 0)
		bad(r, "line info outside the LFS", a);
	else if ((f->lineinfo = array(r, n, 1))) {
		int *lines = array(r, (uint32_t)f->sizecode + 1, sizeof *lines);
		f->sizelineinfo = (int)n;
		memcpy(f->lineinfo, fl->data + q, n);
		if (lines && lineinfo_unpack(f->lineinfo, (int)n, lines, f->sizecode))
			bad(r, "line info does not match the code", a);
		mem_free(r->im->mem, lines, ((size_t)f->sizecode + 1) * sizeof *lines);
	}
	n = word(fl, (uint32_t)o + 32);           /* sizelocvars, locvars */
	a = word(fl, (uint32_t)o + 60);
	if (!r->ret && n && (q = at(fl, a, (uint64_t)n * 12)) < 0)
		bad(r, "locals outside the LFS", a);
	else if ((f->locvars = array(r, n, sizeof *f->locvars))) {
		f->sizelocvars = (int)n;
		for (i = 0; i < n && !r->ret; i++) {
			uint32_t nm = word(fl, (uint32_t)q + 12 * i);
			f->locvars[i].name = nm ? tstring(r, nm) : -1;
			f->locvars[i].startpc = (int32_t)word(fl, (uint32_t)q + 12 * i + 4);
			f->locvars[i].endpc = (int32_t)word(fl, (uint32_t)q + 12 * i + 8);
		}
	}
	if (r->ret) {
		proto_free(r->im->mem, f);
		return NULL;
	}
	return f;
}

LFSC_API void lfsc_flash_free(struct lfsc_flash *fl)
{
	struct mem m;
	int i;

	if (!fl)
		return;
	for (i = 0; i < fl->nmodules; i++)
		mem_free(&fl->mem, fl->names[i], strlen(fl->names[i]) + 1);
	mem_free(&fl->mem, fl->names, ((size_t)fl->cap + 1) * sizeof *fl->names);
	mem_free(&fl->mem, fl->protos, ((size_t)fl->cap + 1) * sizeof *fl->protos);
	flash51_free(&fl->mem, fl->f51);
	m = fl->mem;
	mem_free(&m, fl, sizeof *fl);
}

int flash_read_open(const struct mem *seam, const void *data, size_t len, uint32_t base,
		    enum lfsc_target t, struct lfsc_flash **out, struct lfsc_error *err)
{
	struct mem m = *seam;
	struct lfsc_flash *fl = mem_calloc(&m, 1, sizeof *fl);
	struct fr r = { fl, NULL, err, 0 };
	uint32_t sig, rot, entries, i, n, esize;
	int64_t o;

	*out = NULL;
	if (!fl)
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	fl->mem = m;         /* the flash's own seam from here on */
	if (t == LFSC_TARGET_LUA51) {
		if ((r.ret = flash51_open(&fl->mem, data, len, base, &fl->f51, err)))
			goto out;
		*out = fl;
		return 0;
	}
	fl->data = data;
	fl->base = base;
	fl->target = t;
	fl->tvsize = image_num_size(t) == 8 ? 12 : 8;
	esize = (uint32_t)fl->tvsize + 4;
	sig = len >= 4 ? word(fl, 0) : 0xffffffffu;
	if (sig == 0xffffffffu || sig == 0) {
		r.ret = error_set(err, LFSC_ERR_FORMAT, NULL, 0, "no LFS image");
		goto out;
	}
	if (sig != LFSC_FLASH_SIG || len < LFSC_FLASH_HEADER) {
		r.ret = error_set(err, LFSC_ERR_FORMAT, NULL, 0, "LFS image corrupted");
		goto out;
	}
	fl->size = word(fl, 4);
	fl->timestamp = image_int_size(t) == 4 ? (int64_t)(int32_t)word(fl, 12)
						: (int64_t)word(fl, 12);
	if (fl->size < LFSC_FLASH_HEADER + 16 || fl->size > len) {
		r.ret = error_set(err, LFSC_ERR_FORMAT, NULL, 0,
				  "LFS image corrupted: flash_size %u does not fit the partition",
				  fl->size);
		goto out;
	}
	rot = base + 4 * word(fl, 28);            /* protoROTable (§A5.8) */
	if ((o = at(fl, rot, 16)) < 0 || fl->data[o + 4] != 0x15) {
		bad(&r, "LFS image corrupted: no module index", rot);
		goto out;
	}
	entries = word(fl, (uint32_t)o + 12);
	n = fl->data[o + 7];
	if (at(fl, entries, (uint64_t)n * esize) < 0) {
		bad(&r, "LFS image corrupted: module index outside the LFS", entries);
		goto out;
	}
	fl->names = mem_calloc(&fl->mem, (size_t)n + 1, sizeof *fl->names);
	fl->protos = mem_calloc(&fl->mem, (size_t)n + 1, sizeof *fl->protos);
	fl->cap = n;
	if (!fl->names || !fl->protos) {
		r.ret = error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint32_t e = (uint32_t)at(fl, entries, 4) + i * esize;
		uint32_t key = word(fl, e), len2 = 0;
		int64_t ko = at(fl, key - 16, 16);
		/* a name over 40 characters is a long TString (§A6.6): the
		** firmware stores it, though lookups never find it */
		if (ko >= 0)
			len2 = fl->data[ko + 4] == 0x14 ? word(fl, (uint32_t)ko + 12)
							: fl->data[ko + 7];
		if (ko < 0 || (fl->data[ko + 4] != 0x04 && fl->data[ko + 4] != 0x14) ||
		    at(fl, key, (uint64_t)len2 + 1) < 0) {
			bad(&r, "LFS image corrupted: bad module name", key);
			goto out;
		}
		fl->names[i] = mem_strndup(&fl->mem, (const char *)fl->data + ko + 16, len2);
		if (!fl->names[i]) {
			r.ret = error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
			goto out;
		}
		fl->protos[i] = word(fl, e + 4);
		fl->nmodules = (int)i + 1;
	}
	*out = fl;
	return 0;
out:
	lfsc_flash_free(fl);
	return r.ret;
}

LFSC_API int lfsc_flash_open(const void *data, size_t len, uint32_t base, enum lfsc_target t,
			     struct lfsc_flash **out, struct lfsc_error *err)
{
	struct mem m;

	mem_init(&m);
	return flash_read_open(&m, data, len, base, t, out, err);
}

LFSC_API uint32_t lfsc_flash_size(const struct lfsc_flash *fl)
{
	return fl->f51 ? flash51_size(fl->f51) : fl->size;
}

LFSC_API int64_t lfsc_flash_timestamp(const struct lfsc_flash *fl)
{
	return fl->f51 ? flash51_timestamp(fl->f51) : fl->timestamp;
}

LFSC_API int lfsc_flash_nmodules(const struct lfsc_flash *fl)
{
	return fl->f51 ? flash51_nmodules(fl->f51) : fl->nmodules;
}

LFSC_API const char *lfsc_flash_module_name(const struct lfsc_flash *fl, int i)
{
	if (fl->f51)
		return flash51_module_name(fl->f51, i);
	return i >= 0 && i < fl->nmodules ? fl->names[i] : NULL;
}

LFSC_API int lfsc_flash_module_chunk(const struct lfsc_flash *fl, const char *name,
				     struct lfsc_buffer *out, struct lfsc_error *err)
{
	struct mem m = fl->mem;     /* counts on from the flash's seam; fl unchanged */
	struct image im;
	struct proto *main = NULL;
	struct fr r = { fl, &im, err, 0 };
	int i, ret;

	if (fl->f51)
		return flash51_module_chunk(fl->f51, name, out, err);
	for (i = 0; i < fl->nmodules; i++)
		if (!strcmp(fl->names[i], name))
			break;
	if (i == fl->nmodules)
		return error_set(err, LFSC_ERR_FORMAT, NULL, 0, "module '%s' not found in LFS",
				 name);
	if (image_init(&im, &m, fl->target)) {
		image_release(&im);
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	}
	main = proto(&r, fl->protos[i], -2, 0);
	ret = r.ret;
	if (!ret && main && (ret = chunk_write(&im, main, out)))
		error_set(err, ret, NULL, 0, "out of memory");
	proto_free(&m, main);
	image_release(&im);
	return ret;
}

int flash_read_image(const struct lfsc_flash *fl, struct image *im, struct lfsc_error *err)
{
	struct fr r = { fl, im, err, 0 };
	int i, n = fl->nmodules;

	im->target = fl->target;
	im->timestamp = fl->timestamp;
	im->mains = mem_calloc(im->mem, (size_t)n + 1, sizeof *im->mains);
	im->names = mem_calloc(im->mem, (size_t)n + 1, sizeof *im->names);
	im->cap = n + 1;
	if (!im->mains || !im->names)
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	for (i = 0; i < n && !r.ret; i++) {
		im->names[i] = strtab_intern(&im->strs, fl->names[i], strlen(fl->names[i]));
		if (im->names[i] < 0)
			return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		im->mains[i] = proto(&r, fl->protos[i], -2, 0);
		if (im->mains[i])
			im->nmodules = i + 1;
	}
	return r.ret;
}
