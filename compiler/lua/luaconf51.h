/*
** luaconf51.h - lfsc's nodemcu-lua51 configuration over the reference Lua 5.1.5
** luaconf.h. mk/lua.mk copies the unmodified upstream file next to this one as
** luaconf-ref.h and installs this wrapper as luaconf.h. NodeMCU's Lua 5.1 port
** (lfs-format.md §B6, lua51-frontend.md): lua_Number is double (stock), and at
** most 50 active local variables per function (stock: 200).
*/
#ifndef lfsc_luaconf51_h
#define lfsc_luaconf51_h

#include "luaconf-ref.h"

#undef LUAI_MAXVARS
#define LUAI_MAXVARS	50

#endif
