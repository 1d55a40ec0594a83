/*
** fetch.c - HTTP/1.1 over TLS for the device: requests with Bearer auth,
** response parsing (Content-Length, chunked, or until close), and the
** resumable download.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fetch.h"
#include "platform.h"

/* Where the body goes: memory (fd < 0) or a file descriptor, written through. */
struct sink {
	int fd;
	char *mem;
	size_t len, cap;
	int64_t limit;     /* bytes allowed, -1 = FETCH_MAX_BODY for memory */
	int64_t written;
};

/* Buffered reader over one connection. */
struct conn {
	struct tls_conn *tls;
	uint8_t buf[16384];
	size_t pos, end;
	int eof;
};

static int parse_url(const char *url, char *host, size_t hsize, char *port, size_t psize,
		     const char **path)
{
	const char *p, *h, *colon, *slash;
	size_t n;

	if (strncasecmp(url, "https://", 8))
		return -1;
	h = url + 8;
	slash = strchr(h, '/');
	p = slash ? slash : h + strlen(h);
	colon = memchr(h, ':', (size_t)(p - h));
	n = (size_t)((colon ? colon : p) - h);
	if (n == 0 || n >= hsize)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (colon) {
		n = (size_t)(p - colon - 1);
		if (n == 0 || n >= psize)
			return -1;
		memcpy(port, colon + 1, n);
		port[n] = '\0';
	} else {
		snprintf(port, psize, "443");
	}
	if (path)
		*path = *p ? p : "/";
	return 0;
}

int fetch_init(struct fetch *f, struct tls_client *tls, const char *server_url,
	       const char *key, struct dev_error *err)
{
	memset(f, 0, sizeof *f);
	f->tls = tls;
	f->key = key;
	if (parse_url(server_url, f->host, sizeof f->host, f->port, sizeof f->port, NULL))
		return dev_error_set(err, DEV_ERR_USAGE,
				     "server '%s' is not an https://host[:port] URL", server_url);
	return DEV_OK;
}

void fetch_response_release(struct fetch_response *r)
{
	free(r->body);
	r->body = NULL;
}

static int fill(struct conn *c, struct dev_error *err)
{
	size_t got;
	int ret;

	if (c->eof)
		return DEV_OK;
	if (c->pos == c->end)
		c->pos = c->end = 0;
	if ((ret = tls_read(c->tls, c->buf + c->end, sizeof c->buf - c->end, &got, err)))
		return ret;
	if (!got)
		c->eof = 1;
	c->end += got;
	return DEV_OK;
}

/* Reads one CRLF-terminated line (without CRLF) into line. */
static int read_line(struct conn *c, char *line, size_t size, struct dev_error *err)
{
	size_t n = 0;
	int ret;

	for (;;) {
		while (c->pos < c->end) {
			char ch = (char)c->buf[c->pos++];
			if (ch == '\n') {
				if (n && line[n - 1] == '\r')
					n--;
				line[n] = '\0';
				return DEV_OK;
			}
			if (n + 1 >= size)
				return dev_error_set(err, DEV_ERR_HTTP, "response line too long");
			line[n++] = ch;
		}
		if (c->eof)
			return dev_error_set(err, DEV_ERR_NET,
					     "connection closed in the response header");
		if ((ret = fill(c, err)))
			return ret;
	}
}

static int sink_put(struct sink *s, const uint8_t *data, size_t len, struct dev_error *err)
{
	int64_t limit = s->limit >= 0 ? s->limit : FETCH_MAX_BODY;

	if (s->written + (int64_t)len > limit)
		return dev_error_set(err, DEV_ERR_HTTP,
				     "response body exceeds %lld bytes", (long long)limit);
	if (s->fd >= 0) {
		size_t done = 0;
		while (done < len) {
			ssize_t n = write(s->fd, data + done, len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return dev_error_set(err, DEV_ERR_IO, "cannot write download: %s",
						     strerror(errno));
			done += (size_t)n;
		}
	} else {
		if (s->len + len + 1 > s->cap) {
			size_t cap = s->cap ? s->cap : 4096;
			char *m;
			while (cap < s->len + len + 1)
				cap *= 2;
			m = realloc(s->mem, cap);
			if (!m)
				return dev_error_set(err, DEV_ERR_MEM, "out of memory");
			s->mem = m;
			s->cap = cap;
		}
		memcpy(s->mem + s->len, data, len);
		s->len += len;
		s->mem[s->len] = '\0';
	}
	s->written += (int64_t)len;
	return DEV_OK;
}

/* Copies n bytes (n < 0: until close) from the connection to the sink. */
static int copy_body(struct conn *c, struct sink *s, int64_t n, struct dev_error *err)
{
	int ret;

	while (n != 0) {
		size_t avail;
		if (c->pos == c->end) {
			if (c->eof)
				break;
			if ((ret = fill(c, err)))
				return ret;
			continue;
		}
		avail = c->end - c->pos;
		if (n > 0 && (int64_t)avail > n)
			avail = (size_t)n;
		if ((ret = sink_put(s, c->buf + c->pos, avail, err)))
			return ret;
		c->pos += avail;
		if (n > 0)
			n -= (int64_t)avail;
	}
	if (n > 0)
		return dev_error_set(err, DEV_ERR_NET,
				     "connection closed with %lld body bytes missing",
				     (long long)n);
	return DEV_OK;
}

static int copy_chunked(struct conn *c, struct sink *s, struct dev_error *err)
{
	char line[128];
	int ret;

	for (;;) {
		long long size;
		char *end;
		if ((ret = read_line(c, line, sizeof line, err)))
			return ret;
		size = strtoll(line, &end, 16);
		if (end == line || size < 0)
			return dev_error_set(err, DEV_ERR_HTTP, "bad chunk size '%s'", line);
		if (size == 0)
			break;
		if ((ret = copy_body(c, s, size, err)) || (ret = read_line(c, line, sizeof line, err)))
			return ret;
	}
	do {   /* trailers */
		if ((ret = read_line(c, line, sizeof line, err)))
			return ret;
	} while (line[0]);
	return DEV_OK;
}

static void header_value(const char *line, const char *name, char *dst, size_t size)
{
	size_t n = strlen(name);
	const char *v;

	if (strncasecmp(line, name, n) || line[n] != ':')
		return;
	v = line + n + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	snprintf(dst, size, "%s", v);
}

/* Sends the request and reads the response into resp, the body into s. */
static int exchange(struct fetch *f, const char *host, const char *port,
		    const char *method, const char *path, const char *headers,
		    const char *body, size_t body_len, struct fetch_response *resp,
		    struct sink *s, int (*on_status)(void *, struct fetch_response *),
		    void *ctx, struct dev_error *err)
{
	int ret = DEV_ERR_NET;
	struct conn *c = NULL;
	char *req = NULL;
	char line[1024], clen[32] = "", te[64] = "", crange[128] = "", poll[24] = "";
	int64_t length = -1;
	int n;

	memset(resp, 0, sizeof *resp);
	resp->range_start = -1;
	c = calloc(1, sizeof *c);
	if (!c)
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	if ((ret = tls_connect(f->tls, host, port, &c->tls, err)))
		goto out;
	n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: lfs-device\r\n"
		     "Connection: close\r\n%s%s%s%s%s"
		     "Content-Length: %zu\r\n\r\n", method, path, host, port,
		     f->key ? "Authorization: Bearer " : "", f->key ? f->key : "",
		     f->key ? "\r\n" : "", headers ? headers : "",
		     body ? "Content-Type: application/json\r\n" : "", body ? body_len : 0);
	if (n < 0) {
		req = NULL;
		ret = dev_error_set(err, DEV_ERR_MEM, "out of memory");
		goto out;
	}
	if ((ret = tls_write(c->tls, req, (size_t)n, err)) ||
	    (body && (ret = tls_write(c->tls, body, body_len, err))))
		goto out;
	if ((ret = read_line(c, line, sizeof line, err)))
		goto out;
	if (sscanf(line, "HTTP/1.%*d %d", &resp->status) != 1) {
		ret = dev_error_set(err, DEV_ERR_HTTP, "bad status line '%.80s'", line);
		goto out;
	}
	for (;;) {
		if ((ret = read_line(c, line, sizeof line, err)))
			goto out;
		if (!line[0])
			break;
		header_value(line, "Content-Length", clen, sizeof clen);
		header_value(line, "Transfer-Encoding", te, sizeof te);
		header_value(line, "ETag", resp->etag, sizeof resp->etag);
		header_value(line, "Content-Range", crange, sizeof crange);
		header_value(line, "Content-Type", resp->content_type,
			     sizeof resp->content_type);
		header_value(line, "LFSD-Poll-Interval", poll, sizeof poll);
	}
	resp->poll_interval = poll[0] ? strtol(poll, NULL, 10) : 0;
	if (clen[0])
		length = strtoll(clen, NULL, 10);
	if (crange[0] && !strncasecmp(crange, "bytes ", 6))
		resp->range_start = strtoll(crange + 6, NULL, 10);
	if (on_status && (ret = on_status(ctx, resp)))
		goto out;
	if (!strcmp(method, "HEAD") || resp->status == 204 || resp->status == 304)
		ret = DEV_OK;
	else if (strcasestr(te, "chunked"))
		ret = copy_chunked(c, s, err);
	else
		ret = copy_body(c, s, length, err);
out:
	free(req);
	if (c) {
		tls_close(c->tls);
		free(c);
	}
	return ret;
}

int fetch_request(struct fetch *f, const char *method, const char *path,
		  const char *headers, const char *body, size_t body_len,
		  struct fetch_response *resp, struct dev_error *err)
{
	struct sink s = { .fd = -1, .limit = -1 };
	int ret;

	ret = exchange(f, f->host, f->port, method, path, headers, body, body_len, resp,
		       &s, NULL, NULL, err);
	if (ret) {
		free(s.mem);
		return ret;
	}
	resp->body = s.mem;
	return DEV_OK;
}

/* Download state shared with the status callback. */
struct dl {
	const char *part;
	const char *etag_file;
	int64_t have;         /* bytes already in part */
	int64_t expect;
	struct sink *s;
	struct dev_error *err;
};

/* Decides, from the status line and headers, whether to append or restart. */
static int dl_status(void *ctx, struct fetch_response *r)
{
	struct dl *d = ctx;
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;

	if (r->status == 206) {
		if (r->range_start != d->have)
			return dev_error_set(d->err, DEV_ERR_HTTP,
					     "206 starts at byte %lld, asked for %lld",
					     (long long)r->range_start, (long long)d->have);
		flags |= O_APPEND;
	} else if (r->status == 200) {
		d->have = 0;
		flags |= O_TRUNC;
	} else {
		if (r->status == 416) {   /* our prefix is no prefix of theirs: start over */
			platform_remove(d->part);
			platform_remove(d->etag_file);
		}
		return dev_error_set(d->err, DEV_ERR_HTTP, "image download: HTTP %d",
				     r->status);
	}
	/* the ETag goes first, so bytes on disk always have a known origin */
	if (r->etag[0] &&
	    platform_write_atomic(d->etag_file, r->etag, strlen(r->etag), d->err))
		return DEV_ERR_IO;
	if (!r->etag[0])
		platform_remove(d->etag_file);
	d->s->fd = open(d->part, flags, 0644);
	if (d->s->fd < 0)
		return dev_error_set(d->err, DEV_ERR_IO, "cannot open '%s': %s", d->part,
				     strerror(errno));
	d->s->limit = d->expect - d->have;
	return DEV_OK;
}

int fetch_download(struct fetch *f, const char *url, const char *part,
		   const char *etag_file, int64_t expect_size, int64_t *resumed_from,
		   int64_t *received, struct dev_error *err)
{
	int ret = DEV_ERR_NET;
	struct fetch_response resp;
	struct sink s = { .fd = -1 };
	struct dl d = { part, etag_file, 0, expect_size, &s, err };
	char host[256], port[8], headers[400] = "";
	uint8_t *etag = NULL;
	size_t etag_len = 0;
	const char *path = url;
	int64_t have = 0;

	*resumed_from = 0;
	*received = 0;
	memset(&resp, 0, sizeof resp);
	snprintf(host, sizeof host, "%s", f->host);
	snprintf(port, sizeof port, "%s", f->port);
	if (!strncasecmp(url, "https://", 8) &&
	    parse_url(url, host, sizeof host, port, sizeof port, &path))
		return dev_error_set(err, DEV_ERR_HTTP, "bad image url '%s'", url);
	if (platform_exists(part) && platform_file_size(part, &have, NULL) == 0 && have > 0 &&
	    have < expect_size && platform_read_file(etag_file, &etag, &etag_len, NULL) == 0 &&
	    etag_len > 0 && etag_len < 200) {
		snprintf(headers, sizeof headers, "Range: bytes=%lld-\r\nIf-Range: %.*s\r\n",
			 (long long)have, (int)etag_len, (const char *)etag);
		d.have = have;
	} else if (have >= expect_size && have > 0) {
		platform_remove(part);   /* complete but rejected before, or oversize */
	}
	ret = exchange(f, host, port, "GET", path, headers[0] ? headers : NULL, NULL, 0,
		       &resp, &s, dl_status, &d, err);
	*resumed_from = d.have;
	*received = s.written;
	if (!ret && d.have + s.written != expect_size)
		ret = dev_error_set(err, DEV_ERR_NET, "download ended at %lld of %lld bytes",
				    (long long)(d.have + s.written), (long long)expect_size);
	if (s.fd >= 0) {
		fsync(s.fd);
		close(s.fd);
	}
	free(etag);
	fetch_response_release(&resp);
	return ret;
}
