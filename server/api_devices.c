/* api_devices.c - registering devices (the key is shown once, only its hash
** is stored) and the inventory with live last-seen state from the fleet. */
#include <string.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
#include "hex.h"
#include "ident.h"
#include "log.h"

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *int_or_null(long long v)
{
	return v ? json_integer(v) : json_null();
}

/* The API's device object (new reference), with the fleet's in-memory last
** seen and running image, newer than the store's between flushes. */
static json_t *device_json(struct app *app, const struct device *d)
{
	char running[HASH_HEX_LEN + 1];
	long long seen = d->last_seen;

	memcpy(running, d->running, sizeof running);
	if (fleet_peek(app->fleet, d->id, &seen, running) == 0 && !seen)
		seen = d->last_seen;
	if (!running[0])
		memcpy(running, d->running, sizeof running);
	return json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:o,s:o}", "id", d->id, "channel", d->channel,
		"created", (json_int_t)d->created, "last_seen", int_or_null(seen),
		"running_sha256", text_or_null(running), "state", text_or_null(d->state),
		"state_detail", text_or_null(d->detail), "state_time", int_or_null(d->state_time));
}

/* Registers id on channel with a new random key; the answer shows the key. */
static struct response create(struct req *r, const char *id, const char *channel)
{
	char hex[65], hash[HASH_HEX_LEN + 1];
	struct device d;
	uint8_t raw[32];
	int rc;

	if (tls_random(&r->app->keys, raw, sizeof raw))
		return resp_error(500, "internal", "no randomness");
	hex_encode(raw, sizeof raw, hex);
	hash_sha256_hex(hex, strlen(hex), hash);
	memset(&d, 0, sizeof d);
	snprintf(d.id, sizeof d.id, "%s", id);
	snprintf(d.channel, sizeof d.channel, "%s", channel);
	memcpy(d.key_sha, hash, sizeof d.key_sha);
	rc = store_device_create(&r->app->store, &d);
	if (rc == STORE_EXISTS)
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

struct devices {
	struct app *app;       /* borrowed */
	json_t *list;          /* borrowed */
};

/* store_device_cb: appends one device. */
static int add_device(void *cls, const struct device *d)
{
	struct devices *ds = cls;

	json_array_append_new(ds->list, device_json(ds->app, d));
	return 0;
}

struct response api_devices_list(struct req *r)
{
	struct device_query q = { NULL, 1000000000, NULL, NULL, NULL };
	struct devices ds = { r->app, json_array() };

	if (store_devices_list(&r->app->store, &q, add_device, &ds) != STORE_OK) {
		json_decref(ds.list);
		return resp_error(500, "internal", "cannot list devices");
	}
	return resp_json(200, json_pack("{s:o}", "devices", ds.list));
}

/* store_event_cb: appends one event. */
static int add_event(void *cls, const struct device_event *e)
{
	json_array_append_new(cls, json_pack("{s:I,s:s,s:o,s:o}", "time", (json_int_t)e->time,
		"state", e->state, "sha256", text_or_null(e->sha), "detail", text_or_null(e->detail)));
	return 0;
}

struct response api_devices_get(struct req *r)
{
	struct device d;
	json_t *j, *events;
	int rc = ident_valid(r->params[0]) ? store_device_get(&r->app->store, r->params[0], &d)
	         : STORE_NOT_FOUND;

	if (rc == STORE_NOT_FOUND)
		return resp_error(404, "not_found", "no device '%s'", r->params[0]);
	events = json_array();
	if (rc != STORE_OK ||
	    store_device_events(&r->app->store, d.id, 100, add_event, events) != STORE_OK) {
		json_decref(events);
		return resp_error(500, "internal", "cannot read device '%s'", r->params[0]);
	}
	j = device_json(r->app, &d);
	json_object_set_new(j, "events", events);
	return resp_json(200, j);
}
