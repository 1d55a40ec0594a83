/*
** nodemcu_rtcmem.c - the emulated `rtcmem` module (nodemcu-api.md §7,
** app/modules/rtcmem.c) over the chip's RTC memory (nodemcu_rtc.c).
*/
#include "nodemcu_modules.h"

/* read32(i[, n]): up to n values; nothing when i is outside 0..127 */
static int rtc_read32(lua_State *L)
{
	struct nodemcu_rtc *r = nm_vm(L)->rtc;
	lua_Integer i = luaL_checkinteger(L, 1), n = luaL_optinteger(L, 2, 1), k;

	if (i < 0 || i >= RTC_WORDS)
		return 0;
	if (n > RTC_WORDS - i)
		n = RTC_WORDS - i;
	for (k = 0; k < n; k++)
		lua_pushinteger(L, (lua_Integer)(int32_t)r->mem[i + k]);
	return n > 0 ? (int)n : 0;
}

/* write32(i, v...): raises "RTC mem would overrun" when i+n > 128 (the doc
** says it has no effect; the code raises) */
static int rtc_write32(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	lua_Integer i = luaL_checkinteger(L, 1);
	int n = lua_gettop(L) - 1, k;
	uint32_t v[RTC_WORDS];

	luaL_argcheck(L, i >= 0 && i + n <= RTC_WORDS, 1, "RTC mem would overrun");
	for (k = 0; k < n; k++)
		v[k] = (uint32_t)luaL_checkinteger(L, k + 2);
	if (n > 0)
		nodemcu_rtc_write(vm->rtc, (int)i, v, n);
	return 0;
}

int nodemcu_rtcmem_open(lua_State *L)
{
	static const luaL_Reg f[] = {
		{ "read32", rtc_read32 }, { "write32", rtc_write32 }, { NULL, NULL }
	};

	lua_newtable(L);
	nm_setfuncs(L, f);
	return 1;
}
