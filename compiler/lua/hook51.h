/*
** hook51.h - observation points in the reference Lua 5.1.5 code generator,
** for lfsc's nodemcu-lua51 front end (lua51-frontend.md, "One way to get the
** fix-up history"). mk/lua.mk redirects the parser's calls of luaK_fixline,
** luaK_goiftrue and luaK_infix (lparser.o) to hook51_* in hook51.c; each tells
** the calling thread's observer, if one is set, before and after it calls the
** real function. Without an observer the library behaves exactly as stock.
*/
#ifndef hook51_h
#define hook51_h

enum hook51_event {
	HOOK51_FIXLINE = 0,    /* luaK_fixline(fs, arg = line) */
	HOOK51_GOIFTRUE = 1,   /* luaK_goiftrue(fs, e) */
	HOOK51_INFIX = 2       /* luaK_infix(fs, arg = op, e) */
};

/* Called with after = 0 just before and after = 1 just after the real call;
** fs is the FuncState, e the expdesc (NULL for FIXLINE). */
typedef void (*hook51_fn)(void *ctx, enum hook51_event ev, int after, void *fs,
			  int arg, void *e);

struct hook51 {
	hook51_fn fn;
	void *ctx;
};

/* Sets the observer of the calling thread (borrowed until replaced; NULL
** for none) and returns the previous one. */
const struct hook51 *hook51_set(const struct hook51 *h);

#endif
