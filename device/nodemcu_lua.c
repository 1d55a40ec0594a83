/*
** nodemcu_lua.c - the helpers of nodemcu_lua.h: API differences of the two
** ports, registry references, and the firmware's two ways of calling a Lua
** callback (nodemcu-api.md §0).
*/
#include <setjmp.h>
#include <string.h>
#include "nodemcu_lua.h"
#include "nodemcu_sock.h"
#include "platform.h"

#define WATCHDOG_COUNT 1000   /* instructions between two looks at the clock */

static const char halt_token = 'H';   /* the error value of nm_halt() */

/* The 5.1 port's emergency collection (nodemcu_heap.h): a full collection;
** 1 if the live data still does not fit. */
static int egc_collect(lua_State *L, struct nodemcu_vm *vm)
{
	vm->heap.egc_pending = 0;
	lua_gc(L, LUA_GCCOLLECT, 0);
	return nodemcu_heap_over(&vm->heap);
}

/* The count hook: the watchdog, the 5.1 port's emergency collection, and
** after a reset an error at every instruction. */
static void hook(lua_State *L, lua_Debug *ar)
{
	struct nodemcu_vm *vm = nm_vm(L);

	(void)ar;
	if (!vm->end)   /* back to the watchdog's pace after egc_soon() */
		lua_sethook(L, hook, LUA_MASKCOUNT, WATCHDOG_COUNT);
	if (vm->heap.egc_pending && !vm->end) {
		if (egc_collect(L, vm)) {
			lua_pushliteral(L, "not enough memory");
			lua_error(L);
		}
	}
	if (!vm->end && vm->watchdog_ms > 0 && vm->task_depth > 0 &&
	    platform_ms() - vm->task_ms > vm->watchdog_ms) {
		nodemcu_consolef(vm, "\nSoft WDT reset (a task ran longer than %ld ms)\n",
				 vm->watchdog_ms);
		nm_halt(L, RTC_SOFT_WDT);
	}
	if (vm->end == NODEMCU_RESTART)   /* a reset; a switch-off waits for the task */
		nm_halt(L, vm->reset_why);
}

/* heap.on_egc: the main thread collects at its next instruction */
static void egc_soon(void *ctx)
{
	struct nodemcu_vm *vm = ctx;

	if (vm->lua && !vm->end)
		lua_sethook(vm->lua, hook, LUA_MASKCOUNT, 1);
}

/* lua_atpanic: the chip reboots (§0: 5.3 aborts, 5.1 spins until the
** watchdog); the boot ends where nodemcu_vm.c set vm->panic */
static int panic(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	const char *m = lua_tostring(L, -1);

	nodemcu_consolef(vm, "PANIC: unprotected error in call to Lua API (%s)\n", m ? m : "?");
	nodemcu_vm_reset_now(vm, vm->port == 51 ? RTC_SOFT_WDT : RTC_EXCEPTION);
	if (vm->panic_set)
		longjmp(vm->panic, 1);
	return 0;   /* Lua aborts */
}

void nm_hooks(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);

	lua_atpanic(L, panic);
	lua_sethook(L, hook, LUA_MASKCOUNT, WATCHDOG_COUNT);
#ifdef NODEMCU_LUA51
	vm->heap.egc = 1;
	vm->heap.on_egc = egc_soon;
	vm->heap.egc_ctx = vm;
#else
	(void)vm;
	(void)egc_soon;
#endif
}

int nm_halt(lua_State *L, enum rtc_reset why)
{
	struct nodemcu_vm *vm = nm_vm(L);

	nodemcu_vm_reset_now(vm, why);
	lua_sethook(L, hook, LUA_MASKCOUNT, 1);
	if (vm->lua && vm->lua != L)
		lua_sethook(vm->lua, hook, LUA_MASKCOUNT, 1);
	lua_pushlightuserdata(L, (void *)&halt_token);
	return lua_error(L);
}

int nm_pcall(lua_State *L, int nargs, int nresults, int msgh)
{
	struct nodemcu_vm *vm = nm_vm(L);
	int status;

	if (vm->end) {
		lua_pop(L, nargs + 1);
		lua_pushlightuserdata(L, (void *)&halt_token);
		return LUA_ERRRUN;
	}
	if (vm->heap.egc_pending)   /* between tasks: a safe point */
		egc_collect(L, vm);
	if (vm->task_depth++ == 0)
		vm->task_ms = platform_ms();
	status = lua_pcall(L, nargs, nresults, msgh);
	vm->task_depth--;
	return status;
}

void nm_setfuncs(lua_State *L, const luaL_Reg *l)
{
#ifdef NODEMCU_LUA51
	luaL_register(L, NULL, l);
#else
	luaL_setfuncs(L, l, 0);
#endif
}

void nm_newclass(lua_State *L, const char *name, const luaL_Reg *m)
{
	luaL_newmetatable(L, name);
	nm_setfuncs(L, m);
	lua_pushvalue(L, -1);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}

void *nm_testudata(lua_State *L, int i, const char *name)
{
	void *p = lua_touserdata(L, i);
	int same;

	if (!p || !lua_getmetatable(L, i))
		return NULL;
	luaL_getmetatable(L, name);
	same = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	return same ? p : NULL;
}

struct nodemcu_vm *nm_vm(lua_State *L)
{
	void *ud = NULL;

	lua_getallocf(L, &ud);
	return ud;   /* struct nodemcu_vm starts with its struct nodemcu_heap */
}

lua_State *nm_main(lua_State *L)
{
	return nm_vm(L)->lua;
}

int nm_ref(lua_State *L, int i)
{
	lua_pushvalue(L, i);
	return luaL_ref(L, LUA_REGISTRYINDEX);
}

void nm_unref(lua_State *L, int *ref)
{
	if (*ref != LUA_NOREF && *ref != LUA_REFNIL)
		luaL_unref(L, LUA_REGISTRYINDEX, *ref);
	*ref = LUA_NOREF;
}

int nm_push_ref(lua_State *L, int ref)
{
	if (ref == LUA_NOREF || ref == LUA_REFNIL)
		return 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
	return 1;
}

void nm_events_init(struct nm_events *e, lua_State *L)
{
	int i;

	e->L = nm_main(L);
	e->vm = nm_vm(L);
	e->self_ref = LUA_NOREF;
	for (i = 0; i < NM_NCB; i++)
		e->cb[i] = LUA_NOREF;
}

void nm_events_release(struct nm_events *e)
{
	int i;

	for (i = 0; i < NM_NCB; i++)
		nm_unref(e->L, &e->cb[i]);
	nm_unref(e->L, &e->self_ref);
}

int nm_events_on(struct nm_events *e, lua_State *L, const char *bad_name)
{
	static const char *const names[] = {
		"connection", "reconnection", "disconnection", "receive", "sent", "dns", NULL
	};
	const char *name = luaL_checkstring(L, 2);
	int i;

	for (i = 0; names[i] && strcmp(names[i], name); i++)
		;
	if (!names[i])
		return luaL_error(L, "%s", bad_name);
	if (!lua_isfunction(L, 3) && !lua_isnil(L, 3))
		return luaL_error(L, "invalid callback function");
	nm_unref(L, &e->cb[i]);
	if (lua_isfunction(L, 3))
		e->cb[i] = nm_ref(L, 3);
	return 0;
}

int nm_events_push(struct nm_events *e, int i, int with_self)
{
	if (!nm_push_ref(e->L, e->cb[i]))
		return 0;
	if (!with_self || !nm_push_ref(e->L, e->self_ref))
		lua_pushnil(e->L);
	return 1;
}

int nm_events_dns(struct nm_events *e, const char *host, char ip[16])
{
	int ok = sock_resolve(host, ip) == 0;

	if (nm_events_push(e, NM_CB_DNS, 1)) {
		if (ok)
			lua_pushstring(e->L, ip);
		else
			lua_pushnil(e->L);
		if (nm_callback(e->L, 2, NM_UNPROTECTED))
			return -1;
	}
	return ok;
}

/* The posted error report: registry.onerror(msg), or print(msg) without one
** (lauxlib.c errhandler_aux in the 5.3 firmware). */
static void report_task(void *ctx, intptr_t ref)
{
	lua_State *L = ctx;
	int r = (int)ref;

	lua_getfield(L, LUA_REGISTRYINDEX, "onerror");
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		lua_getglobal(L, "print");
	}
	nm_push_ref(L, r);
	nm_unref(L, &r);
	if (nm_pcall(L, 1, 0, 0) != LUA_OK) {
		if (!nm_vm(L)->end)
			nodemcu_consolef(nm_vm(L), "%s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	lua_getglobal(L, "debug");
	lua_getfield(L, -1, "traceback");
	if (!lua_isfunction(L, -1))
		return 1;   /* the error value itself */
	lua_pushstring(L, msg ? msg : "(error object is not a string)");
	lua_pushinteger(L, 2);
	lua_call(L, 2, 1);
	return 1;
}

int nm_callback(lua_State *L, int nargs, enum nm_call how)
{
	struct nodemcu_vm *vm = nm_vm(L);
	int base = lua_gettop(L) - nargs, status;

	if (how == NM_UNPROTECTED) {
		if (nm_pcall(L, nargs, 0, 0) == LUA_OK)
			return 0;
		if (vm->end) {   /* the chip stopped inside (nm_halt) */
			lua_pop(L, 1);
			return -1;
		}
		/* nodemcu-api.md §0: plain lua_call in the firmware, so this is a PANIC;
		** 5.3 aborts (an exception reset), 5.1 spins until the watchdog */
		nodemcu_consolef(vm, "PANIC: unprotected error in call to Lua API (%s)\n",
				 lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		lua_pop(L, 1);
		nodemcu_vm_reset_now(vm, vm->port == 51 ? RTC_SOFT_WDT : RTC_EXCEPTION);
		return -1;
	}
	/* luaL_pcallx (lauxlib.c in the firmware): traceback, reported in a
	** separate high-priority task */
	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	status = nm_pcall(L, nargs, 0, base);
	lua_remove(L, base);
	if (status == LUA_OK)
		return 0;
	if (vm->end) {
		lua_pop(L, 1);
		return -1;
	}
	if (status != LUA_ERRRUN) {
		lua_pop(L, 1);
		lua_pushliteral(L, "out of memory");
	}
	{
		int ref = nm_ref(L, -1);
		if (sched_post(vm->sched, SCHED_PRIOS - 1, report_task, nm_main(L), ref)) {
			nodemcu_consolef(vm, "%s\n", lua_tostring(L, -1));
			nm_unref(L, &ref);
		}
	}
	lua_pop(L, 1);
	return -1;
}
