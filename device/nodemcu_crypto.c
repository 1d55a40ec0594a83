/*
** nodemcu_crypto.c - the emulated `crypto` module (nodemcu-api.md §5,
** app/modules/crypto.c) with mbedTLS: hash, hmac (data before key), new_hash,
** new_hmac (update/finalize, raw digests) and fhash (a file read in small
** blocks through one SPIFFS descriptor). Names MD5, SHA1, SHA256, SHA384,
** SHA512, any case; anything else raises "unknown hash mech".
*/
#include <ctype.h>
#include <string.h>
#include <mbedtls/md.h>
#include "nodemcu_modules.h"

struct digest {
	mbedtls_md_context_t ctx;
	const mbedtls_md_info_t *info;
	int live;             /* 0 finalized, 1 hash, 2 hmac */
};

static const mbedtls_md_info_t *mech(lua_State *L, int i)
{
	static const char *const names[] = { "MD5", "SHA1", "SHA256", "SHA384", "SHA512", NULL };
	const char *s = luaL_checkstring(L, i);
	char up[16];
	size_t k;
	int n;

	for (k = 0; s[k] && k < sizeof up - 1; k++)
		up[k] = (char)toupper((unsigned char)s[k]);
	up[k] = '\0';
	for (n = 0; names[n]; n++)
		if (!s[k] && !strcmp(up, names[n]))
			return mbedtls_md_info_from_string(names[n]);
	luaL_error(L, "unknown hash mech");
	return NULL;
}

static int push_md(lua_State *L, const unsigned char *md, const mbedtls_md_info_t *info)
{
	lua_pushlstring(L, (const char *)md, mbedtls_md_get_size(info));
	return 1;
}

static int c_hash(lua_State *L)
{
	const mbedtls_md_info_t *info = mech(L, 1);
	size_t n;
	const char *s = luaL_checklstring(L, 2, &n);
	unsigned char md[MBEDTLS_MD_MAX_SIZE];

	mbedtls_md(info, (const unsigned char *)s, n, md);
	return push_md(L, md, info);
}

/* crypto.hmac(algo, data, key): note data before key (§5) */
static int c_hmac(lua_State *L)
{
	const mbedtls_md_info_t *info = mech(L, 1);
	size_t n, k;
	const char *s = luaL_checklstring(L, 2, &n), *key = luaL_checklstring(L, 3, &k);
	unsigned char md[MBEDTLS_MD_MAX_SIZE];

	mbedtls_md_hmac(info, (const unsigned char *)key, k, (const unsigned char *)s, n, md);
	return push_md(L, md, info);
}

static int new_digest(lua_State *L, int hmac)
{
	const mbedtls_md_info_t *info = mech(L, 1);
	struct digest *d = lua_newuserdata(L, sizeof *d);

	mbedtls_md_init(&d->ctx);
	d->info = info;
	d->live = 0;
	luaL_getmetatable(L, "crypto.hash");
	lua_setmetatable(L, -2);
	if (mbedtls_md_setup(&d->ctx, info, hmac))
		return luaL_error(L, "insufficient memory");
	if (hmac) {
		size_t k;
		const char *key = luaL_checklstring(L, 2, &k);
		mbedtls_md_hmac_starts(&d->ctx, (const unsigned char *)key, k);
	} else {
		mbedtls_md_starts(&d->ctx);
	}
	d->live = 1 + hmac;
	return 1;
}

static int c_new_hash(lua_State *L)
{
	return new_digest(L, 0);
}

static int c_new_hmac(lua_State *L)
{
	return new_digest(L, 1);
}

static struct digest *live_digest(lua_State *L)
{
	struct digest *d = luaL_checkudata(L, 1, "crypto.hash");

	/* no reset after finalize (§5 [inf]); harsher: a second use raises */
	if (!d->live)
		luaL_error(L, "hash object already finalized");
	return d;
}

static int h_update(lua_State *L)
{
	struct digest *d = live_digest(L);
	size_t n;
	const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 2, &n);

	if (d->live == 2)
		mbedtls_md_hmac_update(&d->ctx, s, n);
	else
		mbedtls_md_update(&d->ctx, s, n);
	return 0;
}

static int h_finalize(lua_State *L)
{
	struct digest *d = live_digest(L);
	unsigned char md[MBEDTLS_MD_MAX_SIZE];

	if (d->live == 2)
		mbedtls_md_hmac_finish(&d->ctx, md);
	else
		mbedtls_md_finish(&d->ctx, md);
	d->live = 0;
	return push_md(L, md, d->info);
}

static int h_gc(lua_State *L)
{
	struct digest *d = luaL_checkudata(L, 1, "crypto.hash");

	mbedtls_md_free(&d->ctx);
	d->live = 0;
	return 0;
}

/* crypto.fhash(algo, name): 64-byte blocks through one descriptor (:210-238) */
static int c_fhash(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	const mbedtls_md_info_t *info = mech(L, 1);
	const char *name = luaL_checkstring(L, 2);
	struct spiffs_file *f = spiffs_open(vm->fs, name, "r");
	mbedtls_md_context_t ctx;
	unsigned char buf[64], md[MBEDTLS_MD_MAX_SIZE];
	long n;

	if (!f)
		return luaL_error(L, "file does not exist");
	mbedtls_md_init(&ctx);
	mbedtls_md_setup(&ctx, info, 0);
	mbedtls_md_starts(&ctx);
	while ((n = spiffs_read(f, buf, sizeof buf)) > 0)
		mbedtls_md_update(&ctx, buf, (size_t)n);
	spiffs_close(f);
	mbedtls_md_finish(&ctx, md);
	mbedtls_md_free(&ctx);
	return push_md(L, md, info);
}

int nodemcu_crypto_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "update", h_update }, { "finalize", h_finalize }, { "__gc", h_gc },
		{ NULL, NULL }
	};
	static const luaL_Reg f[] = {
		{ "hash", c_hash }, { "hmac", c_hmac }, { "new_hash", c_new_hash },
		{ "new_hmac", c_new_hmac }, { "fhash", c_fhash }, { NULL, NULL }
	};

	nm_newclass(L, "crypto.hash", methods);
	lua_newtable(L);
	nm_setfuncs(L, f);
	return 1;
}
