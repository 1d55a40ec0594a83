/* t_lineinfo.c - LCD line-info packing and unpacking (lfs-format.md §A3.10):
** the verified examples, line jumps of 63/64/65/66/127/128 and negative,
** more than 127 instructions on one line, malformed input. */
#include "test.h"
#include "lfsc_int.h"

static char *hex(const struct lfsc_buffer *b, char *out)
{
	size_t i;

	out[0] = 0;
	for (i = 0; i < b->len; i++)
		sprintf(out + strlen(out), "%s%02x", i ? " " : "", b->data[i]);
	return out;
}

static void pack_is(const int *lines, int n, const char *want)
{
	struct lfsc_buffer b;
	struct mem m;
	struct buf w = { &m, &b, 0 };
	char got[2048];
	int back[1024];

	mem_init(&m);
	lfsc_buffer_init(&b);
	lineinfo_pack(&w, lines, n);
	assert_string_equal(hex(&b, got), want);
	assert_int_equal(lineinfo_unpack(b.data, (int)b.len, back, n), 0);
	assert_memory_equal(back, lines, (size_t)n * sizeof *lines);
	buf_release(&m, &b);
	assert_int_equal(m.used, 0);
}

static void examples(void **state)
{
	int l1[] = { 1, 1, 1 }, l2[] = { 2, 2, 2 };
	int l3[] = { 1, 2, 2, 2, 2, 3, 2, 8, 9, 11, 8, 11 };

	pack_is(l1, 3, "03 00");
	pack_is(l2, 3, "80 03 00");
	pack_is(l3, 12, "01 04 01 c1 01 84 01 01 80 01 c3 01 81 01 00");
}

static void big_deltas(void **state)
{
	int a[] = { 1, 102, 10103, 10103, 10103, 10103 };

	pack_is(a, 6, "01 a3 81 01 8f 9c 81 04 00");
}

static void jump(int d, const char *want)
{
	int l[2] = { 1000, 1000 + d };

	pack_is(l, 2, want);
}

static void jump_boundaries(void **state)
{
	/* from line 1000 ("80 bf 0f" = +1000) to 1000+d */
	jump(63, "a6 8f 01 bd 01 00");
	jump(64, "a6 8f 01 be 01 00");
	jump(65, "a6 8f 01 bf 01 00");     /* largest one-byte positive delta */
	jump(66, "a6 8f 01 80 81 01 00");  /* first two-byte positive delta */
	jump(127, "a6 8f 01 bd 81 01 00");
	jump(128, "a6 8f 01 be 81 01 00");
	jump(-63, "a6 8f 01 ff 01 00");    /* largest one-byte negative delta */
	jump(-64, "a6 8f 01 c0 81 01 00");
	jump(-65, "a6 8f 01 c1 81 01 00");
	jump(-127, "a6 8f 01 ff 81 01 00");
	jump(-128, "a6 8f 01 c0 82 01 00");
	jump(1, "a6 8f 01 01 00");   /* +1 needs no delta */
	jump(0, "a6 8f 02 00");
}

static void long_runs(void **state)
{
	int l[307], i;
	char want[64];

	for (i = 0; i < 307; i++)
		l[i] = 1;
	pack_is(l, 307, "7f c0 7f c0 35 00");
	for (i = 0; i < 127; i++)
		l[i] = 1;
	snprintf(want, sizeof want, "7f 00");
	pack_is(l, 127, want);
	pack_is(l, 128, "7f c0 01 00");
}

static void malformed(void **state)
{
	static const uint8_t unterminated[] = { 0x03 }, overcount[] = { 0x05, 0x00 };
	static const uint8_t delta_then_end[] = { 0x85, 0x00 }, trailing[] = { 0x03, 0x00, 0x01 };
	int lines[8];

	assert_int_equal(lineinfo_unpack(unterminated, 1, lines, 3), -1);
	assert_int_equal(lineinfo_unpack(overcount, 2, lines, 3), -1);
	assert_int_equal(lineinfo_unpack(delta_then_end, 2, lines, 0), -1);
	assert_int_equal(lineinfo_unpack(trailing, 3, lines, 3), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(examples),
		cmocka_unit_test(big_deltas),
		cmocka_unit_test(jump_boundaries),
		cmocka_unit_test(long_runs),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
