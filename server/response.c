/* response.c - building the response values of response.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "response.h"

static struct response base(unsigned status, enum response_body body)
{
	struct response r;

	r.status = status;
	r.body = body;
	r.data = NULL;
	r.owned = 0;
	r.fd = -1;
	r.offset = 0;
	r.len = 0;
	r.nheaders = 0;
	return r;
}

void resp_header(struct response *r, const char *name, const char *fmt, ...)
{
	struct response_header *h = NULL;
	va_list ap;
	int i;

	for (i = 0; i < r->nheaders && !h; i++)
		if (!strcasecmp(r->headers[i].name, name))
			h = &r->headers[i];
	if (!h && r->nheaders < RESPONSE_MAX_HEADERS)
		h = &r->headers[r->nheaders++];
	if (!h)
		return;   /* a handler never sets more than RESPONSE_MAX_HEADERS */
	h->name = name;
	va_start(ap, fmt);
	vsnprintf(h->value, sizeof h->value, fmt, ap);
	va_end(ap);
}

struct response resp_empty(unsigned status, const char *etag)
{
	struct response r = base(status, RESP_NONE);

	if (etag)
		resp_header(&r, "ETag", "%s", etag);
	return r;
}

struct response resp_take(unsigned status, const char *type, char *data, size_t len)
{
	struct response r = base(status, RESP_BYTES);

	r.data = data;
	r.owned = 1;
	r.len = len;
	resp_header(&r, "Content-Type", "%s", type);
	return r;
}

struct response resp_static(unsigned status, const char *type, const char *text,
                            size_t len)
{
	struct response r = base(status, RESP_BYTES);

	r.data = (char *)text;   /* never written: owned == 0 */
	r.len = len;
	resp_header(&r, "Content-Type", "%s", type);
	return r;
}

struct response resp_text(unsigned status, const char *type, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return base(500, RESP_NONE);
	memcpy(copy, text, len);
	copy[len] = '\0';
	return resp_take(status, type, copy, len);
}

struct response resp_json(unsigned status, json_t *json)
{
	char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
	struct response r;

	json_decref(json);
	if (!text)
		return base(500, RESP_NONE);
	r = resp_take(status, "application/json", text, strlen(text));
	resp_header(&r, "Cache-Control", "no-store");
	return r;
}

struct response resp_error(unsigned status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return resp_json(status, json_pack("{s:{s:s,s:s}}", "error", "code", code,
	                                   "message", msg));
}

struct response resp_file(unsigned status, int fd, uint64_t offset, uint64_t len)
{
	struct response r = base(status, RESP_FILE);

	r.fd = fd;
	r.offset = offset;
	r.len = len;
	return r;
}

struct response resp_pending(void)
{
	return base(0, RESP_PENDING);
}

void response_release(struct response *r)
{
	if (r->body == RESP_BYTES && r->owned)
		free(r->data);
	if (r->body == RESP_FILE && r->fd >= 0)
		close(r->fd);
	*r = base(500, RESP_NONE);
}
