/*
** nodemcu_encoder.c - the emulated `encoder` module (nodemcu-api.md §5,
** app/modules/encoder.c): toHex (lower case), fromHex, toBase64, fromBase64,
** with the firmware's error strings.
*/
#include <ctype.h>
#include <stdlib.h>
#include <mbedtls/base64.h>
#include "nodemcu_modules.h"

static int to_hex(lua_State *L)
{
	static const char digits[] = "0123456789abcdef";
	size_t n, i;
	const char *s = luaL_checklstring(L, 1, &n);
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (i = 0; i < n; i++) {
		luaL_addchar(&b, digits[(unsigned char)s[i] >> 4]);
		luaL_addchar(&b, digits[(unsigned char)s[i] & 15]);
	}
	luaL_pushresult(&b);
	return 1;
}

static int nibble(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

static int from_hex(lua_State *L)
{
	size_t n, i;
	const char *s = luaL_checklstring(L, 1, &n);
	luaL_Buffer b;

	if (n % 2)
		return luaL_error(L, "Invalid hex string");
	luaL_buffinit(L, &b);
	for (i = 0; i < n; i += 2) {
		int hi = nibble((unsigned char)s[i]), lo = nibble((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return luaL_error(L, "Invalid hex string");
		luaL_addchar(&b, (char)(hi << 4 | lo));
	}
	luaL_pushresult(&b);
	return 1;
}

static int base64(lua_State *L, int encode)
{
	size_t n, out = 0;
	const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &n);
	unsigned char *buf;
	int rc;

	buf = lua_newuserdata(L, n * 4 / 3 + 4);
	rc = encode ? mbedtls_base64_encode(buf, n * 4 / 3 + 4, &out, s, n)
		    : mbedtls_base64_decode(buf, n * 4 / 3 + 4, &out, s, n);
	if (rc)
		return luaL_error(L, "Invalid base64 string");
	lua_pushlstring(L, (const char *)buf, out);
	return 1;
}

static int to_base64(lua_State *L)
{
	return base64(L, 1);
}

static int from_base64(lua_State *L)
{
	return base64(L, 0);
}

int nodemcu_encoder_open(lua_State *L)
{
	static const luaL_Reg f[] = {
		{ "toHex", to_hex }, { "fromHex", from_hex }, { "toBase64", to_base64 },
		{ "fromBase64", from_base64 }, { NULL, NULL }
	};

	lua_newtable(L);
	nm_setfuncs(L, f);
	return 1;
}
