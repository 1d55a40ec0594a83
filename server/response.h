/* response.h - the value every request handler returns: a status, up to
** RESPONSE_MAX_HEADERS headers and a body (none, bytes, or a file range).
** Handlers build one with the resp_* functions and return it; http.c turns it
** into the libmicrohttpd response (the only place that does), sends it and
** releases it. A response owns what it holds (a malloc'ed buffer, an open file
** descriptor) until it is sent or response_release()d. */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define RESPONSE_MAX_HEADERS 8

enum response_body {
	RESP_NONE,      /* no body (204, 304, 416, HEAD-like answers) */
	RESP_BYTES,     /* data[0..len) */
	RESP_FILE,      /* len bytes of fd from offset */
	RESP_PENDING    /* no answer yet: the connection is suspended (http.h) */
};

struct response_header {
	const char *name;      /* static string ("ETag", "Content-Range", ...) */
	char value[120];       /* copied; longer values are cut */
};

struct response {
	unsigned status;            /* HTTP status; 0 with RESP_PENDING */
	enum response_body body;
	char *data;                 /* RESP_BYTES: owned when owned != 0, else static */
	int owned;
	int fd;                     /* RESP_FILE: owned (closed once sent), else -1 */
	uint64_t offset;            /* RESP_FILE: first byte */
	uint64_t len;               /* body bytes */
	int nheaders;
	struct response_header headers[RESPONSE_MAX_HEADERS];
};

/* A status without body; etag (may be NULL) becomes ETag. */
struct response resp_empty(unsigned status, const char *etag);
/* json (stolen; NULL gives a 500) serialised compactly as application/json,
** Cache-Control: no-store. */
struct response resp_json(unsigned status, json_t *json);
/* {"error":{"code":code,"message":...}} (application/json). */
struct response resp_error(unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A copy of text[0..len) with Content-Type type (static string). */
struct response resp_text(unsigned status, const char *type, const char *text, size_t len);
/* Static bytes (never freed, not copied) with Content-Type type. */
struct response resp_static(unsigned status, const char *type, const char *text,
                            size_t len);
/* Takes ownership of data (malloc'ed; freed once sent), Content-Type type. */
struct response resp_take(unsigned status, const char *type, char *data, size_t len);
/* Takes ownership of fd: len bytes from offset (sendfile where possible). */
struct response resp_file(unsigned status, int fd, uint64_t offset, uint64_t len);
/* No answer yet: the handler has suspended the connection (http_suspend)
** and someone will http_resume() it with the answer. */
struct response resp_pending(void);
/* Adds (or replaces) header name (a static string) with a formatted value. */
void resp_header(struct response *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Frees what an unsent response owns; r becomes an empty 500. */
void response_release(struct response *r);

#endif
