/*
** runtime51.c - the simulator's firmware Lua for the 5.1 port: the reference
** Lua 5.1.5 built as nodemcu-lua51 (doubles, mk/lua.mk), plus node.LFS as the
** 5.1 firmware offers it (lfs-format.md §B3.4) over the modules in flash,
** rebuilt as standard 5.1 chunks by lfsc_flash_module_chunk and loaded with
** lua_load. The only device file that includes the Lua 5.1 headers (with
** their symbols renamed l51_*); Lua errors never leave it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lfsc_image.h"
#include "platform.h"
#include "runtime.h"

/* Per-boot state, in the registry under the address of rt_key. */
struct rt {
	struct lfsc_flash *fl;   /* the adopted LFS or NULL */
	int restart;             /* node.restart() called */
	int64_t deadline_ms;     /* watchdog, platform_ms() time */
	uint32_t base;           /* mapped address of the partition */
	uint32_t size;           /* partition bytes */
};

static const char rt_key = 'K';
static const char restart_token = 'R';  /* identity of the node.restart() unwind */

static struct rt *rt_of(lua_State *L)
{
	struct rt *rt;

	lua_pushlightuserdata(L, (void *)&rt_key);
	lua_rawget(L, LUA_REGISTRYINDEX);
	rt = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return rt;
}

struct reader {
	const uint8_t *data;
	size_t len;
	int done;
};

static const char *read_chunk(lua_State *L, void *ud, size_t *size)
{
	struct reader *r = ud;

	(void)L;
	if (r->done) {
		*size = 0;
		return NULL;
	}
	r->done = 1;
	*size = r->len;
	return (const char *)r->data;
}

/* §B3.4: the index function returns the first module of that name, any
** length, no "__" rule; anything else is nil */
static int push_module(lua_State *L, const char *name)
{
	struct rt *rt = rt_of(L);
	struct lfsc_buffer buf;
	struct lfsc_error lerr;
	struct reader r;
	int rc, i, n, found = 0;

	n = rt->fl && name ? lfsc_flash_nmodules(rt->fl) : 0;
	for (i = 0; i < n && !found; i++)
		found = !strcmp(lfsc_flash_module_name(rt->fl, i), name);
	if (!found) {
		lua_pushnil(L);
		return 1;
	}
	lfsc_buffer_init(&buf);
	memset(&lerr, 0, sizeof lerr);
	rc = lfsc_flash_module_chunk(rt->fl, name, &buf, &lerr);
	if (rc) {
		lfsc_buffer_release(&buf);
		return luaL_error(L, "cannot load LFS.%s: %s", name, lerr.text);
	}
	r.data = buf.data;
	r.len = buf.len;
	r.done = 0;
	rc = lua_load(L, read_chunk, &r, name);
	lfsc_buffer_release(&buf);
	if (rc != 0)
		return lua_error(L);
	return 1;
}

static int lfs_get(lua_State *L)
{
	return push_module(L, lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL);
}

static int lfs_index(lua_State *L)   /* node.LFS.<other> == node.LFS.get("<other>") */
{
	return push_module(L, lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL);
}

static int lfs_list(lua_State *L)
{
	struct rt *rt = rt_of(L);
	int i, n;

	if (!rt->fl) {
		lua_pushnil(L);
		return 1;
	}
	n = lfsc_flash_nmodules(rt->fl);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, lfsc_flash_module_name(rt->fl, i));
		lua_rawseti(L, -2, i + 1);
	}
	lua_getglobal(L, "table");                /* §B3.4: sorted */
	lua_getfield(L, -1, "sort");
	lua_pushvalue(L, -3);
	lua_call(L, 1, 0);
	lua_pop(L, 1);
	return 1;
}

static int node_restart(lua_State *L)
{
	rt_of(L)->restart = 1;
	lua_pushlightuserdata(L, (void *)&restart_token);
	return lua_error(L);
}

static void watchdog(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	if (platform_ms() > rt_of(L)->deadline_ms)
		luaL_error(L, "watchdog: _init ran too long");
}

static void config(lua_State *L, const struct rt *rt)
{
	lua_createtable(L, 0, 4);                 /* lua_getlfsconfig of the port */
	lua_pushnumber(L, (lua_Number)rt->base);
	lua_setfield(L, -2, "lfs_mapped");
	lua_pushnumber(L, (lua_Number)(rt->base - 0x40200000u));   /* ESP8266 mapping */
	lua_setfield(L, -2, "lfs_base");
	lua_pushnumber(L, (lua_Number)rt->size);
	lua_setfield(L, -2, "lfs_size");
	lua_pushnumber(L, rt->fl ? (lua_Number)lfsc_flash_size(rt->fl) : 0);
	lua_setfield(L, -2, "lfs_used");
}

static int setup(lua_State *L)
{
	struct rt *rt = lua_touserdata(L, 1);

	lua_pushlightuserdata(L, (void *)&rt_key);
	lua_pushlightuserdata(L, rt);
	lua_rawset(L, LUA_REGISTRYINDEX);
	luaL_openlibs(L);
	lua_newtable(L);                          /* node */
	lua_pushcfunction(L, node_restart);
	lua_setfield(L, -2, "restart");
	lua_newtable(L);                          /* node.LFS */
	lua_pushcfunction(L, lfs_get);
	lua_setfield(L, -2, "get");
	lua_pushcfunction(L, lfs_list);
	lua_setfield(L, -2, "list");
	/* §B3.4: the timestamp is a number (a double in this build) */
	lua_pushnumber(L, rt->fl ? (lua_Number)lfsc_flash_timestamp(rt->fl) : 0);
	lua_setfield(L, -2, "time");
	config(L, rt);
	lua_setfield(L, -2, "config");
	lua_newtable(L);
	lua_pushcfunction(L, lfs_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	lua_setfield(L, -2, "LFS");
	lua_getfield(L, -1, "LFS");
	lua_getfield(L, -1, "get");
	lua_setfield(L, -3, "flashindex");        /* the older name */
	lua_pop(L, 1);
	lua_setglobal(L, "node");
	return 0;
}

static int run_init(lua_State *L)
{
	const char *name = lua_tostring(L, 1);

	push_module(L, name);
	if (lua_isnil(L, -1))
		return 0;
	lua_pushboolean(L, 1);                    /* tell the caller it ran */
	lua_insert(L, -2);
	lua_call(L, 0, 0);
	return 1;
}

/* runs `init` under the watchdog; fills res */
static void boot_init(lua_State *L, struct rt *rt, const char *init, long watchdog_ms,
		      struct runtime_result *res)
{
	int rc;

	rt->deadline_ms = platform_ms() + watchdog_ms;
	lua_sethook(L, watchdog, LUA_MASKCOUNT, 10000);
	lua_pushcfunction(L, run_init);
	lua_pushstring(L, init);
	rc = lua_pcall(L, 1, 1, 0);
	lua_sethook(L, NULL, 0, 0);
	if (rc == 0) {
		res->ran_init = lua_toboolean(L, -1);
	} else if (lua_touserdata(L, -1) == (void *)&restart_token) {
		res->ran_init = 1;
	} else {
		const char *m = lua_tostring(L, -1);
		res->ran_init = 1;
		res->failed = 1;
		snprintf(res->message, sizeof res->message, "%s",
			 m ? m : "(error object is not a string)");
	}
	lua_settop(L, 0);
}

int runtime51_boot(const uint8_t *partition, size_t len, uint32_t base, int has_lfs,
		   const char *init, long watchdog_ms, struct runtime_result *res,
		   struct dev_error *err)
{
	int ret = DEV_ERR_MEM, rc;
	struct rt rt;
	struct lfsc_error lerr;
	lua_State *L = NULL;

	memset(res, 0, sizeof *res);
	memset(&rt, 0, sizeof rt);
	memset(&lerr, 0, sizeof lerr);
	rt.base = base;
	rt.size = (uint32_t)len;
	if (has_lfs) {
		rc = lfsc_flash_open(partition, len, base, LFSC_TARGET_LUA51, &rt.fl, &lerr);
		if (rc) {
			ret = dev_error_set(err, rc == LFSC_ERR_MEM ? DEV_ERR_MEM : DEV_ERR_VERIFY,
					    "cannot adopt the LFS: %s", lerr.text);
			goto out;
		}
		res->has_lfs = 1;
	}
	if (!(L = luaL_newstate())) {
		ret = dev_error_set(err, DEV_ERR_MEM, "cannot create a Lua state");
		goto out;
	}
	if (lua_cpcall(L, setup, &rt) != 0) {
		ret = dev_error_set(err, DEV_ERR_MEM, "cannot set up Lua: %s",
				    lua_tostring(L, -1));
		goto out;
	}
	if (init)
		boot_init(L, &rt, init, watchdog_ms, res);
	res->restart = rt.restart;
	ret = DEV_OK;
out:
	fflush(stdout);
	if (L)
		lua_close(L);
	lfsc_flash_free(rt.fl);
	return ret;
}
