/* t_gzip51.c - gzip_write.c (the 5.1 port's gzip file, lfs-format.md §B2)
** against a straightforward reference of the same algorithm kept here:
** NodeMCU's uzlib deflate as its steps read (16-bit hash offsets, a 16 KB
** window, at most 60 chain links, byte-by-byte match extension, the lazy
** rule, one block of fixed Huffman codes) with none of gzip_write.c's
** shortcuts. Both must give every public 5.1 golden byte for byte, then the
** same bytes on many generated inputs: the edges of the hash table size,
** runs around the 258-byte match limit, repeats at exactly the window
** distance (the chain slot the new position overwrites), stale hash offsets
** over 32 KB (the 16-bit wrap) and images up to the 256 KB flash limit. */
#include <zlib.h>
#include "test.h"
#include "lfsc_int.h"

/* ---- the reference --------------------------------------------------------- */

struct ref {
	uint8_t *out;
	size_t n;
	int bit;                 /* bits used in out[n - 1]; 8 = full */
};

static void ref_bits(struct ref *r, uint32_t v, int n)     /* LSB first */
{
	int k;

	for (k = 0; k < n; k++) {
		if (r->bit == 8) {
			r->out[r->n++] = 0;
			r->bit = 0;
		}
		r->out[r->n - 1] |= (uint8_t)(((v >> k) & 1) << r->bit++);
	}
}

static void ref_huff(struct ref *r, uint32_t code, int n)  /* MSB first (RFC 1951 §3.1.1) */
{
	while (n--)
		ref_bits(r, (code >> n) & 1, 1);
}

/* RFC 1951 §3.2.6 fixed literal/length codes */
static void ref_symbol(struct ref *r, int s)
{
	if (s < 144)
		ref_huff(r, 0x30 + (uint32_t)s, 8);
	else if (s < 256)
		ref_huff(r, 0x190 + (uint32_t)s - 144, 9);
	else if (s < 280)
		ref_huff(r, (uint32_t)s - 256, 7);
	else
		ref_huff(r, 0xc0 + (uint32_t)s - 280, 8);
}

/* RFC 1951 §3.2.5: code c covers [base, base + 2^extra) */
static const int lbase[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const int lextra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3,
	3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const int dbase[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129,
	193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
	24577 };
static const int dextra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8,
	8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* edges the generated inputs must reach (counted by the reference) */
static struct {
	long wrapped;          /* a 16-bit offset decoded to a position 32 KB+ later */
	long window_edge;      /* a link at exactly 16384: its slot was just reused */
} seen;

/* a match is at most 258 bytes (the search stops there), one length code */
static void ref_copy(struct ref *r, int dist, int len)
{
	int c = 0;

	assert_in_range(len, 3, 258);
	while (c < 28 && lbase[c + 1] <= len)
		c++;
	ref_symbol(r, 257 + c);
	ref_bits(r, (uint32_t)(len - lbase[c]), lextra[c]);
	for (c = 0; c < 29 && dbase[c + 1] <= dist; c++)
		;
	ref_huff(r, (uint32_t)c, 5);
	ref_bits(r, (uint32_t)(dist - dbase[c]), dextra[c]);
}

/* the hash chains; true_* mirror table and chain with whole positions, to
** count the edge cases the generated inputs must reach */
struct ref_lz {
	const uint8_t *src;
	int len, shift, mask;
	uint16_t *table, *chain;
	int *true_table, *true_chain;
};
/* uzlib's search at i: insert i into the hash chains, then follow at most
** 60 links, comparing byte by byte; the first longest match wins */
static int ref_search(struct ref_lz *z, int i, int *dist)
{
	const uint8_t *src = z->src;
	int base = i & ~0x7fff, io = i - base, l, j, k, best = 2;
	int max = z->len - i > 258 ? 258 : z->len - i;
	int v = src[i] << 16 | src[i + 1] << 8 | src[i + 2];
	int h = ((v >> z->shift) - v) & z->mask, tp = z->true_table[h];
	uint16_t next = z->table[h];

	*dist = 0;
	z->table[h] = (uint16_t)io;
	z->chain[io & 16383] = next;
	z->true_table[h] = i;
	z->true_chain[i & 16383] = tp;
	for (l = 0; next != 0xffff && l < 60; l++) {
		j = base + next - (next < io ? 0 : 0x8000);
		if (i - j > 16384)
			break;
		assert_true(j >= 0);      /* offsets never point before the input */
		seen.wrapped += j != tp;
		seen.window_edge += i - j == 16384;
		for (k = 0; k < max && src[i + k] == src[j + k]; k++)
			;
		if (k > best) {
			best = k;
			*dist = i - j;
		}
		next = z->chain[next & 16383];
		tp = z->true_chain[tp & 16383];
	}
	return best;
}

/* the whole gzip file; caller frees */
static uint8_t *ref_gzip(const uint8_t *src, int len, size_t *outlen)
{
	static const uint8_t head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3 };
	struct ref r = { malloc((size_t)len * 2 + 64), 0, 8 };
	int window = len < 16384 ? len : 16384, slots = 256, bits = 6;
	int i, dist, m, last_dist = 0, last_len = 0;
	struct ref_lz z = { src, len, 0, 0, NULL, malloc(16384 * 2), NULL,
			    calloc(16384, sizeof(int)) };
	uint32_t crc = (uint32_t)crc32(0, src, (uInt)len);

	while (slots < window) {
		slots <<= 1;
		bits++;
	}
	slots >>= 2;
	z.shift = 24 - bits;
	z.mask = slots - 1;
	z.table = malloc((size_t)slots * 2);
	z.true_table = calloc((size_t)slots, sizeof(int));
	memset(z.table, 0xff, (size_t)slots * 2);
	memset(z.chain, 0xff, 16384 * 2);
	memcpy(r.out, head, 10);
	r.n = 10;
	ref_bits(&r, 1, 1);
	ref_bits(&r, 1, 2);
	for (i = 0; i <= len - 3; i++) {
		m = ref_search(&z, i, &dist);
		if (last_dist && (dist == 0 || last_len >= m)) {
			ref_copy(&r, last_dist, last_len);     /* the cached match, from i - 1 */
			i += last_len - 2;
			last_dist = last_len = 0;
		} else if (last_dist) {
			ref_symbol(&r, src[i - 1]);            /* i's match is longer */
			last_dist = dist;
			last_len = m;
		} else if (dist) {
			last_dist = dist;
			last_len = m;
		} else {
			ref_symbol(&r, src[i]);
		}
	}
	if (last_dist) {
		ref_copy(&r, last_dist, last_len);
		i += last_len - 1;
	}
	for (; i < len; i++)
		ref_symbol(&r, src[i]);
	ref_symbol(&r, 256);
	r.bit = 8;                                      /* pad to a byte */
	for (i = 0; i < 4; i++)
		r.out[r.n++] = (uint8_t)(crc >> 8 * i);
	for (i = 0; i < 4; i++)
		r.out[r.n++] = (uint8_t)((uint32_t)len >> 8 * i);
	free(z.table);
	free(z.chain);
	free(z.true_table);
	free(z.true_chain);
	*outlen = r.n;
	return r.out;
}

/* ---- the tests -------------------------------------------------------------- */

/* gzip_write() and the reference agree on src, and inflate gives src back */
static void same(const uint8_t *src, size_t len)
{
	struct lfsc_buffer out;
	struct mem m;
	size_t rlen;
	uint8_t *ref = ref_gzip(src, (int)len, &rlen);
	uLongf back_len = (uLongf)len + 1;
	uint8_t *back = malloc(back_len);
	z_stream z;

	mem_init(&m);
	lfsc_buffer_init(&out);
	assert_int_equal(gzip_write(&m, src, len, &out), 0);
	if (out.len != rlen || memcmp(out.data, ref, rlen))
		fail_msg("gzip_write differs from the reference on %zu bytes", len);
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 16 + 15), Z_OK);
	z.next_in = out.data;
	z.avail_in = (uInt)out.len;
	z.next_out = back;
	z.avail_out = (uInt)back_len;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, len);
	assert_memory_equal(back, src, len);
	inflateEnd(&z);
	assert_int_equal(m.used, out.cap);              /* only the output is left */
	lfsc_buffer_release(&out);
	free(back);
	free(ref);
}

static uint8_t *inflate_file(const char *path, size_t *len)
{
	size_t n;
	uint8_t *gz = test_slurp(path, &n), *d = malloc(300000);
	z_stream z;

	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 16 + 15), Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)n;
	z.next_out = d;
	z.avail_out = 300000;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*len = z.total_out;
	inflateEnd(&z);
	free(gz);
	return d;
}

static const char *const goldens[] = {
	"lua51/golden/blinky51.img", "lua51/golden/edge51.img", "lua51/golden/irrigation51.img",
	"lua51/golden/json51.img", "lua51/golden/telnet51.img",
	"lua51/edge/golden/r1_call_paren.img", "lua51/edge/golden/r2_call_multibyte.img",
	"lua51/edge/golden/r3_not_multibyte.img", "lua51/edge/golden/r3b_not_63.img",
	"lua51/edge/golden/r3c_not_64.img", "lua51/edge/golden/r4_for_artifact.img",
	"lua51/edge/golden/r5_call_local_arg.img", "lua51/edge/golden/r6_consts.img",
	"lua51/edge/golden/r7_count_cap.img", "lua51/edge/golden/r8_big_deltas.img",
	"lua51/edge/golden/r9_514bug.img",
};

/* the reference itself gives luac.cross's bytes on all 16 goldens */
static void reference_is_uzlib(void **state)
{
	size_t i, len, glen, rlen;

	for (i = 0; i < sizeof goldens / sizeof *goldens; i++) {
		uint8_t *raw = inflate_file(test_conf(goldens[i]), &len);
		uint8_t *gold = test_slurp(test_conf(goldens[i]), &glen);
		uint8_t *ref = ref_gzip(raw, (int)len, &rlen);
		assert_int_equal(rlen, glen);
		assert_memory_equal(ref, gold, glen);
		same(raw, len);
		free(ref);
		free(gold);
		free(raw);
	}
}

static uint32_t rnd_state = 0x9e3779b9u;

static uint32_t rnd(uint32_t n)                       /* xorshift32, 0..n-1 */
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return n ? rnd_state % n : 0;
}

/* the kinds of input: bytes from a small alphabet (long chains of real
** 3-byte matches), runs around 258, a period (exactly the window distance
** among them), long zero runs between repeated blocks (positions inside a
** match are never inserted, so hash offsets go stale over 32 KB), slices of
** real images with a few bytes changed, and noise */
static void generate(uint8_t *d, size_t len, int kind, const uint8_t *img, size_t imglen)
{
	size_t i = 0, p = 1 + rnd(40000), n;

	static const size_t periods[] = { 16384, 16383, 16385, 8192, 32768, 32769 };
	if (kind == 2 && rnd(2))
		p = periods[rnd(6)];
	while (i < len) {
		switch (kind) {
		case 0: d[i++] = (uint8_t)rnd(2 + rnd_state % 6); break;
		case 1:
			for (n = 250 + rnd(20), n = n < len - i ? n : len - i; n--;)
				d[i++] = (uint8_t)(rnd(3) ? 0 : rnd(256));
			break;
		case 2: d[i] = i < p ? (uint8_t)rnd(256) : d[i - p] ^ (rnd(5000) ? 0 : 1); i++; break;
		case 3:
			for (n = rnd(4) ? rnd(300) : 20000 + rnd(30000); n-- && i < len;)
				d[i++] = 0;
			for (n = 10 + rnd(200), p = rnd(4) * 977; n-- && i < len; p++)
				d[i++] = img[p % imglen];
			break;
		case 4:
			for (n = 64 + rnd(4096), p = rnd((uint32_t)imglen); n-- && i < len; p++)
				d[i++] = img[p % imglen] ^ (rnd(500) ? 0 : (uint8_t)rnd(256));
			break;
		default: d[i++] = (uint8_t)rnd(256);
		}
	}
}

static void generated(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 255, 256, 257, 1024, 4095, 4096,
		16383, 16384, 16385, 32767, 32768, 32769, 65536, 65537, 98304, 270336 };
	const char *rounds_env = getenv("LFSD_GZIP_ROUNDS");   /* more for a long run */
	int rounds = rounds_env ? atoi(rounds_env) : 1, r, k;
	size_t s, imglen;
	uint8_t *img = inflate_file(test_conf(goldens[3]), &imglen);
	uint8_t *d = malloc(270336);

	for (r = 0; r < rounds; r++) {
		for (s = 0; s < sizeof sizes / sizeof *sizes; s++)
			for (k = 0; k < 6; k++) {
				if (sizes[s] > 40000 && (k + s + (size_t)r) % 2)
					continue;               /* half of the big ones: time */
				generate(d, sizes[s], k, img, imglen);
				same(d, sizes[s]);
			}
		for (k = 0; k < 120; k++) {             /* random sizes of every kind */
			size_t n = rnd(6) ? rnd(20000) : rnd(140000);
			generate(d, n, k % 6, img, imglen);
			same(d, n);
		}
	}
	free(d);
	free(img);
	assert_true(seen.wrapped > 0);
	assert_true(seen.window_edge > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reference_is_uzlib),
		cmocka_unit_test(generated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
