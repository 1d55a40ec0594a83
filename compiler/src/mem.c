/*
** mem.c - the allocator seam of the lfsc library: every allocation of the
** compiler, the image and flash readers, the byte buffers they grow, and the
** reference Lua state, goes through here, so tests can fail the Nth
** allocation and check that every byte is freed. The only file that calls libc's allocator
** (lfsc_buffer_release() frees what buf_* grew here).
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
	/* a limit, not one miss; a shrink never fails (the lua_Alloc contract) */
	if (m->fail_at > 0 && (!p || nsize > osize) && ++m->count >= m->fail_at)
		return NULL;
	q = realloc(p, nsize);
	if (!q)
		return NULL;
	m->used = m->used - osize + nsize;
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

char *mem_strndup(struct mem *m, const char *s, size_t n)
{
	char *d;

	n = strnlen(s, n);
	if ((d = mem_alloc(m, n + 1))) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

void mem_free(struct mem *m, void *p, size_t size)
{
	if (p)    /* mem_alloc made a 0-byte request 1 byte */
		mem_realloc(m, p, size ? size : 1, 0);
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

static int reserve(struct mem *m, struct lfsc_buffer *b, size_t extra)
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
	d = mem_realloc(m, b->data, b->cap, cap);
	if (!d)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
}

void buf_release(struct mem *m, struct lfsc_buffer *b)
{
	mem_free(m, b->data, b->cap);
	lfsc_buffer_init(b);
}

int buf_grow(struct buf *w, size_t extra)
{
	if (!w->failed && reserve(w->mem, w->b, extra))
		w->failed = 1;
	return w->failed ? -1 : 0;
}

void buf_put_slow(struct buf *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (reserve(w->mem, w->b, n)) {
		w->failed = 1;
		return;
	}
	memcpy(w->b->data + w->b->len, p, n);
	w->b->len += n;
}

void buf_zero_slow(struct buf *w, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (reserve(w->mem, w->b, n)) {
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
