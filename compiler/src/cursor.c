/*
** cursor.c - bounds-checked little-endian reading of untrusted bytes for the
** 5.1 readers (chunk51_read.c, lc51_read.c, image51_read.c): the first read
** past the end sets a sticky flag, and every later read gives zero.
*/
#include "lfsc_int.h"

void cursor_init(struct cursor *c, const uint8_t *data, size_t len)
{
	c->start = c->p = data;
	c->end = data + len;
	c->bad = 0;
}

const uint8_t *cursor_take(struct cursor *c, size_t n)
{
	const uint8_t *q = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return q;
}

int cursor_byte(struct cursor *c)
{
	const uint8_t *q = cursor_take(c, 1);

	return q ? *q : 0;
}

uint32_t cursor_u32(struct cursor *c)
{
	const uint8_t *q = cursor_take(c, 4);

	return q ? get_u32(q) : 0;
}

uint64_t cursor_u64(struct cursor *c)
{
	const uint8_t *q = cursor_take(c, 8);

	return q ? get_u32(q) | (uint64_t)get_u32(q + 4) << 32 : 0;
}

size_t cursor_left(const struct cursor *c)
{
	return c->bad ? 0 : (size_t)(c->end - c->p);
}

size_t cursor_offset(const struct cursor *c)
{
	return (size_t)(c->p - c->start);
}
