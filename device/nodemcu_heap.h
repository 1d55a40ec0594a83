/*
** nodemcu_heap.h - the emulated ESP8266 heap: the lua_Alloc of the emulated
** firmware with a cap (`--heap BYTES`), so a Lua program that would not fit
** gets Lua's own "not enough memory" error, plus fixed charges for what the
** firmware takes from the same heap outside Lua (a TLS session). Code loaded
** from the LFS lives in flash on the device, so its allocations are tracked
** apart and not counted (nodemcu-api.md §10, lfs-format.md §A6.5).
** The 5.1 port's emergency collector (EGC, node.egc) is emulated with `egc`:
** the reference Lua 5.1 cannot collect inside an allocation, so an
** allocation that does not fit is granted (up to twice the cap), and the
** port collects at the next instruction boundary and raises "not enough
** memory" only if the live data still does not fit (nodemcu_lua.c). The
** reference Lua 5.3 collects by itself when an allocation fails.
** Lua-free; the same lua_Alloc signature serves both ports.
*/
#ifndef DEVICE_NODEMCU_HEAP_H
#define DEVICE_NODEMCU_HEAP_H

#include <stddef.h>

struct nodemcu_heap {
	size_t cap;          /* bytes available to Lua + charges; 0 = no cap */
	size_t used;         /* live Lua bytes (host sizes), LFS code excluded */
	size_t charged;      /* live non-Lua charges (TLS sessions) */
	size_t peak;         /* highest used + charged since nodemcu_heap_init() */
	size_t flash;        /* live bytes of code loaded from the LFS (not counted) */
	size_t rom;          /* bytes the libraries' tables took at start-up: in the
				firmware they are ROTables in flash (not counted) */
	int loading_flash;   /* > 0 while an LFS module is being loaded */
	int egc;             /* 1: over-cap allocations are granted for a collection */
	int egc_pending;     /* such an allocation happened; no collection since */
	void (*on_egc)(void *ctx);   /* called when egc_pending becomes 1 */
	void *egc_ctx;
};

/* Empties h and sets its cap (0 = none). */
void nodemcu_heap_init(struct nodemcu_heap *h, size_t cap);

/* The lua_Alloc: ud is the struct nodemcu_heap (borrowed for the state's life).
** Returns NULL (Lua raises its memory error) when the cap would be passed
** (with egc: twice the cap; over the cap it sets egc_pending). */
void *nodemcu_heap_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* Marks what is allocated now as the firmware's read-only tables (after the
** libraries and modules are opened): not counted from now on. */
void nodemcu_heap_rom(struct nodemcu_heap *h);

/* What node.heap() reports: cap - (used - rom) - charged (a large constant
** without a cap). */
size_t nodemcu_heap_free(const struct nodemcu_heap *h);

/* 1 when the counted bytes exceed the cap. */
int nodemcu_heap_over(const struct nodemcu_heap *h);

/* Takes n bytes for a non-Lua user; -1 (nothing taken) if they do not fit. */
int nodemcu_heap_charge(struct nodemcu_heap *h, size_t n);
/* Gives back n bytes of an earlier charge. */
void nodemcu_heap_release(struct nodemcu_heap *h, size_t n);

#endif
