/* t_varint.c - MBI and TT-int encodings at every boundary (lfs-format.md
** §A2.1-A2.2, the verified tables), and their readers. */
#include "test.h"
#include "lfsc_int.h"

static void enc(int tt, int tag, int64_t v, const char *hex)
{
	struct lfsc_buffer b;
	struct mem m;
	struct buf w = { &m, &b, 0 };
	char got[64] = "";
	size_t i;

	mem_init(&m);
	lfsc_buffer_init(&b);
	if (tt)
		varint_tt(&w, tag, v);
	else
		varint_mbi(&w, (uint64_t)v);
	for (i = 0; i < b.len; i++)
		sprintf(got + strlen(got), "%s%02x", i ? " " : "", b.data[i]);
	assert_string_equal(got, hex);
	{       /* and back */
		const uint8_t *p = b.data;
		uint64_t u;
		int64_t s;
		int t;
		if (tt) {
			assert_int_equal(varint_read_tt(&p, b.data + b.len, &t, &s), 0);
			assert_int_equal(s, v);
			assert_int_equal(t, v < 0 ? 4 : tag);
		} else {
			assert_int_equal(varint_read_mbi(&p, b.data + b.len, &u), 0);
			assert_int_equal(u, (uint64_t)v);
		}
		assert_ptr_equal(p, b.data + b.len);
		/* every proper prefix is truncated */
		for (i = 0; i < b.len; i++) {
			p = b.data;
			if (tt)
				assert_int_equal(varint_read_tt(&p, b.data + i, &t, &s), -1);
			else
				assert_int_equal(varint_read_mbi(&p, b.data + i, &u), -1);
		}
	}
	buf_release(&m, &b);
	assert_int_equal(m.used, 0);
}

static void mbi_examples(void **state)
{
	enc(0, 0, 0, "00");
	enc(0, 0, 3, "03");
	enc(0, 0, 127, "7f");
	enc(0, 0, 128, "81 00");
	enc(0, 0, 300, "82 2c");
	enc(0, 0, 16383, "ff 7f");
	enc(0, 0, 16384, "81 80 00");
}

static void ttint_table(void **state)
{
	enc(1, 3, 0, "30");
	enc(1, 3, 1, "31");
	enc(1, 3, 15, "3f");
	enc(1, 3, 16, "b0 10");
	enc(1, 3, 127, "b0 7f");
	enc(1, 3, 128, "b1 00");
	enc(1, 3, 2047, "bf 7f");
	enc(1, 3, 2048, "b0 90 00");
	enc(1, 3, 16383, "b0 ff 7f");
	enc(1, 3, 16384, "b1 80 00");
	enc(1, 3, 262143, "bf ff 7f");
	enc(1, 3, 262144, "b0 90 80 00");
	enc(1, 3, 2147483647, "b7 ff ff ff 7f");
	enc(1, 3, -1, "40");
	enc(1, 3, -2, "41");
	enc(1, 3, -16, "4f");
	enc(1, 3, -17, "c0 10");
	enc(1, 3, -128, "c0 7f");
	enc(1, 3, -129, "c1 00");
	enc(1, 3, -2147483647, "c7 ff ff ff 7e");
	/* §A3.8 examples */
	enc(1, 3, -200, "c1 47");
	enc(1, 3, 1000, "b7 68");
	enc(1, 5, 6, "56");
	enc(1, 5, 77, "d0 4d");
	/* §A3.2 seeds */
	enc(1, 3, 0x032eceb3, "b0 99 bb 9d 33");
	enc(1, 3, (int32_t)0x89ba1c22, "c7 b2 97 c7 5d");
}

static void tt_overflow_rejected(void **state)
{
	static const uint8_t big[] = { 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0x7f };
	const uint8_t *p = big;
	int64_t v;
	int t;

	assert_int_equal(varint_read_tt(&p, big + sizeof big, &t, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mbi_examples),
		cmocka_unit_test(ttint_table),
		cmocka_unit_test(tt_overflow_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
