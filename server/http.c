/* http.c - libmicrohttpd glue: listeners, the access callback that routes,
** authenticates and collects bodies, per-request state freed only in the
** NOTIFY_COMPLETED callback, and the reply helpers. The one file that starts
** libmicrohttpd daemons and maps their failures. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "app.h"
#include "fleet.h"
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

long long http_id(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	return (*s >= '1' && *s <= '9' && !*end && v > 0 && !errno) ? v : 0;
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

static int is_admin(struct req *r)
{
	const char *tok = http_bearer(r);
	uint8_t d[32];

	if (!tok)
		return 0;
	hash_sha256(tok, strlen(tok), d);
	return hash_equal(d, r->app->admin_hash, 32);
}

/* Hands res to libmicrohttpd and queues it; res is consumed either way. */
static enum MHD_Result reply(struct req *r, struct response *res)
{
	struct MHD_Response *m = NULL;
	enum MHD_Result ret;
	int i;

	if (res->body == RESP_BYTES)
		/* MUST_FREE: the bytes are malloc'ed and now libmicrohttpd's;
		** PERSISTENT: static bytes (resp_static) */
		m = MHD_create_response_from_buffer(res->len, res->data, res->owned
		                                    ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	else if (res->body == RESP_FILE)
		/* takes ownership of the fd: libmicrohttpd closes it */
		m = MHD_create_response_from_fd_at_offset64(res->len, res->fd, res->offset);
	else
		/* PERSISTENT: no body */
		m = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!m) {
		response_release(res);
		return MHD_NO;
	}
	res->owned = 0;
	res->fd = -1;
	for (i = 0; i < res->nheaders; i++)
		MHD_add_response_header(m, res->headers[i].name, res->headers[i].value);
	r->status = (int)res->status;
	r->bytes = res->body == RESP_NONE ? 0 : res->len;
	ret = MHD_queue_response(r->conn, res->status, m);
	MHD_destroy_response(m);
	return ret;
}

/* "a, b, c" of a NULL-terminated list into buf. */
static void join(const char *const list[], char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; list[i] && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", list[i]);
}

json_t *http_body_object(struct req *r, const char *const fields[], struct response *err)
{
	json_error_t e;
	const char *key;
	json_t *j, *v;
	char expected[256];
	int i;

	if (!r->body_len) {
		*err = resp_error(400, "bad_request", "empty request body, expected JSON");
		return NULL;
	}
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (!j) {
		*err = resp_error(400, "bad_request", "invalid JSON at line %d column %d: %s",
		                  e.line, e.column, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*err = resp_error(400, "bad_request", "request body must be a JSON object");
		return NULL;
	}
	json_object_foreach(j, key, v) {
		for (i = 0; fields[i] && strcmp(key, fields[i]); i++)
			;
		if (!fields[i]) {
			join(fields, expected, sizeof expected);
			*err = resp_error(400, "bad_request", "unknown field '%s' (expected %s)", key,
			                  expected);
			json_decref(j);   /* after the message: key lives in j */
			return NULL;
		}
	}
	return j;
}

struct form {
	http_part_cb part;
	void *cls;
	int parts;       /* parts begun */
	int stopped;     /* part() returned -1 */
};

static enum MHD_Result form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data,
                                 uint64_t off, size_t size)
{
	struct form *f = cls;

	if (f->stopped)
		return MHD_NO;
	if (off == 0)
		f->parts++;
	if (f->part(f->cls, key ? key : "", filename, data, off, size)) {
		f->stopped = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

int http_form_parse(struct req *r, http_part_cb part, void *cls, char *err, size_t errsize)
{
	struct form f = { part, cls, 0, 0 };
	struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 65536, form_iter, &f);
	enum MHD_Result ok;

	if (!pp) {
		snprintf(err, errsize, "malformed multipart/form-data: missing or invalid boundary");
		return -1;
	}
	ok = r->body_len ? MHD_post_process(pp, r->body, r->body_len) : MHD_YES;
	if (MHD_destroy_post_processor(pp) != MHD_YES && ok == MHD_YES && !f.stopped) {
		snprintf(err, errsize, "malformed multipart/form-data: body ends before the "
		         "closing boundary");
		return -1;
	}
	if (f.stopped)
		return -1;
	if (ok != MHD_YES) {
		snprintf(err, errsize, "malformed multipart/form-data body");
		return -1;
	}
	if (r->body_len && !f.parts) {
		snprintf(err, errsize, "malformed multipart/form-data: no part uses the declared "
		         "boundary");
		return -1;
	}
	return 0;
}

void http_suspend(struct req *r)
{
	MHD_suspend_connection(r->conn);
}

void http_resume(struct req *r, struct response answer)
{
	r->answer = answer;
	r->resumed = 1;
	MHD_resume_connection(r->conn);   /* last touch: the request may now end */
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

/* A device request with a body (a report): when the query names the device,
** its key is checked now, so a stranger's body is never read (it is counted
** and dropped, and the answer is 401). Without device= in the query the
** handler checks after the body, as older agents send it only there. */
static void device_before_body(struct req *r)
{
	const char *id = http_arg(r, "device");

	if (!id)
		return;
	if (fleet_auth(r->app->fleet, id, http_bearer(r), r->device_channel) == FLEET_OK)
		r->device_authed = 1;
	else
		r->early_status = 401;
}

static struct req *start(struct http_listener *l, struct MHD_Connection *conn,
                         const char *url, const char *method)
{
	struct req *r = calloc(1, sizeof *r);
	int wrong_method;
	const char *cl;

	if (!r)
		return NULL;
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
	else if (r->route->auth == ROUTE_ADMIN && !is_admin(r))
		r->early_status = 401;
	else if (r->route->auth == ROUTE_DEVICE && !r->tls)
		r->early_status = 403;
	else if (r->route->auth == ROUTE_DEVICE && !strcmp(method, "POST"))
		device_before_body(r);
	cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > r->app->cfg->max_upload)
		r->too_large = 1;
	return r;
}

/* The answer decided before the body: no route, wrong method, no token. */
static struct response early(struct req *r)
{
	switch (r->early_status) {
	case 401:
		if (r->route->auth == ROUTE_DEVICE)
			return resp_error(401, "unauthorized", "unknown device or wrong device key");
		return resp_error(401, "unauthorized",
		                  "missing or wrong admin token (Authorization: Bearer ...)");
	case 403:
		return resp_error(403, "tls_required", "the device API answers only over HTTPS");
	case 405:
		return resp_error(405, "method_not_allowed", "%s not allowed on '%s'", r->method,
		                  r->url);
	default:
		return resp_error(404, "not_found", "no route for %s '%s'", r->method, r->url);
	}
}

static struct response too_large(struct req *r)
{
	return resp_error(413, "too_large", "request body exceeds the %zu byte limit "
	                  "(--max-upload)", r->app->cfg->max_upload);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;
	struct response res;

	if (!r) {
		r = start(cls, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		if (!r->too_large)
			return MHD_YES;
		res = too_large(r);   /* a declared oversize body is refused before it is sent */
		return reply(r, &res);
	}
	if (r->status)
		return MHD_YES;   /* already answered (413 before the body) */
	if (*upload_size) {
		if (append_body(r, upload_data, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->resumed) {
		res = r->answer;
		memset(&r->answer, 0, sizeof r->answer);   /* now res's */
	} else if (r->early_status)
		res = early(r);
	else if (r->too_large)
		res = too_large(r);
	else
		res = r->route->handler(r);
	if (res.body == RESP_PENDING)
		return MHD_YES;   /* suspended: http_resume() brings the answer */
	return reply(r, &res);
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
	response_release(&r->answer);   /* resumed, but the client had gone */
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
	{
		/* the TLS key and certificate end the list for the plain listener */
		struct MHD_OptionItem opts[] = {
			{ MHD_OPTION_SOCK_ADDR, 0, &sa },
			{ MHD_OPTION_THREAD_POOL_SIZE, app->cfg->http_threads, NULL },
			{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, l },
			{ MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL },
			{ MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL },
			{ tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, app->keys.key_pem },
			{ MHD_OPTION_HTTPS_MEM_CERT, 0, app->keys.cert_pem },
			{ MHD_OPTION_END, 0, NULL }
		};

		d = MHD_start_daemon(flags | (tls ? MHD_USE_TLS : 0), (uint16_t)port, NULL, NULL,
		                     access_cb, l, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	}
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
