/* t_flash_write.c - the absolute flash layout (lfs-format.md §A5) of a
** hand-made image: the header, TString records and the ROstrt buckets with
** the §A5.4 hash, TValues of every constant kind on both targets, Proto
** records and the module index, pointers that move with the base address,
** appending after existing bytes, flash_measure() agreeing with the writer,
** and allocation failure. */
#include "model.h"

#define BASE 0x40210000u
#define L41 "0123456789012345678901234567890123456789x"

/* §A5.4, as the document states it */
static uint32_t doc_hash(const char *s, uint32_t len, uint32_t seed)
{
	uint32_t h = seed ^ len, step = (len >> 5) + 1, l;

	for (l = len; l >= step; l -= step)
		h ^= (h << 5) + (h >> 2) + (uint8_t)s[l - 1];
	return h;
}

/* module m: main with constants "x", L41, 7, 2.5, true, nil; upvalue _ENV;
** a child without source */
static void build(struct model *md, enum lfsc_target t)
{
	static const uint32_t ret = 38 | (1u << 23);
	struct proto *m, *child;
	float f = 2.5f;
	double d = 2.5;

	model_init(md, t);
	m = model_proto(md, "@m.lua", &ret, 1, 6, 1, 1);
	child = model_proto(md, NULL, &ret, 1, 0, 0, 0);
	model_kstr(md, m, 0, "x");
	model_kstr(md, m, 1, L41);
	m->k[2].tag = K_INT;
	m->k[2].i = 7;
	m->k[3].tag = K_FLT;
	if (t == LFSC_TARGET_LUA53)
		memcpy(&m->k[3].fbits, &f, 4);
	else
		memcpy(&m->k[3].fbits, &d, 8);
	m->k[4].tag = K_BOOL;
	m->k[4].b = 1;
	m->upvalues[0].name = model_str(md, "_ENV");
	m->upvalues[0].instack = 1;
	m->numparams = 0;
	m->is_vararg = 1;
	m->p[0] = child;
	model_module(md, "m", m);
	md->im.seed = 0x1234abcd;
	md->im.timestamp = 1700000000;
	assert_int_equal(strvec_number(&md->im, NULL), 0);
}

/* offset of the TString record of reference r (walking the records from 48) */
static size_t tstring_at(const uint8_t *d, int r)
{
	size_t off = LFSC_FLASH_HEADER;
	int i;

	for (i = 1; i < r; i++) {
		uint32_t len = d[off + 4] == 0x04 ? d[off + 7] : model_u32(d, off + 12);
		off += 16 + ((len + 1 + 3) & ~3u);
	}
	return off;
}

static void header_and_strings(void **state)
{
	struct model md;
	struct lfsc_buffer b;
	const uint8_t *d;
	uint32_t nbuckets, buckets, i, chained = 0;
	int r, nstr;

	build(&md, LFSC_TARGET_LUA53);
	lfsc_buffer_init(&b);
	assert_int_equal(flash_write(&md.im, BASE, &b, NULL, NULL), 0);
	d = b.data;
	nstr = md.im.strs.nvec + LFSC_NFIXED_LOADER;
	/* §A5.2 */
	assert_int_equal(model_u32(d, 0), LFSC_FLASH_SIG);
	assert_int_equal(model_u32(d, 4), b.len);
	assert_int_equal(model_u32(d, 8), 0x1234abcd);
	assert_int_equal(model_u32(d, 12), 1700000000);
	assert_int_equal(model_u32(d, 16), md.im.ns);
	nbuckets = model_u32(d, 20);
	assert_true(nbuckets >= (uint32_t)md.im.ns && nbuckets / 2 < (uint32_t)md.im.ns);
	assert_int_equal(nbuckets & (nbuckets - 1), 0);          /* a power of two */
	assert_int_equal(model_u32(d, 44), 0);
	/* §A5.3: records from byte 48, vector strings first, then the 72 fixed */
	for (r = 1; r <= nstr; r++) {
		size_t o = tstring_at(d, r);
		const struct lstr *s = strtab_ref(&md.im.strs, r);
		int is_short = s->len <= LFSC_MAXSHORTLEN;
		assert_int_equal(d[o + 4], is_short ? 0x04 : 0x14);
		assert_int_equal(d[o + 5], 0x60);
		assert_int_equal(model_u32(d, o + 8), doc_hash(s->s, s->len, 0x1234abcd));
		assert_memory_equal(d + o + 16, s->s, s->len + 1);   /* text and NUL */
		if (!is_short) {
			assert_int_equal(d[o + 6], 1);
			assert_int_equal(model_u32(d, o + 12), s->len);
		} else {
			assert_int_equal(d[o + 7], s->len);
		}
	}
	/* reserved words carry their token number in extra (§A5.3) */
	assert_int_equal(d[tstring_at(d, md.im.strs.nvec + 1) + 6], 1);      /* and */
	assert_int_equal(d[tstring_at(d, md.im.strs.nvec + 22) + 6], 22);    /* while */
	assert_int_equal(d[tstring_at(d, md.im.strs.nvec + 23) + 6], 0);     /* // */
	/* chains: the first record's next is the region base; heads in the header */
	assert_int_equal(model_u32(d, 48), BASE);
	assert_int_equal(BASE + 4 * model_u32(d, 36), BASE + tstring_at(d, nstr));
	/* §A5.4: every short string is in bucket hash & (nROsize - 1), once */
	buckets = 4 * model_u32(d, 24);
	for (i = 0; i < nbuckets; i++) {
		uint32_t a = model_u32(d, buckets + 4 * i);
		while (a) {
			size_t o = a - BASE;
			assert_true(o >= LFSC_FLASH_HEADER && o < b.len);
			assert_int_equal(d[o + 4], 0x04);
			assert_int_equal(model_u32(d, o + 8) & (nbuckets - 1), i);
			chained++;
			a = model_u32(d, o + 12);
		}
	}
	assert_int_equal(chained, (uint32_t)nstr - (uint32_t)md.im.nl);   /* long ones not */
	buf_release(&md.mem, &b);
	model_release(&md);
}

/* the Proto record at address a; checks the fixed fields (§A5.7) */
static size_t proto_at(const uint8_t *d, uint32_t a)
{
	size_t o = a - BASE;

	assert_int_equal(d[o + 4], 0x09);
	assert_int_equal(d[o + 5], 0x21);
	assert_int_equal(model_u32(d, o + 72), 0);               /* gclist */
	return o;
}

static void protos_and_index(void **state)
{
	static const int tvsize[] = { 8, 12 };
	int t;

	for (t = 0; t < 2; t++) {
		struct model md;
		struct lfsc_buffer b;
		const uint8_t *d;
		size_t rot, mo, co, k, tv = (size_t)tvsize[t];
		uint32_t entries, main_a, src_a;
		build(&md, t ? LFSC_TARGET_LUA53_64 : LFSC_TARGET_LUA53);
		lfsc_buffer_init(&b);
		assert_int_equal(flash_write(&md.im, BASE, &b, NULL, NULL), 0);
		d = b.data;
		/* §A5.8: the module index ROTable, one entry: name text, main */
		rot = 4 * model_u32(d, 28);
		assert_int_equal(d[rot + 4], 0x15);
		assert_int_equal(d[rot + 7], 1);
		entries = model_u32(d, rot + 12) - BASE;
		assert_string_equal((const char *)d + model_u32(d, entries) - BASE, "m");
		main_a = model_u32(d, entries + 4);
		assert_int_equal(main_a, BASE + 4 * model_u32(d, 32));   /* written last */
		mo = proto_at(d, main_a);
		/* main: vararg, 6 constants, 1 upvalue, 1 child, its source */
		assert_int_equal(d[mo + 7], 1);
		assert_int_equal(model_u32(d, mo + 12), 1);
		assert_int_equal(model_u32(d, mo + 16), 6);
		assert_int_equal(model_u32(d, mo + 28), 1);
		src_a = model_u32(d, mo + 68);
		assert_string_equal((const char *)d + src_a - BASE + 16, "@m.lua");
		/* the child inherits the source; the chain links it before main */
		co = proto_at(d, model_u32(d, model_u32(d, mo + 52) - BASE));
		assert_int_equal(model_u32(d, co + 68), src_a);
		assert_int_equal(model_u32(d, mo), co + BASE);
		assert_int_equal(model_u32(d, co), BASE);               /* the first */
		assert_int_equal(model_u32(d, co + 64), 0);             /* no upvalues: 0 */
		/* the upvalue's name is the fixed "_ENV" */
		assert_string_equal((const char *)d + model_u32(d, model_u32(d, mo + 64) - BASE)
				    - BASE + 16, "_ENV");
		/* §A5.6 TValues: short and long string, integer, float, boolean, nil */
		k = model_u32(d, mo + 44) - BASE;
		assert_string_equal((const char *)d + model_u32(d, k) - BASE + 16, "x");
		assert_int_equal(model_u32(d, k + tv - 4), 0x44);
		assert_string_equal((const char *)d + model_u32(d, k + tv) - BASE + 16, L41);
		assert_int_equal(model_u32(d, k + 2 * tv - 4), 0x54);
		assert_int_equal(model_u32(d, k + 2 * tv), 7);
		assert_int_equal(model_u32(d, k + 3 * tv - 4), 0x13);
		assert_int_equal(model_u32(d, k + 4 * tv - 4), 0x03);
		if (t)
			assert_memory_equal(d + k + 3 * tv, &(double){ 2.5 }, 8);
		else
			assert_memory_equal(d + k + 3 * tv, &(float){ 2.5f }, 4);
		assert_int_equal(model_u32(d, k + 4 * tv), 1);
		assert_int_equal(model_u32(d, k + 5 * tv - 4), 0x01);
		assert_int_equal(model_u32(d, k + 5 * tv), 0);
		assert_int_equal(model_u32(d, k + 6 * tv - 4), 0x00);
		buf_release(&md.mem, &b);
		model_release(&md);
	}
}

static void base_append_measure(void **state)
{
	struct model md;
	struct lfsc_buffer a, b, c;
	size_t i, wbytes[1], mbytes[1];

	build(&md, LFSC_TARGET_LUA53);
	lfsc_buffer_init(&a);
	lfsc_buffer_init(&b);
	lfsc_buffer_init(&c);
	assert_int_equal(flash_write(&md.im, BASE, &a, wbytes, NULL), 0);
	/* flash_measure() gives the writer's sizes without writing */
	assert_int_equal(flash_measure(&md.im, mbytes), a.len);
	assert_int_equal(mbytes[0], wbytes[0]);
	/* another base: each word is the same or moved by exactly the difference */
	assert_int_equal(flash_write(&md.im, BASE + 0x3000, &b, NULL, NULL), 0);
	assert_int_equal(a.len, b.len);
	for (i = 0; i < a.len; i += 4) {
		uint32_t x = model_u32(a.data, i), y = model_u32(b.data, i);
		assert_true(x == y || y - x == 0x3000);
	}
	assert_int_equal(model_u32(b.data, 48), BASE + 0x3000);
	/* appended after existing bytes: those kept, the layout the same */
	c.data = mem_alloc(&md.mem, 5);
	memcpy(c.data, "abcde", 5);
	c.len = c.cap = 5;
	assert_int_equal(flash_write(&md.im, BASE, &c, NULL, NULL), 0);
	assert_int_equal(c.len, 5 + a.len);
	assert_memory_equal(c.data, "abcde", 5);
	assert_memory_equal(c.data + 5, a.data, a.len);
	buf_release(&md.mem, &a);
	buf_release(&md.mem, &b);
	buf_release(&md.mem, &c);
	model_release(&md);
}

static void build32(struct model *md)
{
	build(md, LFSC_TARGET_LUA53);
}

static int layout(struct model *md, struct lfsc_error *e)
{
	struct lfsc_buffer b;
	int ret;

	lfsc_buffer_init(&b);
	ret = flash_write(&md->im, BASE, &b, NULL, e);
	if (ret)
		assert_string_equal(e->text, "out of memory laying out flash");
	buf_release(&md->mem, &b);
	return ret;
}

static void alloc_failures(void **state)
{
	/* three tables and the output buffer */
	assert_true(model_alloc_failures(build32, layout) >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_and_strings),
		cmocka_unit_test(protos_and_index),
		cmocka_unit_test(base_append_measure),
		cmocka_unit_test(alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
