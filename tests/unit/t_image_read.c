/* t_image_read.c - the image reader rejects malformed images, one message per
** check: the loader's §A6.2 checks in order, with its texts; every truncation;
** what the firmware does not check (counts, tags, references, module index);
** the in-flash reader's rejections; allocation failure at every step of
** reading, laying out, listing and reading back from flash. */
#include "test.h"
#include "lfsc_int.h"

static uint8_t *img;
static size_t len;

static int setup(void **state)
{
	img = test_slurp(test_conf("lua53/golden/shared_strings.img"), &len);
	return 0;
}

static int teardown(void **state)
{
	free(img);
	return 0;
}

/* patches byte off to v in a copy and expects rejection with text */
static void reject(size_t off, uint8_t v, const char *text)
{
	uint8_t *copy = malloc(len);
	struct lfsc_image *out = (void *)1;
	struct lfsc_error e;

	memcpy(copy, img, len);
	copy[off] = v;
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_image_read(copy, len, &out, &e), LFSC_ERR_FORMAT);
	assert_null(out);
	assert_string_equal(e.text, text);
	free(copy);
}

static void accepts_golden(void **state)
{
	struct lfsc_image *out;
	struct lfsc_error e;

	assert_int_equal(lfsc_image_read(img, len, &out, &e), 0);
	assert_int_equal(lfsc_image_get_info(out)->size, len);
	assert_int_equal(lfsc_image_get_info(out)->nmodules, 4);
	lfsc_image_free(out);
}

static void loader_checks(void **state)
{
	long ss = test_find(img, len, "\x19ss", 3), pr = test_find(img, len, "\x19pr", 3);

	reject(0, 0x1c, "invalid header in precompiled chunk");
	reject(1, 'M', "not a precompiled chunk");
	reject(4, 0x52, "version mismatch in precompiled chunk");
	reject(5, 0x0a, "format mismatch in precompiled chunk");
	reject(9, 0x0d, "corrupted precompiled chunk");
	reject(12, 8, "int size mismatch in precompiled chunk");
	reject(13, 2, "Instruction size mismatch in precompiled chunk");
	reject(14, 2, "lua_Integer size mismatch in precompiled chunk");
	reject(15, 8, "lua_Number size mismatch in precompiled chunk");
	reject(19, 0xba, "float format mismatch in precompiled chunk");
	assert_true(ss > 0 && pr > ss);
	reject((size_t)ss + 1, 'S', "no string vector precompiled chunk");
	reject((size_t)pr + 2, 'R', "no Proto vector precompiled chunk");
}

static void every_truncation(void **state)
{
	size_t n;

	for (n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);   /* exact size: ASan sees overreads */
		struct lfsc_image *out;
		struct lfsc_error e;
		memcpy(copy, img, n);
		memset(&e, 0, sizeof e);
		assert_int_equal(lfsc_image_read(copy, n, &out, &e), LFSC_ERR_FORMAT);
		assert_string_equal(e.text, "truncated precompiled chunk");
		free(copy);
	}
}

/* compiles "return 'x'" and expects rejection after patching byte off */
static void reject_small(long off_from_ss, int from_end, uint8_t v, const char *text)
{
	struct src s[] = { { "a.lua", "return 'x'" } };
	struct lfsc_buffer b;
	struct lfsc_error e;
	struct lfsc_image *out;
	long ss;

	lfsc_buffer_init(&b);
	assert_int_equal(test_compile(s, 1, LFSC_OUT_IMAGE, NULL, &b, &e, NULL), 0);
	ss = test_find(b.data, b.len, "\x19ss", 3);
	assert_true(ss > 0);
	/* "\x19ss" 11 (maxlen 17) 4a (ns 74) 00 (nl) 03 (nstrings 3) */
	assert_memory_equal(b.data + ss + 3, "\x11\x4b\x00\x04", 4);
	if (from_end)
		b.data[b.len - (size_t)from_end] = v;
	else
		b.data[ss + off_from_ss] = v;
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_image_read(b.data, b.len, &out, &e), LFSC_ERR_FORMAT);
	assert_string_equal(e.text, text);
	lfsc_buffer_release(&b);
}

static void unchecked_by_firmware(void **state)
{
	reject_small(6, 0, 5, "string vector counts do not add up");
	reject_small(3, 0, 5, "string longer than maxlen");
	reject_small(4, 0, 0x4c, "string vector counts do not add up");
	reject_small(7, 0, 0x6e, "string tag does not match its length");
	/* the module-index reference to "a" (before the 5-byte timestamp) */
	reject_small(0, 6, 0x62, "string reference tag does not match the string");
	reject_small(0, 6, 0x00, "bad string reference tag");
}

static void bad_constant_and_index(void **state)
{
	static const char src[] = "return 1";
	struct src s[] = { { "a.lua", src } };
	struct lfsc_buffer b;
	struct lfsc_error e;
	struct lfsc_image *out;
	static const uint8_t ret_k[] = { 0x26, 0x00, 0x80, 0x00, 0x01, 0x31 };
	long at;

	lfsc_buffer_init(&b);
	assert_int_equal(test_compile(s, 1, LFSC_OUT_IMAGE, NULL, &b, &e, NULL), 0);
	at = test_find(b.data, b.len, ret_k, sizeof ret_k);
	assert_true(at > 0);
	b.data[at + 5] = 0x71;                      /* tag 7: no such constant */
	assert_int_equal(lfsc_image_read(b.data, b.len, &out, &e), LFSC_ERR_FORMAT);
	assert_string_equal(e.text, "bad constant tag");
	assert_int_equal(e.column, at + 5);         /* where: the byte offset */
	b.data[at + 5] = 0x31;
	b.data[b.len - 7] = 0x03;                   /* module index count N+1 = 2 */
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_image_read(b.data, b.len, &out, &e), LFSC_ERR_FORMAT);
	assert_string_equal(e.text, "module index count is not the module count + 1");
	lfsc_buffer_release(&b);
}

static void flash_open_rejects(void **state)
{
	struct lfsc_image *im;
	struct lfsc_buffer f;
	struct lfsc_flash *fl;
	struct lfsc_error e;
	uint8_t erased[4096];
	size_t n;

	memset(erased, 0xff, sizeof erased);
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_flash_open(erased, sizeof erased, 0x40210000, LFSC_TARGET_LUA53,
					 &fl, &e), LFSC_ERR_FORMAT);
	assert_string_equal(e.text, "no LFS image");
	lfsc_buffer_init(&f);
	assert_int_equal(lfsc_image_read(img, len, &im, &e), 0);
	assert_int_equal(lfsc_image_flash(im, 0x40210000, 0, &f, &e), 0);
	assert_int_equal(lfsc_flash_open(f.data, f.len, 0x40210000, LFSC_TARGET_LUA53, &fl, &e), 0);
	assert_int_equal(lfsc_flash_nmodules(fl), 4);
	assert_int_equal(lfsc_flash_size(fl), f.len);
	lfsc_flash_free(fl);
	for (n = 0; n < f.len; n += 7) {           /* torn partitions never overread */
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, f.data, n);
		memset(&e, 0, sizeof e);
		assert_int_equal(lfsc_flash_open(copy, n, 0x40210000, LFSC_TARGET_LUA53, &fl, &e),
				 LFSC_ERR_FORMAT);
		free(copy);
	}
	{       /* sensor_mesh has a 66-character module name: a long TString */
		uint8_t *g;
		size_t glen;
		struct lfsc_image *im2;
		struct lfsc_buffer f2;
		int i, found = 0;
		g = test_slurp(test_conf("lua53/golden/sensor_mesh.img"), &glen);
		lfsc_buffer_init(&f2);
		assert_int_equal(lfsc_image_read(g, glen, &im2, &e), 0);
		assert_int_equal(lfsc_image_flash(im2, 0x40210000, 0, &f2, &e), 0);
		assert_int_equal(lfsc_flash_open(f2.data, f2.len, 0x40210000, LFSC_TARGET_LUA53,
						 &fl, &e), 0);
		for (i = 0; i < lfsc_flash_nmodules(fl); i++)
			found |= strlen(lfsc_flash_module_name(fl, i)) > 40;
		assert_true(found);
		lfsc_flash_free(fl);
		lfsc_image_free(im2);
		lfsc_buffer_release(&f2);
		free(g);
	}
	f.data[0] ^= 1;
	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_flash_open(f.data, f.len, 0x40210000, LFSC_TARGET_LUA53, &fl, &e),
			 LFSC_ERR_FORMAT);
	assert_string_equal(e.text, "LFS image corrupted");
	lfsc_image_free(im);
	lfsc_buffer_release(&f);
}

/* the seam of one run: fail allocation n and every later one */
static struct mem seam_at(long n)
{
	struct mem m;

	mem_init(&m);
	m.fail_at = n;
	return m;
}

/* a failed step must be a clean LFSC_ERR_MEM with its message (e NULL: the
** step reports no text) */
static int step(int ret, const struct lfsc_error *e, int *failed)
{
	if (ret) {
		assert_int_equal(ret, LFSC_ERR_MEM);
		if (e)
			assert_non_null(strstr(e->text, "out of memory"));
		(*failed)++;
	}
	return ret;
}

/* Reads the golden, lays it out for flash and lists it under a seam failing
** allocation n, n = 1, 2, ... until all succeeds; each step fails at least
** once. Returns the layout (caller releases). */
static void image_alloc_failures(struct lfsc_buffer *layout)
{
	int failed[3] = { 0 }, ret = -1;
	long n;

	for (n = 1; n < 100000 && ret; n++) {
		struct mem m = seam_at(n);
		struct lfsc_image *im;
		struct lfsc_buffer list;
		struct lfsc_error e;
		memset(&e, 0, sizeof e);
		lfsc_buffer_init(&list);
		lfsc_buffer_release(layout);
		ret = step(image_read_new(&m, img, len, &im, &e), &e, &failed[0]);
		if (!ret)
			ret = step(lfsc_image_flash(im, 0x40210000, 0, layout, &e), &e, &failed[1]);
		if (!ret)
			ret = step(lfsc_image_list(im, 2, &list), NULL, &failed[2]);
		lfsc_buffer_release(&list);
		lfsc_image_free(im);
	}
	assert_int_equal(ret, 0);
	assert_true(failed[0] > 0 && failed[1] > 0 && failed[2] > 0);
}

/* Opens the layout and rebuilds every module's chunk under a seam failing
** allocation n, until all succeeds; both steps fail at least once. */
static void flash_alloc_failures(const struct lfsc_buffer *layout)
{
	int failed[2] = { 0 }, ret = -1, i;
	long n;

	for (n = 1; n < 100000 && ret; n++) {
		struct mem m = seam_at(n);
		struct lfsc_flash *fl;
		struct lfsc_error e;
		memset(&e, 0, sizeof e);
		ret = step(flash_read_open(&m, layout->data, layout->len, 0x40210000,
					   LFSC_TARGET_LUA53, &fl, &e), &e, &failed[0]);
		for (i = 0; !ret && i < lfsc_flash_nmodules(fl); i++) {
			struct lfsc_buffer chunk;
			lfsc_buffer_init(&chunk);
			ret = step(lfsc_flash_module_chunk(fl, lfsc_flash_module_name(fl, i),
							   &chunk, &e), &e, &failed[1]);
			lfsc_buffer_release(&chunk);
		}
		lfsc_flash_free(fl);
	}
	assert_int_equal(ret, 0);
	assert_true(failed[0] > 0 && failed[1] > 0);
}

static void alloc_failures(void **state)
{
	struct lfsc_buffer layout;

	lfsc_buffer_init(&layout);
	image_alloc_failures(&layout);
	flash_alloc_failures(&layout);
	lfsc_buffer_release(&layout);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_golden),
		cmocka_unit_test(loader_checks),
		cmocka_unit_test(every_truncation),
		cmocka_unit_test(unchecked_by_firmware),
		cmocka_unit_test(bad_constant_and_index),
		cmocka_unit_test(flash_open_rejects),
		cmocka_unit_test(alloc_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
