/*
** nodemcu_node.c - the emulated `node` module (nodemcu-api.md §6): restart
** (deferred), heap, info, getpartitiontable, bootreason, chipid, random,
** task.post, setonerror, node.LFS with the port's reload, and node.egc on the
** 5.1 port only (§0).
*/
#include <stdio.h>
#include <string.h>
#include "nodemcu_lfs.h"
#include "nodemcu_modules.h"
#include "nodemcu_reload51.h"
#include "platform.h"

#define CHIP_ID  0x00c0ffee   /* any constant: the simulator is one chip */
#define FLASH_ID 0x001640e0   /* a 4 MB chip */

static int node_restart(lua_State *L)
{
	/* §0, §6: deferred until the running task returns; bootreason 2, 4 */
	nodemcu_vm_restart_later(nm_vm(L));
	return 0;
}

static int node_heap(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)nodemcu_heap_free(&nm_vm(L)->heap));
	return 1;
}

static int node_chipid(lua_State *L)
{
	lua_pushinteger(L, CHIP_ID);
	return 1;
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static const char *const all_modules[] = {
	"crypto", "encoder", "file", "net", "node", "rtcmem", "tls", "tmr", NULL
};

static void push_modules(lua_State *L, struct nodemcu_vm *vm)
{
	luaL_Buffer b;
	int i, n = 0;

	luaL_buffinit(L, &b);
	for (i = 0; all_modules[i]; i++) {
		if (!nodemcu_vm_has(vm, all_modules[i]))
			continue;
		if (n++)
			luaL_addchar(&b, ',');
		luaL_addstring(&b, all_modules[i]);
	}
	luaL_pushresult(&b);
}

/* node.info(group), node.c:259-311 */
static int node_info(lua_State *L)
{
	static const char *const groups[] = { "hw", "lfs", "sw_version", "build_config", NULL };
	struct nodemcu_vm *vm = nm_vm(L);

	if (lua_isnoneornil(L, 1)) {   /* 8 legacy values and a deprecation note */
		nodemcu_consolef(vm, "WARNING: node.info() is deprecated, use node.info(\"hw\")\n");
		lua_pushinteger(L, 3);
		lua_pushinteger(L, 0);
		lua_pushinteger(L, 0);
		lua_pushinteger(L, CHIP_ID);
		lua_pushinteger(L, FLASH_ID);
		lua_pushinteger(L, 4096);
		lua_pushinteger(L, 0);
		lua_pushinteger(L, 40000000);
		return 8;
	}
	lua_newtable(L);
	switch (luaL_checkoption(L, 1, NULL, groups)) {
	case 0:
		set_int(L, "chip_id", CHIP_ID);
		set_int(L, "flash_id", FLASH_ID);
		set_int(L, "flash_size", 4096);   /* in KB */
		set_int(L, "flash_mode", 0);
		set_int(L, "flash_speed", 40000000);
		break;
	case 1:
		lua_pop(L, 1);
		nodemcu_lfs_push(L, &vm->lfs, NULL);
		lua_getfield(L, -1, "config");
		return 1;
	case 2:
		set_str(L, "git_branch", "release");
		set_str(L, "git_commit_id", "36cbf9f0");
		set_str(L, "git_release", "3.0.0-release_20240225");
		set_str(L, "git_commit_dts", "202402250804");
		set_int(L, "node_version_major", 3);
		set_int(L, "node_version_minor", 0);
		set_int(L, "node_version_revision", 0);
		break;
	default:
		lua_pushboolean(L, nodemcu_vm_has(vm, "tls"));
		lua_setfield(L, -2, "ssl");
		set_int(L, "lfs_size", 0);
		push_modules(L, vm);
		lua_setfield(L, -2, "modules");
		/* §0: the default builds: 5.3 with 32-bit floats, 5.1 "float"
		** (doubles, the packed TValues of signature 0xfafaa154) */
		set_str(L, "number_type", "float");
		break;
	}
	return 1;
}

static int node_getpartitiontable(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	uint32_t lfs_addr = vm->lfs.base - 0x40200000u;

	lua_createtable(L, 0, 4);
	set_int(L, "lfs_addr", lfs_addr);
	set_int(L, "lfs_size", vm->lfs.size);
	set_int(L, "spiffs_addr", lfs_addr + vm->lfs.size);
	set_int(L, "spiffs_size", vm->fs->size);
	return 1;
}

/* raw, ext[, exccause, epc1, epc2, epc3, excvaddr, depc] - the extra values
** only for ext = 2 (node.c:536-548) */
static int node_bootreason(lua_State *L)
{
	int raw, ext, i;

	nodemcu_rtc_reason(nm_vm(L)->rtc->reason, &raw, &ext);
	lua_pushinteger(L, raw);
	lua_pushinteger(L, ext);
	if (ext != 2)
		return 2;
	lua_pushinteger(L, 29);   /* StoreProhibited: what an abort() leaves */
	for (i = 0; i < 5; i++)
		lua_pushinteger(L, i < 3 ? 0x40100000 + i : 0);
	return 8;
}

static uint32_t random_below(uint32_t range)
{
	uint32_t limit = range ? UINT32_MAX - UINT32_MAX % range : 0, v;

	if (!range)
		return platform_random();
	while ((v = platform_random()) >= limit)
		;
	return v % range;
}

/* node.random([[l,] u]), node.c:686-715 */
static int node_random(lua_State *L)
{
	lua_Integer l = 1, u;

	switch (lua_gettop(L)) {
	case 0:
		lua_pushnumber(L, (lua_Number)(platform_random() >> 8) / (lua_Number)(1 << 24));
		return 1;
	case 1:
		u = luaL_checkinteger(L, 1);
		break;
	case 2:
		l = luaL_checkinteger(L, 1);
		u = luaL_checkinteger(L, 2);
		break;
	default:
		return luaL_error(L, "wrong number of arguments");
	}
	luaL_argcheck(L, l <= u, 2, "interval is empty");
	lua_pushinteger(L, l + (lua_Integer)random_below((uint32_t)(u - l) + 1u));
	return 1;
}

/* lnodemcu.c do_task: fn(priority), protected; arg = ref << 2 | priority */
static void run_task(void *ctx, intptr_t arg)
{
	lua_State *L = ctx;
	int r = (int)(arg >> 2);

	nm_push_ref(L, r);
	nm_unref(L, &r);
	lua_pushinteger(L, (lua_Integer)(arg & 3));
	nm_callback(L, 1, NM_PROTECTED);
}

/* node.task.post([prio,] fn), node.c:495-507; lnodemcu.c luaL_posttask */
static int task_post(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	int n = 1, prio = 1, ref;

	if (lua_type(L, 1) == LUA_TNUMBER) {
		prio = (int)luaL_checkinteger(L, 1);
		luaL_argcheck(L, prio >= 0 && prio <= 2, 1, "invalid  priority");
		n++;
	}
	luaL_checktype(L, n, LUA_TFUNCTION);
	ref = nm_ref(L, n);
	if (sched_post(vm->sched, prio, run_task, nm_main(L), (intptr_t)ref << 2 | prio)) {
		nm_unref(L, &ref);
		return luaL_error(L, "Task queue overflow. Task not posted");
	}
	return 0;
}

static void onerror_restart(void *ctx, intptr_t arg)
{
	(void)arg;
	nodemcu_vm_reset_now(ctx, RTC_SOFT_RESTART);
}

/* registry.onerror by default: print, then restart after 2 s (node.c:33-46) */
static int default_onerror(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);

	lua_settop(L, 1);
	lua_getglobal(L, "print");
	lua_insert(L, 1);
	lua_pcall(L, 1, 0, 0);
	if (!vm->onerror_timer.fn) {
		vm->onerror_timer.fn = onerror_restart;
		vm->onerror_timer.ctx = vm;
		sched_timer_arm(vm->sched, &vm->onerror_timer, 2000);
	}
	return 0;
}

static int node_setonerror(lua_State *L)
{
	lua_settop(L, 1);
	if (!lua_isfunction(L, 1)) {
		lua_pop(L, 1);
		lua_pushcfunction(L, default_onerror);
	}
	lua_setfield(L, LUA_REGISTRYINDEX, "onerror");
	return 0;
}

/* The C agent's firmware: its loader takes the image at the restart (the
** agent's failsafe load, device/README.md); pushes the agent's refusal and
** returns 1, or returns 0 when the image is taken. */
static int agent_reload(lua_State *L, struct nodemcu_vm *vm, const char *img)
{
	char msg[256];

	if (vm->reload(vm->reload_ctx, img, msg, sizeof msg)) {
		lua_pushstring(L, msg);
		return 1;
	}
	return 0;
}

#ifndef NODEMCU_LUA51
/* node.LFS.reload on the 5.3 port (lnodemcu.c:500-581): nothing is checked
** but the file's existence; the load happens at the next boot */
static int lfs_reload(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	const char *img = luaL_checkstring(L, 1);

	lua_getglobal(L, "file");
	if (!lua_istable(L, -1)) {
		lua_pushliteral(L, "No file system mounted");
		return 1;
	}
	lua_getfield(L, -1, "exists");
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);   /* file.exists raises "filename invalid" itself */
	if (!lua_toboolean(L, -1) || !vm->lfs.size) {
		lua_pushliteral(L, "No LFS partition allocated");
		return 1;
	}
	if (vm->reload) {
		if (agent_reload(L, vm, img))
			return 1;
	} else {
		snprintf(vm->rcr->lfs, sizeof vm->rcr->lfs, "%s", img);
		if (nodemcu_rcr_save(vm->rcr, NULL))
			return luaL_error(L, "cannot write the reboot config record");
	}
	nodemcu_vm_restart_later(vm);   /* system_restart(): after this task */
	return luaL_error(L, "system restarting");
}
#else
/* Takes n bytes of the loader's buffers from the heap the way luaM_new does
** with the default EGC_ALWAYS mode: a full collection first. */
static int loader_alloc(lua_State *L, struct nodemcu_vm *vm, size_t n)
{
	lua_gc(L, LUA_GCCOLLECT, 0);
	return nodemcu_heap_charge(&vm->heap, n);
}

/* node.LFS.reload on the 5.1 port (lflash.c:202-259,449-511): pass 1 checks
** and returns its error; pass 2 writes, prints and never returns: the
** firmware spins until the watchdog resets the chip (§13 Q1: the software
** watchdog, bootreason 2, 3); a pass-2 error erases the region first. */
static int lfs_reload(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	const char *img = lua_tostring(L, 1), *msg;
	struct lfsc_buffer layout;
	size_t used = 0, taken = 0;
	char buf[256];

	if (!vm->lfs.size) {
		lua_pushliteral(L, "No LFS partition allocated");
		return 1;
	}
	if (vm->reload) {   /* the agent validates (pass 1) and loads at the restart */
		if (agent_reload(L, vm, img))
			return 1;
		nodemcu_consolef(vm, "LFS region updated.  Restarting.\n");
		return nm_halt(L, RTC_SOFT_WDT);
	}
	lfsc_buffer_init(&layout);
	msg = "Memory allocation error";   /* §6.4: about 22 KB at call time */
	if (loader_alloc(L, vm, RELOAD51_WORK_BYTES))
		goto out;
	taken = RELOAD51_WORK_BYTES;
	msg = reload51_check(vm->fs, img, vm->flash, &layout, &used, buf, sizeof buf);
	if (!msg && loader_alloc(L, vm, reload51_flags_bytes(used)))
		msg = "Memory allocation error";
	else if (!msg)
		taken += reload51_flags_bytes(used);
out:
	if (msg) {   /* pass 1 failed: nothing written, the buffers are freed */
		nodemcu_heap_release(&vm->heap, taken);
		lfsc_buffer_release(&layout);
		lua_pushstring(L, msg);
		return 1;
	}
	msg = reload51_write(vm->flash, &layout, buf, sizeof buf);
	lfsc_buffer_release(&layout);
	nodemcu_consolef(vm, "%s\n", msg ? msg : "LFS region updated.  Restarting.");
	return nm_halt(L, RTC_SOFT_WDT);
}
#endif

static int node_flashreload(lua_State *L)
{
	nodemcu_consolef(nm_vm(L), "node.flashreload is deprecated, use node.LFS.reload\n");
	return lfs_reload(L);
}

#ifdef NODEMCU_LUA51
/* node.egc (5.1 only, §0, node.c:598-620): the modes are checked and kept;
** the reference Lua 5.1 has no emergency collector, so they do not change
** when memory is collected */
enum { EGC_NOT_ACTIVE = 0, EGC_ON_ALLOC_FAILURE = 1, EGC_ON_MEM_LIMIT = 2, EGC_ALWAYS = 4 };

static int egc_setmode(lua_State *L)
{
	lua_Integer mode = luaL_checkinteger(L, 1), limit = luaL_optinteger(L, 2, 0);

	luaL_argcheck(L, mode >= 0 && mode <= (EGC_ON_ALLOC_FAILURE | EGC_ON_MEM_LIMIT |
						  EGC_ALWAYS), 1, "invalid mode");
	luaL_argcheck(L, !(mode & EGC_ON_MEM_LIMIT) || limit != 0, 1, "limit must be non-zero");
	return 0;
}

/* totalallocated, estimatedused */
static int egc_meminfo(lua_State *L)
{
	struct nodemcu_heap *h = &nm_vm(L)->heap;
	size_t used = h->used > h->rom ? h->used - h->rom : 0;

	lua_pushinteger(L, (lua_Integer)(used + h->charged));
	lua_pushinteger(L, (lua_Integer)used);
	return 2;
}

static void push_egc(lua_State *L)
{
	static const luaL_Reg f[] = {
		{ "setmode", egc_setmode }, { "meminfo", egc_meminfo }, { NULL, NULL }
	};
	lua_newtable(L);
	nm_setfuncs(L, f);
	set_int(L, "NOT_ACTIVE", EGC_NOT_ACTIVE);
	set_int(L, "ON_ALLOC_FAILURE", EGC_ON_ALLOC_FAILURE);
	set_int(L, "ON_MEM_LIMIT", EGC_ON_MEM_LIMIT);
	set_int(L, "ALWAYS", EGC_ALWAYS);
	lua_setfield(L, -2, "egc");
}
#endif

int nodemcu_node_open(lua_State *L)
{
	static const luaL_Reg f[] = {
		{ "restart", node_restart }, { "heap", node_heap }, { "info", node_info },
		{ "chipid", node_chipid }, { "getpartitiontable", node_getpartitiontable },
		{ "bootreason", node_bootreason }, { "random", node_random },
		{ "setonerror", node_setonerror }, { "flashreload", node_flashreload },
		{ NULL, NULL }
	};
	struct nodemcu_vm *vm = nm_vm(L);

	lua_newtable(L);
	nm_setfuncs(L, f);
	lua_newtable(L);
	lua_pushcfunction(L, task_post);
	lua_setfield(L, -2, "post");
	set_int(L, "LOW_PRIORITY", 0);
	set_int(L, "MEDIUM_PRIORITY", 1);
	set_int(L, "HIGH_PRIORITY", 2);
	lua_setfield(L, -2, "task");
	nodemcu_lfs_push(L, &vm->lfs, lfs_reload);
	lua_getfield(L, -1, "get");
	lua_setfield(L, -3, "flashindex");    /* §6 alias */
	lua_setfield(L, -2, "LFS");
#ifdef NODEMCU_LUA51
	push_egc(L);
#endif
	lua_pushcfunction(L, default_onerror);
	lua_setfield(L, LUA_REGISTRYINDEX, "onerror");
	return 1;
}
