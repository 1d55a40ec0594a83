/* api_devices.c - registering devices (the key is shown once, only its hash
** is stored) and the inventory with live last-seen state from the fleet. */
#include <string.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
#include "hex.h"
#include "ident.h"
#include "log.h"
#include "store_devices.h"

/* Overlays the fleet's in-memory last_seen/running, newer than SQLite
** between flushes. */
static void live(struct app *app, json_t *dev)
{
	const char *id = json_string_value(json_object_get(dev, "id"));
	char running[HASH_HEX_LEN + 1];
	long long seen;

	if (id && !fleet_peek(app->fleet, id, &seen, running)) {
		if (seen)
			json_object_set_new(dev, "last_seen", json_integer(seen));
		if (running[0])
			json_object_set_new(dev, "running_sha256", json_string(running));
	}
}

/* Registers id on channel with a new random key; the answer shows the key. */
static struct response create(struct req *r, const char *id, const char *channel)
{
	char hex[65], hash[HASH_HEX_LEN + 1];
	uint8_t raw[32];
	int rc;

	if (tls_random(&r->app->keys, raw, sizeof raw))
		return resp_error(500, "internal", "no randomness");
	hex_encode(raw, sizeof raw, hex);
	hash_sha256_hex(hex, strlen(hex), hash);
	rc = store_devices_create(&r->app->db, id, channel, hash);
	if (rc == 1)
		return resp_error(409, "conflict", "device '%s' exists", id);
	if (rc || fleet_reload_device(r->app->fleet, id))
		return resp_error(500, "internal", "cannot store the device");
	log_event("device", "{s:s,s:s,s:s}", "action", "registered", "id", id, "channel",
	          channel);
	return resp_json(201, json_pack("{s:s,s:s,s:s}", "id", id, "channel", channel,
	                                "key", hex));
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
		res = create(r, id, channel);
	json_decref(body);
	return res;
}

struct response api_devices_list(struct req *r)
{
	json_t *list = store_devices_list(&r->app->db), *d;
	size_t i;

	json_array_foreach(list, i, d)
		live(r->app, d);
	return resp_json(200, json_pack("{s:o}", "devices", list));
}

struct response api_devices_get(struct req *r)
{
	json_t *d = ident_valid(r->params[0]) ? store_devices_get(&r->app->db, r->params[0], 1)
	            : NULL;

	if (!d)
		return resp_error(404, "not_found", "no device '%s'", r->params[0]);
	live(r->app, d);
	return resp_json(200, d);
}
