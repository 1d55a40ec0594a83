/* t_proto.c - the prototype tree and the image model: a new Proto's
** defaults, counting a tree, decoding its line info, freeing a tree and an
** image to the last byte, and the number sizes of each target (§A8.1). */
#include "model.h"

static const uint32_t code3[] = { 1, 2, 38 | (1u << 23) };

static void new_proto_defaults(void **state)
{
	struct mem m;
	struct proto *p;

	mem_init(&m);
	p = proto_new(&m);
	assert_non_null(p);
	assert_int_equal(p->source, -1);       /* absent: same as the parent */
	assert_int_equal(p->names_flag, 1);    /* §A3.7 field 13: names present */
	assert_int_equal(p->sizecode, 0);
	assert_int_equal(p->sizep, 0);
	assert_null(p->code);
	proto_free(&m, p);
	assert_int_equal(m.used, 0);
	proto_free(&m, NULL);                  /* a no-op */
	m.fail_at = 1;
	assert_null(proto_new(&m));            /* out of memory: NULL */
}

static void count_and_free_tree(void **state)
{
	struct model md;
	struct proto *root, *mid;

	model_init(&md, LFSC_TARGET_LUA53);
	root = model_proto(&md, "@t.lua", code3, 3, 2, 1, 2);
	mid = model_proto(&md, NULL, code3, 3, 0, 0, 1);
	mid->p[0] = model_proto(&md, NULL, code3, 1, 0, 0, 0);
	root->p[0] = mid;
	root->p[1] = model_proto(&md, NULL, code3, 2, 1, 0, 0);
	assert_int_equal(proto_count(root), 4);
	assert_int_equal(proto_count(mid), 2);
	assert_int_equal(proto_count(mid->p[0]), 1);
	model_module(&md, "t", root);
	model_release(&md);      /* image_release frees the tree: used is 0 again */
}

static void lines(void **state)
{
	struct model md;
	struct proto *p;
	int got[4];

	model_init(&md, LFSC_TARGET_LUA53);
	p = model_proto(&md, "@l.lua", code3, 3, 0, 0, 0);
	assert_int_equal(proto_lines(p, got), 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 2);
	assert_int_equal(got[2], 3);
	p->sizecode = 2;                        /* LCD for 3 instructions, code of 2 */
	assert_int_equal(proto_lines(p, got), -1);
	p->sizecode = 4;
	assert_int_equal(proto_lines(p, got), -1);
	p->sizecode = 3;
	p->lineinfo[p->sizelineinfo - 1] = 0x81;   /* no terminator */
	assert_int_equal(proto_lines(p, got), -1);
	proto_free(&md.mem, p);
	model_release(&md);
}

static void image_model(void **state)
{
	struct mem m;
	struct image im;

	mem_init(&m);
	assert_int_equal(image_init(&im, &m, LFSC_TARGET_LUA53_64), 0);
	assert_int_equal(im.target, LFSC_TARGET_LUA53_64);
	assert_int_equal(im.nmodules, 0);
	assert_int_equal(im.strs.n, 71);        /* the fixed strings */
	image_release(&im);
	assert_int_equal(m.used, 0);
	/* §A8.1: int32 integers and floats, or int64 and doubles */
	assert_int_equal(image_int_size(LFSC_TARGET_LUA53), 4);
	assert_int_equal(image_num_size(LFSC_TARGET_LUA53), 4);
	assert_int_equal(image_int_size(LFSC_TARGET_LUA53_64), 8);
	assert_int_equal(image_num_size(LFSC_TARGET_LUA53_64), 8);
	m.fail_at = 3;                          /* out of memory (the first block of string
						** copies): LFSC_ERR_MEM, nothing kept */
	assert_int_equal(image_init(&im, &m, LFSC_TARGET_LUA53), LFSC_ERR_MEM);
	image_release(&im);
	assert_int_equal(m.used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_proto_defaults),
		cmocka_unit_test(count_and_free_tree),
		cmocka_unit_test(lines),
		cmocka_unit_test(image_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
