/*
** gzip_write.c - the gzip file luac.cross (5.1 port) writes for an LFS image
** (lfs-format.md §B2), byte for byte: NodeMCU's uzlib compressor
** (app/uzlib/uzlib_deflate.c) as an algorithm, in our own code. Header
** 1f 8b 08 00 00000000 04 03; one final block of fixed Huffman codes; an
** LZ77 parse with a 3-byte hash over a 16 KB window (chains of 16-bit
** offsets, at most 60 links followed, the first longest match kept) and
** one step of lazy matching; then CRC-32 and ISIZE. Any inflater reads it;
** the device's needs distances within 16 KB (§B4), which this keeps.
*/
#include <string.h>
#include <zlib.h>
#include "lfsc_int.h"

#define MIN_MATCH      3
#define MAX_MATCH      258
#define MAX_OFFSET     16384
#define OFFSET16_MASK  0x7fff
#define NULL_OFFSET    0xffff
#define MAX_CHAIN      60

struct bits {
	struct buf *w;
	uint32_t acc;
	int n;
};

static void put_bits(struct bits *b, uint32_t v, int n)
{
	b->acc |= v << b->n;
	b->n += n;
	while (b->n >= 8) {
		buf_byte(b->w, (int)(b->acc & 0xff));
		b->acc >>= 8;
		b->n -= 8;
	}
}

/* the low n bits of v's 8-bit reversal: a Huffman code sent MSB first */
static void put_code(struct bits *b, unsigned int v, int n)
{
	unsigned int r = 0;
	int i;

	for (i = 0; i < 8; i++)
		r |= ((v >> i) & 1u) << (7 - i);
	put_bits(b, r, n);
}

static void literal(struct bits *b, int c)
{
	if (c <= 143) {
		put_code(b, 0x30u + (unsigned int)c, 8);
	} else {
		put_bits(b, 1, 1);
		put_code(b, 0x90u - 144 + (unsigned int)c, 8);
	}
}

static const uint16_t len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19,
	23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint16_t dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65,
	97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
	12289, 16385, 24577 };

/* RFC 1951 §3.2.5 length and distance codes; a run over 258 is sent in
** pieces as uzlib does (258 while more than 260 remain, then len - 3) */
static void copy(struct bits *b, int dist, int len)
{
	while (len > 0) {
		int n = len > 260 ? 258 : len <= 258 ? len : len - 3, c, x;
		len -= n;
		for (c = 28; len_base[c] > n; c--)
			;
		x = c == 28 ? 0 : c < 8 ? 0 : (c - 4) / 4;
		if (c + 257 <= 279)
			put_code(b, (unsigned int)(c + 1) * 2, 7);
		else
			put_code(b, 0xc0u - 280 + 257 + (unsigned int)c, 8);
		if (x)
			put_bits(b, (uint32_t)(n - len_base[c]), x);
		for (c = 29; dist_base[c] > dist; c--)
			;
		x = c < 4 ? 0 : (c - 2) / 2;
		put_code(b, (unsigned int)c * 8, 5);
		if (x)
			put_bits(b, (uint32_t)(dist - dist_base[c]), x);
	}
}

/* bytes a[0..max) and b[0..max) have in common from the start; 8 at a time */
static int common(const uint8_t *a, const uint8_t *b, int max)
{
	int k = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; k + 8 <= max; k += 8) {
		uint64_t x, y;
		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		if (x != y)
			return k + (__builtin_ctzll(x ^ y) >> 3);
	}
#endif
	while (k < max && a[k] == b[k])
		k++;
	return k;
}

struct lz {
	const uint8_t *src;
	int len;
	uint16_t *table, *chain;
	uint32_t mask, shift;
};

/* uzlibCompressBlock's search at i: inserts i, returns the best match
** length (0 if under 3) and its distance. Faster than uzlib, same result:
** a candidate that differs at index `best` cannot be longer, and once a
** match reaches `max` no later one can replace it (only longer ones do). */
static int search(struct lz *z, int i, int *dist)
{
	const uint8_t *here = z->src + i;
	int base = i & ~OFFSET16_MASK, io = i - base, best = MIN_MATCH - 1, l, j, k;
	int max = z->len - i > MAX_MATCH ? MAX_MATCH : z->len - i;
	uint32_t v = (uint32_t)here[0] << 16 | (uint32_t)here[1] << 8 | here[2];
	uint32_t h = ((v >> z->shift) - v) & z->mask;
	uint16_t next = z->table[h];

	*dist = 0;
	z->table[h] = (uint16_t)io;
	z->chain[io & (MAX_OFFSET - 1)] = next;
	for (l = 0; next != NULL_OFFSET && l < MAX_CHAIN; l++) {
		/* 16-bit offsets: wrap-around decides which 32 KB half */
		j = base + next - (next < io ? 0 : OFFSET16_MASK + 1);
		if (i - j > MAX_OFFSET || j < 0)
			break;
		if (here[best] == z->src[j + best] && (k = common(here, z->src + j, max)) > best) {
			*dist = i - j;
			best = k;
			if (best == max)
				break;
		}
		next = z->chain[next & (MAX_OFFSET - 1)];
	}
	return *dist ? best : 0;
}

static void block(struct bits *b, struct lz *z)
{
	int i, dist, len, last_dist = 0, last_len = 0;

	for (i = 0; i <= z->len - MIN_MATCH; i++) {
		len = search(z, i, &dist);
		if (last_dist) {
			if (dist == 0 || last_len >= len) {     /* emit the cached match */
				copy(b, last_dist, last_len);
				i += last_len - 2;
				last_dist = last_len = 0;
			} else {                            /* a literal; cache this one */
				literal(b, z->src[i - 1]);
				last_dist = dist;
				last_len = len;
			}
		} else if (dist) {
			last_dist = dist;
			last_len = len;
		} else {
			literal(b, z->src[i]);
		}
	}
	if (last_dist) {
		copy(b, last_dist, last_len);
		i += last_len - 1;
	}
	while (i < z->len)
		literal(b, z->src[i++]);
}

int gzip_write(struct mem *m, const uint8_t *data, size_t len, struct lfsc_buffer *out)
{
	static const uint8_t head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3 };
	struct buf w = { m, out, 0 };
	struct bits b = { &w, 0, 0 };
	struct lz z = { data, (int)len, NULL, NULL, 0, 0 };
	uint32_t slots = 256, nbits = 6, crc;
	size_t window = len < MAX_OFFSET ? len : MAX_OFFSET;
	uint8_t tail[8];

	if (len > INT32_MAX / 2)
		return LFSC_ERR_MEM;
	while (slots < window) {          /* ~4 links per chain */
		slots <<= 1;
		nbits++;
	}
	slots >>= 2;
	z.mask = slots - 1;
	z.shift = 24 - nbits;
	z.table = mem_alloc(m, slots * sizeof *z.table);
	z.chain = mem_alloc(m, MAX_OFFSET * sizeof *z.chain);
	if (!z.table || !z.chain) {
		w.failed = 1;
		goto out;
	}
	memset(z.table, 0xff, slots * sizeof *z.table);
	memset(z.chain, 0xff, MAX_OFFSET * sizeof *z.chain);
	buf_put(&w, head, sizeof head);
	put_bits(&b, 1, 1);               /* final block */
	put_bits(&b, 1, 2);               /* fixed Huffman codes */
	block(&b, &z);
	put_bits(&b, 0, 7);               /* end of block */
	if (b.n)
		put_bits(&b, 0, 8 - b.n);
	crc = (uint32_t)crc32(0L, data, (uInt)len);
	put_u32(tail, crc);
	put_u32(tail + 4, (uint32_t)len);
	buf_put(&w, tail, 8);
out:
	mem_free(m, z.table, slots * sizeof *z.table);
	mem_free(m, z.chain, MAX_OFFSET * sizeof *z.chain);
	return w.failed ? LFSC_ERR_MEM : 0;
}
