/*
** runtime.c - the C agent's boot of the image: reference Lua 5.3.6 built with
** NodeMCU's 32-bit numbers, node.LFS (nodemcu_lfs.c) over the modules in
** flash, node.restart, and `_init` run under a watchdog. Lua errors never
** leave it (everything runs under lua_pcall). The emulated firmware of the
** Lua-client mode is nodemcu_boot.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lfsc_image.h"
#include "nodemcu_lfs.h"
#include "platform.h"
#include "runtime.h"

/* Per-boot state, reachable from Lua through the state's extra space. */
struct rt {
	struct nodemcu_lfs lfs;  /* the adopted LFS (lfs.fl NULL: none) */
	int restart;             /* node.restart() called */
	int64_t deadline_ms;     /* watchdog, platform_ms() time */
};

static const char restart_token = 'R';  /* identity of the node.restart() unwind */

static struct rt *rt_of(lua_State *L)
{
	return *(struct rt **)lua_getextraspace(L);
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

static int setup(lua_State *L)
{
	struct rt *rt = rt_of(L);

	luaL_openlibs(L);
	lua_newtable(L);                          /* node */
	lua_pushcfunction(L, node_restart);
	lua_setfield(L, -2, "restart");
	nodemcu_lfs_push(L, &rt->lfs, NULL);
	lua_setfield(L, -2, "LFS");
	lua_getfield(L, -1, "LFS");
	lua_getfield(L, -1, "get");
	lua_setfield(L, -3, "flashindex");        /* §A6.5 alias */
	lua_pop(L, 1);
	lua_setglobal(L, "node");
	return 0;
}

static int run_init(lua_State *L)
{
	const char *name = lua_tostring(L, 1);

	nodemcu_lfs_module(L, &rt_of(L)->lfs, name);
	if (lua_isnil(L, -1))
		return 0;
	lua_pushboolean(L, 1);                    /* tell the caller it ran */
	lua_insert(L, -2);
	lua_call(L, 0, 0);
	return 1;
}

int runtime_boot(const uint8_t *partition, size_t len, uint32_t base, int has_lfs,
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
	rt.lfs.base = base;
	rt.lfs.size = (uint32_t)len;
	if (has_lfs) {
		rc = lfsc_flash_open(partition, len, base, LFSC_TARGET_LUA53, &rt.lfs.fl, &lerr);
		if (rc) {
			ret = dev_error_set(err, rc == LFSC_ERR_MEM ? DEV_ERR_MEM : DEV_ERR_VERIFY,
					    "cannot adopt the LFS: %s", lerr.text);
			goto out;
		}
		res->has_lfs = 1;
	}
	L = luaL_newstate();
	if (!L) {
		ret = dev_error_set(err, DEV_ERR_MEM, "cannot create a Lua state");
		goto out;
	}
	*(struct rt **)lua_getextraspace(L) = &rt;
	lua_pushcfunction(L, setup);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		ret = dev_error_set(err, DEV_ERR_MEM, "cannot set up Lua: %s",
				    lua_tostring(L, -1));
		goto out;
	}
	if (init) {
		rt.deadline_ms = platform_ms() + watchdog_ms;
		lua_sethook(L, watchdog, LUA_MASKCOUNT, 10000);
		lua_pushcfunction(L, run_init);
		lua_pushstring(L, init);
		rc = lua_pcall(L, 1, 1, 0);
		lua_sethook(L, NULL, 0, 0);
		if (rc == LUA_OK) {
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
	res->restart = rt.restart;
	ret = DEV_OK;
out:
	fflush(stdout);
	if (L)
		lua_close(L);
	lfsc_flash_free(rt.lfs.fl);
	return ret;
}
