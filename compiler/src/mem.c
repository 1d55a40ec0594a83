/*
** mem.c - the allocator seam of the lfsc library: every allocation of the
** compiler, and of the reference Lua state it creates, goes through here, so
** tests can fail the Nth allocation and benchmarks can read the peak.
*/
#include <stdlib.h>
#include <string.h>
#include "lfsc_int.h"

void mem_init(struct mem *m)
{
	memset(m, 0, sizeof *m);
}

void *mem_realloc(struct mem *m, void *p, size_t osize, size_t nsize)
{
	void *q;

	if (nsize == 0) {
		free(p);
		m->used -= osize;
		return NULL;
	}
	if (m->fail_at > 0 && ++m->count == m->fail_at)
		return NULL;
	q = realloc(p, nsize);
	if (!q)
		return NULL;
	m->used = m->used - osize + nsize;
	if (m->used > m->peak)
		m->peak = m->used;
	return q;
}

void *mem_alloc(struct mem *m, size_t n)
{
	return mem_realloc(m, NULL, 0, n ? n : 1);
}

void *mem_calloc(struct mem *m, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = mem_alloc(m, n * size);
	if (p && n && size)
		memset(p, 0, n * size);
	return p;
}

void mem_free(struct mem *m, void *p, size_t size)
{
	if (p)
		mem_realloc(m, p, size, 0);
}

void *mem_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	/* lua_Alloc: when ptr is NULL, osize encodes the object type, not a size */
	return mem_realloc(ud, ptr, ptr ? osize : 0, nsize);
}

/* ---- struct lfsc_buffer -------------------------------------------------- */

LFSC_API void lfsc_buffer_init(struct lfsc_buffer *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

LFSC_API void lfsc_buffer_release(struct lfsc_buffer *b)
{
	free(b->data);
	lfsc_buffer_init(b);
}

int buf_reserve(struct lfsc_buffer *b, size_t extra)
{
	size_t cap;
	uint8_t *d;

	if (extra > SIZE_MAX - b->len)
		return -1;
	if (b->len + extra <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap = cap > SIZE_MAX / 2 ? b->len + extra : cap * 2;
	d = realloc(b->data, cap);
	if (!d)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
}

void buf_put_slow(struct buf *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (buf_reserve(w->b, n)) {
		w->failed = 1;
		return;
	}
	memcpy(w->b->data + w->b->len, p, n);
	w->b->len += n;
}

void buf_zero(struct buf *w, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (buf_reserve(w->b, n)) {
		w->failed = 1;
		return;
	}
	memset(w->b->data + w->b->len, 0, n);
	w->b->len += n;
}

/* ---- struct feed: lua_load's reader and lua_dump's writer ----------------- */

const char *feed_read(struct feed *f, size_t *size)
{
	if (f->fed) {
		*size = 0;
		return NULL;
	}
	f->fed = 1;
	*size = f->len;
	return f->src;
}

int feed_write(struct feed *f, const void *p, size_t sz)
{
	struct buf w = { f->chunk, 0 };

	buf_put(&w, p, sz);
	f->write_failed |= w.failed;
	return w.failed;
}
