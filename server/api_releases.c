/* api_releases.c - releases and channels: create (signing the image digest),
** list, read, change rollout/pause/resume/revoke; the fleet is reloaded after
** every change so polls see it at once. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
#include "hex.h"
#include "ident.h"
#include "log.h"

/* The API's release object (new reference). */
static json_t *release_json(const struct release *r)
{
	return json_pack("{s:I,s:s,s:I,s:I,s:s,s:I,s:i,s:s,s:s,s:s,s:s,s:I,s:I,s:{s:I,s:I,s:I}}",
		"id", (json_int_t)r->id, "channel", r->channel, "number", (json_int_t)r->number,
		"build_id", (json_int_t)r->build_id, "sha256", r->sha, "size", (json_int_t)r->size,
		"rollout_percent", r->percent, "state", release_state_name(r->state),
		"notes", r->notes, "signature", r->signature, "signature_alg", "ecdsa-p256-sha256",
		"created", (json_int_t)r->created, "updated", (json_int_t)r->updated,
		"outcomes", "booted", (json_int_t)r->booted, "failed", (json_int_t)r->failed,
		"rolled_back", (json_int_t)r->rolled_back);
}

static int percent_of(json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
		return -1;
	return (int)json_integer_value(v);
}

/* 0 when a release of build_id to channel keeps every device of it able to
** take the next update: the image has lfsd's Lua OTA client (module lfsota)
** or no device of channel polls with that client. Else -1 with *res (409;
** 500 when the build cannot be read). */
static int keeps_client(struct req *r, long long build_id, const char *channel,
                        struct response *res)
{
	long long lua = fleet_lua_devices(r->app->fleet, channel);
	struct build b;
	int i, has = 0;

	if (!lua)
		return 0;
	if (store_build_get(&r->app->store, build_id, &b) != STORE_OK) {
		*res = resp_error(500, "internal", "cannot read build %lld", build_id);
		return -1;
	}
	for (i = 0; i < b.nmodules; i++)
		has |= !strcmp(b.modules[i].name, "lfsota");
	build_release(&b);
	if (has)
		return 0;
	*res = resp_error(409, "conflict", "build %lld has no lfsota module (lfsd's OTA client), "
	                  "but %lld device%s of channel '%s' update%s with it: once they ran "
	                  "this image they could not take another update. Build with the "
	                  "option \"ota_client\": true, or release anyway with \"force\": true",
	                  build_id, lua, lua == 1 ? "" : "s", channel, lua == 1 ? "s" : "");
	return -1;
}

/* Signs the image of build_id and stores release max+1 of channel (unless
** it would cut Lua-client devices off and force is 0). */
static struct response create(struct req *r, long long build_id, const char *channel,
                              int percent, const char *notes, int force)
{
	struct release rel;
	struct response res;
	uint8_t digest[32];
	int rc;

	memset(&rel, 0, sizeof rel);
	rc = store_build_image(&r->app->store, build_id, rel.sha, &rel.size);
	if (rc == STORE_NOT_FOUND)
		return resp_error(404, "not_found", "no build %lld", build_id);
	if (rc == STORE_OK && blob_check(&r->app->blobs, rel.sha, -1) != BLOB_INTACT)
		return resp_error(409, "conflict", "the image of build %lld is missing or damaged "
		                  "on the server (see /healthz); upload the build's sources again "
		                  "with the same options to repair it, then release it", build_id);
	if (rc == STORE_OK && !force && keeps_client(r, build_id, channel, &res))
		return res;
	if (rc != STORE_OK || hex_decode(rel.sha, digest, sizeof digest) ||
	    keystore_sign_digest(&r->app->ks.sign, digest, rel.signature, sizeof rel.signature))
		return resp_error(500, "internal", "cannot sign the image");
	snprintf(rel.channel, sizeof rel.channel, "%s", channel);
	snprintf(rel.notes, sizeof rel.notes, "%s", notes);
	rel.build_id = build_id;
	rel.percent = percent;
	if (store_release_create(&r->app->store, &rel) != STORE_OK ||
	    fleet_reload_channel(r->app->fleet, channel))
		return resp_error(500, "internal", "cannot store the release");
	log_event("release", "{s:s,s:I,s:s,s:I,s:s,s:i}", "action", "created", "id",
	          (json_int_t)rel.id, "channel", channel, "build_id", (json_int_t)build_id,
	          "sha256", rel.sha, "rollout_percent", percent);
	return resp_json(201, release_json(&rel));
}

struct response api_releases_post(struct req *r)
{
	static const char *const fields[] = { "build_id", "channel", "rollout_percent", "notes",
	                                      "force", NULL };
	struct response res;
	json_t *body = http_body_object(r, fields, &res), *v;
	const char *channel, *notes = "";
	long long build_id;
	int percent = 100, force = 0;

	if (!body)
		return res;
	v = json_object_get(body, "build_id");
	build_id = json_is_integer(v) ? json_integer_value(v) : 0;
	channel = json_string_value(json_object_get(body, "channel"));
	if ((v = json_object_get(body, "rollout_percent")))
		percent = percent_of(v);
	if ((v = json_object_get(body, "notes")) && !json_is_null(v))
		notes = json_string_value(v);
	if ((v = json_object_get(body, "force")))
		force = json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
	if (build_id <= 0 || !ident_valid(channel) || percent < 0 || !notes ||
	    strlen(notes) > 4000 || force < 0)
		res = resp_error(400, "bad_request", "expected {\"build_id\":N, \"channel\":"
		                 "\"[A-Za-z0-9._:-]{1,64}\", \"rollout_percent\":0..100, "
		                 "\"notes\":\"...\", \"force\":true|false}");
	else
		res = create(r, build_id, channel, percent, notes, force);
	json_decref(body);
	return res;
}

/* store_release_cb: appends one release to the array. */
static int add_release(void *cls, const struct release *rel)
{
	json_array_append_new(cls, release_json(rel));
	return 0;
}

struct response api_releases_list(struct req *r)
{
	const char *channel = http_arg(r, "channel");
	json_t *list;

	if (channel && !ident_valid(channel))
		return resp_error(400, "bad_request", "invalid channel name");
	list = json_array();
	if (store_releases_list(&r->app->store, channel, add_release, list) != STORE_OK) {
		json_decref(list);
		return resp_error(500, "internal", "cannot list releases");
	}
	return resp_json(200, json_pack("{s:o}", "releases", list));
}

struct response api_releases_get(struct req *r)
{
	long long id = http_id(r->params[0]);
	struct release rel;
	int rc = id ? store_release_get(&r->app->store, id, &rel) : STORE_NOT_FOUND;

	if (rc == STORE_OK)
		return resp_json(200, release_json(&rel));
	return rc == STORE_NOT_FOUND ? resp_error(404, "not_found", "no release '%s'", r->params[0])
	                             : resp_error(500, "internal", "cannot read releases");
}

/* The state a PATCH body asks for: "state", or "action" spelt as a verb;
** NULL if neither is given, "?" if the value is not one of them. */
static const char *wanted_state(json_t *body)
{
	const char *state = json_string_value(json_object_get(body, "state"));
	const char *action = json_string_value(json_object_get(body, "action"));

	if (action)
		state = !strcmp(action, "pause") ? "paused" : !strcmp(action, "resume") ? "active"
		      : !strcmp(action, "revoke") ? "revoked" : "?";
	if ((json_object_get(body, "state") || json_object_get(body, "action")) &&
	    (!state || (strcmp(state, "active") && strcmp(state, "paused") &&
	                strcmp(state, "revoked"))))
		return "?";
	return state;
}

/* Applies percent (-1 = keep) and state (NULL = keep) to release id. */
static struct response change(struct req *r, long long id, int percent, const char *state)
{
	enum release_state st;
	struct release rel;
	int rc;

	if (state)
		release_state_parse(state, &st);
	rc = store_release_update(&r->app->store, id, percent, state ? &st : NULL, &rel);
	if (rc == STORE_NOT_FOUND)
		return resp_error(404, "not_found", "no release %lld", id);
	if (rc == STORE_CONFLICT)
		return resp_error(409, "conflict", "release %lld is revoked and cannot change", id);
	if (rc != STORE_OK || fleet_reload_channel(r->app->fleet, rel.channel))
		return resp_error(500, "internal", "cannot update the release");
	log_event("release", "{s:s,s:I,s:s,s:i,s:s}", "action", "changed", "id", (json_int_t)id,
	          "channel", rel.channel, "rollout_percent", percent, "state",
	          state ? state : "unchanged");
	return resp_json(200, release_json(&rel));
}

struct response api_releases_patch(struct req *r)
{
	static const char *const fields[] = { "rollout_percent", "state", "action", NULL };
	long long id = http_id(r->params[0]);
	struct response res;
	json_t *body, *v;
	const char *state;
	int percent = -1;

	if (!id)
		return resp_error(404, "not_found", "no release '%s'", r->params[0]);
	body = http_body_object(r, fields, &res);
	if (!body)
		return res;
	state = wanted_state(body);
	if ((v = json_object_get(body, "rollout_percent")) && (percent = percent_of(v)) < 0)
		res = resp_error(400, "bad_request", "rollout_percent must be 0..100");
	else if (state && !strcmp(state, "?"))
		res = resp_error(400, "bad_request", "state must be active, paused or revoked "
		                 "(action: pause, resume, revoke)");
	else if (percent < 0 && !state)
		res = resp_error(400, "bad_request", "nothing to change");
	else
		res = change(r, id, percent, state);
	json_decref(body);
	return res;
}

struct channels {
	struct fleet *fleet;   /* borrowed */
	json_t *list;          /* borrowed */
};

/* store_channel_cb: appends a channel with releases. */
static int add_channel(void *cls, const struct channel_row *c)
{
	struct channels *cs = cls;

	json_array_append_new(cs->list, json_pack("{s:s,s:I,s:I,s:o}", "name", c->name,
		"releases", (json_int_t)c->releases,
		"devices", (json_int_t)fleet_channel_devices(cs->fleet, c->name),
		"latest", c->has_latest ? release_json(&c->latest) : json_null()));
	return 0;
}

/* fleet_channel_cb: appends a channel that has devices but no release. */
static void add_device_channel(void *cls, const char *name, long long devices)
{
	struct channels *cs = cls;
	json_t *c;
	size_t i;

	json_array_foreach(cs->list, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "name")), name))
			return;
	json_array_append_new(cs->list, json_pack("{s:s,s:I,s:I,s:n}", "name", name,
		"releases", (json_int_t)0, "devices", (json_int_t)devices, "latest"));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
	              json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

/* The array sorted by each object's "name" (new reference; list stolen). */
static json_t *sorted(json_t *list)
{
	size_t n = json_array_size(list), i;
	json_t **v = calloc(n + 1, sizeof *v), *out = json_array();

	for (i = 0; v && i < n; i++)
		v[i] = json_array_get(list, i);
	if (v)
		qsort(v, n, sizeof *v, by_name);
	for (i = 0; v && i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(list);
	return out;
}

struct response api_releases_channels(struct req *r)
{
	struct channels cs = { r->app->fleet, json_array() };

	if (store_channels_list(&r->app->store, add_channel, &cs) != STORE_OK) {
		json_decref(cs.list);
		return resp_error(500, "internal", "cannot list channels");
	}
	fleet_channels(r->app->fleet, add_device_channel, &cs);
	return resp_json(200, json_pack("{s:o}", "channels", sorted(cs.list)));
}
