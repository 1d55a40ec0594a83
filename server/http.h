/* http.h - libmicrohttpd glue: listeners, per-request state, replies. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

struct app;
struct route;

#define HTTP_MAX_PARAMS 3

/* One request. Created at its first callback, freed only in the
** MHD_OPTION_NOTIFY_COMPLETED callback (http.c). */
struct req {
	struct app *app;                 /* borrowed */
	struct MHD_Connection *conn;     /* borrowed from libmicrohttpd */
	const struct route *route;       /* matched route, NULL = none */
	int route_slot;                  /* metrics slot */
	char params[HTTP_MAX_PARAMS][256]; /* {id}, {name}, ... of the pattern;
	                                    ** not zeroed: keep method right after */
	const char *method;              /* borrowed, valid for the request */
	const char *url;                 /* borrowed, percent-decoded path */
	int tls;                         /* arrived on the HTTPS listener */
	char *body;                      /* owned; request body, NUL terminated */
	size_t body_len;
	size_t body_cap;
	int too_large;                   /* body exceeded --max-upload */
	int early_status;                /* error decided before the body (401...) */
	int status;                      /* status answered, for metrics and the log */
	uint64_t bytes;                  /* response body bytes, for the access log */
	uint64_t start_us;               /* http_now_us() at the request's start */
	void *state;                     /* handler's own state; owned via state_free */
	void (*state_free)(void *);
};

struct http_listener;

/* Starts a listener on host:port (port 0 = any free port); tls uses
** app->keys' certificate. Returns it (caller owns: http_stop()) or NULL
** (logged); *bound gets the actual port. app borrowed, must outlive it. */
struct http_listener *http_start(struct app *app, const char *host, int port, int tls,
                                 int *bound);
/* Resumes a connection suspended with MHD_suspend_connection() from any
** thread and wakes the thread that serves it. conn is not to be touched
** afterwards (the request may end at once). */
void http_resume_conn(struct MHD_Connection *conn);
/* Stops accepting new connections; requests in flight go on. NULL: no-op. */
void http_quiesce(struct http_listener *l);
/* Stops the listener (closing idle connections) and frees it. NULL: no-op. */
void http_stop(struct http_listener *l);

/* Queues resp with status and destroys our reference. Returns MHD's result.
** Set r->bytes to the body's length first (the access log reports it). */
enum MHD_Result http_reply(struct req *r, unsigned status, struct MHD_Response *resp);
/* Replies with json (stolen) serialised compactly, application/json. */
enum MHD_Result http_json(struct req *r, unsigned status, json_t *json);
/* Replies {"error":{"code":code,"message":...}}. */
enum MHD_Result http_error(struct req *r, unsigned status, const char *code,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Replies with a copy of text[0..len) and the given content type. */
enum MHD_Result http_text(struct req *r, unsigned status, const char *type,
                          const char *text, size_t len);
/* An empty reply (204, 304, ...); etag (may be NULL) is set as ETag. */
enum MHD_Result http_empty(struct req *r, unsigned status, const char *etag);

/* Request header / query argument; borrowed (valid for the request) or NULL. */
const char *http_header(struct req *r, const char *name);
const char *http_arg(struct req *r, const char *name);
/* The bearer token of the Authorization header, or NULL. */
const char *http_bearer(struct req *r);
/* 1 if the request carries the admin token. */
int http_is_admin(struct req *r);

/* Parses the body as a JSON object (duplicate keys rejected). On failure
** replies 400 itself, sets *replied and returns NULL. Caller owns the result. */
json_t *http_body_json(struct req *r, enum MHD_Result *replied);

/* Time in microseconds on a monotonic clock. */
uint64_t http_now_us(void);

#endif
