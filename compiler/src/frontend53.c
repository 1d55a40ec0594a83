/*
** frontend53.c - Lua source -> standard Lua 5.3 binary chunk, through the
** unmodified reference Lua 5.3.6 (design.md §2). The only compiler file that
** includes the reference Lua headers. Built twice: with LFSC_LUA_32 against the
** nodemcu-lua53 library (32-bit integers and floats), and without it against
** the nodemcu-lua53-64 library, whose symbols are renamed (mk/lua.mk).
** One lua_State per compiler, created with our allocator and reused for every
** input (creating a state costs as much as parsing a small file); load and
** dump run under lua_pcall, so no Lua error escapes.
*/
#include <string.h>
#include <stdlib.h>
#include "lua.h"
#include "lfsc_int.h"

#if defined(LFSC_LUA_32)
#define FRONTEND_COMPILE frontend53_32_compile
#define FRONTEND_OPEN frontend53_32_open
#define FRONTEND_CLOSE frontend53_32_close
#else
#define FRONTEND_COMPILE frontend53_64_compile
#define FRONTEND_OPEN frontend53_64_open
#define FRONTEND_CLOSE frontend53_64_close
#endif

struct job {
	struct feed feed;           /* source in, chunk out */
	const char *chunkname;
	int load_status;            /* lua_load's result */
};

static const char *reader(lua_State *L, void *ud, size_t *size)
{
	(void)L;
	return feed_read(ud, size);
}

static int writer(lua_State *L, const void *p, size_t sz, void *ud)
{
	(void)L;
	return feed_write(ud, p, sz);
}

/* runs protected: load the text (mode "t") and dump it unstripped */
static int run(lua_State *L)
{
	struct job *j = lua_touserdata(L, 1);
	int status = lua_load(L, reader, &j->feed, j->chunkname, "t");

	j->load_status = status;
	if (status != LUA_OK)
		return lua_error(L);
	lua_dump(L, writer, &j->feed, 0);
	return 0;
}

void *FRONTEND_OPEN(struct mem *m)
{
	return lua_newstate(mem_lua_alloc, m);
}

void FRONTEND_CLOSE(void *L)
{
	if (L)
		lua_close(L);
}

int FRONTEND_COMPILE(void *state, const char *chunkname, const char *src, size_t len,
		     struct lfsc_buffer *chunk, struct lfsc_error *err)
{
	struct job j = { { NULL, src, len, 0, chunk, 0 }, chunkname, LUA_ERRMEM };
	lua_State *L = state;
	int ret, status;

	lua_getallocf(L, (void **)&j.feed.mem);   /* the struct mem of FRONTEND_OPEN */
	lua_settop(L, 0);
	lua_pushcfunction(L, run);
	lua_pushlightuserdata(L, &j);
	status = lua_pcall(L, 1, 0, 0);
	if (status == LUA_OK && !j.feed.write_failed)
		ret = 0;
	else if (j.load_status == LUA_ERRSYNTAX && lua_isstring(L, -1))
		ret = error_set_lua(err, LFSC_ERR_SYNTAX, lua_tostring(L, -1));
	else
		ret = error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	lua_settop(L, 0);
	return ret;
}
