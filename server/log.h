/* log.h - lfsd's log on stderr: one line per message, request or event, each
** with an ISO 8601 UTC time (milliseconds), as text or as one JSON object per
** line (--log-format json, for log collectors). Nothing logged ever holds a
** token or key: callers pass no secrets, and log_access() removes the values
** of query arguments that could carry one.
**
** Text:  2026-11-29T01:02:03.456Z lfsd: <message>
**        2026-11-29T01:02:03.456Z lfsd: access 127.0.0.1 GET /builds/1 200 812B 3.1ms
**        2026-11-29T01:02:03.456Z lfsd: event build id=3 outcome=ok
** JSON:  {"time":"...","level":"info","msg":"..."}
**        {"time":"...","level":"info","kind":"access","client":"127.0.0.1",
**         "method":"GET","path":"/builds/1","status":200,"bytes":812,"ms":3.1}
**        {"time":"...","level":"info","kind":"event","event":"build","id":3,...}
** Safe to call from any thread; each line is written whole by one write(2),
** alone or with other lines of the same thread (log_hold). */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>

#include "config.h"

/* Chooses the format (default text) and whether requests are logged
** (default yes). Call once at start, before other threads exist. */
void log_setup(enum log_format format, int access);

/* From now on this thread's lines are held (at most 4 KB of them, PIPE_BUF)
** and written together by log_flush(), or when the next would not fit: for a
** thread that serves many requests between waits (gate.c). */
void log_hold(void);
/* Writes the lines this thread holds, if any. */
void log_flush(void);

/* Logs "<message>" at level error and returns -1, so callers can write
** `ret = log_error("cannot open '%s'", path); goto out;`. */
int log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs "<message>" at level info. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One HTTP request, logged when it completes (http.c). */
struct log_request {
	const char *client;     /* client IP address text, borrowed */
	const char *method;     /* borrowed */
	const char *path;       /* path, borrowed; control bytes and spaces are escaped */
	const char *query;      /* "k=v&k=v" without '?', or NULL; borrowed; values of
	                           key, token, secret, password... are replaced by "-" */
	int status;             /* 0 = the client went away before an answer */
	uint64_t bytes;         /* response body bytes */
	double ms;              /* from the first byte of the request to completion */
};
void log_access(const struct log_request *r);

/* Logs an event (a build stored, a release changed, a device report...):
** name plus the fields of a jansson json_pack() format that must build an
** object, e.g. log_event("release", "{s:I,s:s}", "id", id, "state", "paused").
** Values must not be secrets. */
void log_event(const char *name, const char *fmt, ...);

#endif
