/*
** test.h - shared helpers for the cmocka unit tests of the lfsc library:
** compile a few in-memory sources, read files, hex helpers.
*/
#ifndef TEST_H
#define TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lfsc.h"
#include "lfsc_image.h"
#include "lfsc_int.h"

struct src {
	const char *name;
	const char *text;
};

/* Compiles srcs[0..n) into out (kind), returns the lfsc code; the compiler
** is returned in *cp when cp is not NULL (caller frees), else freed. */
static inline int test_compile(const struct src *srcs, int n, enum lfsc_output kind,
			       const struct lfsc_options *o, struct lfsc_buffer *out,
			       struct lfsc_error *e, struct lfsc_compiler **cp)
{
	struct lfsc_options def;
	struct lfsc_compiler *c;
	int i, ret = 0;

	if (!o) {
		lfsc_options_init(&def);
		def.has_seed = 1;
		def.seed = 0x1234;
		def.timestamp = 1700000000;
		def.base_address = 0x40210000;
		o = &def;
	}
	c = lfsc_new(o);
	assert_non_null(c);
	memset(e, 0, sizeof *e);
	for (i = 0; i < n && !ret; i++)
		ret = lfsc_add_source(c, srcs[i].name, srcs[i].text, strlen(srcs[i].text), e);
	if (!ret)
		ret = lfsc_build(c, kind, out, e);
	if (cp)
		*cp = c;
	else
		lfsc_free(c);
	return ret;
}

/* jansson's test_chaos idea: compiles s into kind with o, failing allocation
** N for N = 1, 2, ... until the compile succeeds; every failure must be a
** clean LFSC_ERR_MEM (ASan and valgrind runs catch leaks and crashes).
** Returns the number of attempts, so a caller can check that the loop
** reached the later stages. */
static inline long test_fail_each_alloc(const struct src *s, enum lfsc_output kind,
					const struct lfsc_options *o)
{
	long n;
	int ret = -1;

	for (n = 1; n < 100000 && ret != 0; n++) {
		struct lfsc_compiler *c = lfsc_new(o);
		struct lfsc_buffer b;
		struct lfsc_error e;

		assert_non_null(c);
		lfsc_test_fail_alloc(c, n);
		lfsc_buffer_init(&b);
		memset(&e, 0, sizeof e);
		ret = lfsc_add_source(c, s->name, s->text, strlen(s->text), &e);
		if (!ret)
			ret = lfsc_build(c, kind, &b, &e);
		if (ret)
			assert_int_equal(ret, LFSC_ERR_MEM);
		lfsc_buffer_release(&b);
		lfsc_free(c);
	}
	assert_int_equal(ret, 0);
	return n;
}

/* index of needle in hay, or -1 */
static inline long test_find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return (long)i;
	return -1;
}

/* reads a whole file into a malloc'd buffer (aborts the test on failure) */
static inline uint8_t *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	d = malloc((size_t)n + 1);
	assert_non_null(d);
	assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return d;
}

/* path of a conformance file: $LFSD_SHARED or <repo>/../shared */
static inline const char *test_conf(const char *rel)
{
	static char path[4096];
	const char *s = getenv("LFSD_SHARED");

	snprintf(path, sizeof path, "%s/conformance/%s", s ? s : "../shared", rel);
	return path;
}

#endif
