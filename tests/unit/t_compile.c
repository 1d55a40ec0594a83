/* t_compile.c - the compiler through its public API: the 40/41-byte
** short/long string boundary, more than 255 constants, module-name rules
** ("__", over 40 characters, duplicates, reserved names), -m, allocation
** failure at every step from lfsc_new() to the listing, and what the firmware sees of "thread"/"proto". */
#include "test.h"
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lfsc_int.h"

#define S40 "0123456789012345678901234567890123456789"

static void string_boundary(void **state)
{
	struct src s[] = { { "m.lua", "return '" S40 "', '" S40 "x'" } };
	struct lfsc_buffer b;
	struct lfsc_error e;
	uint8_t short40[2 + 40], long41[2 + 41];

	lfsc_buffer_init(&b);
	assert_int_equal(test_compile(s, 1, LFSC_OUT_IMAGE, NULL, &b, &e, NULL), 0);
	/* §A2.4: tag 5, len+1 = 41 -> d0 29; tag 6, len+1 = 42 -> e0 2a */
	memcpy(short40, "\xd0\x29", 2);
	memcpy(short40 + 2, S40, 40);
	memcpy(long41, "\xe0\x2a", 2);
	memcpy(long41 + 2, S40 "x", 41);
	assert_true(test_find(b.data, b.len, short40, sizeof short40) > 0);
	assert_true(test_find(b.data, b.len, long41, sizeof long41) > 0);
	lfsc_buffer_release(&b);
	/* in flash: the 40-byte string is a short TString (tt 0x04, shrlen 40),
	** the 41-byte one long (tt 0x14, length in u) */
	assert_int_equal(test_compile(s, 1, LFSC_OUT_ABSOLUTE, NULL, &b, &e, NULL), 0);
	{
		long i40 = test_find(b.data, b.len, S40 "\0", 41);
		long i41 = test_find(b.data, b.len, S40 "x\0", 42);
		assert_true(i40 >= 16 && i41 >= 16);
		assert_int_equal(b.data[i40 - 12], 0x04);
		assert_int_equal(b.data[i40 - 9], 40);
		assert_int_equal(b.data[i41 - 12], 0x14);
		assert_int_equal(b.data[i41 - 4], 41);
	}
	lfsc_buffer_release(&b);
}

static void many_constants(void **state)
{
	char *src = malloc(20000), *p = src;
	struct src s[1] = { { "k.lua", NULL } };
	struct lfsc_buffer b, l1, l2;
	struct lfsc_error e;
	struct lfsc_compiler *c;
	struct lfsc_image *img;
	int i;

	p += sprintf(p, "local t = {");
	for (i = 0; i < 300; i++)
		p += sprintf(p, "'s%d', %d.5, ", i, i);
	sprintf(p, "}\nreturn t\n");
	s[0].text = src;
	lfsc_buffer_init(&b);
	lfsc_buffer_init(&l1);
	lfsc_buffer_init(&l2);
	assert_int_equal(test_compile(s, 1, LFSC_OUT_IMAGE, NULL, &b, &e, &c), 0);
	assert_int_equal(lfsc_image_read(b.data, b.len, &img, &e), 0);
	assert_true(lfsc_image_get_info(img)->nconstants >= 600);
	assert_int_equal(lfsc_list(c, 2, &l1), 0);
	assert_int_equal(lfsc_image_list(img, 2, &l2), 0);
	assert_int_equal(l1.len, l2.len);
	assert_memory_equal(l1.data, l2.data, l1.len);
	lfsc_image_free(img);
	lfsc_free(c);
	lfsc_buffer_release(&b);
	lfsc_buffer_release(&l1);
	lfsc_buffer_release(&l2);
	free(src);
}

static void module_names(void **state)
{
	struct src s[] = { { "a.lua", "return 1" }, { "dir/__b.lua", "return 2" },
			   { "list.lua", "return 3" },
			   { "a_module_name_that_is_longer_than_forty_chars.lua", "return 4" } };
	struct src dup[] = { { "x/m.lua", "return 1" }, { "y/m.x.lua", "return 2" } };
	struct lfsc_buffer b;
	struct lfsc_error e;
	struct lfsc_compiler *c;
	const struct lfsc_build_info *in;

	lfsc_buffer_init(&b);
	assert_int_equal(test_compile(s, 4, LFSC_OUT_IMAGE, NULL, &b, &e, &c), 0);
	in = lfsc_info(c);
	assert_int_equal(in->nmodules, 4);
	assert_string_equal(in->modules[0].name, "__b");     /* moved first */
	assert_string_equal(in->modules[0].file, "dir/__b.lua");
	assert_string_equal(in->modules[1].name, "a");
	assert_int_equal(in->nwarnings, 3);                   /* __b, list, long name */
	lfsc_free(c);
	lfsc_buffer_release(&b);

	assert_int_equal(test_compile(dup, 2, LFSC_OUT_IMAGE, NULL, &b, &e, NULL),
			 LFSC_ERR_USAGE);
	assert_string_equal(e.text, "Cannot have duplicate files ('m.x.lua') in LFS");
	lfsc_buffer_release(&b);
}

static void max_size(void **state)
{
	struct src s[] = { { "a.lua", "return 1" } };
	struct lfsc_options o;
	struct lfsc_buffer b;
	struct lfsc_error e;

	lfsc_options_init(&o);
	o.max_size = 4096;
	lfsc_buffer_init(&b);
	assert_int_equal(test_compile(s, 1, LFSC_OUT_IMAGE, &o, &b, &e, NULL), 0);
	lfsc_buffer_release(&b);
	o.max_size = 1024;
	assert_int_equal(test_compile(s, 1, LFSC_OUT_IMAGE, &o, &b, &e, NULL), LFSC_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	lfsc_buffer_release(&b);
}

static void syntax_error(void **state)
{
	struct src s[] = { { "ok.lua", "return 1" }, { "bad.lua", "local x = \n\n = 2" } };
	struct lfsc_buffer b;
	struct lfsc_error e;
	char msg[300];

	lfsc_buffer_init(&b);
	assert_int_equal(test_compile(s, 2, LFSC_OUT_IMAGE, NULL, &b, &e, NULL), LFSC_ERR_SYNTAX);
	assert_string_equal(e.source, "bad.lua");
	assert_int_equal(e.line, 3);
	lfsc_error_format(&e, msg, sizeof msg);
	assert_string_equal(msg, "bad.lua:3: unexpected symbol near '='");
	lfsc_buffer_release(&b);
}

/* every allocation of a compile can fail (test_fail_each_alloc) */
static void alloc_failures(void **state)
{
	struct src s = { "f.lua", "local t = {1, 2.5, 'x', y = {}}\n"
				  "function t.f(a, ...) return a .. 'long string over forty "
				  "characters long' end\nreturn t\n" };
	struct lfsc_options o;

	lfsc_options_init(&o);
	/* the loop really reached the later stages */
	assert_true(test_fail_each_alloc(&s, LFSC_OUT_ABSOLUTE, &o) > 50);
}

/* What seam_compile() reached before an allocation failed. */
enum stage { ST_NEW, ST_ADD, ST_BUILD, ST_LIST, ST_DONE, ST_N };

/* One whole compile under a seam that fails allocation n: lfsc_new, the
** inputs (Lua sources with module-name warnings, and a .lc), the build of
** kind, the listing. Every failure must be LFSC_ERR_MEM with its message;
** returns the stage that failed, or ST_DONE. */
static enum stage seam_compile(long n, const struct lfsc_buffer *lc, enum lfsc_output kind)
{
	static const struct src s[] = {
		{ "f.lua", "local t = {1, 2.5, 'x', y = {}}\n"
			   "function t.f(a, ...) return a .. 'long string over forty "
			   "characters long' end\nreturn t\n" },
		{ "list.lua", "return 'reserved name: a warning'" },
		{ "dir/__b.lua", "return 'moved first: a warning'" },
	};
	struct lfsc_options o;
	struct lfsc_compiler *c;
	struct lfsc_buffer b;
	struct lfsc_error e;
	struct mem seam;
	enum stage st = ST_NEW;
	int i, ret;

	lfsc_options_init(&o);
	o.module_index = 1;            /* .lc output: the combined main's index */
	mem_init(&seam);
	seam.fail_at = n;
	if (!(c = compile_new(&o, &seam)))
		return st;
	lfsc_buffer_init(&b);
	memset(&e, 0, sizeof e);
	st = ST_ADD;
	for (i = 0, ret = 0; i < 3 && !ret; i++)
		ret = lfsc_add_source(c, s[i].name, s[i].text, strlen(s[i].text), &e);
	if (!ret)
		ret = lfsc_add_source(c, "pre.lc", lc->data, lc->len, &e);
	if (!ret && (st = ST_BUILD))
		ret = lfsc_build(c, kind, &b, &e);
	if (!ret && (st = ST_LIST) && (ret = lfsc_list(c, 2, &b)) == 0)
		st = ST_DONE;
	if (ret) {
		assert_int_equal(ret, LFSC_ERR_MEM);
		assert_true(st == ST_LIST || strstr(e.text, "out of memory"));
	} else {
		assert_int_equal(lfsc_info(c)->nwarnings, 2);
	}
	lfsc_buffer_release(&b);
	lfsc_free(c);
	return st;
}

/* The same through the internal seam from the first allocation of
** lfsc_new() on, for an absolute image and a .lc: each stage fails at least
** once (so every allocation goes through the seam), each cleanly. */
static void alloc_failures_everywhere(void **state)
{
	static const enum lfsc_output kinds[] = { LFSC_OUT_ABSOLUTE, LFSC_OUT_LC };
	struct src pre = { "pre.lua", "local u = ... return function() return u end" };
	struct lfsc_buffer lc;
	struct lfsc_error e;
	size_t k;

	lfsc_buffer_init(&lc);
	assert_int_equal(test_compile(&pre, 1, LFSC_OUT_LC, NULL, &lc, &e, NULL), 0);
	for (k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		int failed[ST_N] = { 0 };
		enum stage st = ST_NEW;
		long n;
		for (n = 1; n < 100000 && st != ST_DONE; n++)
			failed[st = seam_compile(n, &lc, kinds[k])]++;
		assert_int_equal(st, ST_DONE);
		assert_true(failed[ST_NEW] > 0 && failed[ST_ADD] > 0);
		assert_true(failed[ST_BUILD] > 0 && failed[ST_LIST] > 0);
	}
	lfsc_buffer_release(&lc);
}

/* Runs module m of an absolute image the way the firmware resolves its
** constants: read the flash back (pointers, TStrings), rebuild a chunk, run
** it in the reference Lua 5.3 with 32-bit numbers; returns the results
** joined with ",". */
static void run_from_flash(const struct lfsc_buffer *flash, const char *m, char *out,
			   size_t size)
{
	struct lfsc_flash *fl;
	struct lfsc_buffer chunk;
	struct lfsc_error e;
	lua_State *L = luaL_newstate();
	int i, n;

	memset(&e, 0, sizeof e);
	assert_int_equal(lfsc_flash_open(flash->data, flash->len, 0x40210000,
					 LFSC_TARGET_LUA53, &fl, &e), 0);
	lfsc_buffer_init(&chunk);
	assert_int_equal(lfsc_flash_module_chunk(fl, m, &chunk, &e), 0);
	luaL_openlibs(L);
	assert_int_equal(luaL_loadbufferx(L, (const char *)chunk.data, chunk.len, m, "b"), 0);
	assert_int_equal(lua_pcall(L, 0, LUA_MULTRET, 0), 0);
	n = lua_gettop(L);
	out[0] = 0;
	for (i = 1; i <= n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i > 1 ? "," : "",
			 lua_toboolean(L, i) && lua_type(L, i) == LUA_TBOOLEAN ? "true"
			 : lua_type(L, i) == LUA_TBOOLEAN ? "false" : lua_tostring(L, i));
	lua_close(L);
	lfsc_buffer_release(&chunk);
	lfsc_flash_free(fl);
}

static void thread_and_proto(void **state)
{
	struct src s[] = { { "m.lua", "local co = coroutine.create(print)\n"
				      "return 'thread', 'proto', type(co) == 'thread', "
				      "'userdata', 'end'" } };
	struct lfsc_buffer img, flash;
	struct lfsc_image *im;
	struct lfsc_error e;
	char got[200];
	long at;

	lfsc_buffer_init(&img);
	lfsc_buffer_init(&flash);
	assert_int_equal(test_compile(s, 1, LFSC_OUT_IMAGE, NULL, &img, &e, NULL), 0);
	assert_int_equal(lfsc_image_read(img.data, img.len, &im, &e), 0);
	assert_int_equal(lfsc_image_flash(im, 0x40210000, 0, &flash, &e), 0);
	run_from_flash(&flash, "m", got, sizeof got);
	/* lfsc: the constants read back as written, and equal the runtime's own
	** "thread" string (short strings compare by pointer) */
	assert_string_equal(got, "thread,proto,true,userdata,end");

	/* the same image with luac.cross's numbering (thread = nstrings+70,
	** proto = nstrings+71; lfs-format.md §A5.5): patch the two references */
	{
		int nvec = lfsc_image_get_info(im)->nstrings;
		uint8_t ours[4] = { 0xd0, (uint8_t)(nvec + 71), 0xd0, (uint8_t)(nvec + 72) };
		assert_true(nvec + 72 < 128);
		at = test_find(img.data, img.len, ours, 4);
		assert_true(at > 0);
		img.data[at + 1] = (uint8_t)(nvec + 70);
		img.data[at + 3] = (uint8_t)(nvec + 71);
	}
	lfsc_image_free(im);
	lfsc_buffer_release(&flash);
	assert_int_equal(lfsc_image_read(img.data, img.len, &im, &e), 0);
	assert_int_equal(lfsc_image_flash(im, 0x40210000, 0, &flash, &e), 0);
	run_from_flash(&flash, "m", got, sizeof got);
	/* luac.cross: both constants change value, and the 'thread' in the
	** comparison is "userdata" too, so it fails */
	assert_string_equal(got, "userdata,thread,false,userdata,end");
	lfsc_image_free(im);
	lfsc_buffer_release(&img);
	lfsc_buffer_release(&flash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(string_boundary),
		cmocka_unit_test(many_constants),
		cmocka_unit_test(module_names),
		cmocka_unit_test(max_size),
		cmocka_unit_test(syntax_error),
		cmocka_unit_test(alloc_failures),
		cmocka_unit_test(alloc_failures_everywhere),
		cmocka_unit_test(thread_and_proto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
