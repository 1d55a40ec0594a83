/*
** nodemcu_tmr.c - the emulated `tmr` module (nodemcu-api.md §7,
** app/modules/tmr.c): timer objects on the scheduler's clock. A SINGLE timer
** unregisters itself before its callback runs, a SEMI one goes idle;
** callbacks run protected (errors go to onerror); a running timer is kept
** alive by a registry reference and __gc unregisters it.
*/
#include <string.h>
#include "nodemcu_modules.h"
#include "platform.h"

#define MAX_TIMEOUT 6870947
#define MAX_TIMEOUT_ERR "Range: 1-6870947"
#define MODE_SINGLE 0
#define MODE_AUTO   1
#define MODE_SEMI   2
#define MODE_OFF    3
#define IDLE        0x80

struct timer {
	struct sched_timer t;   /* armed while running */
	lua_State *L;
	int cb_ref;             /* the callback */
	int self_ref;           /* keeps this userdata alive while running */
	uint32_t interval;      /* ms */
	int mode;               /* MODE_* | IDLE */
};

static struct timer *check(lua_State *L)
{
	return luaL_checkudata(L, 1, "tmr.timer");
}

/* alarm_timer_common, tmr.c */
static void fire(void *ctx, intptr_t arg)
{
	struct timer *tm = ctx;
	lua_State *L = tm->L;
	struct nodemcu_vm *vm = nm_vm(L);

	(void)arg;
	if (!nm_push_ref(L, tm->cb_ref))
		return;
	nm_push_ref(L, tm->self_ref);
	if (tm->mode == MODE_AUTO) {
		sched_timer_arm(vm->sched, &tm->t, tm->interval);
	} else if (tm->mode == MODE_SINGLE) {
		/* §7: unregistered BEFORE the callback runs */
		nm_unref(L, &tm->cb_ref);
		nm_unref(L, &tm->self_ref);
		tm->mode = MODE_OFF;
	} else if (tm->mode == MODE_SEMI) {
		tm->mode |= IDLE;
		nm_unref(L, &tm->self_ref);
	}
	nm_callback(L, 1, NM_PROTECTED);
}

static int t_register(lua_State *L)
{
	struct timer *tm = check(L);
	lua_Integer ms = luaL_checkinteger(L, 2);
	lua_Integer mode = luaL_checkinteger(L, 3);

	luaL_argcheck(L, ms > 0 && ms <= MAX_TIMEOUT, 2, MAX_TIMEOUT_ERR);
	luaL_argcheck(L, mode == MODE_SINGLE || mode == MODE_SEMI || mode == MODE_AUTO, 3,
		      "Invalid mode");
	luaL_argcheck(L, lua_isfunction(L, 4), 4, "Must be function");
	sched_timer_disarm(nm_vm(L)->sched, &tm->t);
	nm_unref(L, &tm->cb_ref);
	tm->cb_ref = nm_ref(L, 4);
	tm->mode = (int)mode | IDLE;
	tm->interval = (uint32_t)ms;
	return 0;
}

static int t_start(lua_State *L)
{
	struct timer *tm = check(L);
	int restart;

	lua_settop(L, 2);
	luaL_argcheck(L, lua_isboolean(L, 2) || lua_isnil(L, 2), 2, "boolean expected");
	restart = lua_toboolean(L, 2);
	if (tm->mode == MODE_OFF || (!(tm->mode & IDLE) && !restart)) {
		lua_pushboolean(L, 0);
		return 1;
	}
	if (tm->self_ref == LUA_NOREF)
		tm->self_ref = nm_ref(L, 1);
	tm->mode &= ~IDLE;
	sched_timer_arm(nm_vm(L)->sched, &tm->t, tm->interval);
	lua_pushboolean(L, 1);
	return 1;
}

static int t_alarm(lua_State *L)
{
	t_register(L);
	lua_settop(L, 1);
	return t_start(L);
}

static int t_stop(lua_State *L)
{
	struct timer *tm = check(L);
	int idle = tm->mode == MODE_OFF || (tm->mode & IDLE);

	nm_unref(L, &tm->self_ref);
	sched_timer_disarm(nm_vm(L)->sched, &tm->t);
	if (tm->mode != MODE_OFF)
		tm->mode |= IDLE;
	lua_pushboolean(L, !idle);
	return 1;
}

static int t_unregister(lua_State *L)
{
	struct timer *tm = check(L);

	nm_unref(L, &tm->self_ref);
	nm_unref(L, &tm->cb_ref);
	sched_timer_disarm(nm_vm(L)->sched, &tm->t);
	tm->mode = MODE_OFF;
	return 0;
}

static int t_interval(lua_State *L)
{
	struct timer *tm = check(L);
	lua_Integer ms = luaL_checkinteger(L, 2);

	luaL_argcheck(L, ms > 0 && ms <= MAX_TIMEOUT, 2, MAX_TIMEOUT_ERR);
	if (tm->mode != MODE_OFF) {
		tm->interval = (uint32_t)ms;
		if (!(tm->mode & IDLE))
			sched_timer_arm(nm_vm(L)->sched, &tm->t, tm->interval);
	}
	return 0;
}

static int t_state(lua_State *L)
{
	struct timer *tm = check(L);

	if (tm->mode == MODE_OFF) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushboolean(L, !(tm->mode & IDLE));
	lua_pushinteger(L, tm->mode & ~IDLE);
	return 2;
}

static int tmr_create(lua_State *L)
{
	struct timer *tm = lua_newuserdata(L, sizeof *tm);

	memset(tm, 0, sizeof *tm);
	tm->L = nm_main(L);
	tm->t.fn = fire;
	tm->t.ctx = tm;
	tm->cb_ref = tm->self_ref = LUA_NOREF;
	tm->mode = MODE_OFF;
	luaL_getmetatable(L, "tmr.timer");
	lua_setmetatable(L, -2);
	return 1;
}

static int tmr_now(lua_State *L)   /* µs masked to 31 bits: it wraps */
{
	lua_pushinteger(L, (lua_Integer)(sched_now_us(nm_vm(L)->sched) & 0x7FFFFFFF));
	return 1;
}

static int tmr_time(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)(sched_now_ms(nm_vm(L)->sched) / 1000));
	return 1;
}

static int tmr_delay(lua_State *L)   /* busy wait: nothing else runs meanwhile */
{
	lua_Integer us = luaL_checkinteger(L, 1);

	luaL_argcheck(L, us > 0, 1, "wrong arg range");
	platform_sleep_ms((long)(us / 1000));
	return 0;
}

static int tmr_wdclr(lua_State *L)
{
	(void)L;
	return 0;
}

static void softwd_fire(void *ctx, intptr_t arg)
{
	(void)arg;
	nodemcu_vm_reset_now(ctx, RTC_SOFT_RESTART);   /* system_restart() */
}

/* tmr.softwd(s): restart unless re-armed within s seconds; < 0 disables */
static int tmr_softwd(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	lua_Integer s = luaL_checkinteger(L, 1);

	sched_timer_disarm(vm->sched, &vm->softwd_timer);
	if (s >= 0) {
		vm->softwd_timer.fn = softwd_fire;
		vm->softwd_timer.ctx = vm;
		sched_timer_arm(vm->sched, &vm->softwd_timer, (s + 1) * 1000);
	}
	return 0;
}

int nodemcu_tmr_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "__gc", t_unregister }, { "register", t_register }, { "alarm", t_alarm },
		{ "start", t_start }, { "stop", t_stop }, { "unregister", t_unregister },
		{ "state", t_state }, { "interval", t_interval }, { NULL, NULL }
	};
	static const luaL_Reg f[] = {
		{ "create", tmr_create }, { "now", tmr_now }, { "time", tmr_time },
		{ "delay", tmr_delay }, { "wdclr", tmr_wdclr }, { "softwd", tmr_softwd },
		{ NULL, NULL }
	};

	nm_newclass(L, "tmr.timer", methods);
	lua_newtable(L);
	nm_setfuncs(L, f);
	lua_pushinteger(L, MODE_SINGLE);
	lua_setfield(L, -2, "ALARM_SINGLE");
	lua_pushinteger(L, MODE_AUTO);
	lua_setfield(L, -2, "ALARM_AUTO");
	lua_pushinteger(L, MODE_SEMI);
	lua_setfield(L, -2, "ALARM_SEMI");
	return 1;
}
