/* t_strtab.c - the string table of an image: the 72 fixed strings in the
** loader's order (lfs-format.md Appendix 1, §A5.5), interning by content
** (copies, embedded NULs, growth past the first hash table), references
** before numbering, and no byte lost on release or allocation failure. */
#include "test.h"
#include "lfsc_int.h"

static void fixed_loader_order(void **state)
{
	assert_string_equal(strtab_fixed_loader(1), "and");
	assert_string_equal(strtab_fixed_loader(22), "while");         /* last reserved word */
	assert_string_equal(strtab_fixed_loader(37), "<string>");
	assert_string_equal(strtab_fixed_loader(38), "not enough memory");
	assert_string_equal(strtab_fixed_loader(39), "_ENV");
	assert_string_equal(strtab_fixed_loader(40), "__index");
	assert_string_equal(strtab_fixed_loader(63), "__call");
	/* the type names: the second "userdata" is written again (§A5.5) */
	assert_string_equal(strtab_fixed_loader(64), "no value");
	assert_string_equal(strtab_fixed_loader(66), "userdata");
	assert_string_equal(strtab_fixed_loader(70), "userdata");
	assert_string_equal(strtab_fixed_loader(71), "thread");
	assert_string_equal(strtab_fixed_loader(72), "proto");
	assert_null(strtab_fixed_loader(0));
	assert_null(strtab_fixed_loader(73));
}

static void init_interns_fixed(void **state)
{
	struct mem m;
	struct strtab t;
	int j;

	mem_init(&m);
	assert_int_equal(strtab_init(&t, &m, 1), 0);
	/* 71 distinct strings: "userdata" twice is one id */
	assert_int_equal(t.n, 71);
	assert_int_equal(t.fixed_id[65], t.fixed_id[69]);
	for (j = 1; j <= LFSC_NFIXED_LOADER; j++) {
		const struct lstr *s = &t.str[t.fixed_id[j - 1]];
		assert_string_equal(s->s, strtab_fixed_loader(j));
		assert_int_equal(s->len, strlen(strtab_fixed_loader(j)));
		/* before numbering (no vector) reference j is fixed string j */
		assert_ptr_equal(strtab_ref(&t, j), s);
	}
	assert_null(strtab_ref(&t, 0));
	assert_null(strtab_ref(&t, LFSC_NFIXED_LOADER + 1));
	assert_int_equal(strtab_intern(&t, "proto", 5), t.fixed_id[71]);
	strtab_release(&t);
	assert_int_equal(m.used, 0);
}

static void interns_by_content(void **state)
{
	struct mem m;
	struct strtab t;
	char buf[32] = "module";
	int a, b, c, d, i, ids[5000];

	mem_init(&m);
	assert_int_equal(strtab_init(&t, &m, 1), 0);
	a = strtab_intern(&t, buf, 6);
	buf[0] = 'M';                              /* the table keeps its own copy */
	assert_string_equal(t.str[a].s, "module");
	b = strtab_intern(&t, "module", 6);
	assert_int_equal(a, b);
	c = strtab_intern(&t, "modul", 5);          /* a prefix is another string */
	assert_int_not_equal(c, a);
	d = strtab_intern(&t, "a\0b", 3);           /* length, not NUL, ends a string */
	assert_int_not_equal(d, strtab_intern(&t, "a", 1));
	assert_int_equal(t.str[d].len, 3);
	assert_memory_equal(t.str[d].s, "a\0b", 4);
	assert_int_equal(strtab_intern(&t, "", 0), strtab_intern(&t, "", 0));
	/* thousands of strings: the table and its hash grow, ids stay put */
	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "s%d", i);
		ids[i] = strtab_intern(&t, buf, strlen(buf));
		assert_true(ids[i] >= 0);
	}
	assert_true(t.hcap >= 2 * t.n);
	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "s%d", i);
		assert_int_equal(strtab_intern(&t, buf, strlen(buf)), ids[i]);
		assert_string_equal(t.str[ids[i]].s, buf);
	}
	assert_int_equal(strtab_intern(&t, "module", 6), a);
	strtab_release(&t);
	assert_int_equal(m.used, 0);
}

/* every allocation failure is a clean -1, and release still frees all */
static void alloc_failures(void **state)
{
	long n;
	int ret = -1;

	for (n = 1; ret != 0; n++) {
		struct mem m;
		struct strtab t;
		int i;
		char s[16];
		mem_init(&m);
		m.fail_at = n;
		ret = strtab_init(&t, &m, 1);
		for (i = 0; !ret && i < 300; i++) {
			snprintf(s, sizeof s, "x%d", i);
			ret = strtab_intern(&t, s, strlen(s)) < 0 ? -1 : 0;
		}
		assert_true(ret == 0 || ret == -1);
		strtab_release(&t);
		assert_int_equal(m.used, 0);
		assert_true(n < 100000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_loader_order),
		cmocka_unit_test(init_interns_fixed),
		cmocka_unit_test(interns_by_content),
		cmocka_unit_test(alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
