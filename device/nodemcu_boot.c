/*
** nodemcu_boot.c - one boot of the emulated firmware's Lua, per port:
** the libraries the firmware has (no io, no os), `print` on the UART, the
** emulated modules the build has (--modules), `require` searching SPIFFS for
** "?.lc;?.lua" (a .lc beats a .lua, §0, §8), loadfile/dofile over SPIFFS, and
** the init command from the reboot record, "@init.lua" by default, run
** protected: an error is printed and the chip does not restart (§8).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nodemcu_boot.h"
#include "nodemcu_lfs.h"
#include "nodemcu_modules.h"

#define nodemcu_boot_port NM_PORT(nodemcu_port)

static int l_print(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	int n = lua_gettop(L), i;

	lua_getglobal(L, "tostring");
	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s;
		lua_pushvalue(L, -1);
		lua_pushvalue(L, i);
		lua_call(L, 1, 1);
		s = lua_tolstring(L, -1, &len);
		if (!s)
			return luaL_error(L, "'tostring' must return a string to 'print'");
		if (i > 1)
			nodemcu_console(vm, "\t", 1);
		nodemcu_console(vm, s, len);
		lua_pop(L, 1);
	}
	nodemcu_console(vm, "\n", 1);
	return 0;
}

/* Loads SPIFFS file `name` as a chunk; pushes the function, or nil and a
** message. */
static int load_spiffs(lua_State *L, const char *name)
{
	struct nodemcu_vm *vm = nm_vm(L);
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	if (!spiffs_exists(vm->fs, name) || spiffs_read_all(vm->fs, name, &data, &len, NULL)) {
		lua_pushnil(L);
		lua_pushfstring(L, "cannot open %s", name);
		return 2;
	}
	lua_pushfstring(L, "@%s", name);
	rc = nm_loadbuffer(L, (const char *)data, len, lua_tostring(L, -1));
	free(data);
	lua_remove(L, -2);
	if (rc != LUA_OK) {
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	return 1;
}

static int l_loadfile(lua_State *L)
{
	return load_spiffs(L, luaL_checkstring(L, 1));
}

static int l_dofile(lua_State *L)
{
	int top;

	if (load_spiffs(L, luaL_checkstring(L, 1)) == 2)
		return lua_error(L);
	top = lua_gettop(L) - 1;
	lua_call(L, 0, LUA_MULTRET);
	return lua_gettop(L) - top;
}

/* The Lua-file searcher over SPIFFS with package.path "?.lc;?.lua" */
static int search_spiffs(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	static const char *const ext[] = { ".lc", ".lua" };
	luaL_Buffer tried;
	int i;

	luaL_buffinit(L, &tried);
	for (i = 0; i < 2; i++) {
		const char *file = lua_pushfstring(L, "%s%s", name, ext[i]);
		if (spiffs_exists(nm_vm(L)->fs, file)) {
			if (load_spiffs(L, file) == 2)
				return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s",
						  name, file, lua_tostring(L, -1));
			lua_pushstring(L, file);
			return 2;
		}
		lua_pop(L, 1);
		lua_pushfstring(L, "\n\tno file '%s%s'", name, ext[i]);
		luaL_addvalue(&tried);
	}
	luaL_pushresult(&tried);
	return 1;
}

static int no_c_loader(lua_State *L)
{
	lua_pushliteral(L, "\n\tno C modules in this firmware");
	return 1;
}

static void set_loaders(lua_State *L)
{
	lua_getglobal(L, "package");
	lua_pushliteral(L, "?.lc;?.lua");
	lua_setfield(L, -2, "path");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath");
	lua_pushnil(L);
	lua_setfield(L, -2, "loadlib");
#ifdef NODEMCU_LUA51
	/* §0: preload, Lua-file, C, Croot (app/lua/loadlib.c:651) */
	lua_getfield(L, -1, "loaders");
	lua_pushcfunction(L, search_spiffs);
	lua_rawseti(L, -2, 2);
	lua_pushcfunction(L, no_c_loader);
	lua_rawseti(L, -2, 3);
	lua_pushcfunction(L, no_c_loader);
	lua_rawseti(L, -2, 4);
#else
	/* §0: preload and Lua-file only; `loaders` is an alias of `searchers` */
	(void)no_c_loader;
	lua_getfield(L, -1, "searchers");
	lua_pushcfunction(L, search_spiffs);
	lua_rawseti(L, -2, 2);
	lua_pushnil(L);
	lua_rawseti(L, -2, 4);
	lua_pushnil(L);
	lua_rawseti(L, -2, 3);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "loaders");
#endif
	lua_pop(L, 2);
}

static void open_lib(lua_State *L, const char *name, lua_CFunction f)
{
#ifdef NODEMCU_LUA51
	lua_pushcfunction(L, f);
	lua_pushstring(L, name);
	lua_call(L, 1, 0);
#else
	luaL_requiref(L, name, f, 1);
	lua_pop(L, 1);
#endif
}

static const struct { const char *name; lua_CFunction open; } modules[] = {
	{ "node", nodemcu_node_open }, { "file", nodemcu_file_open },
	{ "tmr", nodemcu_tmr_open }, { "net", nodemcu_net_open },
	{ "tls", nodemcu_tls_open }, { "crypto", nodemcu_crypto_open },
	{ "encoder", nodemcu_encoder_open }, { "rtcmem", nodemcu_rtcmem_open },
	{ NULL, NULL }
};

static int setup(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	int i;

	open_lib(L, "_G", luaopen_base);
	open_lib(L, LUA_LOADLIBNAME, luaopen_package);
	open_lib(L, LUA_STRLIBNAME, luaopen_string);
	open_lib(L, LUA_TABLIBNAME, luaopen_table);
	open_lib(L, LUA_MATHLIBNAME, luaopen_math);
	open_lib(L, LUA_DBLIBNAME, luaopen_debug);
#ifndef NODEMCU_LUA51
	open_lib(L, LUA_COLIBNAME, luaopen_coroutine);
	open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
#endif
	lua_register(L, "print", l_print);
	lua_register(L, "loadfile", l_loadfile);
	lua_register(L, "dofile", l_dofile);
	set_loaders(L);
	for (i = 0; modules[i].name; i++) {
		if (!nodemcu_vm_has(vm, modules[i].name))
			continue;
		lua_pushcfunction(L, modules[i].open);
		lua_call(L, 0, 1);
		lua_setglobal(L, modules[i].name);
	}
	return 0;
}

/* pmain's init command (lua.c:216-268): "@file", "!lfsmodule" or a chunk */
static int run_init(lua_State *L)
{
	const char *cmd = lua_tostring(L, 1);
	struct nodemcu_vm *vm = nm_vm(L);

	if (cmd[0] == '@') {
		if (load_spiffs(L, cmd + 1) == 2) {
			nodemcu_consolef(vm, "%s\n", lua_tostring(L, -1));
			return 0;
		}
	} else if (cmd[0] == '!') {
		nodemcu_lfs_module(L, &vm->lfs, cmd + 1);
		if (!lua_isfunction(L, -1)) {
			vm->init_status = NODEMCU_INIT_MISSING;
			return luaL_error(L, "cannot load LFS.%s", cmd + 1);
		}
	} else if (luaL_loadstring(L, cmd) != LUA_OK) {
		return lua_error(L);
	}
	lua_call(L, 0, 0);
	return 0;
}

static void banner(struct nodemcu_vm *vm)
{
	nodemcu_consolef(vm, "\nNodeMCU 3.0.0.0 (lfs-device emulation of release 36cbf9f)\n"
			 "\tbranch: release\n\tcommit: 36cbf9f0\n\t%s on SDK 3.0.1-dev(fce080e)\n",
			 NM_PORT_NUMBER == 51 ? "Lua 5.1.4" : "Lua 5.3.6");
}

/* The init command, protected: an error is printed and the chip does not
** restart (§8); the outcome goes to vm->init_status / init_msg. */
static void init_command(lua_State *L, struct nodemcu_vm *vm)
{
	const char *msg;

	lua_pushcfunction(L, run_init);
	lua_pushstring(L, vm->init ? vm->init :
			  vm->rcr->startup[0] ? vm->rcr->startup : "@init.lua");
	if (nm_pcall(L, 1, 0, 0) == LUA_OK)
		return;
	if (vm->init_status != NODEMCU_INIT_MISSING)
		vm->init_status = NODEMCU_INIT_FAILED;
	msg = lua_tostring(L, -1);
	if (vm->end == NODEMCU_RESTART && vm->reset_why == RTC_SOFT_WDT)
		msg = "watchdog reset: the init command ran too long";
	else if (vm->end == NODEMCU_RESTART)
		msg = "the chip reset while the init command ran";
	else if (!vm->quiet || vm->init_status != NODEMCU_INIT_MISSING)
		nodemcu_consolef(vm, "%s\n", msg ? msg : "?");
	snprintf(vm->init_msg, sizeof vm->init_msg, "%s", msg ? msg : "(error object is not a string)");
	lua_pop(L, 1);
}

static int start(struct nodemcu_vm *vm)
{
	lua_State *L = lua_newstate(nodemcu_heap_alloc, vm);

	if (!L) {
		nodemcu_consolef(vm, "not enough memory to start Lua\n");
		return -1;
	}
	vm->lua = L;
	lua_pushcfunction(L, setup);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		nodemcu_consolef(vm, "cannot start Lua: %s\n", lua_tostring(L, -1));
		lua_close(L);
		vm->lua = NULL;
		return -1;
	}
	lua_gc(L, LUA_GCCOLLECT, 0);
	nodemcu_heap_rom(&vm->heap);   /* the firmware's libraries are ROTables in flash */
	nm_hooks(L);
	if (!vm->quiet)
		banner(vm);
	init_command(L, vm);
	return 0;
}

static void stop(struct nodemcu_vm *vm)
{
	if (vm->lua)
		lua_close(vm->lua);
	vm->lua = NULL;
}

const struct nodemcu_port nodemcu_boot_port = {
	NM_PORT_NUMBER, NM_PORT_NUMBER == 51 ? "Lua 5.1" : "Lua 5.3", start, stop
};
