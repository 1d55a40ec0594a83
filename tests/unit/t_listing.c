/* t_listing.c - the luac-style listing (lfsc -l): the exact text of a small
** compile at both levels (operands, jump targets, quoted strings, numbers of
** each target), and from a hand-made model the "?" of an unknown opcode,
** the "[-]" of unreadable line info, singulars, and allocation failure. */
#include "model.h"

static const char src[] = "local s = \"a\\\"b\\\\c\\n\\r\\t\\1\"\n"
			  "local f = 2.5\n"
			  "for i = 1, 3 do s = s .. i end\n"
			  "return s, f, true, nil, 1e300\n";

static const char code_lines[] =
	"module l\n"
	"\n"
	"main <@l.lua:0,0> (17 instructions)\n"
	"0+ params, 8 slots, 1 upvalue, 0 locals, 5 constants, 0 functions\n"
	"\t1\t[1]\tLOADK    \t0 -1\t; \"a\\\"b\\\\c\\n\\r\\t\\001\"\n"
	"\t2\t[2]\tLOADK    \t1 -2\t; 2.5\n"
	"\t3\t[3]\tLOADK    \t2 -3\t; 1\n"
	"\t4\t[3]\tLOADK    \t3 -4\t; 3\n"
	"\t5\t[3]\tLOADK    \t4 -3\t; 1\n"
	"\t6\t[3]\tFORPREP  \t2 3\t; to 10\n"
	"\t7\t[3]\tMOVE     \t6 0 0\n"
	"\t8\t[3]\tMOVE     \t7 5 0\n"
	"\t9\t[3]\tCONCAT   \t0 6 7\n"
	"\t10\t[3]\tFORLOOP  \t2 -4\t; to 7\n"
	"\t11\t[4]\tMOVE     \t2 0 0\n"
	"\t12\t[4]\tMOVE     \t3 1 0\n"
	"\t13\t[4]\tLOADBOOL \t4 1 0\n"
	"\t14\t[4]\tLOADNIL  \t5 0 0\n";

/* the listing of src for target t at level, NUL-terminated (caller frees) */
static char *listing(enum lfsc_target t, int level)
{
	struct src s = { "l.lua", src };
	struct lfsc_options o;
	struct lfsc_compiler *c;
	struct lfsc_buffer b;
	struct lfsc_error e;
	char *text;

	lfsc_options_init(&o);
	o.target = t;
	lfsc_buffer_init(&b);
	assert_int_equal(test_compile(&s, 1, LFSC_OUT_NONE, &o, &b, &e, &c), 0);
	assert_int_equal(lfsc_list(c, level, &b), 0);
	text = calloc(1, b.len + 1);
	memcpy(text, b.data, b.len);
	lfsc_buffer_release(&b);
	lfsc_free(c);
	return text;
}

static void compiled_source(void **state)
{
	char *l1 = listing(LFSC_TARGET_LUA53, 1), *l2 = listing(LFSC_TARGET_LUA53, 2);
	char *w = listing(LFSC_TARGET_LUA53_64, 1);
	size_t n = strlen(code_lines);

	assert_memory_equal(l1, code_lines, n);
	assert_string_equal(l1 + n, "\t15\t[4]\tLOADK    \t6 -5\t; inf\n"   /* 1e300 as a float */
				    "\t16\t[4]\tRETURN   \t2 6 0\n"
				    "\t17\t[4]\tRETURN   \t0 1 0\n");
	/* level 2 adds the constants, locals (stripped, §A1.5) and upvalues */
	assert_memory_equal(l2, l1, strlen(l1));
	assert_string_equal(l2 + strlen(l1), "constants (5):\n"
					     "\t1\t\"a\\\"b\\\\c\\n\\r\\t\\001\"\n"
					     "\t2\t2.5\n"
					     "\t3\t1\n"
					     "\t4\t3\n"
					     "\t5\tinf\n"
					     "locals (0):\n"
					     "upvalues (1):\n"
					     "\t0\t-\t1\t0\n");
	/* doubles on the 64-bit target */
	assert_non_null(strstr(w, "\t15\t[4]\tLOADK    \t6 -5\t; 1e+300\n"));
	free(l1);
	free(l2);
	free(w);
}

/* main: ADD with a constant operand, EXTRAARG, an unknown opcode; a vararg
** with one parameter; its child has line info that does not decode */
static void build(struct model *md)
{
	static const uint32_t code[] = { 13 | 1u << 6 | 2u << 14 | 0x101u << 23,
					 46 | 12345u << 6, 50 | 3u << 6 };
	static const uint32_t ret = 38 | (1u << 23);
	struct proto *m, *child;

	model_init(md, LFSC_TARGET_LUA53);
	m = model_proto(md, "@m.lua", code, 3, 2, 0, 1);
	child = model_proto(md, NULL, &ret, 1, 0, 0, 0);
	m->numparams = 1;
	m->is_vararg = 1;
	child->linedefined = 5;
	child->lastlinedefined = 7;
	child->lineinfo[child->sizelineinfo - 1] = 0x81;   /* no terminator */
	m->p[0] = child;
	model_module(md, "m", m);
	assert_int_equal(strvec_number(&md->im, NULL), 0);
}

static const char hand_made_lines[] =
	"module m\n"
	"\n"
	"main <@m.lua:0,0> (3 instructions)\n"
	"1+ param, 2 slots, 0 upvalues, 0 locals, 2 constants, 1 function\n"
	"\t1\t[1]\tADD      \t1 -2 2\n"
	"\t2\t[2]\tEXTRAARG \t12345\n"
	"\t3\t[3]\t?        \t3 0 0\n"
	"\n"
	"function <@m.lua:5,7> (1 instruction)\n"
	"0 params, 2 slots, 0 upvalues, 0 locals, 0 constants, 0 functions\n"
	"\t1\t[-]\tRETURN   \t0 1 0\n";

static void hand_made(void **state)
{
	struct model md;
	struct lfsc_buffer b;

	build(&md);
	lfsc_buffer_init(&b);
	assert_int_equal(listing_write(&md.im, 1, &b), 0);
	assert_int_equal(b.len, strlen(hand_made_lines));
	assert_memory_equal(b.data, hand_made_lines, b.len);
	buf_release(&md.mem, &b);
	model_release(&md);
}

static int list(struct model *md, struct lfsc_error *e)
{
	struct lfsc_buffer b;
	int ret;

	lfsc_buffer_init(&b);
	ret = listing_write(&md->im, 2, &b);
	buf_release(&md->mem, &b);
	return ret;
}

static void alloc_failures(void **state)
{
	/* the output buffer and each function's line table */
	assert_true(model_alloc_failures(build, list) >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compiled_source),
		cmocka_unit_test(hand_made),
		cmocka_unit_test(alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
