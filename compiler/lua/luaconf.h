/*
** luaconf.h - lfsc's number configurations over the reference Lua 5.3.6 luaconf.h.
** The Makefile copies the unmodified upstream file next to this one as
** luaconf-ref.h; this wrapper selects NodeMCU's number types (lfs-format.md §A8).
**   LFSC_LUA_32 : nodemcu-lua53    (32-bit int integers, 32-bit float numbers)
**   (default)   : nodemcu-lua53-64 (64-bit integers, doubles: LUA_NUMBER_64BITS)
*/
#ifndef lfsc_luaconf_h
#define lfsc_luaconf_h

#if defined(LFSC_LUA_32)
#define LUA_32BITS
#endif

#include "luaconf-ref.h"

#if defined(LFSC_LUA_32)
/* lfs-format.md §A8.2: NodeMCU converts decimal numerals with strtod and rounds
** the double to float, unlike stock LUA_32BITS, which uses strtof */
#undef lua_str2number
#define lua_str2number(s,p)	((lua_Number)strtod((s), (p)))
#endif

#endif
