/*
** proto.c - the prototype tree (struct proto) and the image model around it
** (struct image): allocation, release, counting and line decoding.
*/
#include <string.h>
#include "lfsc_int.h"

struct proto *proto_new(struct mem *m)
{
	struct proto *p = mem_calloc(m, 1, sizeof *p);

	if (p) {
		p->source = -1;
		p->names_flag = 1;
	}
	return p;
}

void proto_free(struct mem *m, struct proto *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->sizep; i++)
		proto_free(m, p->p[i]);
	mem_free(m, p->p, (size_t)p->sizep * sizeof *p->p);
	mem_free(m, p->code, (size_t)p->sizecode * sizeof *p->code);
	mem_free(m, p->k, (size_t)p->sizek * sizeof *p->k);
	mem_free(m, p->upvalues, (size_t)p->sizeupvalues * sizeof *p->upvalues);
	mem_free(m, p->lineinfo, (size_t)p->sizelineinfo);
	mem_free(m, p->locvars, (size_t)p->sizelocvars * sizeof *p->locvars);
	mem_free(m, p, sizeof *p);
}

int proto_count(const struct proto *p)
{
	int i, n = 1;

	for (i = 0; i < p->sizep; i++)
		n += proto_count(p->p[i]);
	return n;
}

int proto_lines(const struct proto *p, int *lines)
{
	return lineinfo_unpack(p->lineinfo, p->sizelineinfo, lines, p->sizecode);
}

void proto_put_lines(const struct proto *p, struct buf *w)
{
	size_t size = ((size_t)p->sizecode + 1) * sizeof(int);
	int i, *lines = mem_calloc(w->mem, (size_t)p->sizecode + 1, sizeof *lines);

	if (!lines || proto_lines(p, lines)) {
		w->failed = 1;
	} else {
		buf_u32(w, (uint32_t)p->sizecode);
		for (i = 0; i < p->sizecode; i++)
			buf_u32(w, (uint32_t)lines[i]);
	}
	mem_free(w->mem, lines, size);
}

int image_init(struct image *im, struct mem *m, enum lfsc_target t)
{
	memset(im, 0, sizeof *im);
	im->mem = m;
	im->target = t;
	/* the 5.1 port has no fixed strings (§B3.2) */
	return strtab_init(&im->strs, m, t != LFSC_TARGET_LUA51) ? LFSC_ERR_MEM : 0;
}

void image_release(struct image *im)
{
	int i;

	for (i = 0; i < im->nmodules; i++)
		proto_free(im->mem, im->mains[i]);
	mem_free(im->mem, im->mains, (size_t)im->cap * sizeof *im->mains);
	mem_free(im->mem, im->names, (size_t)im->cap * sizeof *im->names);
	strtab_release(&im->strs);
	im->mains = NULL;
	im->names = NULL;
	im->nmodules = im->cap = 0;
}

int image_int_size(enum lfsc_target t)
{
	return t == LFSC_TARGET_LUA53_64 ? 8 : 4;
}

int image_num_size(enum lfsc_target t)
{
	return t == LFSC_TARGET_LUA53 ? 4 : 8;
}
