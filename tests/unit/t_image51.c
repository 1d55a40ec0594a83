/* t_image51.c - the Lua 5.1 port's image (lfs-format.md Part B): the
** annotated example of §B3.5 (header, bucket vector, string records in
** luac.cross's order, bitmap), relocation-bitmap edges (a pointer in the
** last word, NULL never marked), the nROsize rule at powers of two, bucket
** chains, the 50-module limit, the index function (§B3.4), and the packed
** line info of lineinfo51.c (the "c0 01" artifact, runs over 126,
** multi-byte deltas, Known defect 14). */
#include <zlib.h>
#include "test.h"
#include "lfsc_int.h"

static struct lfsc_options opts51(void)
{
	struct lfsc_options o;

	lfsc_options_init(&o);
	o.target = LFSC_TARGET_LUA51;
	o.timestamp = 1795265915;
	return o;
}

/* the gzip image's content: raw image + bitmap (caller frees) */
static uint8_t *inflated(const struct lfsc_buffer *img, size_t *len)
{
	uLongf n = 300000;
	uint8_t *d = malloc(n);
	z_stream z;

	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 16 + 15), Z_OK);
	z.next_in = img->data;
	z.avail_in = (uInt)img->len;
	z.next_out = d;
	z.avail_out = (uInt)n;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*len = z.total_out;
	inflateEnd(&z);
	return d;
}

static uint32_t w32(const uint8_t *d, size_t word)
{
	return get_u32(d + 4 * word);
}

static int tagged(const uint8_t *d, size_t flash_size, size_t word)
{
	return (d[flash_size + word / 8] >> (word % 8)) & 1;
}

static const struct src ab[] = {
	{ "a.lua", "return 1\n" },
	{ "b.lua", "local x = \"hi\"\nreturn function() return x end\n" },
};

/* §B3.5, field by field */
static void annotated_example(void **state)
{
	struct lfsc_options o = opts51();
	struct lfsc_buffer img;
	struct lfsc_error e;
	static const uint32_t buckets[16] = { 0x18, 0x1d, 0x22, 0x27, 0x2c, 0x31, 0x3d, 0, 0, 0x43 };
	static const uint32_t bitmap[6] = { 0x00027f0c, 0x20000000, 0x004b0000, 0x00600940,
					    0x0027004f, 0x00047000 };
	static const char *order[9] = { "a", "\x80\x03", "\x03", "b", "\x01\x04", "@b.lua",
					"@a.lua", "=(luac)", "hi" };
	size_t n, at = 0x60;
	uint8_t *d;
	int i;

	lfsc_buffer_init(&img);
	assert_int_equal(test_compile(ab, 2, LFSC_OUT_IMAGE, &o, &img, &e, NULL), 0);
	assert_int_equal(img.len, 354);
	d = inflated(&img, &n);
	assert_int_equal(n, 776);
	assert_int_equal(w32(d, 0), 0xfafaa154);
	assert_int_equal(w32(d, 1), 752);
	assert_int_equal(w32(d, 2), 0xaa);           /* mainProto, word offset */
	assert_int_equal(w32(d, 3), 8);              /* pROhash */
	assert_int_equal(w32(d, 4), 9);              /* nROuse */
	assert_int_equal(w32(d, 5), 16);             /* nROsize */
	for (i = 0; i < 16; i++)
		assert_int_equal(w32(d, 8 + (size_t)i), buckets[i]);
	for (i = 0; i < 9; i++) {                    /* records in table order */
		assert_int_equal(d[at + 4], 0x04);
		assert_int_equal(d[at + 5], 0x40);
		assert_int_equal(w32(d, at / 4 + 3), strlen(order[i]));
		assert_string_equal((const char *)d + at + 16, order[i]);
		assert_int_equal(w32(d, at / 4 + 2), rostrt51_hash(order[i], strlen(order[i])));
		at += 16 + ((strlen(order[i]) + 4) & ~(size_t)3);
	}
	/* "=(luac)" chains to "@a.lua" in bucket 6 (head insertion) */
	assert_int_equal(w32(d, 0xf4 / 4), 0x37);
	for (i = 0; i < 6; i++)
		assert_int_equal(w32(d + 752, (size_t)i), bitmap[i]);
	free(d);
	lfsc_buffer_release(&img);
}

/* §B3.1: nROsize = 2 << floor(log2(nROuse)), the power of two above */
static void bucket_rule(void **state)
{
	assert_int_equal(rostrt51_size(1), 2);
	assert_int_equal(rostrt51_size(2), 4);
	assert_int_equal(rostrt51_size(3), 4);
	assert_int_equal(rostrt51_size(4), 8);
	assert_int_equal(rostrt51_size(7), 8);
	assert_int_equal(rostrt51_size(8), 16);
	assert_int_equal(rostrt51_size(255), 256);
	assert_int_equal(rostrt51_size(256), 512);
	assert_int_equal(rostrt51_size(65536), 131072);
}

/* §B2: NULL is 0 and never marked; every marked word holds an offset inside
** the image; the bitmap covers exactly ceil(words / 32) words */
static void bitmap_edges(void **state)
{
	struct lfsc_options o = opts51();
	struct lfsc_buffer img, raw, bm;
	struct lfsc_error e;
	size_t n, fs, w, words;
	uint8_t *d;

	lfsc_buffer_init(&img);
	assert_int_equal(test_compile(ab, 2, LFSC_OUT_IMAGE, &o, &img, &e, NULL), 0);
	d = inflated(&img, &n);
	fs = w32(d, 1);
	words = fs / 4;
	assert_int_equal(n - fs, (words + 31) / 32 * 4);
	for (w = 0; w < words; w++) {
		if (w32(d, w) == 0)
			assert_false(tagged(d, fs, w));
		if (tagged(d, fs, w))
			assert_true(w32(d, w) < words);
	}
	for (w = words; w < (words + 31) / 32 * 32; w++)
		assert_false(tagged(d, fs, w));
	free(d);
	/* a pointer in the last word of an image of 33 words (bit 0 of the
	** second bitmap word) is relocated; an unmarked word is not */
	raw.data = calloc(33, 4);
	bm.data = calloc(8, 1);
	assert_non_null(raw.data);
	assert_non_null(bm.data);
	raw.len = raw.cap = 33 * 4;
	bm.len = bm.cap = 8;
	put_u32(raw.data, 0xfafaa154);
	put_u32(raw.data + 31 * 4, 7);               /* not marked */
	put_u32(raw.data + 32 * 4, 5);               /* marked: the last word */
	bm.data[4] = 1;
	image51_relocate(raw.data, raw.len, bm.data, bm.len, 0x40210000, 1);
	assert_int_equal(get_u32(raw.data), 0xfafaa155);
	assert_int_equal(get_u32(raw.data + 31 * 4), 7);
	assert_int_equal(get_u32(raw.data + 32 * 4), 0x40210000 + 4 * 5);
	lfsc_buffer_release(&raw);
	lfsc_buffer_release(&bm);
	lfsc_buffer_release(&img);
}

/* a marked NULL, and an unmarked pointer, are rejected by the reader */
static void bitmap_checked(void **state)
{
	struct lfsc_options o = opts51();
	struct lfsc_buffer img, bad;
	struct lfsc_image *im = NULL;
	struct lfsc_error e;
	size_t n, fs, li;
	uint8_t *d;

	lfsc_buffer_init(&img);
	lfsc_buffer_init(&bad);
	assert_int_equal(test_compile(ab, 2, LFSC_OUT_IMAGE, &o, &img, &e, NULL), 0);
	d = inflated(&img, &n);
	fs = w32(d, 1);
	li = w32(d, 2) + 5;                          /* the index function's line info: NULL */
	d[fs + li / 8] |= (uint8_t)(1u << (li % 8));
	assert_int_equal(gzip_write(&(struct mem){ 0 }, d, n, &bad), 0);
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_image_read(bad.data, bad.len, &im, &e), LFSC_ERR_FORMAT);
	assert_string_equal(e.text, "NULL pointer marked in the relocation bitmap");
	assert_int_equal(e.column, 4 * li);
	d[fs] &= (uint8_t)~0x04;                     /* unmark mainProto (word 2) */
	d[fs + li / 8] &= (uint8_t)~(1u << (li % 8));
	bad.len = 0;
	assert_int_equal(gzip_write(&(struct mem){ 0 }, d, n, &bad), 0);
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_image_read(bad.data, bad.len, &im, &e), LFSC_ERR_FORMAT);
	assert_string_equal(e.text, "pointer 0xaa not marked in the relocation bitmap");
	free(d);
	lfsc_buffer_release(&bad);
	lfsc_buffer_release(&img);
}

/* §B3.2: each chain holds the strings of its bucket, newest record first */
static void chain_order(void **state)
{
	struct lfsc_options o = opts51();
	struct lfsc_buffer img;
	struct lfsc_error e;
	size_t n, b, nsize;
	uint8_t *d;
	int chained = 0;

	lfsc_buffer_init(&img);
	assert_int_equal(test_compile(ab, 2, LFSC_OUT_IMAGE, &o, &img, &e, NULL), 0);
	d = inflated(&img, &n);
	nsize = w32(d, 5);
	for (b = 0; b < nsize; b++) {
		uint32_t at = 4 * w32(d, 8 + b), prev = UINT32_MAX;
		for (; at; prev = at, at = 4 * w32(d, at / 4)) {
			assert_int_equal(w32(d, at / 4 + 2) & (nsize - 1), b);
			assert_true(at < prev);          /* later records come first */
			chained += prev != UINT32_MAX;
		}
	}
	assert_int_equal(chained, 1);                /* "=(luac)" -> "@a.lua" */
	free(d);
	lfsc_buffer_release(&img);
}

/* §B3.4: at most 50 modules (one SETLIST) */
static void fifty_modules(void **state)
{
	struct lfsc_options o = opts51();
	struct src s[51];
	char names[51][16];
	struct lfsc_buffer out;
	struct lfsc_error e;
	int i;

	for (i = 0; i < 51; i++) {
		snprintf(names[i], sizeof names[i], "m%d.lua", i);
		s[i].name = names[i];
		s[i].text = "return 0\n";
	}
	lfsc_buffer_init(&out);
	assert_int_equal(test_compile(s, 50, LFSC_OUT_IMAGE, &o, &out, &e, NULL), 0);
	lfsc_buffer_release(&out);
	assert_int_equal(test_compile(s, 51, LFSC_OUT_IMAGE, &o, &out, &e, NULL), LFSC_ERR_LIMIT);
	assert_string_equal(e.text, "'-f': Number of modules > 50");
	assert_int_equal(test_compile(s, 51, LFSC_OUT_LC, &o, &out, &e, NULL), 0);
	lfsc_buffer_release(&out);
}

/* §B3.4: the main Proto of the §B3.5 example */
static void index_function(void **state)
{
	struct lfsc_options o = opts51();
	struct lfsc_buffer img;
	struct lfsc_error e;
	static const uint32_t code[15] = {
		23 | 0 << 6 | 256u << 14,             /* EQ 0 0 K(0) */
		22 | (131071u + 2) << 14,             /* JMP +2 */
		36 | 1 << 6 | 0u << 14,               /* CLOSURE 1 0 */
		30 | 1 << 6 | 2u << 23,               /* RETURN 1 2 */
		23 | 0 << 6 | 257u << 14,
		22 | (131071u + 2) << 14,
		36 | 1 << 6 | 1u << 14,
		30 | 1 << 6 | 2u << 23,
		1 | 1 << 6 | 2u << 14,                /* LOADK 1 K(2): the timestamp */
		10 | 2 << 6 | 2u << 23,               /* NEWTABLE 2 fb(2) 0 */
		1 | 3 << 6 | 0u << 14,                /* LOADK 3 K(0) */
		1 | 4 << 6 | 1u << 14,                /* LOADK 4 K(1) */
		34 | 2 << 6 | 2u << 23 | 1u << 14,    /* SETLIST 2 2 1 */
		30 | 1 << 6 | 3u << 23,               /* RETURN 1 3 */
		30 | 0 << 6 | 1u << 23,               /* RETURN 0 1 */
	};
	size_t n, main, k, i;
	double ts;
	uint8_t *d;

	lfsc_buffer_init(&img);
	assert_int_equal(test_compile(ab, 2, LFSC_OUT_IMAGE, &o, &img, &e, NULL), 0);
	d = inflated(&img, &n);
	main = w32(d, 2);
	assert_int_equal(w32(d, main + 10), 3);      /* sizek */
	assert_int_equal(w32(d, main + 11), 15);     /* sizecode = 5N + 5 */
	assert_int_equal(w32(d, main + 12), 2);      /* sizep */
	assert_int_equal(w32(d, main + 5), 0);       /* no line info */
	assert_int_equal(w32(d, main + 17), 0x05000100); /* nups 0, 1 param, vararg 0, stack 5 */
	for (i = 0; i < 15; i++)
		assert_int_equal(w32(d, w32(d, main + 3) + i), code[i]);
	k = w32(d, main + 2);
	assert_string_equal((const char *)d + 4 * w32(d, k) + 16, "a");
	assert_string_equal((const char *)d + 4 * w32(d, k + 3) + 16, "b");
	memcpy(&ts, d + 4 * (k + 6), 8);
	assert_true(ts == 1795265915.0);
	assert_int_equal(w32(d, k + 8), 3);          /* a number */
	free(d);
	lfsc_buffer_release(&img);
}

/* lineinfo51_pack with a history -> hex */
static void pack51_is(const int *lines, int n, const struct fix51 *fx, int nfix,
		      const char *want, int defects_want)
{
	struct mem m;
	struct lfsc_buffer b;
	struct buf w = { &m, &b, 0 };
	char got[4096] = "";
	int defects = 0, back[1024];
	size_t i;

	mem_init(&m);
	lfsc_buffer_init(&b);
	assert_int_equal(lineinfo51_pack(&w, lines, n, fx, nfix, &defects), 0);
	for (i = 0; i < b.len; i++)
		sprintf(got + strlen(got), "%s%02x", i ? " " : "", b.data[i]);
	assert_string_equal(got, want);
	assert_int_equal(defects, defects_want);
	if (!defects_want) {                         /* decodes to the final lines */
		assert_int_equal(lineinfo_unpack(b.data, (int)b.len, back, n), 0);
		assert_memory_equal(back, lines, (size_t)n * sizeof *lines);
	}
	buf_release(&m, &b);
}

static void lineinfo_artifact(void **state)
{
	/* foo(\n): CALL coded on line 2, moved back to line 1 (lua51-frontend.md) */
	int call[3] = { 1, 1, 2 };
	struct fix51 fcall[1] = { { 1, 2, 1 } };
	/* for i = 1, 2 do local t = {\n}\nend: the FORLOOP coded on line 3 is
	** moved to the line of the for (lparser.c forbody) */
	int loop[7] = { 1, 1, 1, 1, 1, 1, 3 };
	struct fix51 floop[1] = { { 5, 3, 1 } };

	pack51_is(call, 3, fcall, 1, "01 c0 01 01 00", 0);
	pack51_is(call, 3, NULL, 0, "02 01 00", 0);  /* the canonical packing */
	pack51_is(loop, 7, floop, 1, "05 c0 01 80 01 00", 0);
	pack51_is(loop, 7, NULL, 0, "06 80 01 00", 0);
}

static void lineinfo_runs(void **state)
{
	int l[260], i;

	for (i = 0; i < 260; i++)
		l[i] = 1;
	l[259] = 2;
	/* 259 on line 1: 126, "c0" 126, "c0" 7; then line 2 */
	pack51_is(l, 260, NULL, 0, "7e c0 7e c0 07 01 00", 0);
}

static void lineinfo_multibyte(void **state)
{
	int l[4] = { 1, 102, 10103, 5 };

	/* +101: a3 81; +10001: 8f 9c 81; -10098: f2 9d 81 */
	pack51_is(l, 4, NULL, 0, "01 a3 81 01 8f 9c 81 01 f2 9d 81 01 00", 0);
}

/* Known defect 14: f( + 70 blank lines + )\nprint(2): the CALL first coded
** on line 72 is moved back to line 1 after a two-byte delta; the undo adds
** the second group shifted by 7, so later lines come out too high */
static void lineinfo_defect(void **state)
{
	int l[3] = { 1, 1, 73 };
	struct fix51 fx[1] = { { 1, 72, 1 } };
	struct mem m;
	struct lfsc_buffer b;
	struct buf w = { &m, &b, 0 };
	int defects = 0, back[3];
	size_t n;

	mem_init(&m);
	lfsc_buffer_init(&b);
	assert_int_equal(lineinfo51_pack(&w, l, 3, fx, 1, &defects), 0);
	assert_int_equal(defects, 1);
	assert_int_equal(lineinfo_unpack(b.data, (int)b.len, back, 3), 0);
	assert_int_equal(back[0], 1);
	assert_int_equal(back[1], 65);               /* luac.cross's, not 1 */
	assert_int_equal(back[2], 137);              /* not 73 */
	/* a history that does not lead to the final lines is refused, and
	** leaves the buffer as it was */
	fx[0].to = 2;
	n = b.len;
	assert_int_equal(lineinfo51_pack(&w, l, 3, fx, 1, &defects), -1);
	assert_int_equal(b.len, n);
	buf_release(&m, &b);
}

/* every allocation of a 5.1 compile, image and .lc can fail: the error is
** LFSC_ERR_MEM and nothing leaks (make check runs this under ASan) */
static void alloc_failures(void **state)
{
	struct src s = { "f.lua", "local t = {1, 2.5, 'x', y = {}}\n"
				  "function t.f(a, ...) if not a then return f(\n) end\n"
				  "return a .. 'x' end\nreturn t\n" };
	enum lfsc_output kinds[3] = { LFSC_OUT_IMAGE, LFSC_OUT_LC, LFSC_OUT_ABSOLUTE };
	struct lfsc_options o = opts51();
	int k;

	o.base_address = 0x40210000;
	for (k = 0; k < 3; k++)
		assert_true(test_fail_each_alloc(&s, kinds[k], &o) > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(annotated_example),
		cmocka_unit_test(bucket_rule),
		cmocka_unit_test(bitmap_edges),
		cmocka_unit_test(bitmap_checked),
		cmocka_unit_test(chain_order),
		cmocka_unit_test(fifty_modules),
		cmocka_unit_test(index_function),
		cmocka_unit_test(lineinfo_artifact),
		cmocka_unit_test(lineinfo_runs),
		cmocka_unit_test(lineinfo_multibyte),
		cmocka_unit_test(lineinfo_defect),
		cmocka_unit_test(alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
