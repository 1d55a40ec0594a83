/*
** nodemcu_lfs.c - node.LFS over the flash partition: the modules are rebuilt
** as standard chunks of the port by lfsc_flash_module_chunk and loaded with
** lua_load. Their allocations are booked as flash (nodemcu_heap.h): on the
** device the code stays in flash. The lookup rules are the port's: 5.3
** lfs-format.md §A6.5-A6.6, 5.1 §B3.4 (the index function compiled into the
** image returns the first module of that name, any length).
*/
#include <string.h>
#include "nodemcu_lfs.h"

struct reader {
	const uint8_t *data;
	size_t len;
	int done;
};

static const char *read_chunk(lua_State *L, void *ud, size_t *size)
{
	struct reader *r = ud;

	(void)L;
	*size = r->done ? 0 : r->len;
	r->done = 1;
	return *size ? (const char *)r->data : NULL;
}

static int find(struct nodemcu_lfs *ctx, const char *name)
{
	int i, n = lfsc_flash_nmodules(ctx->fl);

	for (i = 0; i < n; i++) {
		const char *m = lfsc_flash_module_name(ctx->fl, i);
#ifndef NODEMCU_LUA51
		/* lfs-format.md §A6.6: only short names can match, and a "__" name
		** is searched only in the leading run of "__" entries */
		if (strlen(name) > 40 || (!strncmp(name, "__", 2) && strncmp(m, "__", 2)))
			break;
#endif
		if (!strcmp(m, name))
			return 1;
	}
	return 0;
}

int nodemcu_lfs_module(lua_State *L, struct nodemcu_lfs *ctx, const char *name)
{
	struct lfsc_buffer buf;
	struct lfsc_error lerr;
	struct reader r;
	int rc;

	if (!ctx->fl || !name || !find(ctx, name)) {
		lua_pushnil(L);
		return 1;
	}
	lfsc_buffer_init(&buf);
	memset(&lerr, 0, sizeof lerr);
	if (lfsc_flash_module_chunk(ctx->fl, name, &buf, &lerr)) {
		lfsc_buffer_release(&buf);
		return luaL_error(L, "cannot load LFS.%s: %s", name, lerr.text);
	}
	r.data = buf.data;
	r.len = buf.len;
	r.done = 0;
	if (ctx->heap)
		ctx->heap->loading_flash++;
	rc = nm_load(L, read_chunk, &r, name);
	if (ctx->heap)
		ctx->heap->loading_flash--;
	lfsc_buffer_release(&buf);
	if (rc != LUA_OK)
		return lua_error(L);
	return 1;
}

static struct nodemcu_lfs *ctx_of(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static int lfs_get(lua_State *L)
{
	return nodemcu_lfs_module(L, ctx_of(L),
				  lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL);
}

static int lfs_index(lua_State *L)   /* node.LFS.<other> == node.LFS.get("<other>") */
{
	return nodemcu_lfs_module(L, ctx_of(L),
				  lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL);
}

static int lfs_list(lua_State *L)
{
	struct nodemcu_lfs *ctx = ctx_of(L);
	int i, n;

	if (!ctx->fl) {
		lua_pushnil(L);
		return 1;
	}
	n = lfsc_flash_nmodules(ctx->fl);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, lfsc_flash_module_name(ctx->fl, i));
		lua_rawseti(L, -2, i + 1);
		if (NM_PORT_NUMBER == 53 && strlen(lfsc_flash_module_name(ctx->fl, i)) > 40)
			break;          /* §A6.6: enumeration stops after a long name */
	}
	/* §A6.5, §B3.4: sorted with table.sort */
	lua_getglobal(L, "table");
	lua_getfield(L, -1, "sort");
	lua_pushvalue(L, -3);
	lua_call(L, 1, 0);
	lua_pop(L, 1);
	return 1;
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void push_fn(lua_State *L, struct nodemcu_lfs *ctx, lua_CFunction f, const char *k)
{
	lua_pushlightuserdata(L, ctx);
	lua_pushcclosure(L, f, 1);
	lua_setfield(L, -2, k);
}

void nodemcu_lfs_push(lua_State *L, struct nodemcu_lfs *ctx, lua_CFunction reload)
{
	lua_newtable(L);
	push_fn(L, ctx, lfs_get, "get");
	push_fn(L, ctx, lfs_list, "list");
	if (reload) {
		lua_pushcfunction(L, reload);
		lua_setfield(L, -2, "reload");
	}
	set_int(L, "time", ctx->fl ? (lua_Integer)lfsc_flash_timestamp(ctx->fl) : 0);
	lua_createtable(L, 0, 4);                 /* §A6.5 node.LFS.config */
	set_int(L, "lfs_mapped", (lua_Integer)ctx->base);
	set_int(L, "lfs_base", (lua_Integer)(ctx->base - 0x40200000u));   /* ESP8266 map */
	set_int(L, "lfs_size", (lua_Integer)ctx->size);
	set_int(L, "lfs_used", ctx->fl ? (lua_Integer)lfsc_flash_size(ctx->fl) : 0);
	lua_setfield(L, -2, "config");
	lua_newtable(L);
	push_fn(L, ctx, lfs_index, "__index");
	lua_setmetatable(L, -2);
}
