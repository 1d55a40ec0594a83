/* api_releases.c - releases and channels: create (signing the image digest),
** list, read, change rollout/pause/resume/revoke; the fleet is reloaded after
** every change so polls see it at once. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
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

enum MHD_Result api_releases_post(struct req *r)
{
	enum MHD_Result replied;
	json_t *body = http_body_json(r, &replied), *v, *rel;
	const char *key, *channel, *notes = "";
	long long build_id, size, id;
	char sha[HASH_HEX_LEN + 1], sig[160];
	uint8_t digest[32];
	int percent = 100, i;

	if (!body)
		return replied;
	json_object_foreach(body, key, v)
		if (strcmp(key, "build_id") && strcmp(key, "channel") &&
		    strcmp(key, "rollout_percent") && strcmp(key, "notes")) {
			enum MHD_Result ret = http_error(r, 400, "bad_request", "unknown field '%s'", key);

			json_decref(body);   /* after the message: key lives in body */
			return ret;
		}
	v = json_object_get(body, "build_id");
	build_id = json_is_integer(v) ? json_integer_value(v) : 0;
	channel = json_string_value(json_object_get(body, "channel"));
	if ((v = json_object_get(body, "rollout_percent")))
		percent = percent_of(v);
	if ((v = json_object_get(body, "notes")) && !json_is_null(v))
		notes = json_string_value(v);
	if (build_id <= 0 || !ident_valid(channel) || percent < 0 || !notes ||
	    strlen(notes) > 4000) {
		json_decref(body);
		return http_error(r, 400, "bad_request", "expected {\"build_id\":N, \"channel\":"
		                  "\"[A-Za-z0-9._:-]{1,64}\", \"rollout_percent\":0..100, "
		                  "\"notes\":\"...\"}");
	}
	if (store_builds_image(&r->app->db, build_id, sha, &size)) {
		json_decref(body);
		return http_error(r, 404, "not_found", "no build %lld", build_id);
	}
	for (i = 0; i < 32; i++)
		sscanf(sha + 2 * i, "%2hhx", &digest[i]);
	if (tls_sign_digest(&r->app->keys, digest, sig, sizeof sig)) {
		json_decref(body);
		return http_error(r, 500, "internal", "cannot sign the image");
	}
	id = store_releases_create(&r->app->db, channel, build_id, sha, size, percent, notes, sig);
	if (id < 0 || fleet_reload_channel(r->app->fleet, channel)) {
		json_decref(body);
		return http_error(r, 500, "internal", "cannot store the release");
	}
	log_event("release", "{s:s,s:I,s:s,s:I,s:s,s:i}", "action", "created", "id", id,
	          "channel", channel, "build_id", build_id, "sha256", sha, "rollout_percent",
	          percent);
	json_decref(body);
	rel = store_releases_get(&r->app->db, id);
	return rel ? http_json(r, 201, rel) : http_error(r, 500, "internal", "cannot read release");
}

enum MHD_Result api_releases_list(struct req *r)
{
	const char *channel = http_arg(r, "channel");

	if (channel && !ident_valid(channel))
		return http_error(r, 400, "bad_request", "invalid channel name");
	return http_json(r, 200, json_pack("{s:o}", "releases",
	                                   store_releases_list(&r->app->db, channel)));
}

enum MHD_Result api_releases_get(struct req *r)
{
	long long id = param_id(r->params[0]);
	json_t *rel = id ? store_releases_get(&r->app->db, id) : NULL;

	return rel ? http_json(r, 200, rel)
	           : http_error(r, 404, "not_found", "no release '%s'", r->params[0]);
}

enum MHD_Result api_releases_patch(struct req *r)
{
	long long id = param_id(r->params[0]);
	enum MHD_Result replied;
	json_t *body, *v;
	const char *key, *state = NULL, *action;
	char channel[65];
	int percent = -1, rc;

	if (!id)
		return http_error(r, 404, "not_found", "no release '%s'", r->params[0]);
	body = http_body_json(r, &replied);
	if (!body)
		return replied;
	json_object_foreach(body, key, v)
		if (strcmp(key, "rollout_percent") && strcmp(key, "state") && strcmp(key, "action")) {
			enum MHD_Result ret = http_error(r, 400, "bad_request", "unknown field '%s' (expected "
			                  "rollout_percent, state, action)", key);

			json_decref(body);   /* after the message: key lives in body */
			return ret;
		}
	if ((v = json_object_get(body, "rollout_percent")) && (percent = percent_of(v)) < 0) {
		json_decref(body);
		return http_error(r, 400, "bad_request", "rollout_percent must be 0..100");
	}
	state = json_string_value(json_object_get(body, "state"));
	action = json_string_value(json_object_get(body, "action"));
	if (action)
		state = !strcmp(action, "pause") ? "paused" : !strcmp(action, "resume") ? "active"
		      : !strcmp(action, "revoke") ? "revoked" : "?";
	if ((json_object_get(body, "state") || json_object_get(body, "action")) &&
	    (!state || (strcmp(state, "active") && strcmp(state, "paused") &&
	                strcmp(state, "revoked")))) {
		json_decref(body);
		return http_error(r, 400, "bad_request", "state must be active, paused or revoked "
		                  "(action: pause, resume, revoke)");
	}
	if (percent < 0 && !state) {
		json_decref(body);
		return http_error(r, 400, "bad_request", "nothing to change");
	}
	rc = store_releases_update(&r->app->db, id, percent, state, channel);
	if (rc == 0)
		log_event("release", "{s:s,s:I,s:s,s:i,s:s}", "action", "changed", "id", id,
		          "channel", channel, "rollout_percent", percent, "state",
		          state ? state : "unchanged");
	json_decref(body);
	if (rc == 1)
		return http_error(r, 404, "not_found", "no release %lld", id);
	if (rc == 2)
		return http_error(r, 409, "conflict", "release %lld is revoked and cannot change", id);
	if (rc < 0 || fleet_reload_channel(r->app->fleet, channel))
		return http_error(r, 500, "internal", "cannot update the release");
	return http_json(r, 200, store_releases_get(&r->app->db, id));
}

enum MHD_Result api_releases_channels(struct req *r)
{
	return http_json(r, 200, json_pack("{s:o}", "channels",
	                                   store_releases_channels(&r->app->db)));
}
