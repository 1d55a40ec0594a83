/*
** fetch.h - the device's HTTPS client: one HTTP/1.1 request per connection
** (Connection: close) over tls.c, with the device key as a Bearer token, and
** the resumable image download into SPIFFS (Range + If-Range on the ETag).
*/
#ifndef DEVICE_FETCH_H
#define DEVICE_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "tls.h"

#define FETCH_MAX_BODY (256 * 1024)   /* cap on bodies kept in memory */

struct fetch {
	struct tls_client *tls;   /* borrowed */
	char host[256];           /* server host (from --server) */
	char port[8];             /* server port */
	const char *key;          /* device key; borrowed, may be NULL */
};

struct fetch_response {
	int status;               /* HTTP status */
	char etag[130];           /* ETag header as sent (quotes kept), "" if none */
	char content_type[64];
	int64_t range_start;      /* from Content-Range of a 206, else -1 */
	long poll_interval;       /* LFSD-Poll-Interval (seconds), 0 if absent */
	char *body;               /* memory requests: NUL-terminated; caller owns (free()) */
};

/* Parses server_url ("https://host:port", path ignored) into f; key borrowed
** (must outlive f). */
int fetch_init(struct fetch *f, struct tls_client *tls, const char *server_url,
	       const char *key, struct dev_error *err);

/*
** One request; the response body is kept in memory (at most FETCH_MAX_BODY).
** path is the request target ("/ota/latest?..."), headers extra header lines
** each ending in "\r\n" (may be NULL), body/body_len the request body (may be
** NULL) sent as application/json. resp is filled (release with
** fetch_response_release()). Returns 0 for any HTTP status; errors are
** transport or protocol failures.
*/
int fetch_request(struct fetch *f, const char *method, const char *path,
		  const char *headers, const char *body, size_t body_len,
		  struct fetch_response *resp, struct dev_error *err);
void fetch_response_release(struct fetch_response *r);

/*
** Downloads url (absolute "https://..." or a path on the server) into file
** `part`, resuming: when `part` has bytes and `etag_file` holds the ETag they
** came from, asks for "Range: bytes=<size>-" with "If-Range: <etag>" and
** appends a 206; a 200 restarts the file. Every received byte is written
** through at once, so a cut leaves a valid prefix for the next attempt.
** expect_size bounds the file. *resumed_from = bytes kept from before,
** *received = body bytes transferred now. Fails (DEV_ERR_NET) on a short body.
*/
int fetch_download(struct fetch *f, const char *url, const char *part,
		   const char *etag_file, int64_t expect_size, int64_t *resumed_from,
		   int64_t *received, struct dev_error *err);

#endif
