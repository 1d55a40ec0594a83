/* http.c - libmicrohttpd glue: the listeners (a gate, gate.h, in front of a
** libmicrohttpd daemon per gate worker thread), the access callback that
** routes, authenticates on the head and collects bodies, per-request state
** freed only in the NOTIFY_COMPLETED callback, and the replies. The one file
** that calls libmicrohttpd and maps its failures. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

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

/* The gate's record of this connection (gate.h), or NULL. */
static struct gate_conn *gate_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void http_resume(struct req *r, struct response answer)
{
	int waker = gate_conn_waker(gate_of(r->conn));

	r->answer = answer;
	r->resumed = 1;
	MHD_resume_connection(r->conn);   /* the request may end now: r is gone */
	gate_wake(waker);                 /* its worker thread runs the daemon */
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

/* A device request is authenticated on its head as far as the head allows:
** it needs a bearer key, and one that takes a body and names its device in
** the query (a report) has the key checked now, so a stranger's body is
** never read. One without a body (a poll, a download) has nothing to buffer:
** its handler authenticates it, once; a report naming its device only in its
** body (older agents) is checked there, the body capped at DEVICE_BODY_MAX. */
static int device_ok(struct req *r)
{
	const char *key = http_bearer(r), *id = http_arg(r, "device");

	if (!key)
		return 0;
	if (!id || !body_max(r))
		return 1;
	if (fleet_auth(r->app->fleet, id, key, r->device_channel) != FLEET_OK)
		return 0;
	r->device_authed = 1;
	return 1;
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
	else if (r->route->auth == ROUTE_DEVICE && !device_ok(r))
		r->early_status = 401;
	cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > (body_max(r) ? body_max(r) : r->app->cfg->max_upload))
		r->too_large = 1;
	return r;
}

/* The answer decided on the head: no route, wrong method, no token. */
static struct response early(struct req *r)
{
	switch (r->early_status) {
	case 401:
		if (r->route->auth == ROUTE_DEVICE) {
			metrics_poll(&r->app->metrics, METRICS_POLL_DENIED);
			return resp_error(401, "unauthorized", "unknown device or wrong device key");
		}
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
	if (body_max(r) && body_max(r) < r->app->cfg->max_upload)
		return resp_error(413, "too_large", "request body exceeds the %zu byte limit "
		                  "of device requests", body_max(r));
	return resp_error(413, "too_large", "request body exceeds the %zu byte limit "
	                  "(--max-upload)", r->app->cfg->max_upload);
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
	struct response res;

	if (!r) {
		enum MHD_Result ret = MHD_YES;

		r = start(cls, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		/* refused on the head: no body is read (the connection closes) */
		if (r->early_status || r->too_large) {
			res = r->early_status ? early(r) : too_large(r);
			ret = reply(r, &res);
		}
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
	if (r->resumed) {
		res = r->answer;
		memset(&r->answer, 0, sizeof r->answer);   /* now res's */
	} else if (r->too_large)
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

/* Appends s to q; returns 0, or -1 (q unchanged past its NUL) when it does
** not fit. */
static int add_text(struct query *q, const char *s)
{
	size_t n = strlen(s);

	if (n >= q->size - q->len)
		return -1;
	memcpy(q->buf + q->len, s, n + 1);
	q->len += n;
	return 0;
}

/* "&key=value" (no "&" first): an argument that does not fit whole is left out. */
static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct query *q = cls;
	size_t len = q->len;

	if ((len && add_text(q, "&")) || add_text(q, key) ||
	    (value && (add_text(q, "=") || add_text(q, value)))) {
		q->len = len;
		q->buf[len] = '\0';
	}
	return MHD_YES;
}

/* The client's address as text: the gate's, made once per connection, or
** (a connection the gate did not hand over) libmicrohttpd's into buf. */
static const char *client_of(struct req *r, char buf[INET6_ADDRSTRLEN])
{
	const char *text = gate_conn_client(gate_of(r->conn));
	const union MHD_ConnectionInfo *ci;

	if (text)
		return text;
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	strcpy(buf, "-");
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
		          buf, INET6_ADDRSTRLEN);
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
		          buf, INET6_ADDRSTRLEN);
	return buf;
}

/* The access-log line of a finished request (log.h redacts secrets). */
static void log_request(struct req *r)
{
	char client[INET6_ADDRSTRLEN], args[1024] = "";
	struct query q = { args, 0, sizeof args };
	struct log_request lr;

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
	lr.client = client_of(r, client);
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
	response_release(&r->answer);   /* resumed, but the client had gone */
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

/* libmicrohttpd 0.9.75 corks and uncorks every answer (TCP_CORK,
** TCP_NODELAY) on a socket handed to it by MHD_add_connection() until one of
** those calls fails with EINVAL, ENOPROTOOPT or ENOTSOCK, which it takes as
** "not a TCP socket" and then stops making them (mhd_send.c). On the HTTPS
** listener's socketpairs Linux fails them with EOPNOTSUPP instead, which it
** does not take so: two failed system calls and two formatted log messages
** for every answer, a tenth of the CPU of a kept-alive poll. This definition
** interposes libc's setsockopt() for the whole process (the executable's
** symbol comes first for libmicrohttpd's calls too) and changes only that
** error: a TCP-level option on a socket that has none reports ENOPROTOOPT,
** so libmicrohttpd stops after the first answer of a connection. */
int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	long r = syscall(SYS_setsockopt, fd, level, name, value, len);

	if (r < 0 && errno == EOPNOTSUPP && level == IPPROTO_TCP)
		errno = ENOPROTOOPT;
	return (int)r;
}

/* libmicrohttpd's messages as log lines, but two kinds: the first answer on
** an HTTPS listener's socketpair finds that it cannot be pushed with TCP
** options (see setsockopt() above; a socketpair needs no push), and a
** client that leaves mid-request is what the gate's deadlines and evictions
** do (its own log line counts them): a line each would flood the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static const char *const dropped[] = {
		"Connection was closed by remote side with incomplete request",
		"Failed to push the data", "Zero-send failed", NULL
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
