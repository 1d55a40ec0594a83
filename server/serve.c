/* serve.c - answering with a blob from the store: strong ETag = "<sha256>",
** If-None-Match -> 304, Range (one range) -> 206 with Content-Range,
** unsatisfiable or several ranges -> 416, If-Range that does not match -> the
** whole body with 200. Body from the file descriptor (sendfile over HTTP). */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "serve.h"

int serve_parse_range(const char *h, long long size, long long *first, long long *last)
{
	const char *p = h;
	char *end;
	long long a, b;

	while (*p == ' ')
		p++;
	if (strncmp(p, "bytes=", 6))
		return -1;
	p += 6;
	if (strchr(p, ','))
		return 1;
	while (*p == ' ')
		p++;
	if (*p == '-') {                   /* suffix: last N bytes */
		if (!isdigit((unsigned char)p[1]))
			return -1;
		b = strtoll(p + 1, &end, 10);
		if (*end && *end != ' ')
			return -1;
		if (b <= 0 || size == 0)
			return 1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -1;
	a = strtoll(p, &end, 10);
	if (*end != '-')
		return -1;
	p = end + 1;
	if (*p == '\0' || *p == ' ') {
		b = size - 1;
	} else {
		if (!isdigit((unsigned char)*p))
			return -1;
		b = strtoll(p, &end, 10);
		if (*end && *end != ' ')
			return -1;
		if (b < a)
			return -1;
		if (b >= size)
			b = size - 1;
	}
	if (a >= size)
		return 1;
	*first = a;
	*last = b;
	return 0;
}

/* 1 if an If-None-Match / If-Range value names etag. */
static int etag_listed(const char *h, const char *etag)
{
	const char *p = h;
	size_t n = strlen(etag);

	if (!strcmp(h, "*"))
		return 1;
	while ((p = strstr(p, etag))) {
		if (p == h || p[-1] == ' ' || p[-1] == ',') {
			if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
				return 1;
		}
		p += n;
	}
	return 0;
}

static void headers(struct MHD_Response *resp, const char *etag, unsigned flags)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (flags & SERVE_ATTACHMENT)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
		                        "attachment; filename=\"lfs.img\"");
}

enum MHD_Result serve_blob(struct req *r, const char *sha, unsigned flags)
{
	char path[PATH_MAX], etag[HASH_HEX_LEN + 3], cr[96];
	const char *inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *range = http_header(r, MHD_HTTP_HEADER_RANGE);
	const char *ifr = http_header(r, MHD_HTTP_HEADER_IF_RANGE);
	struct MHD_Response *resp;
	struct stat st;
	long long first = 0, last = 0;
	int fd, pr;

	snprintf(etag, sizeof etag, "\"%s\"", sha);
	if (blob_path(&r->app->blobs, sha, path, sizeof path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return http_error(r, 404, "not_found", "image %s is not stored", sha);
	if (fstat(fd, &st)) {
		close(fd);
		return http_error(r, 500, "internal", "cannot stat image");
	}
	if (inm && etag_listed(inm, etag)) {
		close(fd);
		return http_empty(r, 304, etag);
	}
	if (range && ifr && strcmp(ifr, etag))
		range = NULL;           /* stale If-Range: the whole, current body */
	if (range) {
		pr = serve_parse_range(range, (long long)st.st_size, &first, &last);
		if (pr < 0 && !(flags & SERVE_STRICT_RANGE)) {
			range = NULL;   /* RFC 9110: a Range we do not understand is ignored */
		} else if (pr != 0) {
			close(fd);
			resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
			if (!resp)
				return MHD_NO;
			snprintf(cr, sizeof cr, "bytes */%lld", (long long)st.st_size);
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
			headers(resp, etag, flags);
			return http_reply(r, 416, resp);
		}
	}
	if (!range) {
		first = 0;
		last = (long long)st.st_size - 1;
	}
	/* takes ownership of fd: libmicrohttpd closes it */
	resp = MHD_create_response_from_fd_at_offset64((uint64_t)(last - first + 1), fd,
	                                               (uint64_t)first);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	r->bytes = (uint64_t)(last - first + 1);
	headers(resp, etag, flags);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	if (range) {
		snprintf(cr, sizeof cr, "bytes %lld-%lld/%lld", first, last, (long long)st.st_size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
		return http_reply(r, 206, resp);
	}
	return http_reply(r, 200, resp);
}
