/* api_ota.c - the device API: /ota/latest (memory only, no SQLite write per
** poll), /ota/images/{sha256} (strict Range), /ota/report (rate-limited
** per device, its events bounded), /ota/pubkey.
** Devices send Authorization: Bearer <device key> and device=ID, over HTTPS
** (http.c refuses plain HTTP for these routes). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
#include "ident.h"
#include "log.h"
#include "serve.h"

static struct response denied(struct req *r, int rc)
{
	metrics_poll(&r->app->metrics, METRICS_POLL_DENIED);
	if (rc == FLEET_WRONG_CHANNEL)
		return resp_error(403, "forbidden", "device is not in that channel");
	return resp_error(401, "unauthorized", "unknown device or wrong device key");
}

/* The running image from If-None-Match: "<sha>" (or bare), into out. */
static int inm_sha(const char *h, char out[HASH_HEX_LEN + 1])
{
	size_t n;

	if (!h)
		return 0;
	if (!strncmp(h, "W/", 2))
		h += 2;
	if (*h == '"')
		h++;
	n = strcspn(h, "\"");
	if (n != HASH_HEX_LEN)
		return 0;
	memcpy(out, h, n);
	out[n] = '\0';
	return hash_is_hex64(out);
}

/* The manifest of offer o for device id (ident characters only). */
static struct response manifest(struct req *r, const char *id, const struct fleet_offer *o)
{
	char url[200];
	struct response res;

	snprintf(url, sizeof url, "/ota/images/%s?device=%s", o->rel.sha, id);
	res = resp_json(200, json_pack("{s:I,s:s,s:I,s:s,s:I,s:s,s:s,s:s,s:i}",
		"release", (json_int_t)o->rel.id, "channel", o->channel,
		"version", (json_int_t)o->rel.number, "sha256", o->rel.sha,
		"size", (json_int_t)o->rel.size,
		"url", url, "signature", o->signature, "signature_alg", "ecdsa-p256-sha256",
		"poll_interval", r->app->cfg->poll_interval));
	resp_header(&res, "ETag", "\"%s\"", o->rel.sha);
	return res;
}

struct response api_ota_latest(struct req *r)
{
	const char *id = http_arg(r, "device"), *channel = http_arg(r, "channel");
	const char *current = http_arg(r, "current");
	char inm[HASH_HEX_LEN + 1], etag[HASH_HEX_LEN + 3];
	struct fleet_offer o;
	int from_inm = 0, rc;

	if (!id)
		return resp_error(400, "bad_request", "missing device=ID");
	if (current && !hash_is_hex64(current))
		return resp_error(400, "bad_request", "current must be a sha256 (64 lowercase hex)");
	if (!current && inm_sha(http_header(r, "If-None-Match"), inm)) {
		current = inm;
		from_inm = 1;
	}
	rc = fleet_poll(r->app->fleet, id, http_bearer(r), channel, current, &o);
	if (rc)
		return denied(r, rc);
	if (o.found && !(current && !strcmp(current, o.rel.sha))) {
		metrics_poll(&r->app->metrics, METRICS_POLL_UPDATE);
		return manifest(r, id, &o);
	}
	metrics_poll(&r->app->metrics, METRICS_POLL_CURRENT);
	if (o.found)
		snprintf(etag, sizeof etag, "\"%s\"", o.rel.sha);
	return resp_empty(from_inm && o.found ? 304 : 204, o.found ? etag : NULL);
}

struct response api_ota_image(struct req *r)
{
	const char *sha = r->params[0];
	char channel[65];
	int rc = fleet_auth(r->app->fleet, http_arg(r, "device"), http_bearer(r), channel);

	if (rc)
		return denied(r, rc);
	if (!hash_is_hex64(sha) || !fleet_channel_has(r->app->fleet, channel, sha))
		return resp_error(404, "not_found", "no released image %s in channel '%s'",
		                  sha, channel);
	return serve_blob(r, sha, SERVE_STRICT_RANGE);
}

static int known_state(const char *s)
{
	static const char *const states[] = { "downloading", "downloaded", "applied", "booted",
	                                      "failed", "rolled-back", NULL };
	int i;

	for (i = 0; s && states[i]; i++)
		if (!strcmp(s, states[i]))
			return 1;
	return 0;
}

/* A string field of body, NULL when absent or "" (an empty string counts as
** not given). */
static const char *given(json_t *body, const char *key)
{
	const char *v = json_string_value(json_object_get(body, key));

	return v && *v ? v : NULL;
}

/* Stores an authenticated device's report (body validated here). */
static struct response report(struct req *r, const char *id, json_t *body)
{
	const char *state = json_string_value(json_object_get(body, "state"));
	const char *sha = given(body, "sha256"), *detail = given(body, "detail");
	const char *running = given(body, "running");
	struct device_report rep;
	struct response res;
	int retry = 1;

	if (!fleet_report_allowed(r->app->fleet, id, r->app->cfg->report_rate, &retry)) {
		res = resp_error(429, "too_many_requests", "more than %d reports a minute; "
		                 "retry in %d s", r->app->cfg->report_rate, retry);
		resp_header(&res, "Retry-After", "%d", retry);
		return res;
	}
	if (!known_state(state) || (sha && !hash_is_hex64(sha)) ||
	    (running && !hash_is_hex64(running)) || (detail && strlen(detail) > 2000))
		return resp_error(400, "bad_request", "state must be downloading, downloaded, "
		                  "applied, booted, failed or rolled-back; sha256/running 64 hex "
		                  "digits; detail at most 2000 bytes");
	if (!running && !strcmp(state, "booted"))
		running = sha;
	rep.id = id;
	rep.state = state;
	rep.sha = sha;
	rep.detail = detail;
	rep.running = running;
	rep.time = (int64_t)time(NULL);
	rep.keep = r->app->cfg->device_events;
	if (store_device_report(&r->app->store, &rep) != STORE_OK)
		return resp_error(500, "internal", "cannot store the report");
	fleet_report(r->app->fleet, id, state, running);
	log_event("device", "{s:s,s:s,s:s,s:s,s:s,s:s}", "action", "report", "id", id,
	          "state", state, "sha256", sha ? sha : "", "running", running ? running : "",
	          "detail", detail ? detail : "");
	return resp_empty(204, NULL);
}

struct response api_ota_report(struct req *r)
{
	static const char *const fields[] = { "device", "state", "sha256", "detail", "running",
	                                      NULL };
	const char *id, *qid = http_arg(r, "device");
	struct response res;
	json_t *body = http_body_object(r, fields, &res);
	char channel[65];
	int rc;

	if (!body)
		return res;
	id = json_string_value(json_object_get(body, "device"));
	if (!id)
		id = qid;
	if (qid && strcmp(qid, id))
		res = resp_error(400, "bad_request", "device in query and body differ");
	else if (!r->device_authed && (rc = fleet_auth(r->app->fleet, id, http_bearer(r), channel)))
		res = denied(r, rc);
	else
		res = report(r, id, body);
	json_decref(body);
	return res;
}

struct response api_ota_pubkey(struct req *r)
{
	const char *pem = r->app->keys.sign_pub_pem;

	return resp_text(200, "application/x-pem-file", pem, strlen(pem));
}
