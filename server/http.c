/* http.c - libmicrohttpd glue: listeners, the access callback that routes,
** authenticates and collects bodies, per-request state freed only in the
** NOTIFY_COMPLETED callback, and the reply helpers. The one file that starts
** libmicrohttpd daemons and maps their failures. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "hash.h"
#include "http.h"
#include "log.h"
#include "routes.h"

struct http_listener {
	struct app *app;            /* borrowed */
	int tls;                    /* the HTTPS listener */
	struct MHD_Daemon *daemon;  /* owned */
};

uint64_t http_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

const char *http_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_arg(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_bearer(struct req *r)
{
	const char *h = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

int http_is_admin(struct req *r)
{
	const char *tok = http_bearer(r);
	uint8_t d[32];

	if (!tok)
		return 0;
	hash_sha256(tok, strlen(tok), d);
	return hash_equal(d, r->app->admin_hash, 32);
}

enum MHD_Result http_reply(struct req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	r->status = (int)status;
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result http_json(struct req *r, unsigned status, json_t *json)
{
	char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	size_t len;

	json_decref(json);
	if (!text)
		return MHD_NO;
	len = strlen(text);
	r->bytes = len;
	/* MUST_FREE: libmicrohttpd frees text (malloc'ed by jansson) */
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return http_reply(r, status, resp);
}

enum MHD_Result http_error(struct req *r, unsigned status, const char *code,
                           const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return http_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code,
	                                      "message", msg));
}

enum MHD_Result http_text(struct req *r, unsigned status, const char *type,
                          const char *text, size_t len)
{
	/* MUST_COPY: text is only borrowed */
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)text,
	                                                             MHD_RESPMEM_MUST_COPY);

	if (!resp)
		return MHD_NO;
	r->bytes = len;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	return http_reply(r, status, resp);
}

enum MHD_Result http_empty(struct req *r, unsigned status, const char *etag)
{
	/* PERSISTENT: no body */
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"",
	                                                             MHD_RESPMEM_PERSISTENT);

	if (!resp)
		return MHD_NO;
	if (etag)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	return http_reply(r, status, resp);
}

json_t *http_body_json(struct req *r, enum MHD_Result *replied)
{
	json_error_t e;
	json_t *j;

	if (!r->body_len) {
		*replied = http_error(r, 400, "bad_request", "empty request body, expected JSON");
		return NULL;
	}
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (!j) {
		*replied = http_error(r, 400, "bad_request", "invalid JSON at line %d column %d: %s",
		                      e.line, e.column, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*replied = http_error(r, 400, "bad_request", "request body must be a JSON object");
		return NULL;
	}
	return j;
}

/* Percent-decoding for paths and query arguments; "%00" stays encoded so a NUL
** can never cut a path short, and malformed escapes stay as they are. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	const char *p = s;

	while (*p) {
		if (p[0] == '%' && p[1] && p[2]) {
			char hex[3] = { p[1], p[2], 0 };
			char *end;
			long v = strtol(hex, &end, 16);

			if (*end == '\0' && v > 0 && hex[0] != '+' && hex[0] != '-') {
				*w++ = (char)v;
				p += 3;
				continue;
			}
		}
		*w++ = *p++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

static int append_body(struct req *r, const char *data, size_t len)
{
	size_t max = r->app->cfg->max_upload;

	if (r->early_status) {     /* refused already: count and drop, never buffer */
		r->body_len += len;
		return r->body_len > 4 * max ? -1 : 0;
	}
	if (r->too_large || r->body_len + len > max) {
		r->too_large = 1;
		r->body_len += len;   /* counted, discarded */
		return r->body_len > 4 * max ? -1 : 0;
	}
	if (r->body_len + len + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap : 16384;
		char *nb;

		while (cap < r->body_len + len + 1)
			cap *= 2;
		nb = realloc(r->body, cap);
		if (!nb)
			return -1;
		r->body = nb;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

static struct req *start(struct http_listener *l, struct MHD_Connection *conn,
                         const char *url, const char *method)
{
	struct req *r = malloc(sizeof *r);
	int wrong_method;
	const char *cl;

	if (!r)
		return NULL;
	/* everything but the params buffers (filled by routes_match) starts zero */
	memset(r, 0, offsetof(struct req, params));
	memset((char *)r + offsetof(struct req, method), 0,
	       sizeof *r - offsetof(struct req, method));
	atomic_fetch_add(&l->app->inflight, 1);
	r->start_us = http_now_us();
	r->app = l->app;
	r->conn = conn;
	r->tls = l->tls;
	r->url = url;
	r->method = method;
	r->route = routes_match(method, url, r->params, &wrong_method);
	r->route_slot = r->route ? (int)(r->route - routes_table) : METRICS_ROUTES - 1;
	if (!r->route)
		r->early_status = wrong_method ? 405 : 404;
	else if (r->route->auth == ROUTE_ADMIN && !http_is_admin(r))
		r->early_status = 401;
	else if (r->route->auth == ROUTE_DEVICE && !r->tls)
		r->early_status = 403;
	cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > r->app->cfg->max_upload)
		r->too_large = 1;
	return r;
}

static enum MHD_Result early(struct req *r)
{
	switch (r->early_status) {
	case 401:
		return http_error(r, 401, "unauthorized",
		                  "missing or wrong admin token (Authorization: Bearer ...)");
	case 403:
		return http_error(r, 403, "tls_required", "the device API answers only over HTTPS");
	case 405:
		return http_error(r, 405, "method_not_allowed", "%s not allowed on '%s'",
		                  r->method, r->url);
	default:
		return http_error(r, 404, "not_found", "no route for %s '%s'", r->method, r->url);
	}
}

static enum MHD_Result too_large(struct req *r)
{
	return http_error(r, 413, "too_large", "request body exceeds the %zu byte limit "
	                  "(--max-upload)", r->app->cfg->max_upload);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;

	if (!r) {
		r = start(cls, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		/* a declared oversize body is refused before it is sent */
		if (r->too_large)
			return too_large(r);
		return MHD_YES;
	}
	if (r->status)
		return MHD_YES;   /* already answered (413 before the body) */
	if (*upload_size) {
		if (append_body(r, upload_data, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->early_status)
		return early(r);
	if (r->too_large)
		return too_large(r);
	return r->route->handler(r);
}

struct query {
	char *buf;
	size_t len, size;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct query *q = cls;
	int n = snprintf(q->buf + q->len, q->size - q->len, "%s%s%s%s", q->len ? "&" : "",
	                 key, value ? "=" : "", value ? value : "");

	if (n > 0 && (size_t)n < q->size - q->len)
		q->len += (size_t)n;
	return MHD_YES;
}

/* The access-log line of a finished request (log.h redacts secrets). */
static void log_request(struct req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char client[INET6_ADDRSTRLEN] = "-", args[1024] = "";
	struct query q = { args, 0, sizeof args };
	struct log_request lr;

	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
		          client, sizeof client);
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
		          client, sizeof client);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
	lr.client = client;
	lr.method = r->method;
	lr.path = r->url;
	lr.query = args;
	lr.status = r->status;
	lr.bytes = r->status ? r->bytes : 0;
	lr.ms = (double)(http_now_us() - r->start_us) / 1000.0;
	log_access(&lr);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
	struct req *r = *con_cls;

	if (!r)
		return;
	if (r->status)
		metrics_request(&r->app->metrics, r->route_slot, r->status);
	log_request(r);
	if (r->state_free)
		r->state_free(r->state);
	free(r->body);
	atomic_fetch_sub(&r->app->inflight, 1);
	free(r);
	*con_cls = NULL;
}

void http_quiesce(struct http_listener *l)
{
	if (l && l->daemon)
		MHD_quiesce_daemon(l->daemon);
}

void http_stop(struct http_listener *l)
{
	if (!l)
		return;
	if (l->daemon)
		MHD_stop_daemon(l->daemon);
	free(l);
}

struct http_listener *http_start(struct app *app, const char *host, int port, int tls,
                                 int *bound)
{
	struct http_listener *l = calloc(1, sizeof *l);
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (!l)
		return NULL;
	l->app = app;
	l->tls = tls;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		log_error("invalid listen address '%s' (IPv4 expected)", host);
		free(l);
		return NULL;
	}
	if (tls)
		d = MHD_start_daemon(flags | MHD_USE_TLS, (uint16_t)port, NULL, NULL,
		                     access_cb, l,
		                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->cfg->http_threads,
		                     MHD_OPTION_NOTIFY_COMPLETED, completed_cb, l,
		                     MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                     MHD_OPTION_HTTPS_MEM_KEY, app->keys.key_pem,
		                     MHD_OPTION_HTTPS_MEM_CERT, app->keys.cert_pem,
		                     MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, access_cb, l,
		                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->cfg->http_threads,
		                     MHD_OPTION_NOTIFY_COMPLETED, completed_cb, l,
		                     MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                     MHD_OPTION_END);
	if (!d) {
		log_error("cannot listen on %s:%d (%s)", host, port, tls ? "https" : "http");
		free(l);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info ? info->port : port;
	l->daemon = d;
	return l;
}
