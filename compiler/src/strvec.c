/*
** strvec.c - collects and numbers the strings of an image (lfs-format.md
** §A3.4-A3.5): a depth-first, pre-order walk from the combined main visits each
** Proto's source, string constants, upvalue names and local names, then its
** children; the first occurrence of each non-fixed string enters the vector.
** Fixed strings are referenced at their LOADER position (§A5.5): identical to
** luac.cross's numbering for all of them except "thread" and "proto", which
** luac.cross numbers 70 and 71 and the firmware resolves to "userdata" and
** "thread". Referencing positions 71 and 72 instead makes them load correctly
** (Known defect 2; compiler/README.md).
*/
#include <string.h>
#include "lfsc_int.h"

struct walk {
	struct image *im;
	int *fixed_pos;     /* id -> loader position 1..72, 0 = not fixed */
	int failed;
};

static void visit(struct walk *w, int32_t id)
{
	struct strtab *t = &w->im->strs;

	if (id < 0 || w->failed || w->fixed_pos[id] || t->ref_of[id])
		return;
	t->vec[t->nvec++] = id;
	t->ref_of[id] = t->nvec;
}

static void collect(struct walk *w, const struct proto *p)
{
	int i;

	visit(w, p->source);
	for (i = 0; i < p->sizek; i++)
		if (p->k[i].tag == K_STR)
			visit(w, p->k[i].str);
	for (i = 0; i < p->sizeupvalues; i++)
		visit(w, p->upvalues[i].name);
	for (i = 0; i < p->sizelocvars; i++)
		visit(w, p->locvars[i].name);
	for (i = 0; i < p->sizep; i++)
		collect(w, p->p[i]);
}

static int32_t ref(struct walk *w, int32_t id)
{
	struct strtab *t = &w->im->strs;

	if (id < 0)
		return 0;
	if (w->fixed_pos[id])
		return t->nvec + w->fixed_pos[id];
	return t->ref_of[id];
}

static void rewrite(struct walk *w, struct proto *p)
{
	int i;

	p->source = ref(w, p->source);
	for (i = 0; i < p->sizek; i++)
		if (p->k[i].tag == K_STR)
			p->k[i].str = ref(w, p->k[i].str);
	for (i = 0; i < p->sizeupvalues; i++)
		p->upvalues[i].name = ref(w, p->upvalues[i].name);
	for (i = 0; i < p->sizelocvars; i++)
		p->locvars[i].name = ref(w, p->locvars[i].name);
	for (i = 0; i < p->sizep; i++)
		rewrite(w, p->p[i]);
}

int strvec_number(struct image *im, struct lfsc_error *err)
{
	struct strtab *t = &im->strs;
	struct walk w = { im, NULL, 0 };
	int ret = LFSC_ERR_MEM, i, j, main_src;
	size_t n = (size_t)t->n + 1;

	main_src = strtab_intern(t, "=(luac.cross)", 13);
	if (main_src < 0)
		goto out;
	n = (size_t)t->n;
	w.fixed_pos = mem_calloc(im->mem, n, sizeof *w.fixed_pos);
	t->ref_of = mem_calloc(im->mem, n, sizeof *t->ref_of);
	t->vec = mem_calloc(im->mem, n, sizeof *t->vec);
	t->vcap = (int)n;
	if (!w.fixed_pos || !t->ref_of || !t->vec)
		goto out;
	for (j = LFSC_NFIXED_LOADER; j >= 1; j--)   /* first position wins */
		w.fixed_pos[t->fixed_id[j - 1]] = j;

	/* §A3.4: the walk starts at the combined main: its source, then its
	** constants (the module names), then the module mains */
	visit(&w, main_src);
	for (i = 0; i < im->nmodules; i++)
		visit(&w, im->names[i]);
	for (i = 0; i < im->nmodules; i++)
		collect(&w, im->mains[i]);

	im->maxlen = 17;    /* "not enough memory", the longest fixed string */
	im->ns = LFSC_NFIXED;
	im->nl = 0;
	for (i = 0; i < t->nvec; i++) {
		const struct lstr *s = &t->str[t->vec[i]];
		if ((int)s->len > im->maxlen)
			im->maxlen = (int)s->len;
		if (s->len <= LFSC_MAXSHORTLEN)
			im->ns++;
		else
			im->nl++;
	}
	for (i = 0; i < im->nmodules; i++) {
		rewrite(&w, im->mains[i]);
		im->names[i] = ref(&w, im->names[i]);
	}
	im->numbered = 1;
	ret = 0;
out:
	mem_free(im->mem, w.fixed_pos, n * sizeof *w.fixed_pos);
	if (ret) {          /* as before the call, so a retry starts afresh */
		mem_free(im->mem, t->ref_of, (size_t)t->vcap * sizeof *t->ref_of);
		mem_free(im->mem, t->vec, (size_t)t->vcap * sizeof *t->vec);
		t->ref_of = t->vec = NULL;
		t->vcap = 0;
		error_set(err, ret, NULL, 0, "out of memory numbering strings");
	}
	return ret;
}
