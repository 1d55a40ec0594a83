/*
** hook51.c - the redirect targets of hook51.h. Built into the reference Lua
** 5.1 archive by mk/lua.mk (our code, next to Lua's unmodified sources); the
** observer is per thread, so compiles in different threads never mix.
*/
#include "lcode.h"
#include "hook51.h"

void hook51_luaK_fixline(FuncState *fs, int line);
void hook51_luaK_goiftrue(FuncState *fs, expdesc *e);
void hook51_luaK_infix(FuncState *fs, BinOpr op, expdesc *v);

static __thread const struct hook51 *observer;

const struct hook51 *hook51_set(const struct hook51 *h)
{
	const struct hook51 *old = observer;

	observer = h;
	return old;
}

static void tell(enum hook51_event ev, int after, FuncState *fs, int arg, expdesc *e)
{
	const struct hook51 *h = observer;

	if (h && h->fn)
		h->fn(h->ctx, ev, after, fs, arg, e);
}

void hook51_luaK_fixline(FuncState *fs, int line)
{
	tell(HOOK51_FIXLINE, 0, fs, line, NULL);
	luaK_fixline(fs, line);
	tell(HOOK51_FIXLINE, 1, fs, line, NULL);
}

void hook51_luaK_goiftrue(FuncState *fs, expdesc *e)
{
	tell(HOOK51_GOIFTRUE, 0, fs, 0, e);
	luaK_goiftrue(fs, e);
	tell(HOOK51_GOIFTRUE, 1, fs, 0, e);
}

void hook51_luaK_infix(FuncState *fs, BinOpr op, expdesc *v)
{
	tell(HOOK51_INFIX, 0, fs, (int)op, v);
	luaK_infix(fs, op, v);
	tell(HOOK51_INFIX, 1, fs, (int)op, v);
}
