/* api_ota.c - the device API: /ota/latest (memory only, no SQLite write per
** poll; a signed manifest per offer, nothing signed for 204/304),
** /ota/images/{sha256} (strict Range), /ota/report (rate-limited per
** device, its events bounded), /ota/pubkey.
** Devices send Authorization: Bearer <device key> and device=ID, over HTTPS
** (http.c refuses plain HTTP for these routes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "fleet.h"
#include "ident.h"
#include "log.h"
#include "manifest.h"
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

/* The poll's options: nonce (required), keyid, and the small-client form. */
struct poll_opts {
	const char *nonce;               /* 32 lowercase hex digits */
	const char *keyid;               /* the signing key id the device pins, or NULL */
	int text;                        /* format=text or Accept: text/plain */
	long long lfs_time;              /* lfs_time=: the running LFS's timestamp, -1 = not sent */
	long long lfs_used;              /* lfs_used=: its flash bytes, -1 = not sent */
};

/* A query argument that must be a decimal of at most 18 digits: 0 with *v
** its value (-1 when absent), or -1 with *err the 400. */
static int decimal_arg(struct req *r, const char *name, long long *v, struct response *err)
{
	const char *s = http_arg(r, name);
	size_t n = s ? strspn(s, "0123456789") : 0;

	*v = -1;
	if (!s)
		return 0;
	if (n == 0 || n > 18 || s[n]) {
		*err = resp_error(400, "bad_request", "%s must be a decimal integer (digits only), "
		                  "not '%.40s'", name, s);
		return -1;
	}
	*v = strtoll(s, NULL, 10);
	return 0;
}

/* 1 when s is exactly n lowercase hex digits. */
static int lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s && i == n && s[n] == '\0';
}

static enum fleet_pin pin_of(struct app *app, const char *keyid)
{
	if (!keyid)
		return FLEET_PIN_UNKNOWN;
	if (!strcmp(keyid, app->ks.sign.id))
		return FLEET_PIN_CURRENT;
	return app->ks.prev.pk && !strcmp(keyid, app->ks.prev.id) ? FLEET_PIN_PREVIOUS
	                                                          : FLEET_PIN_OTHER;
}

/* The JSON form: the manifest's fields, its text and its authenticators. */
static struct response json_form(const struct manifest_offer *mo, const struct manifest *m)
{
	char url[200];
	json_t *j;

	snprintf(url, sizeof url, "/ota/images/%s?device=%s", mo->sha, mo->device);
	j = json_pack("{s:I,s:s,s:I,s:s,s:I,s:s,s:s,s:b,s:s,s:I,s:i,s:s,s:s,s:s,s:s,s:s,s:s}",
		"release", (json_int_t)mo->release, "channel", mo->channel,
		"version", (json_int_t)mo->version, "sha256", mo->sha, "size", (json_int_t)mo->size,
		"target", mo->target, "url", url, "rollback", mo->rollback, "nonce", mo->nonce,
		"issued", (json_int_t)mo->issued, "poll_interval", mo->poll, "modules", mo->modules,
		"manifest", m->text, "mac", m->mac, "signature", m->sig,
		"signature_alg", "ecdsa-p256-sha256", "key_id", m->signer->id);
	return resp_json(200, j);
}

/* The signed manifest of offer o for device id (server/README.md "Signed
** manifests"), in the form the poll asked for. */
static struct response manifest(struct req *r, const char *id, const struct fleet_offer *o,
                                const struct poll_opts *po)
{
	struct manifest_offer mo = {
		id, o->channel, o->rel.id, o->rel.number, o->rel.sha, o->rel.size, o->target,
		o->rollback, po->nonce, (long long)time(NULL), r->app->cfg->poll_interval,
		o->modules, o->key_generation, po->keyid
	};
	struct manifest m;
	struct response res;
	char *text;
	size_t len = 0;

	if (manifest_make(&mo, &r->app->ks, &m))
		return resp_error(500, "internal", "cannot sign the manifest");
	if (!po->text) {
		res = json_form(&mo, &m);
	} else if ((text = manifest_text_form(&m, &len))) {
		res = resp_take(200, "text/plain; charset=utf-8", text, len);
		resp_header(&res, "Cache-Control", "no-store");
	} else {
		res = resp_error(500, "internal", "out of memory");
	}
	manifest_free(&m);
	resp_header(&res, "ETag", "\"%s\"", o->rel.sha);
	return res;
}

/* Reads the poll's query; 0, or -1 with *err the 400. */
static int poll_query(struct req *r, struct poll_opts *po, struct response *err)
{
	const char *format = http_arg(r, "format"), *accept = http_header(r, "Accept");

	po->nonce = http_arg(r, "nonce");
	po->keyid = http_arg(r, "keyid");
	po->text = (format && !strcmp(format, "text")) || (accept && strstr(accept, "text/plain"));
	if (!lower_hex(po->nonce, MANIFEST_NONCE_LEN)) {
		*err = resp_error(400, "bad_request", "nonce must be %d lowercase hex digits, "
		                  "fresh for every poll", MANIFEST_NONCE_LEN);
		return -1;
	}
	if (po->keyid && !lower_hex(po->keyid, KEYSTORE_ID_LEN)) {
		*err = resp_error(400, "bad_request", "keyid must be %d lowercase hex digits",
		                  KEYSTORE_ID_LEN);
		return -1;
	}
	if (format && strcmp(format, "text") && strcmp(format, "json")) {
		*err = resp_error(400, "bad_request", "format must be text or json");
		return -1;
	}
	if (decimal_arg(r, "lfs_time", &po->lfs_time, err) ||
	    decimal_arg(r, "lfs_used", &po->lfs_used, err))
		return -1;
	if (po->lfs_used >= 0 && po->lfs_time < 0) {
		*err = resp_error(400, "bad_request", "lfs_used needs lfs_time");
		return -1;
	}
	return 0;
}

struct response api_ota_latest(struct req *r)
{
	const char *id = http_arg(r, "device"), *current = http_arg(r, "current");
	char inm[HASH_HEX_LEN + 1], etag[HASH_HEX_LEN + 3];
	struct fleet_poll_req q;
	struct fleet_offer o;
	struct poll_opts po;
	struct response res;
	int from_inm = 0, rc;

	if (!id)
		return resp_error(400, "bad_request", "missing device=ID");
	if (current && !hash_is_hex64(current))
		return resp_error(400, "bad_request", "current must be a sha256 (64 lowercase hex)");
	if (poll_query(r, &po, &res))
		return res;
	if (!current && inm_sha(http_header(r, "If-None-Match"), inm)) {
		current = inm;
		from_inm = 1;
	}
	q = (struct fleet_poll_req){ id, http_bearer(r), http_arg(r, "channel"), current,
	                             po.lfs_time, po.lfs_used, pin_of(r->app, po.keyid), po.text };
	rc = fleet_poll(r->app->fleet, &q, &o);
	if (rc == FLEET_NO_MEMORY)
		return resp_error(500, "internal", "out of memory");
	if (rc)
		return denied(r, rc);
	if (o.update) {
		metrics_poll(&r->app->metrics, METRICS_POLL_UPDATE);
		res = manifest(r, id, &o, &po);
	} else {
		metrics_poll(&r->app->metrics, METRICS_POLL_CURRENT);
		if (o.found)
			snprintf(etag, sizeof etag, "\"%s\"", o.rel.sha);
		res = resp_empty(from_inm && o.found ? 304 : 204, o.found ? etag : NULL);
	}
	fleet_offer_free(&o);
	resp_header(&res, "LFSD-Poll-Interval", "%d", r->app->cfg->poll_interval);
	return res;
}

struct response api_ota_image(struct req *r)
{
	const char *sha = r->params[0];
	char channel[65];
	int rc = fleet_auth(r->app->fleet, http_arg(r, "device"), http_bearer(r), channel);

	if (rc)
		return denied(r, rc);
	if (!hash_is_hex64(sha) || !fleet_may_download(r->app->fleet, http_arg(r, "device"), sha))
		return resp_error(404, "not_found", "image %s is not offered to this device now "
		                  "(not its last offer, or that release is paused or revoked)", sha);
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
	rep.unoffered = fleet_unoffered(r->app->fleet, id, state, sha);
	rep.keep = r->app->cfg->device_events;
	if (store_device_report(&r->app->store, &rep) != STORE_OK)
		return resp_error(500, "internal", "cannot store the report");
	fleet_report(r->app->fleet, id, state, sha, running);
	if (rep.unoffered)   /* never silently accepted: flagged in the event and the log */
		log_event("device", "{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "action", "report", "id", id,
		          "state", state, "sha256", sha, "running", running ? running : "",
		          "detail", detail ? detail : "", "flag", "unoffered");
	else
		log_event("device", "{s:s,s:s,s:s,s:s,s:s,s:s}", "action", "report", "id", id,
		          "state", state, "sha256", sha ? sha : "", "running",
		          running ? running : "", "detail", detail ? detail : "");
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
	const char *pem = r->app->ks.sign.pub_pem;

	return resp_text(200, "application/x-pem-file", pem, strlen(pem));
}
