/*
** gzip_write.c - the gzip file luac.cross (5.1 port) writes for an LFS image
** (lfs-format.md §B2), byte for byte: NodeMCU's uzlib compressor
** (app/uzlib/uzlib_deflate.c) as an algorithm, in our own code. Header
** 1f 8b 08 00 00000000 04 03; one final block of fixed Huffman codes; an
** LZ77 parse with a 3-byte hash over a 16 KB window (chains of 16-bit
** offsets, at most 60 links followed, the first longest match kept) and
** one step of lazy matching; then CRC-32 and ISIZE. Any inflater reads it;
** the device's needs distances within 16 KB (§B4), which this keeps.
** tests/unit/t_gzip51.c holds the algorithm as plainly as it reads and
** checks this faster form against it.
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

/* ---- the bit stream (RFC 1951 §3.1.1: data elements LSB first) ------------ */

struct bits {
	struct buf *w;
	uint64_t acc;        /* pending bits, the oldest in bit 0 */
	int n;               /* how many; below 32 between calls */
};

/* n <= 32 bits of v; whole 32-bit words go out, so the buffer is touched
** once per 4 bytes rather than once per byte */
static void put_bits(struct bits *b, uint32_t v, int n)
{
	b->acc |= (uint64_t)v << b->n;
	b->n += n;
	if (b->n >= 32) {
		buf_u32(b->w, (uint32_t)b->acc);
		b->acc >>= 32;
		b->n -= 32;
	}
}

/* the pending bits, padded with zeros to a whole byte */
static void flush_bits(struct bits *b)
{
	for (; b->n > 0; b->n -= 8, b->acc >>= 8)
		buf_byte(b->w, (int)(b->acc & 0xff));
	b->n = 0;
}

/* Huffman codes are sent MSB first: the bit reversal of an 8-bit value */
static uint32_t rev8(uint32_t v)
{
	static const uint8_t nibble[16] = { 0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11,
		7, 15 };

	return (uint32_t)nibble[v & 15] << 4 | nibble[v >> 4 & 15];
}

/* RFC 1951 §3.2.6 fixed codes: literals 0-143 are 8 bits from 00110000,
** 144-255 are 9 bits from 110010000 */
static void literal(struct bits *b, int c)
{
	if (c <= 143)
		put_bits(b, rev8(0x30u + (unsigned)c), 8);
	else
		put_bits(b, 1u | rev8(0x90u - 144 + (unsigned)c) << 1, 9);
}

static int log2i(uint32_t v)             /* floor(log2(v)), v > 0 */
{
	return 31 - __builtin_clz(v);
}

/* One match as a single bit string (at most 8 + 5 + 5 + 12 = 30 bits):
** length symbol 257 + c (7 bits from 0000000 up to symbol 279, then 8 bits
** from 11000000), its extra bits, distance code (5 bits), its extra bits.
** RFC 1951 §3.2.5: past the first 8 length codes (4 distance codes) each
** power of two of len - 3 (dist - 1) splits into 4 (2) codes with e - 2
** (e - 1) extra bits; 258 has a code of its own. A match is never longer
** than 258 (search() stops there), so uzlib's splitting of longer runs
** never happens. */
static void copy(struct bits *b, int dist, int len)
{
	uint32_t m = (uint32_t)len - 3, c, x = 0, v;
	int nx = 0, n, e;

	if (len == MAX_MATCH) {
		c = 28;
	} else if (m < 8) {
		c = m;
	} else {
		e = log2i(m);
		nx = e - 2;
		c = 4 * (uint32_t)(e - 1) + (m >> nx & 3);
		x = m & ((1u << nx) - 1);
	}
	if (c < 23) {
		v = rev8((c + 1) * 2);
		n = 7;
	} else {
		v = rev8(0xc0u - 23 + c);
		n = 8;
	}
	v |= x << n;
	n += nx;
	m = (uint32_t)dist - 1;
	if (m < 4) {
		c = m;
		x = 0;
		nx = 0;
	} else {
		e = log2i(m);
		nx = e - 1;
		c = 2 * (uint32_t)e + (m >> nx & 1);
		x = m & ((1u << nx) - 1);
	}
	v |= (rev8(c * 8) | x << 5) << n;
	put_bits(b, v, n + 5 + nx);
}

/* ---- the LZ77 parse ------------------------------------------------------- */

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

static int same2(const uint8_t *a, const uint8_t *b)
{
	uint16_t x, y;

	memcpy(&x, a, 2);
	memcpy(&y, b, 2);
	return x == y;
}

/* uzlib's chain has MAX_OFFSET slots, indexed by offset & (MAX_OFFSET - 1).
** Here, for an input over MAX_OFFSET bytes, each slot has two copies, at
** both 15-bit offsets that share it, so the walk indexes by the offset
** itself: following a link is one load, not a mask and a load (the walk is
** a chain of dependent loads; this saves ~20%). A shorter input has
** offsets below MAX_OFFSET only, so one copy of `len` slots does. */
struct lz {
	const uint8_t *src;
	int len;
	uint16_t *table;     /* hash -> 16-bit offset of the newest position */
	uint16_t *chain;     /* offset -> the one before it (chain_slots()) */
	uint32_t mask, shift;
};

static size_t chain_slots(size_t len)
{
	return len > MAX_OFFSET ? 2 * MAX_OFFSET : len;
}

/* uzlib inserts every position it searches (and only those) into the hash
** chains; returns the offset the chain went on with before i */
static unsigned insert(struct lz *z, int i)
{
	const uint8_t *p = z->src + i;
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	uint32_t h = ((v >> z->shift) - v) & z->mask;
	unsigned next = z->table[h], io = (unsigned)i & OFFSET16_MASK;

	z->table[h] = (uint16_t)io;
	z->chain[io] = (uint16_t)next;
	if (z->len > MAX_OFFSET)
		z->chain[io ^ MAX_OFFSET] = (uint16_t)next;
	return next;
}

/*
** uzlibCompressBlock's search at i: inserts i; returns the length of the
** first longest match over `best` bytes among the first MAX_CHAIN links (0
** if none) and its distance. The same result as uzlib's, with less work:
** - a 16-bit offset o stands for the newest position before i with those 15
**   low bits, at distance ((i - o - 1) mod 32768) + 1 (uzlib's "base has
**   bumped" rule; a stale offset decodes the same way in both). Beyond
**   MAX_OFFSET the walk ends. It never reaches before the input: offsets
**   below 32768 are all older positions.
** - a candidate is longer than `best` only if bytes best-1 and best agree;
** - once a match reaches max no later one can replace it (only longer do);
** - the caller passes the cached match's length as `best`: uzlib's lazy rule
**   looks at this search only when it finds something longer.
*/
static int search(struct lz *z, int i, int best, int *dist)
{
	const uint8_t *here = z->src + i;
	unsigned io = (unsigned)i & OFFSET16_MASK, next = insert(z, i), d;
	int max = z->len - i > MAX_MATCH ? MAX_MATCH : z->len - i, l, k;

	*dist = 0;
	if (best >= max)
		return 0;
	for (l = 0; next != NULL_OFFSET && l < MAX_CHAIN; l++) {
		d = ((io - next - 1) & OFFSET16_MASK) + 1;
		if (d > MAX_OFFSET)
			break;
		if (same2(here + best - 1, here - d + best - 1) &&
		    (k = common(here, here - d, max)) > best) {
			*dist = (int)d;
			best = k;
			if (best == max)
				break;
		}
		next = z->chain[next];
	}
	return *dist ? best : 0;
}

/* uzlib's parse: each match is held back one position and sent only if the
** next position has no longer one (then a literal goes first); positions a
** match covers are skipped, neither searched nor inserted */
static void block(struct bits *b, struct lz *z)
{
	int i, dist, len, last_dist = 0, last_len = 0;

	for (i = 0; i <= z->len - MIN_MATCH; i++) {
		len = search(z, i, last_dist ? last_len : MIN_MATCH - 1, &dist);
		if (last_dist && !dist) {                  /* emit the cached match */
			copy(b, last_dist, last_len);
			i += last_len - 2;
			last_dist = last_len = 0;
		} else if (dist) {                     /* cache this one */
			if (last_dist)
				literal(b, z->src[i - 1]);
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
	uint32_t slots = 256, nbits = 6;
	size_t window = len < MAX_OFFSET ? len : MAX_OFFSET;

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
	/* chain slots are read only through offsets of inserted positions, so
	** they need no initial value */
	z.chain = mem_alloc(m, chain_slots(len) * sizeof *z.chain);
	if (!z.table || !z.chain || buf_grow(&w, len / 2 + 64)) {
		w.failed = 1;
		goto out;
	}
	memset(z.table, 0xff, slots * sizeof *z.table);
	buf_put(&w, head, sizeof head);
	put_bits(&b, 1, 1);               /* final block */
	put_bits(&b, 1, 2);               /* fixed Huffman codes */
	block(&b, &z);
	put_bits(&b, 0, 7);               /* end of block */
	flush_bits(&b);
	buf_u32(&w, (uint32_t)crc32(0L, data, (uInt)len));
	buf_u32(&w, (uint32_t)len);
out:
	mem_free(m, z.table, slots * sizeof *z.table);
	mem_free(m, z.chain, chain_slots(len) * sizeof *z.chain);
	return w.failed ? LFSC_ERR_MEM : 0;
}
