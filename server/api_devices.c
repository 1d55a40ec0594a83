/* api_devices.c - registering devices (the key is shown once, only its hash
** is stored) and the inventory with live last-seen state from the fleet. */
#include <string.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
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

enum MHD_Result api_devices_post(struct req *r)
{
	enum MHD_Result replied;
	json_t *body = http_body_json(r, &replied), *v;
	const char *key, *id, *channel;
	char hex[65], hash[HASH_HEX_LEN + 1];
	uint8_t raw[32];
	int rc;

	if (!body)
		return replied;
	json_object_foreach(body, key, v)
		if (strcmp(key, "id") && strcmp(key, "channel")) {
			enum MHD_Result ret = http_error(r, 400, "bad_request", "unknown field '%s' (expected id, "
			                  "channel)", key);

			json_decref(body);   /* after the message: key lives in body */
			return ret;
		}
	id = json_string_value(json_object_get(body, "id"));
	channel = json_string_value(json_object_get(body, "channel"));
	if (!ident_valid(id) || !ident_valid(channel)) {
		json_decref(body);
		return http_error(r, 400, "bad_request", "id and channel must be 1-64 characters "
		                  "of [A-Za-z0-9._:-]");
	}
	if (tls_random(&r->app->keys, raw, sizeof raw)) {
		json_decref(body);
		return http_error(r, 500, "internal", "no randomness");
	}
	hash_hex(raw, sizeof raw, hex);
	hash_sha256_hex(hex, strlen(hex), hash);
	rc = store_devices_create(&r->app->db, id, channel, hash);
	if (rc == 1) {
		enum MHD_Result ret = http_error(r, 409, "conflict", "device '%s' exists", id);

		json_decref(body);
		return ret;
	}
	if (rc || fleet_reload_device(r->app->fleet, id)) {
		json_decref(body);
		return http_error(r, 500, "internal", "cannot store the device");
	}
	log_event("device", "{s:s,s:s,s:s}", "action", "registered", "id", id, "channel",
	          channel);
	v = json_pack("{s:s,s:s,s:s}", "id", id, "channel", channel, "key", hex);
	json_decref(body);
	return http_json(r, 201, v);
}

enum MHD_Result api_devices_list(struct req *r)
{
	json_t *list = store_devices_list(&r->app->db), *d;
	size_t i;

	json_array_foreach(list, i, d)
		live(r->app, d);
	return http_json(r, 200, json_pack("{s:o}", "devices", list));
}

enum MHD_Result api_devices_get(struct req *r)
{
	json_t *d = ident_valid(r->params[0]) ? store_devices_get(&r->app->db, r->params[0], 1)
	            : NULL;

	if (!d)
		return http_error(r, 404, "not_found", "no device '%s'", r->params[0]);
	live(r->app, d);
	return http_json(r, 200, d);
}
