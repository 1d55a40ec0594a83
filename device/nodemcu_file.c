/*
** nodemcu_file.c - the emulated `file` module (nodemcu-api.md §4,
** app/modules/file.c) over the emulated SPIFFS (nodemcu_spiffs.c): the object
** model (file.open -> fd:read/...) and the basic model (file.read/... on the
** last opened file), "filename invalid" for names over 31 characters, nil
** from open when no descriptor is free, rename onto an existing name fails,
** nil at EOF, nil from write when the file system is full.
*/
#include <string.h>
#include "nodemcu_modules.h"

#define READ_CHUNK 1024   /* FILE_READ_CHUNK */
#define DEFAULT_KEY "file.default"   /* registry: the last opened file object */

struct fobj {
	struct spiffs_file *f;   /* NULL once closed */
};

static void check_name(lua_State *L, int i)
{
	size_t len;
	const char *s = luaL_checklstring(L, i, &len);

	luaL_argcheck(L, spiffs_name_ok(s, len), i, "filename invalid");
}

/* The file an operation acts on: the object at 1, or the last opened one
** (basic model). *arg = index of the first real argument. NULL means "a
** closed descriptor": the firmware keeps the stale number and the call fails
** softly; no file ever opened raises "open a file first". */
static struct spiffs_file *target(lua_State *L, int *arg)
{
	struct fobj *o;

	if (lua_type(L, 1) == LUA_TUSERDATA) {
		o = luaL_checkudata(L, 1, "file.obj");
		*arg = 2;
		if (!o->f)
			luaL_error(L, "open a file first");
		return o->f;
	}
	*arg = 1;
	lua_getfield(L, LUA_REGISTRYINDEX, DEFAULT_KEY);
	o = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!o)
		luaL_error(L, "open a file first");
	return o->f;
}

static int f_open(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	struct fobj *o;
	struct spiffs_file *f;

	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, DEFAULT_KEY);   /* unref the last one */
	check_name(L, 1);
	f = spiffs_open(vm->fs, lua_tostring(L, 1), luaL_optstring(L, 2, "r"));
	if (!f) {
		lua_pushnil(L);
		return 1;
	}
	o = lua_newuserdata(L, sizeof *o);
	o->f = f;
	luaL_getmetatable(L, "file.obj");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, DEFAULT_KEY);
	return 1;
}

static int f_close(lua_State *L)
{
	struct fobj *o;

	if (lua_type(L, 1) == LUA_TUSERDATA) {
		o = luaL_checkudata(L, 1, "file.obj");
	} else {
		lua_getfield(L, LUA_REGISTRYINDEX, DEFAULT_KEY);
		o = lua_touserdata(L, -1);
		lua_pop(L, 1);
		if (!o)
			return 0;
	}
	spiffs_close(o->f);
	o->f = NULL;
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, DEFAULT_KEY);
	return 0;
}

static int f_gc(lua_State *L)   /* an unclosed object is closed when collected */
{
	struct fobj *o = luaL_checkudata(L, 1, "file.obj");

	spiffs_close(o->f);
	o->f = NULL;
	return 0;
}

/* file_g_read: up to n bytes, or through `end` (a character, -1 = none);
** nil when nothing could be read */
static int g_read(lua_State *L, struct spiffs_file *f, size_t n, int end)
{
	luaL_Buffer b;
	char p[256];
	size_t got = 0;
	long r, i;

	if (!f) {
		lua_pushnil(L);
		return 1;
	}
	luaL_buffinit(L, &b);
	while (got < n) {
		size_t want = n - got < sizeof p ? n - got : sizeof p;
		r = spiffs_read(f, p, want);
		if (r <= 0)
			break;
		for (i = 0; i < r; i++)
			if (end >= 0 && (unsigned char)p[i] == end)
				break;
		if (i < r) {   /* reposition after the end character */
			luaL_addlstring(&b, p, (size_t)i + 1);
			spiffs_seek(f, 1, -(r - i - 1));
			got += (size_t)i + 1;
			break;
		}
		luaL_addlstring(&b, p, (size_t)r);
		got += (size_t)r;
		if ((size_t)r < want)
			break;
	}
	luaL_pushresult(&b);
	if (!got)
		lua_pushnil(L);
	return 1;
}

static int f_read(lua_State *L)
{
	int arg;
	struct spiffs_file *f = target(L, &arg);
	size_t n = READ_CHUNK, el;
	int end = -1;

	if (lua_type(L, arg) == LUA_TNUMBER) {
		n = (size_t)luaL_checkinteger(L, arg);
	} else if (lua_isstring(L, arg)) {
		const char *e = luaL_checklstring(L, arg, &el);
		if (el != 1)
			return luaL_error(L, "wrong arg range");
		end = (unsigned char)e[0];
	}
	return g_read(L, f, n, end);
}

static int f_readline(lua_State *L)
{
	int arg;

	return g_read(L, target(L, &arg), READ_CHUNK, '\n');
}

static int put(lua_State *L, struct spiffs_file *f, const char *s, size_t n)
{
	if (f && spiffs_write(f, s, n) == n)
		lua_pushboolean(L, 1);
	else
		lua_pushnil(L);
	return 1;
}

static int f_write(lua_State *L)
{
	int arg;
	struct spiffs_file *f = target(L, &arg);
	size_t n;
	const char *s = luaL_checklstring(L, arg, &n);

	return put(L, f, s, n);
}

static int f_writeline(lua_State *L)
{
	int arg;
	struct spiffs_file *f = target(L, &arg);
	size_t n;
	const char *s = luaL_checklstring(L, arg, &n);

	if (!f || spiffs_write(f, s, n) != n) {
		lua_pushnil(L);
		return 1;
	}
	return put(L, f, "\n", 1);
}

static int f_seek(lua_State *L)
{
	static const char *const whence[] = { "set", "cur", "end", NULL };
	int arg;
	struct spiffs_file *f = target(L, &arg);
	int w = luaL_checkoption(L, arg, "cur", whence);
	int64_t pos = f ? spiffs_seek(f, w, luaL_optinteger(L, arg + 1, 0)) : -1;

	if (pos < 0)
		lua_pushnil(L);
	else
		lua_pushinteger(L, (lua_Integer)pos);
	return 1;
}

static int f_flush(lua_State *L)
{
	int arg;
	struct spiffs_file *f = target(L, &arg);

	if (f && !spiffs_flush(f))
		lua_pushboolean(L, 1);
	else
		lua_pushnil(L);
	return 1;
}

static int f_remove(lua_State *L)   /* silent, even for a missing file */
{
	check_name(L, 1);
	spiffs_remove(nm_vm(L)->fs, lua_tostring(L, 1));
	return 0;
}

static int f_rename(lua_State *L)
{
	check_name(L, 1);
	check_name(L, 2);
	lua_pushboolean(L, !spiffs_rename(nm_vm(L)->fs, lua_tostring(L, 1),
					  lua_tostring(L, 2)));
	return 1;
}

static int f_exists(lua_State *L)
{
	check_name(L, 1);
	lua_pushboolean(L, spiffs_exists(nm_vm(L)->fs, lua_tostring(L, 1)));
	return 1;
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

/* stat checks the full name, not the basename (file.c:383) */
static int f_stat(lua_State *L)
{
	static const char *const flags[] = {
		"is_dir", "is_rdonly", "is_hidden", "is_sys", "is_arch", NULL
	};
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	int64_t size;
	int i;

	luaL_argcheck(L, len <= SPIFFS_NAME_MAX && strlen(s) == len, 1, "filename invalid");
	size = spiffs_size(nm_vm(L)->fs, s);
	if (size < 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_createtable(L, 0, 8);
	set_int(L, "size", (lua_Integer)size);
	lua_pushvalue(L, 1);
	lua_setfield(L, -2, "name");
	for (i = 0; flags[i]; i++) {
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, flags[i]);
	}
	lua_createtable(L, 0, 6);   /* no RTC callback: 1970-01-01 00:00:00 */
	set_int(L, "year", 1970);
	set_int(L, "mon", 1);
	set_int(L, "day", 1);
	set_int(L, "hour", 0);
	set_int(L, "min", 0);
	set_int(L, "sec", 0);
	lua_setfield(L, -2, "time");
	return 1;
}

struct lister {
	lua_State *L;
	int pattern;   /* has a pattern at index 1, string.match at 3 */
};

static void list_one(void *ctx, const char *name, int64_t size)
{
	struct lister *l = ctx;
	lua_State *L = l->L;

	if (l->pattern) {
		lua_pushvalue(L, 3);
		lua_pushstring(L, name);
		lua_pushvalue(L, 1);
		lua_call(L, 2, 1);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			return;
		}
		lua_pop(L, 1);
	}
	lua_pushinteger(L, (lua_Integer)size);
	lua_setfield(L, 2, name);
}

static int f_list(lua_State *L)
{
	struct lister l = { L, 0 };

	lua_settop(L, 1);
	l.pattern = !lua_isnoneornil(L, 1);
	if (l.pattern)
		luaL_checkstring(L, 1);
	lua_newtable(L);
	if (l.pattern) {
		lua_getglobal(L, "string");
		lua_getfield(L, -1, "match");
		lua_remove(L, -2);
	}
	spiffs_list(nm_vm(L)->fs, list_one, &l);
	lua_settop(L, 2);
	return 1;
}

static int f_fsinfo(lua_State *L)
{
	uint32_t used, total;

	spiffs_info(nm_vm(L)->fs, &used, &total);
	lua_pushinteger(L, (lua_Integer)(total - used));
	lua_pushinteger(L, (lua_Integer)used);
	lua_pushinteger(L, (lua_Integer)total);
	return 3;
}

/* getcontents: an empty file also gives nil [code] */
static int f_getcontents(lua_State *L)
{
	struct spiffs_file *f;

	check_name(L, 1);
	f = spiffs_open(nm_vm(L)->fs, lua_tostring(L, 1), "r");
	if (!f)
		return 0;
	g_read(L, f, 0x7FFFFFFF, -1);
	spiffs_close(f);
	return 1;
}

static int f_putcontents(lua_State *L)
{
	size_t n;
	const char *s;
	struct spiffs_file *f;

	check_name(L, 1);
	s = luaL_checklstring(L, 2, &n);
	f = spiffs_open(nm_vm(L)->fs, lua_tostring(L, 1), "w+");
	if (!f) {
		lua_pushnil(L);
		return 1;
	}
	put(L, f, s, n);
	spiffs_close(f);
	return 1;
}

int nodemcu_file_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "__gc", f_gc }, { "close", f_close }, { "read", f_read },
		{ "readline", f_readline }, { "write", f_write }, { "writeline", f_writeline },
		{ "seek", f_seek }, { "flush", f_flush }, { NULL, NULL }
	};
	static const luaL_Reg f[] = {
		{ "list", f_list }, { "open", f_open }, { "close", f_close },
		{ "write", f_write }, { "writeline", f_writeline }, { "read", f_read },
		{ "readline", f_readline }, { "remove", f_remove }, { "seek", f_seek },
		{ "flush", f_flush }, { "rename", f_rename }, { "exists", f_exists },
		{ "getcontents", f_getcontents }, { "putcontents", f_putcontents },
		{ "fsinfo", f_fsinfo }, { "stat", f_stat }, { NULL, NULL }
	};

	nm_newclass(L, "file.obj", methods);
	lua_newtable(L);
	nm_setfuncs(L, f);
	return 1;
}
