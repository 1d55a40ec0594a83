/* api_devices.c - the device inventory: paged by id and filtered on the
** server, with the fleet's live state and rollout decision per device, one
** device with its latest events and its counts, and the fleet's counts (GET
** /fleet) so the dashboard never fetches every device. Changes to devices
** are api_devices_admin.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "client_config.h"
#include "fleet.h"
#include "hex.h"
#include "ident.h"
#include "log.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *int_or_null(long long v)
{
	return v ? json_integer(v) : json_null();
}

static json_t *release_ref(const struct fleet_release *r, int with_sha)
{
	json_t *j = json_pack("{s:I,s:I,s:I}", "id", (json_int_t)r->id, "number",
	                      (json_int_t)r->number, "build_id", (json_int_t)r->build_id);

	if (with_sha)
		json_object_set_new(j, "sha256", json_string(r->sha));
	return j;
}

static const char *const pin_names[] = { NULL, "current", "previous", "other" };

/* What the device's manifests rest on: its floor and last offer as lfsd
** knows them, its manifest key generation, the signing key it pins, and the
** image of a booted report lfsd never offered it. Added to j. */
static void manifest_fields(json_t *j, const struct device *d, const struct fleet_view *v,
                            int live)
{
	json_t *offer = json_null();

	if (live && v->has_last_offer) {
		offer = release_ref(&v->last_offer, 1);
		json_object_set_new(offer, "rollback", json_boolean(v->last_offer_rollback));
	}
	json_object_set_new(j, "last_offer", offer);
	json_object_set_new(j, "floor", json_integer(live ? v->floor : d->floor));
	json_object_set_new(j, "key_generation",
	                    json_integer(live ? v->key_generation : d->key_generation));
	json_object_set_new(j, "signing_key", live && pin_names[v->pin & 3]
	                    ? json_string(pin_names[v->pin & 3]) : json_null());
	json_object_set_new(j, "unoffered_sha256", text_or_null(d->unoffered));
	json_object_set_new(j, "client", text_or_null(live ? v->client : d->client));
}

/* The API's device object (new reference): the store's row with the
** fleet's in-memory last seen and running image (newer between flushes),
** its rollout bucket, the release it runs and the one it would be offered,
** and its manifest bookkeeping. */
json_t *api_device_json(struct app *app, const struct device *d)
{
	struct fleet_view v;
	int live = fleet_view(app->fleet, d->id, &v) == 0;
	const char *running = live && v.running[0] ? v.running : d->running;
	json_t *j = json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"id", d->id, "channel", d->channel, "created", (json_int_t)d->created,
		"last_seen", int_or_null(live && v.last_seen ? v.last_seen : d->last_seen),
		"running_sha256", text_or_null(running), "state", text_or_null(d->state),
		"state_detail", text_or_null(d->detail), "state_time", int_or_null(d->state_time),
		"bucket", live ? json_integer(v.bucket) : json_null(),
		"running_release", live && v.has_running_release
		                   ? release_ref(&v.running_release, 0) : json_null(),
		"offered", live && v.has_offer ? release_ref(&v.offer, 1) : json_null());

	if (j)
		manifest_fields(j, d, &v, live);
	return j;
}


struct devices {
	struct app *app;       /* borrowed */
	json_t *list;          /* borrowed */
	char last[STORE_ID_MAX + 1];
};

/* store_device_cb: appends one device. */
static int add_device(void *cls, const struct device *d)
{
	struct devices *ds = cls;

	json_array_append_new(ds->list, api_device_json(ds->app, d));
	memcpy(ds->last, d->id, sizeof ds->last);
	return 0;
}

/* The query of GET /devices; 0, or -1 with *err the 400. */
static int device_query(struct req *r, struct device_query *q, struct response *err)
{
	const char *ls = http_arg(r, "limit"), *state = http_arg(r, "state");
	int i;

	memset(q, 0, sizeof *q);
	q->limit = ls ? (int)(http_id(ls) > PAGE_MAX ? 0 : http_id(ls)) : PAGE_DEFAULT;
	q->after = http_arg(r, "after");
	q->channel = http_arg(r, "channel");
	q->prefix = http_arg(r, "prefix");
	for (i = 0; state && i < FLEET_STATES && strcmp(state, fleet_state_name(i)); i++)
		;
	q->state = state && i < FLEET_STATES ? (i ? state : "") : NULL;
	if (q->limit < 1 || q->limit > PAGE_MAX || (q->after && !ident_valid(q->after)) ||
	    (q->channel && !ident_valid(q->channel)) || (q->prefix && !ident_valid(q->prefix)) ||
	    (state && !q->state)) {
		*err = resp_error(400, "bad_request", "limit is 1..%d; after, channel and prefix are "
		                  "ids; state is a report state or none", PAGE_MAX);
		return -1;
	}
	return 0;
}

/* The link to the page after ds->last with the same filters. */
static json_t *next_link(const struct device_query *q, const char *last)
{
	char next[512];
	int n = snprintf(next, sizeof next, "/devices?limit=%d&after=%s", q->limit, last);

	if (q->channel)
		n += snprintf(next + n, sizeof next - (size_t)n, "&channel=%s", q->channel);
	if (q->state)
		n += snprintf(next + n, sizeof next - (size_t)n, "&state=%s",
		              q->state[0] ? q->state : "none");
	if (q->prefix)
		snprintf(next + n, sizeof next - (size_t)n, "&prefix=%s", q->prefix);
	return json_string(next);
}

struct response api_devices_list(struct req *r)
{
	struct devices ds = { r->app, NULL, "" };
	struct device_query q;
	struct response res;

	if (device_query(r, &q, &res))
		return res;
	ds.list = json_array();
	if (store_devices_list(&r->app->store, &q, add_device, &ds) != STORE_OK) {
		json_decref(ds.list);
		return resp_error(500, "internal", "cannot list devices");
	}
	return resp_json(200, json_pack("{s:o,s:o}", "devices", ds.list, "next",
	                                json_array_size(ds.list) == (size_t)q.limit
	                                ? next_link(&q, ds.last) : json_null()));
}

/* store_event_cb: appends one event. */
static int add_event(void *cls, const struct device_event *e)
{
	json_array_append_new(cls, json_pack("{s:I,s:s,s:o,s:o,s:o}", "time", (json_int_t)e->time,
		"state", e->state, "sha256", text_or_null(e->sha), "detail", text_or_null(e->detail),
		"flag", text_or_null(e->flag)));
	return 0;
}

/* store_count_cb: one state's count into the object. */
static int add_count(void *cls, const char *state, long long count)
{
	json_object_set_new(cls, state, json_integer(count));
	return 0;
}

struct response api_devices_get(struct req *r)
{
	struct device d;
	json_t *j, *events, *counts;
	int rc = ident_valid(r->params[0]) ? store_device_get(&r->app->store, r->params[0], &d)
	         : STORE_NOT_FOUND;

	if (rc == STORE_NOT_FOUND)
		return resp_error(404, "not_found", "no device '%s'", r->params[0]);
	events = json_array();
	counts = json_object();
	if (rc != STORE_OK ||
	    store_device_events(&r->app->store, d.id, 100, add_event, events) != STORE_OK ||
	    store_device_counts(&r->app->store, d.id, add_count, counts) != STORE_OK) {
		json_decref(events);
		json_decref(counts);
		return resp_error(500, "internal", "cannot read device '%s'", r->params[0]);
	}
	j = api_device_json(r->app, &d);
	json_object_set_new(j, "events", events);
	json_object_set_new(j, "event_counts", counts);
	return resp_json(200, j);
}

/* fleet_summary_cb: one channel's counts as JSON, appended. */
static void add_summary(void *cls, const struct fleet_summary *s)
{
	json_t *states = json_object(), *rels = json_array();
	int i;

	for (i = 0; i < FLEET_STATES; i++)
		json_object_set_new(states, fleet_state_name(i), json_integer(s->states[i]));
	for (i = 0; i < s->nreleases; i++) {
		json_t *rel = release_ref(&s->releases[i], 0);

		json_object_set_new(rel, "state", json_string(release_state_name(s->releases[i].state)));
		json_object_set_new(rel, "devices", json_integer(s->running[i]));
		json_array_append_new(rels, rel);
	}
	json_array_append_new(cls, json_pack("{s:s,s:I,s:o,s:o,s:I,s:I,s:I}",
		"name", s->channel, "devices", (json_int_t)s->devices, "states", states,
		"releases", rels, "other_image", (json_int_t)s->other_image,
		"no_image", (json_int_t)s->no_image, "pending", (json_int_t)s->pending));
}

/* The signing key and, during a rotation, the previous one and how many
** devices pinned which at their last poll since lfsd started. */
static json_t *signing_key(struct app *app)
{
	long long n[4];

	if (!app->ks.prev.pk)
		return json_pack("{s:s,s:n}", "id", app->ks.sign.id, "previous");
	fleet_pins(app->fleet, n);
	return json_pack("{s:s,s:s,s:{s:I,s:I,s:I,s:I}}", "id", app->ks.sign.id, "previous",
	                 app->ks.prev.id, "devices", "current", (json_int_t)n[FLEET_PIN_CURRENT],
	                 "previous", (json_int_t)n[FLEET_PIN_PREVIOUS],
	                 "other", (json_int_t)n[FLEET_PIN_OTHER],
	                 "not_polled", (json_int_t)n[FLEET_PIN_UNKNOWN]);
}

struct response api_devices_fleet(struct req *r)
{
	const char *channel = http_arg(r, "channel");
	json_t *list, *c;
	long long total = 0;
	size_t i;

	if (channel && !ident_valid(channel))
		return resp_error(400, "bad_request", "invalid channel name");
	list = json_array();
	fleet_summarize(r->app->fleet, channel, add_summary, list);
	json_array_foreach(list, i, c)
		total += json_integer_value(json_object_get(c, "devices"));
	return resp_json(200, json_pack("{s:I,s:o,s:o}", "devices", (json_int_t)total,
	                                "channels", list, "signing_key", signing_key(r->app)));
}

struct response api_devices_client_config(struct req *r)
{
	struct client_config c;
	struct device d;
	struct response res;
	char *lua;
	int rc = ident_valid(r->params[0]) ? store_device_get(&r->app->store, r->params[0], &d)
	         : STORE_NOT_FOUND;

	if (rc == STORE_NOT_FOUND)
		return resp_error(404, "not_found", "no device '%s'", r->params[0]);
	if (rc != STORE_OK)
		return resp_error(500, "internal", "cannot read device '%s'", r->params[0]);
	memset(&c, 0, sizeof c);
	c.device = d.id;
	c.channel = d.channel;
	c.poll = r->app->cfg->poll_interval;
	if (client_config_address(r, &c))
		return resp_error(400, "bad_request", "no host name for devices: the request's "
		                  "Host is not one (start lfsd with --device-address)");
	lua = client_config_lua(&c, r->app->keys.cert_pem);
	if (!lua)
		return resp_error(500, "internal", "cannot make the client configuration");
	res = resp_take(200, "text/plain; charset=utf-8", lua, strlen(lua));
	resp_header(&res, "Content-Disposition", "attachment; filename=\"lfsd_cfg.lua\"");
	return res;
}
