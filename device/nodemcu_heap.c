/*
** nodemcu_heap.c - the capped lua_Alloc of the emulated firmware. Every block
** carries a small header (not counted) that says whether it belongs to code
** loaded from the LFS, so its later free is booked to the right counter.
*/
#include <stdlib.h>
#include <string.h>
#include "nodemcu_heap.h"

#define NO_CAP_FREE (1u << 30)   /* node.heap() without a cap */

struct hdr {
	size_t flash;                 /* 1: counted in h->flash, not h->used */
	size_t pad;                   /* keeps the payload 16-byte aligned */
};

void nodemcu_heap_init(struct nodemcu_heap *h, size_t cap)
{
	memset(h, 0, sizeof *h);
	h->cap = cap;
}

/* Lua bytes that count: what the program allocated, not the ROM tables */
static size_t lua_bytes(const struct nodemcu_heap *h)
{
	return h->used > h->rom ? h->used - h->rom : 0;
}

static void book(struct nodemcu_heap *h, int flash, size_t add, size_t sub)
{
	size_t *c = flash ? &h->flash : &h->used;

	*c = *c - sub + add;
	if (!flash && lua_bytes(h) + h->charged > h->peak)
		h->peak = lua_bytes(h) + h->charged;
}

void nodemcu_heap_rom(struct nodemcu_heap *h)
{
	h->rom = h->used;
	h->peak = h->charged;
}

void *nodemcu_heap_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct nodemcu_heap *h = ud;
	struct hdr *b = ptr ? (struct hdr *)ptr - 1 : NULL, *nb;
	size_t old = ptr ? osize : 0;
	int flash = b ? (int)b->flash : h->loading_flash > 0;

	if (nsize == 0) {
		if (b) {
			book(h, flash, 0, old);
			free(b);
		}
		return NULL;
	}
	/* Lua never fails a shrink; the cap applies to growth of RAM blocks */
	if (!flash && h->cap && nsize > old &&
	    lua_bytes(h) + h->charged + (nsize - old) > h->cap) {
		if (!h->egc || lua_bytes(h) + h->charged + (nsize - old) > 2 * h->cap)
			return NULL;
		if (!h->egc_pending) {   /* EGC: collect at the next safe point */
			h->egc_pending = 1;
			if (h->on_egc)
				h->on_egc(h->egc_ctx);
		}
	}
	nb = realloc(b, sizeof *b + nsize);
	if (!nb)
		return NULL;   /* b (if any) is still valid; Lua keeps it */
	b = nb;
	b->flash = (size_t)flash;
	book(h, flash, nsize, old);
	return b + 1;
}

int nodemcu_heap_over(const struct nodemcu_heap *h)
{
	return h->cap && lua_bytes(h) + h->charged > h->cap;
}

size_t nodemcu_heap_free(const struct nodemcu_heap *h)
{
	size_t taken = lua_bytes(h) + h->charged;

	if (!h->cap)
		return NO_CAP_FREE > taken ? NO_CAP_FREE - taken : 0;
	return h->cap > taken ? h->cap - taken : 0;
}

int nodemcu_heap_charge(struct nodemcu_heap *h, size_t n)
{
	if (h->cap && lua_bytes(h) + h->charged + n > h->cap)
		return -1;
	h->charged += n;
	if (lua_bytes(h) + h->charged > h->peak)
		h->peak = lua_bytes(h) + h->charged;
	return 0;
}

void nodemcu_heap_release(struct nodemcu_heap *h, size_t n)
{
	h->charged = n < h->charged ? h->charged - n : 0;
}
