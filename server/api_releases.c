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
#include "store_builds.h"
#include "store_releases.h"

static long long param_id(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return (*s >= '1' && *s <= '9' && !*end && v > 0) ? v : 0;
}

static int percent_of(json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
		return -1;
	return (int)json_integer_value(v);
}

/* Signs the image of build_id and stores release max+1 of channel; sets
** *res to the answer. */
static void create(struct req *r, long long build_id, const char *channel, int percent,
                   const char *notes, struct response *res)
{
	char sha[HASH_HEX_LEN + 1], sig[160];
	uint8_t digest[32];
	long long size, id;
	json_t *rel;

	if (store_builds_image(&r->app->db, build_id, sha, &size)) {
		*res = resp_error(404, "not_found", "no build %lld", build_id);
		return;
	}
	if (hex_decode(sha, digest, sizeof digest) ||
	    tls_sign_digest(&r->app->keys, digest, sig, sizeof sig)) {
		*res = resp_error(500, "internal", "cannot sign the image");
		return;
	}
	id = store_releases_create(&r->app->db, channel, build_id, sha, size, percent, notes, sig);
	if (id < 0 || fleet_reload_channel(r->app->fleet, channel)) {
		*res = resp_error(500, "internal", "cannot store the release");
		return;
	}
	log_event("release", "{s:s,s:I,s:s,s:I,s:s,s:i}", "action", "created", "id", id,
	          "channel", channel, "build_id", build_id, "sha256", sha, "rollout_percent",
	          percent);
	rel = store_releases_get(&r->app->db, id);
	*res = rel ? resp_json(201, rel) : resp_error(500, "internal", "cannot read release");
}

struct response api_releases_post(struct req *r)
{
	static const char *const fields[] = { "build_id", "channel", "rollout_percent", "notes",
	                                      NULL };
	struct response res;
	json_t *body = http_body_object(r, fields, &res), *v;
	const char *channel, *notes = "";
	long long build_id;
	int percent = 100;

	if (!body)
		return res;
	v = json_object_get(body, "build_id");
	build_id = json_is_integer(v) ? json_integer_value(v) : 0;
	channel = json_string_value(json_object_get(body, "channel"));
	if ((v = json_object_get(body, "rollout_percent")))
		percent = percent_of(v);
	if ((v = json_object_get(body, "notes")) && !json_is_null(v))
		notes = json_string_value(v);
	if (build_id <= 0 || !ident_valid(channel) || percent < 0 || !notes ||
	    strlen(notes) > 4000)
		res = resp_error(400, "bad_request", "expected {\"build_id\":N, \"channel\":"
		                 "\"[A-Za-z0-9._:-]{1,64}\", \"rollout_percent\":0..100, "
		                 "\"notes\":\"...\"}");
	else
		create(r, build_id, channel, percent, notes, &res);
	json_decref(body);
	return res;
}

struct response api_releases_list(struct req *r)
{
	const char *channel = http_arg(r, "channel");

	if (channel && !ident_valid(channel))
		return resp_error(400, "bad_request", "invalid channel name");
	return resp_json(200, json_pack("{s:o}", "releases",
	                                store_releases_list(&r->app->db, channel)));
}

struct response api_releases_get(struct req *r)
{
	long long id = param_id(r->params[0]);
	json_t *rel = id ? store_releases_get(&r->app->db, id) : NULL;

	return rel ? resp_json(200, rel)
	           : resp_error(404, "not_found", "no release '%s'", r->params[0]);
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
	char channel[65];
	int rc = store_releases_update(&r->app->db, id, percent, state, channel);

	if (rc == 1)
		return resp_error(404, "not_found", "no release %lld", id);
	if (rc == 2)
		return resp_error(409, "conflict", "release %lld is revoked and cannot change", id);
	if (rc < 0 || fleet_reload_channel(r->app->fleet, channel))
		return resp_error(500, "internal", "cannot update the release");
	log_event("release", "{s:s,s:I,s:s,s:i,s:s}", "action", "changed", "id", id,
	          "channel", channel, "rollout_percent", percent, "state",
	          state ? state : "unchanged");
	return resp_json(200, store_releases_get(&r->app->db, id));
}

struct response api_releases_patch(struct req *r)
{
	static const char *const fields[] = { "rollout_percent", "state", "action", NULL };
	long long id = param_id(r->params[0]);
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

struct response api_releases_channels(struct req *r)
{
	return resp_json(200, json_pack("{s:o}", "channels",
	                                store_releases_channels(&r->app->db)));
}
