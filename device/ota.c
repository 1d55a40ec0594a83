/*
** ota.c - lfsd's device API from the device's side: manifest polling,
** state reports and the signing key.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "ota.h"

static void urlenc(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; s && *s && n + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~:", c))
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, size - n, "%%%02X", c);
	}
	out[n] = '\0';
}

/* "HTTP 403: forbidden: channel mismatch" from an error body, if any */
static int http_error(struct dev_error *err, const char *what, const struct fetch_response *r)
{
	json_t *root = r->body ? json_loads(r->body, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(json_object_get(root, "error"),
							    "message"));
	int ret = dev_error_set(err, DEV_ERR_HTTP, "%s: HTTP %d%s%s", what, r->status,
				msg ? ": " : "", msg ? msg : "");
	json_decref(root);
	return ret;
}

void ota_offer_free(struct ota_offer *o)
{
	free(o->text);
	o->text = NULL;
}

/* The manifest text and signature of lfsd's JSON answer into *o. */
static int parse_offer(const char *body, struct ota_offer *o, struct dev_error *err)
{
	int ret = DEV_ERR_HTTP;
	json_t *root;
	json_error_t jerr;
	const char *text, *sig;

	memset(o, 0, sizeof *o);
	root = json_loads(body ? body : "", 0, &jerr);
	if (!json_is_object(root)) {
		ret = dev_error_set(err, DEV_ERR_HTTP, "manifest is not JSON: %s", jerr.text);
		goto out;
	}
	text = json_string_value(json_object_get(root, "manifest"));
	sig = json_string_value(json_object_get(root, "signature"));
	if (!text || !sig || strlen(sig) >= sizeof o->signature) {
		ret = dev_error_set(err, DEV_ERR_HTTP, "the answer has no manifest text or "
				    "signature (an lfsd older than manifest version 1?)");
		goto out;
	}
	o->len = json_string_length(json_object_get(root, "manifest"));
	o->text = malloc(o->len + 1);
	if (!o->text) {
		ret = dev_error_set(err, DEV_ERR_MEM, "out of memory");
		goto out;
	}
	memcpy(o->text, text, o->len);
	o->text[o->len] = '\0';
	snprintf(o->signature, sizeof o->signature, "%s", sig);
	ret = DEV_OK;
out:
	json_decref(root);
	return ret;
}

int ota_latest(struct fetch *f, const struct ota_poll *p, struct ota_offer *o, int *update,
	       int *status, long *poll_interval, struct dev_error *err)
{
	struct fetch_response r;
	char path[600], dev[200];
	int ret;

	*update = 0;
	*status = 0;
	*poll_interval = 0;
	memset(o, 0, sizeof *o);
	urlenc(p->device, dev, sizeof dev);
	snprintf(path, sizeof path, "/ota/latest?device=%s&nonce=%s%s%s%s%s", dev, p->nonce,
		 p->keyid ? "&keyid=" : "", p->keyid ? p->keyid : "",
		 p->current && *p->current ? "&current=" : "", p->current ? p->current : "");
	if ((ret = fetch_request(f, "GET", path, NULL, NULL, 0, &r, err)))
		return ret;
	*status = r.status;
	*poll_interval = r.poll_interval;
	if (r.status == 204 || r.status == 304)
		ret = DEV_OK;
	else if (r.status == 200 && !(ret = parse_offer(r.body, o, err)))
		*update = 1;
	else if (r.status != 200)
		ret = http_error(err, "poll", &r);
	fetch_response_release(&r);
	return ret;
}

int ota_report(struct fetch *f, const char *device, const char *state, const char *sha,
	       const char *detail, const char *running, int *status, struct dev_error *err)
{
	struct fetch_response r;
	json_t *body;
	char *text = NULL, path[300], dev[200];
	int ret;

	*status = 0;
	body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "device", device, "state", state,
			 "sha256", sha ? sha : "", "detail", detail ? detail : "",
			 "running", running ? running : "");
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	urlenc(device, dev, sizeof dev);
	snprintf(path, sizeof path, "/ota/report?device=%s", dev);
	ret = fetch_request(f, "POST", path, NULL, text, strlen(text), &r, err);
	free(text);
	if (ret)
		return ret;
	*status = r.status;
	if (r.status < 200 || r.status > 299)
		ret = http_error(err, "report", &r);
	fetch_response_release(&r);
	return ret;
}

int ota_pubkey(struct fetch *f, char **pem, struct dev_error *err)
{
	struct fetch_response r;
	int ret;

	*pem = NULL;
	if ((ret = fetch_request(f, "GET", "/ota/pubkey", NULL, NULL, 0, &r, err)))
		return ret;
	if (r.status != 200 || !r.body || !strstr(r.body, "-----BEGIN PUBLIC KEY-----")) {
		ret = r.status != 200 ? http_error(err, "public key", &r)
				      : dev_error_set(err, DEV_ERR_HTTP,
						      "public key: not a PEM public key");
		fetch_response_release(&r);
		return ret;
	}
	*pem = r.body;
	r.body = NULL;
	return DEV_OK;
}
