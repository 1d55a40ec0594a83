/*
** model.h - small image models built by hand for the tests of the compiler's
** internal modules (strvec, listing, flash_write): strings interned by id,
** Protos and their vectors allocated through one struct mem, so that
** model_release() can check every byte came back.
*/
#ifndef MODEL_H
#define MODEL_H

#include "test.h"
#include "lfsc_int.h"

#define MODEL_MODULES 8

struct model {
	struct mem mem;
	struct image im;
};

static inline void model_init(struct model *md, enum lfsc_target t)
{
	mem_init(&md->mem);
	assert_int_equal(image_init(&md->im, &md->mem, t), 0);
	md->im.mains = mem_calloc(&md->mem, MODEL_MODULES, sizeof *md->im.mains);
	md->im.names = mem_calloc(&md->mem, MODEL_MODULES, sizeof *md->im.names);
	assert_non_null(md->im.mains);
	assert_non_null(md->im.names);
	md->im.cap = MODEL_MODULES;
}

/* frees the model and checks that the seam got back every byte */
static inline void model_release(struct model *md)
{
	image_release(&md->im);
	assert_int_equal(md->mem.used, 0);
}

static inline int32_t model_str(struct model *md, const char *s)
{
	int id = strtab_intern(&md->im.strs, s, strlen(s));

	assert_true(id >= 0);
	return id;
}

static inline void *model_array(struct model *md, int n, size_t size)
{
	void *a = n ? mem_calloc(&md->mem, (size_t)n, size) : NULL;

	assert_true(n == 0 || a != NULL);
	return a;
}

/* a Proto with source (NULL: absent), code, nk constants (tags K_NIL until
** set), nup upvalues and nchildren children (NULL until set); line info one
** line per instruction, starting at line 1 */
static inline struct proto *model_proto(struct model *md, const char *source,
					const uint32_t *code, int ncode, int nk, int nup,
					int nchildren)
{
	struct proto *p = proto_new(&md->mem);
	struct lfsc_buffer lcd;
	struct buf w = { &md->mem, &lcd, 0 };
	int i, *lines = model_array(md, ncode, sizeof *lines);

	assert_non_null(p);
	p->source = source ? model_str(md, source) : -1;
	p->maxstacksize = 2;
	p->sizecode = ncode;
	p->code = model_array(md, ncode, sizeof *p->code);
	if (ncode)
		memcpy(p->code, code, (size_t)ncode * sizeof *code);
	p->sizek = nk;
	p->k = model_array(md, nk, sizeof *p->k);
	p->sizeupvalues = nup;
	p->upvalues = model_array(md, nup, sizeof *p->upvalues);
	for (i = 0; i < nup; i++)
		p->upvalues[i].name = -1;
	p->sizep = nchildren;
	p->p = model_array(md, nchildren, sizeof *p->p);
	for (i = 0; i < ncode; i++)
		lines[i] = i + 1;
	lfsc_buffer_init(&lcd);
	lineinfo_pack(&w, lines, ncode);
	assert_false(w.failed);
	p->sizelineinfo = (int)lcd.len;
	p->lineinfo = model_array(md, (int)lcd.len, 1);
	if (lcd.len)
		memcpy(p->lineinfo, lcd.data, lcd.len);
	buf_release(&md->mem, &lcd);
	mem_free(&md->mem, lines, (size_t)ncode * sizeof *lines);
	return p;
}

static inline void model_kstr(struct model *md, struct proto *p, int i, const char *s)
{
	p->k[i].tag = K_STR;
	p->k[i].str = model_str(md, s);
}

/* adds module name with main (the model takes it) */
static inline void model_module(struct model *md, const char *name, struct proto *main)
{
	assert_true(md->im.nmodules < MODEL_MODULES);
	md->im.mains[md->im.nmodules] = main;
	md->im.names[md->im.nmodules] = model_str(md, name);
	md->im.nmodules++;
}

/* Runs step on a fresh model from build (which calls model_init) with
** allocation n and every later one failing, n = 1, 2, ... until step
** succeeds; each failure must be LFSC_ERR_MEM and leave no byte allocated.
** Returns how many runs failed. */
static inline long model_alloc_failures(void (*build)(struct model *),
					int (*step)(struct model *, struct lfsc_error *))
{
	long n;
	int ret = -1;

	for (n = 1; ret != 0; n++) {
		struct model md;
		struct lfsc_error e;
		assert_true(n < 100000);
		build(&md);
		memset(&e, 0, sizeof e);
		md.mem.count = 0;
		md.mem.fail_at = n;
		ret = step(&md, &e);
		if (ret)
			assert_int_equal(ret, LFSC_ERR_MEM);
		model_release(&md);
	}
	return n - 2;
}

/* little-endian word at off */
static inline uint32_t model_u32(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
	       (uint32_t)p[off + 3] << 24;
}

#endif
