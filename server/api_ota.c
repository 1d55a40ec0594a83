/* api_ota.c - the device API: /ota/latest (memory only, no SQLite write per
** poll), /ota/images/{sha256} (strict Range), /ota/report, /ota/pubkey.
** Devices send Authorization: Bearer <device key> and device=ID, over HTTPS
** (http.c refuses plain HTTP for these routes). */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
#include "ident.h"
#include "log.h"
#include "serve.h"
#include "store_devices.h"

static enum MHD_Result denied(struct req *r, int rc)
{
	metrics_poll(&r->app->metrics, METRICS_POLL_DENIED);
	if (rc == FLEET_WRONG_CHANNEL)
		return http_error(r, 403, "forbidden", "device is not in that channel");
	return http_error(r, 401, "unauthorized", "unknown device or wrong device key");
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

enum MHD_Result api_ota_latest(struct req *r)
{
	const char *id = http_arg(r, "device"), *channel = http_arg(r, "channel");
	const char *current = http_arg(r, "current");
	char inm[HASH_HEX_LEN + 1], etag[HASH_HEX_LEN + 3], url[200];
	struct fleet_offer o;
	int from_inm = 0, rc;

	if (!id)
		return http_error(r, 400, "bad_request", "missing device=ID");
	if (current && !hash_is_hex64(current))
		return http_error(r, 400, "bad_request", "current must be a sha256 (64 lowercase hex)");
	if (!current && inm_sha(http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), inm)) {
		current = inm;
		from_inm = 1;
	}
	rc = fleet_poll(r->app->fleet, id, http_bearer(r), channel, current, &o);
	if (rc)
		return denied(r, rc);
	if (!o.found || (current && !strcmp(current, o.sha))) {
		metrics_poll(&r->app->metrics, METRICS_POLL_CURRENT);
		if (o.found)
			snprintf(etag, sizeof etag, "\"%s\"", o.sha);
		return http_empty(r, from_inm && o.found ? 304 : 204, o.found ? etag : NULL);
	}
	metrics_poll(&r->app->metrics, METRICS_POLL_UPDATE);
	snprintf(url, sizeof url, "/ota/images/%s?device=%s", o.sha, id);   /* id: ident chars */
	snprintf(etag, sizeof etag, "\"%s\"", o.sha);
	{
		json_t *m = json_pack("{s:I,s:s,s:I,s:s,s:I,s:s,s:s,s:s,s:i}",
			"release", (json_int_t)o.release_id, "channel", o.channel,
			"version", (json_int_t)o.number, "sha256", o.sha, "size", (json_int_t)o.size,
			"url", url, "signature", o.signature, "signature_alg", "ecdsa-p256-sha256",
			"poll_interval", r->app->cfg->poll_interval);
		char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
		struct MHD_Response *resp;

		json_decref(m);
		if (!text)
			return MHD_NO;
		/* MUST_FREE: text from jansson's malloc */
		r->bytes = strlen(text);
		resp = MHD_create_response_from_buffer(r->bytes, text, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		return http_reply(r, 200, resp);
	}
}

enum MHD_Result api_ota_image(struct req *r)
{
	const char *sha = r->params[0];
	char channel[65];
	int rc = fleet_auth(r->app->fleet, http_arg(r, "device"), http_bearer(r), channel);

	if (rc)
		return denied(r, rc);
	if (!hash_is_hex64(sha) || !fleet_channel_has(r->app->fleet, channel, sha))
		return http_error(r, 404, "not_found", "no released image %s in channel '%s'",
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

enum MHD_Result api_ota_report(struct req *r)
{
	enum MHD_Result replied;
	json_t *body = http_body_json(r, &replied), *v;
	const char *key, *id, *state, *sha, *detail, *running, *qid = http_arg(r, "device");
	char channel[65];
	int rc;

	if (!body)
		return replied;
	json_object_foreach(body, key, v)
		if (strcmp(key, "device") && strcmp(key, "state") && strcmp(key, "sha256") &&
		    strcmp(key, "detail") && strcmp(key, "running")) {
			enum MHD_Result ret = http_error(r, 400, "bad_request", "unknown field '%s' (expected device, "
			                  "state, sha256, detail, running)", key);

			json_decref(body);   /* after the message: key lives in body */
			return ret;
		}
	id = json_string_value(json_object_get(body, "device"));
	if (!id)
		id = qid;
	if (qid && strcmp(qid, id)) {
		json_decref(body);
		return http_error(r, 400, "bad_request", "device in query and body differ");
	}
	rc = fleet_auth(r->app->fleet, id, http_bearer(r), channel);
	if (rc) {
		json_decref(body);
		return denied(r, rc);
	}
	state = json_string_value(json_object_get(body, "state"));
	sha = json_string_value(json_object_get(body, "sha256"));
	detail = json_string_value(json_object_get(body, "detail"));
	running = json_string_value(json_object_get(body, "running"));
	if (sha && !*sha)
		sha = NULL;          /* "" = not given */
	if (running && !*running)
		running = NULL;
	if (detail && !*detail)
		detail = NULL;
	if (!known_state(state) || (sha && !hash_is_hex64(sha)) ||
	    (running && !hash_is_hex64(running)) || (detail && strlen(detail) > 2000)) {
		json_decref(body);
		return http_error(r, 400, "bad_request", "state must be downloading, downloaded, "
		                  "applied, booted, failed or rolled-back; sha256/running 64 hex "
		                  "digits; detail at most 2000 bytes");
	}
	if (!running && !strcmp(state, "booted"))
		running = sha;
	if (store_devices_report(&r->app->db, id, state, sha, detail, running)) {
		json_decref(body);
		return http_error(r, 500, "internal", "cannot store the report");
	}
	if (running)
		fleet_set_running(r->app->fleet, id, running);
	log_event("device", "{s:s,s:s,s:s,s:s,s:s,s:s}", "action", "report", "id", id,
	          "state", state, "sha256", sha ? sha : "", "running", running ? running : "",
	          "detail", detail ? detail : "");
	json_decref(body);
	return http_empty(r, 204, NULL);
}

enum MHD_Result api_ota_pubkey(struct req *r)
{
	const char *pem = r->app->keys.sign_pub_pem;

	return http_text(r, 200, "application/x-pem-file", pem, strlen(pem));
}
