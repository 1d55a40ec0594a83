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
#include "fleet.h"
#include "gate.h"
#include "hash.h"
#include "http.h"
#include "log.h"
#include "routes.h"
#include "tls_server.h"

/* the largest body of a device request (a report is a few KB) */
#define DEVICE_BODY_MAX 65536

struct http_listener {
	struct app *app;            /* borrowed */
	int tls;                    /* the HTTPS listener */
	unsigned conn_limit;        /* connections one daemon may hold */
	struct gate *gate;          /* owned: accepts, runs a daemon per worker thread */
	struct tls_server *tls_cfg; /* owned: the HTTPS listener's TLS */
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

/* The most body bytes a request may have buffered: a device request's
** report, an admin upload, nothing for routes that take no body. */
static size_t body_max(const struct req *r)
{
	size_t max = r->app->cfg->max_upload;

	if (!r->route || !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))
		return 0;
	if (r->route->auth == ROUTE_DEVICE && max > DEVICE_BODY_MAX)
		return DEVICE_BODY_MAX;
	return max;
}

static int append_body(struct req *r, const char *data, size_t len)
{
	size_t max = body_max(r), cap4 = 4 * r->app->cfg->max_upload;

	if (!max || r->too_large || r->body_len + len > max) {
		r->too_large = max != 0;
		r->body_len += len;   /* counted, discarded */
		return r->body_len > cap4 ? -1 : 0;
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

/* A device request that takes a body is authenticated on its headers: the
** bearer key, and the device=ID of the query when there is one (a report may
** name its device only in its body: the handler checks it there, the body
** capped at DEVICE_BODY_MAX). One without a body (a poll, a download) has
** nothing to buffer: its handler authenticates it, once. */
static int device_ok(struct req *r)
{
	const char *key = http_bearer(r), *id = http_arg(r, "device");
	char channel[65];

	if (!key)
		return 0;
	return !id || !body_max(r) || fleet_auth(r->app->fleet, id, key, channel) == FLEET_OK;
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
	else if (r->route->auth == ROUTE_DEVICE && !device_ok(r))
		r->early_status = 401;
	cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > (body_max(r) ? body_max(r) : r->app->cfg->max_upload))
		r->too_large = 1;
	return r;
}

static enum MHD_Result early(struct req *r)
{
	switch (r->early_status) {
	case 401:
		if (r->route->auth == ROUTE_DEVICE) {
			metrics_poll(&r->app->metrics, METRICS_POLL_DENIED);
			return http_error(r, 401, "unauthorized", "unknown device or wrong device key");
		}
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
	if (body_max(r) && body_max(r) < r->app->cfg->max_upload)
		return http_error(r, 413, "too_large", "request body exceeds the %zu byte limit "
		                  "of device requests", body_max(r));
	return http_error(r, 413, "too_large", "request body exceeds the %zu byte limit "
	                  "(--max-upload)", r->app->cfg->max_upload);
}

/* The gate's record of this connection (gate.h), or NULL. */
static struct gate_conn *gate_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* Body bytes the gate's deadline allows for: none once answered, else the
** declared length (chunked: the limit), at most the route's limit. */
static uint64_t body_expected(struct req *r)
{
	const char *cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t cap = body_max(r) ? body_max(r) : GATE_BODY_RATE, n;

	if (r->status)
		return 0;
	if (!cl)
		return http_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING) ? cap : 0;
	n = strtoull(cl, NULL, 10);
	return n < cap ? n : cap;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;

	if (!r) {
		enum MHD_Result ret = MHD_YES;

		r = start(cls, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		/* refused on the headers: no body is read (the connection closes) */
		if (r->early_status)
			ret = early(r);
		else if (r->too_large)
			ret = too_large(r);
		gate_conn_request(gate_of(conn), body_expected(r));
		return ret;
	}
	if (r->status)
		return MHD_YES;   /* already answered (413 before the body) */
	if (*upload_size) {
		if (append_body(r, upload_data, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
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

	gate_conn_answered(gate_of(conn));
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

/* libmicrohttpd's start and end of a connection: the gate's record of it. */
static void conn_cb(void *cls, struct MHD_Connection *conn, void **socket_context,
                    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? gate_conn_claim(ci->connect_fd) : NULL;
	} else {
		gate_conn_closed(*socket_context);
		*socket_context = NULL;
	}
}

/* libmicrohttpd's messages as log lines, but two kinds: its TCP_CORK and
** TCP_NODELAY calls fail on the HTTPS listener's socketpairs (they are not
** TCP; libmicrohttpd 0.9.75 does not take EOPNOTSUPP as "not IP"), and a
** client that leaves mid-request is what the gate's deadlines and evictions
** do (its own log line counts them): a line each would flood the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static const char *const dropped[] = {
		"Connection was closed by remote side with incomplete request",
		"Setting TCP_CORK", "Setting TCP_NODELAY", "Failed to push the data",
		"Zero-send failed", NULL
	};
	char msg[512];
	size_t n;
	int i;

	vsnprintf(msg, sizeof msg, fmt, ap);
	for (i = 0; dropped[i]; i++)
		if (!strncmp(msg, dropped[i], strlen(dropped[i])))
			return;
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_error("libmicrohttpd: %s", msg);
}

/* ---- the gate's backend: one libmicrohttpd daemon per gate worker thread,
** polled by that thread (external epoll mode: no threads of its own) */

static void *server_open(void *cls)
{
	struct http_listener *l = cls;
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG, 0, NULL, NULL, access_cb, l,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, l,   /* first: it covers the others */
		/* main.c ignores SIGPIPE: sendfile() may be used */
		MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
		MHD_OPTION_NOTIFY_COMPLETED, completed_cb, l,
		MHD_OPTION_NOTIFY_CONNECTION, conn_cb, l,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_CONNECTION_LIMIT, l->conn_limit,
		MHD_OPTION_END);

	if (!d)
		log_error("cannot start the %s server", l->tls ? "https" : "http");
	return d;
}

static int server_fd(void *d)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

static long server_run(void *d)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(d);
	if (MHD_get_timeout(d, &ms) != MHD_YES)
		return -1;
	return ms > 60000 ? 60000 : (long)ms;
}

static int server_add(void *d, int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	/* libmicrohttpd closes fd when it cannot take it */
	return MHD_add_connection(d, fd, addr, addrlen) == MHD_YES ? 0 : -1;
}

static void server_close(void *d)
{
	MHD_stop_daemon(d);
}

static const struct gate_backend backend = {
	server_open, server_fd, server_run, server_add, server_close
};

void http_resume_conn(struct MHD_Connection *conn)
{
	int waker = gate_conn_waker(gate_of(conn));

	MHD_resume_connection(conn);   /* the request may end now: conn is gone */
	gate_wake(waker);
}

void http_quiesce(struct http_listener *l)
{
	if (l)
		gate_quiesce(l->gate);
}

void http_stop(struct http_listener *l)
{
	if (!l)
		return;
	gate_free(l->gate);   /* stops its threads, and so their daemons */
	tls_server_free(l->tls_cfg);
	free(l);
}

/* The gate's limits from the configuration: by default as many connections
** as the open-file limit allows (an HTTPS connection takes three
** descriptors, an HTTP one one; both listeners, plus a reserve). */
static void limits(const struct config *cfg, struct gate_limits *lim)
{
	int fds = gate_fd_limit(), fit = (fds - 256) / 4;

	if (fit < 16)
		fit = 16;
	lim->max_conns = cfg->max_connections ? cfg->max_connections : fit;
	if (lim->max_conns > fit)
		log_error("warning: --max-connections %d needs more than the %d open files "
		          "allowed; connections may fail", lim->max_conns, fds);
	lim->max_per_addr = cfg->max_per_ip;
	lim->timeout = cfg->request_timeout;
	lim->threads = cfg->http_threads;
}

struct http_listener *http_start(struct app *app, const char *host, int port, int tls,
                                 int *bound)
{
	struct http_listener *l = calloc(1, sizeof *l);
	struct gate_limits lim;
	char err[300];

	if (!l)
		return NULL;
	l->app = app;
	l->tls = tls;
	limits(app->cfg, &lim);
	/* a daemon may briefly hold connections the gate has let go */
	l->conn_limit = (unsigned)(2 * lim.max_conns + 64);
	if (tls && !(l->tls_cfg = tls_server_new(app->keys.cert_pem, app->keys.key_pem,
	                                        app->cfg->ticket_rotation, err, sizeof err))) {
		log_error("%s", err);
		free(l);
		return NULL;
	}
	l->gate = gate_start(host, port, &lim, l->tls_cfg, &backend, l, bound);
	if (!l->gate) {
		http_stop(l);
		return NULL;
	}
	return l;
}
