/* http.h - the HTTP boundary of lfsd: listeners, the per-request state that
** handlers read, and the few services they need (headers, query arguments,
** the body, multipart parts, suspending a request until a build is done).
** http.c is the only file that calls libmicrohttpd; handlers return a
** struct response (response.h) and never see a libmicrohttpd type. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "response.h"

struct app;
struct route;
struct MHD_Connection;

#define HTTP_MAX_PARAMS 3

/* One request. Created at its first callback, freed only in the completion
** callback (http.c). Handlers may read every field; they own only state. */
struct req {
	struct app *app;                 /* borrowed */
	struct MHD_Connection *conn;     /* borrowed; for http.c only */
	const struct route *route;       /* matched route, NULL = none */
	int route_slot;                  /* metrics slot */
	char params[HTTP_MAX_PARAMS][256]; /* {id}, {name}, ... of the pattern */
	const char *method;              /* borrowed, valid for the request */
	const char *url;                 /* borrowed, percent-decoded path */
	int tls;                         /* arrived on the HTTPS listener */
	char *body;                      /* owned; request body, NUL terminated */
	size_t body_len;
	size_t body_cap;
	int too_large;                   /* body over its limit (http.c body_max) */
	int early_status;                /* error decided before the body (401...) */
	int status;                      /* status answered, for metrics and the log */
	uint64_t bytes;                  /* response body bytes, for the access log */
	uint64_t start_us;               /* http_now_us() at the request's start */
	void *state;                     /* handler's own state; owned via state_free */
	void (*state_free)(void *);
	int device_authed;               /* device routes: the query's device= and key were
	                                    checked before the body (http.c) */
	char device_channel[65];         /* then: that device's channel */
	int resumed;                     /* http_resume() has given the answer */
	struct response answer;          /* that answer, sent by http.c */
};

/* A route's handler: builds the answer and returns it (resp_pending() after
** http_suspend()). Called once per request, after the whole body arrived. */
typedef struct response (*route_handler)(struct req *r);

struct http_listener;

/* Starts a listener on host:port (port 0 = any free port); tls uses
** app->keys' certificate. Returns it (caller owns: http_stop()) or NULL
** (logged); *bound gets the actual port. app borrowed, must outlive it. */
struct http_listener *http_start(struct app *app, const char *host, int port, int tls,
                                 int *bound);
/* Stops accepting new connections; requests in flight go on. NULL: no-op. */
void http_quiesce(struct http_listener *l);
/* Stops the listener (closing idle connections) and frees it. NULL: no-op. */
void http_stop(struct http_listener *l);

/* Request header / query argument; borrowed (valid for the request) or NULL. */
const char *http_header(struct req *r, const char *name);
const char *http_arg(struct req *r, const char *name);
/* A decimal id ("1".."9223372036854775807", no sign, no leading zero) as a
** number, or 0 when s is anything else. */
long long http_id(const char *s);
/* The bearer token of the Authorization header, or NULL. */
const char *http_bearer(struct req *r);

/* Parses the body as a JSON object (duplicate keys rejected) whose keys are
** all in fields (a NULL-terminated list). Returns the object (caller owns:
** json_decref), or NULL with *err set to the 400 to answer. */
json_t *http_body_object(struct req *r, const char *const fields[], struct response *err);

/* One part of a multipart/form-data body, delivered in pieces: off is the
** offset of data in the part (0 starts a new part). key is the form field
** name, filename NULL for a non-file part; both borrowed for the call.
** Return 0 to go on, -1 to stop (the parse then fails). */
typedef int (*http_part_cb)(void *cls, const char *key, const char *filename,
                            const char *data, uint64_t off, size_t size);
/* Feeds the body to part() through libmicrohttpd's form parser (the
** boundary from Content-Type). Returns 0, -1 if the body is malformed (err
** says how) or part() stopped it (err untouched), or 1 if no part used the
** declared boundary. */
int http_form_parse(struct req *r, http_part_cb part, void *cls, char *err, size_t errsize);

/* Suspends the request: its handler returns resp_pending() and another
** thread answers later with http_resume(), which takes ownership of answer
** and must be the last touch of r by that thread. */
void http_suspend(struct req *r);
void http_resume(struct req *r, struct response answer);

/* Time in microseconds on a monotonic clock. */
uint64_t http_now_us(void);

#endif
