/* api_devices_admin.c - changes to devices: registering (the key is shown
** once, only its hash is stored; a retried registration with the same
** Idempotency-Key gets the same answer), deleting, a new key (the old one
** stops at once; the manifest key changes with it) and moving to another
** channel. Registrations and new keys answer the device's client
** configuration (client_config.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "client_config.h"
#include "fleet.h"
#include "hash.h"
#include "hex.h"
#include "ident.h"
#include "log.h"

#define IDEM_MIN 16                  /* characters of an Idempotency-Key */
#define IDEM_MAX 255
#define SEAL_SALT "lfsd device registration v1"

/* 1 if k is an acceptable Idempotency-Key: IDEM_MIN..IDEM_MAX printable
** ASCII characters (a UUID or another random string of the client). */
static int idem_valid(const char *k)
{
	size_t n;

	for (n = 0; k && k[n]; n++)
		if (k[n] < 0x21 || k[n] > 0x7e)
			return 0;
	return k && n >= IDEM_MIN && n <= IDEM_MAX;
}

/* The 32-byte key that seals device id's key under Idempotency-Key idem
** (HKDF-SHA256; only the client holds idem, the store keeps its hash).
** XOR with it seals and unseals. Returns 0 or -1. */
static int seal(const char *idem, const char *id, const uint8_t in[32], uint8_t out[32])
{
	uint8_t k[32];
	int i;

	if (hash_hkdf(idem, strlen(idem), SEAL_SALT, id, k, sizeof k))
		return -1;
	for (i = 0; i < 32; i++)
		out[i] = in[i] ^ k[i];
	memset(k, 0, sizeof k);
	return 0;
}

/* The answer (status) to a registration or a new key: the device, its key
** (hex) and its client configuration, which holds the key and the manifest
** key of its key generation (both shown only here). */
static struct response issued(struct req *r, unsigned status, const char *id,
                              const char *channel, const char *key, long long generation)
{
	struct client_config c;
	uint8_t mkey[32];
	char *lua = NULL;
	json_t *j;

	memset(&c, 0, sizeof c);
	c.device = id;
	c.channel = channel;
	c.key = key;
	c.mkey = mkey;
	c.poll = r->app->cfg->poll_interval;
	keystore_device_key(&r->app->ks, id, generation, mkey);
	if (client_config_address(r, &c) == 0)
		lua = client_config_lua(&c, r->app->keys.cert_pem);
	memset(mkey, 0, sizeof mkey);
	j = json_pack("{s:s,s:s,s:s,s:o}", "id", id, "channel", channel, "key", key,
	              "client_config", lua ? json_string(lua) : json_null());
	free(lua);
	return resp_json(status, j);
}

/* The answer to a retry of the registration recorded for idem: the same
** 201 (marked Idempotent-Replayed) when id and channel are those of the
** first request and its key is still the device's, else 409/422. */
static struct response replay(struct req *r, const char *idem, const char *id,
                              const char *channel, const struct device_registration *reg)
{
	uint8_t sealed[32], raw[32];
	char hex[65], sha[65];
	struct device d;
	struct response res;

	if (strcmp(reg->device_id, id) || strcmp(reg->channel, channel))
		return resp_error(422, "idempotency_mismatch", "this Idempotency-Key was used "
		                  "for device '%s' on channel '%s'", reg->device_id, reg->channel);
	if (store_device_get(&r->app->store, id, &d) != STORE_OK ||
	    hex_decode(reg->key_sealed, sealed, 32) || seal(idem, id, sealed, raw))
		return resp_error(500, "internal", "cannot read the registration");
	hex_encode(raw, 32, hex);
	hash_sha256_hex(hex, strlen(hex), sha);
	if (strcmp(sha, d.key_sha))
		return resp_error(409, "conflict", "device '%s' has had a new key since", id);
	res = issued(r, 201, id, channel, hex, d.key_generation);
	resp_header(&res, "Idempotent-Replayed", "true");
	return res;
}

/* A new random device key: raw bytes and hex, and the hex's SHA-256. */
static int new_key(struct req *r, uint8_t raw[32], char hex[65], char sha[65])
{
	if (tls_random(&r->app->keys, raw, 32))
		return -1;
	hex_encode(raw, 32, hex);
	hash_sha256_hex(hex, strlen(hex), sha);
	return 0;
}

/* Registers id on channel with a new random key (and, with idem, the
** record a retry is answered from); the answer shows the key. */
static struct response create(struct req *r, const char *id, const char *channel,
                              const char *idem)
{
	struct device_registration reg, *regp = NULL;
	struct device d;
	uint8_t raw[32], sealed[32];
	char hex[65];
	int rc;

	memset(&d, 0, sizeof d);
	memset(&reg, 0, sizeof reg);
	if (new_key(r, raw, hex, d.key_sha))
		return resp_error(500, "internal", "no randomness");
	snprintf(d.id, sizeof d.id, "%s", id);
	snprintf(d.channel, sizeof d.channel, "%s", channel);
	if (idem) {
		if (seal(idem, id, raw, sealed))
			return resp_error(500, "internal", "cannot seal the key");
		hash_sha256_hex(idem, strlen(idem), reg.idem_sha);
		hex_encode(sealed, 32, reg.key_sealed);
		regp = &reg;
	}
	rc = store_device_create(&r->app->store, &d, regp);
	if (rc == STORE_EXISTS && idem &&   /* a retry racing its first try */
	    store_registration_get(&r->app->store, reg.idem_sha, &reg) == STORE_OK)
		return replay(r, idem, id, channel, &reg);
	if (rc == STORE_EXISTS)
		return resp_error(409, "conflict", "device '%s' exists", id);
	if (rc || fleet_reload_device(r->app->fleet, id))
		return resp_error(500, "internal", "cannot store the device");
	log_event("device", "{s:s,s:s,s:s}", "action", "registered", "id", id, "channel",
	          channel);
	return issued(r, 201, id, channel, hex, 0);
}

/* POST /devices after its body is read: a recorded Idempotency-Key is
** answered from its record, else the device is created. */
static struct response post(struct req *r, const char *id, const char *channel)
{
	const char *idem = http_header(r, "Idempotency-Key");
	struct device_registration reg;
	char sha[65];
	int rc;

	if (idem && !idem_valid(idem))
		return resp_error(400, "bad_request", "Idempotency-Key must be %d-%d printable "
		                  "ASCII characters (a UUID will do)", IDEM_MIN, IDEM_MAX);
	if (!idem)
		return create(r, id, channel, NULL);
	hash_sha256_hex(idem, strlen(idem), sha);
	rc = store_registration_get(&r->app->store, sha, &reg);
	if (rc == STORE_OK)
		return replay(r, idem, id, channel, &reg);
	if (rc != STORE_NOT_FOUND)
		return resp_error(500, "internal", "cannot read the registrations");
	return create(r, id, channel, idem);
}

struct response api_devices_post(struct req *r)
{
	static const char *const fields[] = { "id", "channel", NULL };
	struct response res;
	json_t *body = http_body_object(r, fields, &res);
	const char *id, *channel;

	if (!body)
		return res;
	id = json_string_value(json_object_get(body, "id"));
	channel = json_string_value(json_object_get(body, "channel"));
	if (!ident_valid(id) || !ident_valid(channel))
		res = resp_error(400, "bad_request", "id and channel must be 1-64 characters "
		                 "of [A-Za-z0-9._:-]");
	else
		res = post(r, id, channel);
	json_decref(body);
	return res;
}

/* The answer of a change to device params[0] that the store answered rc. */
static struct response changed(struct req *r, int rc, const char *what)
{
	if (rc == STORE_NOT_FOUND)
		return resp_error(404, "not_found", "no device '%s'", r->params[0]);
	return resp_error(500, "internal", "cannot %s device '%s'", what, r->params[0]);
}

struct response api_devices_delete(struct req *r)
{
	const char *id = r->params[0];
	int rc = ident_valid(id) ? store_device_delete(&r->app->store, id) : STORE_NOT_FOUND;

	if (rc != STORE_OK)
		return changed(r, rc, "delete");
	fleet_remove_device(r->app->fleet, id);
	log_event("device", "{s:s,s:s}", "action", "deleted", "id", id);
	return resp_empty(204, NULL);
}

struct response api_devices_rekey(struct req *r)
{
	const char *id = r->params[0];
	struct device d;
	uint8_t raw[32];
	char hex[65], sha[65];
	long long gen;
	int rc = ident_valid(id) ? store_device_get(&r->app->store, id, &d) : STORE_NOT_FOUND;

	if (rc != STORE_OK)
		return changed(r, rc, "read");
	if (new_key(r, raw, hex, sha))
		return resp_error(500, "internal", "no randomness");
	rc = store_device_rekey(&r->app->store, id, sha);
	if (rc != STORE_OK)
		return changed(r, rc, "give a new key to");
	if (fleet_reload_device(r->app->fleet, id) || fleet_key_generation(r->app->fleet, id, &gen))
		return resp_error(500, "internal", "cannot load device '%s'", id);
	log_event("device", "{s:s,s:s}", "action", "new key", "id", id);
	return issued(r, 200, id, d.channel, hex, gen);
}

struct response api_devices_patch(struct req *r)
{
	static const char *const fields[] = { "channel", NULL };
	const char *id = r->params[0], *channel;
	struct response res;
	struct device d;
	json_t *body = http_body_object(r, fields, &res);
	int rc;

	if (!body)
		return res;
	channel = json_string_value(json_object_get(body, "channel"));
	if (!ident_valid(channel)) {
		json_decref(body);
		return resp_error(400, "bad_request", "channel must be 1-64 characters of "
		                  "[A-Za-z0-9._:-]");
	}
	rc = ident_valid(id) ? store_device_move(&r->app->store, id, channel) : STORE_NOT_FOUND;
	json_decref(body);
	if (rc != STORE_OK)
		return changed(r, rc, "move");
	if (fleet_reload_device(r->app->fleet, id) ||
	    store_device_get(&r->app->store, id, &d) != STORE_OK)
		return resp_error(500, "internal", "cannot load device '%s'", id);
	log_event("device", "{s:s,s:s,s:s}", "action", "moved", "id", id, "channel", d.channel);
	return resp_json(200, api_device_json(r->app, &d));
}
