/* t_strvec.c - numbering the strings of an image (lfs-format.md §A3.4-A3.5):
** the walk order from the combined main, first occurrence only, fixed strings
** at their loader position (so "thread" and "proto" load as themselves,
** Known defect 2), the ns/nl/maxlen counts, and allocation failure. */
#include "model.h"

#define L41 "0123456789012345678901234567890123456789x"

/* module a: main "@a.lua" with constants, an upvalue, a local and a child;
** module b: main "@b.lua" */
static void build(struct model *md)
{
	static const uint32_t ret = 38 | (1u << 23);      /* RETURN 0 1 */
	static const char *const ka[] = { "x", "and", "thread", "proto", "userdata", L41, "x" };
	struct proto *a, *child, *b;
	int i;

	model_init(md, LFSC_TARGET_LUA53);
	a = model_proto(md, "@a.lua", &ret, 1, 7, 1, 1);
	child = model_proto(md, NULL, &ret, 1, 2, 0, 0);
	b = model_proto(md, "@b.lua", &ret, 1, 1, 0, 0);

	for (i = 0; i < 7; i++)
		model_kstr(md, a, i, ka[i]);
	a->upvalues[0].name = model_str(md, "_ENV");
	a->sizelocvars = 1;
	a->locvars = model_array(md, 1, sizeof *a->locvars);
	a->locvars[0].name = model_str(md, "loc");
	model_kstr(md, child, 0, "y");
	model_kstr(md, child, 1, "x");
	a->p[0] = child;
	model_kstr(md, b, 0, "y");
	model_module(md, "a", a);
	model_module(md, "b", b);
}

static const char *ref(const struct model *md, int r)
{
	const struct lstr *s = strtab_ref(&md->im.strs, r);

	return s ? s->s : NULL;
}

static void numbering(void **state)
{
	static const char *const vec[] = { "=(luac.cross)", "a", "b", "@a.lua", "x", L41,
					   "loc", "y", "@b.lua" };
	struct model md;
	struct lfsc_error e;
	const struct proto *a, *child;
	int i, n = (int)(sizeof vec / sizeof *vec);

	build(&md);
	assert_int_equal(strvec_number(&md.im, &e), 0);
	/* §A3.4: combined main's source, module names, then each tree pre-order:
	** source, constants, upvalue names, locals, children; once each */
	assert_int_equal(md.im.strs.nvec, n);
	for (i = 0; i < n; i++)
		assert_string_equal(ref(&md, i + 1), vec[i]);
	/* every id became a reference */
	assert_int_equal(md.im.names[0], 2);
	assert_int_equal(md.im.names[1], 3);
	a = md.im.mains[0];
	child = a->p[0];
	assert_int_equal(a->source, 4);
	assert_int_equal(child->source, 0);                 /* absent */
	assert_int_equal(md.im.mains[1]->source, n);
	assert_int_equal(a->k[0].str, 5);
	assert_int_equal(a->k[6].str, 5);                   /* the repeat, same string */
	assert_int_equal(a->locvars[0].name, 7);
	assert_int_equal(child->k[0].str, 8);
	/* fixed strings: nvec + loader position (Appendix 1) */
	assert_int_equal(a->k[1].str, n + 1);               /* "and" */
	assert_int_equal(a->upvalues[0].name, n + 39);      /* "_ENV" */
	assert_int_equal(a->k[4].str, n + 66);              /* "userdata", first position */
	assert_int_equal(a->k[2].str, n + 71);              /* "thread", not 70 */
	assert_int_equal(a->k[3].str, n + 72);              /* "proto", not 71 */
	assert_string_equal(ref(&md, a->k[2].str), "thread");
	assert_string_equal(ref(&md, a->k[3].str), "proto");
	/* §A3.3: ns counts the 71 compiler-numbered fixed strings */
	assert_int_equal(md.im.ns, LFSC_NFIXED + n - 1);
	assert_int_equal(md.im.nl, 1);
	assert_int_equal(md.im.maxlen, 41);
	model_release(&md);
}

static void maxlen_at_least_fixed(void **state)
{
	static const uint32_t ret = 38 | (1u << 23);
	struct model md;

	model_init(&md, LFSC_TARGET_LUA53);
	model_module(&md, "m", model_proto(&md, "@m", &ret, 1, 0, 0, 0));
	assert_int_equal(strvec_number(&md.im, NULL), 0);
	/* "not enough memory" (17) is the longest string the loader makes */
	assert_int_equal(md.im.maxlen, 17);
	assert_int_equal(md.im.nl, 0);
	assert_int_equal(md.im.ns, LFSC_NFIXED + 3);        /* "=(luac.cross)", "m", "@m" */
	model_release(&md);
}

/* a failure says so; a retry then starts afresh */
static int number(struct model *md, struct lfsc_error *e)
{
	int ret = strvec_number(&md->im, e);

	if (ret) {
		assert_string_equal(e->text, "out of memory numbering strings");
		md->mem.fail_at = 0;
		assert_int_equal(strvec_number(&md->im, NULL), 0);
		assert_int_equal(md->im.strs.nvec, 9);
	}
	return ret;
}

/* build, then a string longer than a block of string copies (strtab.c):
** it gets a block of its own, full, so numbering's intern of
** "=(luac.cross)" needs a new one */
static void build_full(struct model *md)
{
	char s[5000];

	build(md);
	memset(s, 'z', sizeof s);
	assert_true(strtab_intern(&md->im.strs, s, sizeof s) >= 0);
}

static void alloc_failures(void **state)
{
	/* the intern and the three vectors each failed */
	assert_true(model_alloc_failures(build_full, number) >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbering),
		cmocka_unit_test(maxlen_at_least_fixed),
		cmocka_unit_test(alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
