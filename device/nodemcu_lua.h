/*
** nodemcu_lua.h - the Lua side of the NodeMCU emulation, written once for
** both ports: the port's Lua headers plus a thin layer over the C API
** differences between Lua 5.1 and 5.3 (luaL_register vs luaL_setfuncs,
** lua_objlen vs lua_rawlen, lua_load's mode, luaL_testudata), so every
** nodemcu_<module>.c is compiled once per port (device.mk). Built with
** NODEMCU_LUA51 against the 5.1 headers (their symbols renamed l51_* by the
** rename header that device.mk forces in); otherwise against the 5.3 headers
** with NodeMCU's 32-bit numbers. The cross-file names of these files carry
** the port (_53 / _51) so both ports link into one lfs-device.
*/
#ifndef DEVICE_NODEMCU_LUA_H
#define DEVICE_NODEMCU_LUA_H

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "nodemcu_vm.h"

#ifdef NODEMCU_LUA51
#define NM_PORT(name) name##_51
#define NM_PORT_NUMBER 51
#ifndef LUA_OK
#define LUA_OK 0
#endif
#define nm_rawlen(L, i) lua_objlen((L), (i))
#define nm_load(L, rd, ud, name) lua_load((L), (rd), (ud), (name))
#define nm_loadbuffer(L, b, n, name) luaL_loadbuffer((L), (b), (n), (name))
#else
#define NM_PORT(name) name##_53
#define NM_PORT_NUMBER 53
#define nm_rawlen(L, i) lua_rawlen((L), (i))
#define nm_load(L, rd, ud, name) lua_load((L), (rd), (ud), (name), "bt")
#define nm_loadbuffer(L, b, n, name) luaL_loadbufferx((L), (b), (n), (name), "bt")
#endif

/* the cross-file functions of the per-port files (nodemcu_*.c with Lua) */
#define nm_setfuncs      NM_PORT(nm_setfuncs)
#define nm_newclass      NM_PORT(nm_newclass)
#define nm_testudata     NM_PORT(nm_testudata)
#define nm_vm            NM_PORT(nm_vm)
#define nm_main          NM_PORT(nm_main)
#define nm_callback      NM_PORT(nm_callback)
#define nm_ref           NM_PORT(nm_ref)
#define nm_unref         NM_PORT(nm_unref)
#define nm_push_ref      NM_PORT(nm_push_ref)
#define nm_events_init   NM_PORT(nm_events_init)
#define nm_events_release NM_PORT(nm_events_release)
#define nm_events_on     NM_PORT(nm_events_on)
#define nm_events_push   NM_PORT(nm_events_push)
#define nm_events_dns    NM_PORT(nm_events_dns)
#define nm_pcall         NM_PORT(nm_pcall)
#define nm_halt          NM_PORT(nm_halt)
#define nm_hooks         NM_PORT(nm_hooks)

/* luaL_setfuncs(L, l, 0) / luaL_register(L, NULL, l): into the table on top. */
void nm_setfuncs(lua_State *L, const luaL_Reg *l);
/* Creates metatable `name` with __index = itself holding methods m (and the
** metamethods in m, e.g. __gc). Leaves nothing on the stack. */
void nm_newclass(lua_State *L, const char *name, const luaL_Reg *m);
/* The userdata at i if it has metatable `name`, else NULL (5.2's luaL_testudata). */
void *nm_testudata(lua_State *L, int i, const char *name);
/* The boot this state belongs to (the lua_Alloc ud). */
struct nodemcu_vm *nm_vm(lua_State *L);
/* The boot's main thread, on which the firmware runs every callback. */
lua_State *nm_main(lua_State *L);

/* Registry references (LUA_NOREF when none). */
int nm_ref(lua_State *L, int i);                /* a reference to the value at i */
void nm_unref(lua_State *L, int *ref);          /* drops *ref, sets LUA_NOREF */
int nm_push_ref(lua_State *L, int ref);         /* pushes it; 0 if ref is LUA_NOREF */

/* The callbacks of a net or tls socket object (nodemcu-api.md §1, §2). */
enum { NM_CB_CONN, NM_CB_RECONN, NM_CB_DISCONN, NM_CB_RECV, NM_CB_SENT, NM_CB_DNS, NM_NCB };
struct nm_events {
	lua_State *L;                 /* the main thread: callbacks run there */
	struct nodemcu_vm *vm;
	int cb[NM_NCB];               /* connection, reconnection, disconnection,
					 receive, sent, dns */
	int self_ref;                 /* keeps the object alive while connected */
};
void nm_events_init(struct nm_events *e, lua_State *L);
void nm_events_release(struct nm_events *e);   /* drops every reference (__gc) */
/* sock:on(name, fn|nil) with the object at 1; bad_name is the module's error. */
int nm_events_on(struct nm_events *e, lua_State *L, const char *bad_name);
/* Pushes callback i and the object (nil when with_self is 0 or the object
** holds no self reference); 0 and nothing pushed when i is unset. */
int nm_events_push(struct nm_events *e, int i, int with_self);
/* A socket's lookup of host: fires dns(sock, ip|nil) (unprotected). Returns 1
** with ip (16 bytes, caller's) filled, 0 when the name is unknown, -1 when
** the callback raised (the boot is ending). */
int nm_events_dns(struct nm_events *e, const char *host, char ip[16]);

/* lua_pcall for the firmware's own calls into Lua (a task: the init
** command, a callback): the watchdog (nm_hooks) times the outermost one.
** After the boot ended (vm->end) nothing runs: the function and arguments
** are dropped and LUA_ERRRUN returned with a non-string error value. */
int nm_pcall(lua_State *L, int nargs, int nresults, int msgh);
/* The chip stops now: the boot ends with reset cause `why` (nodemcu_vm.h)
** and no more Lua code of this boot runs, not even after a pcall in Lua that
** would catch the error raised here (every instruction raises again). Never
** returns. */
int nm_halt(lua_State *L, enum rtc_reset why);
/* Installs the firmware's hooks on L, the main thread: the count hook
** (coroutines inherit it) with the software watchdog - a task running longer
** than vm->watchdog_ms prints "Soft WDT reset" and halts the chip
** (bootreason 2, 3) - and, on the 5.1 port, the emergency collector's safe
** point (nodemcu_heap.h); and the panic function: an error outside any
** protected call (say, out of memory while the firmware pushes a callback's
** arguments) is the firmware's PANIC, a reset, and lands on vm->panic. */
void nm_hooks(lua_State *L);

/* How a module's callback is called (nodemcu-api.md §0). */
enum nm_call {
	NM_UNPROTECTED,   /* net/tls: an error is a PANIC, the chip reboots */
	NM_PROTECTED      /* tmr, node.task: an error goes to registry.onerror */
};
/* Calls the function below nargs arguments on the stack the firmware's way.
** Returns 0, or -1 when it raised (already handled: onerror task posted, or
** the boot ended with a PANIC; the caller must then touch no object of this
** boot's Lua state that the error may have freed... it is still valid, but
** the vm is ending). */
int nm_callback(lua_State *L, int nargs, enum nm_call how);

#endif
