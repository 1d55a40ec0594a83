/*
** varint.c - the two integer encodings of NodeMCU's formats: the plain
** unsigned varint "MBI" (lfs-format.md §A2.1) and the type-tagged integer
** "TT-int" (§A2.2). Both put the most significant 7-bit group first.
*/
#include "lfsc_int.h"

void varint_mbi(struct buf *w, uint64_t v)
{
	uint8_t b[10];
	int n = 0, i;

	do {
		b[n++] = v & 0x7f;
		v >>= 7;
	} while (v);
	for (i = n - 1; i >= 0; i--)
		buf_byte(w, b[i] | (i ? 0x80 : 0));
}

void varint_tt(struct buf *w, int tag, int64_t y)
{
	uint64_t x;
	uint8_t b[10];
	int k = 0, i;

	if (y < 0) {               /* §A2.2 step 1: tag 4, magnitude -(y+1) */
		tag = 4;
		x = (uint64_t)(-(y + 1));
	} else {
		x = (uint64_t)y;
	}
	while (x >= 16) {          /* smallest k with x < 16 * 128^k */
		b[k++] = x & 0x7f;
		x >>= 7;
	}
	buf_byte(w, (k ? 0x80 : 0) | (tag << 4) | (int)x);
	for (i = k - 1; i >= 0; i--)
		buf_byte(w, b[i] | (i ? 0x80 : 0));
}

int varint_read_mbi(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	int b;

	do {
		if (p >= end || x > (UINT64_MAX >> 7))
			return -1;
		b = *p++;
		x = (x << 7) | (b & 0x7f);
	} while (b & 0x80);
	*pp = p;
	*v = x;
	return 0;
}

int varint_read_tt(const uint8_t **pp, const uint8_t *end, int *tag, int64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x;
	int b;

	if (p >= end)
		return -1;
	b = *p++;
	*tag = (b >> 4) & 7;
	x = b & 0x0f;
	while (b & 0x80) {
		if (p >= end || x > (UINT64_MAX >> 8))
			return -1;
		b = *p++;
		x = (x << 7) | (b & 0x7f);
	}
	if (x > INT64_MAX)
		return -1;
	*v = *tag == 4 ? -(int64_t)x - 1 : (int64_t)x;
	*pp = p;
	return 0;
}
