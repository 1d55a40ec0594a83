/* serve.c - answering with a blob from the store, once it is found intact
** (blob_check: else 500, never its bytes): strong ETag = "<sha256>",
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

static void headers(struct response *res, const char *etag, unsigned flags)
{
	resp_header(res, "ETag", "%s", etag);
	resp_header(res, "Accept-Ranges", "bytes");
	resp_header(res, "Cache-Control", "no-cache");
	if (flags & SERVE_ATTACHMENT)
		resp_header(res, "Content-Disposition", "attachment; filename=\"lfs.img\"");
}

struct response serve_blob(struct req *r, const char *sha, unsigned flags)
{
	char path[PATH_MAX], etag[HASH_HEX_LEN + 3];
	const char *inm = http_header(r, "If-None-Match");
	const char *range = http_header(r, "Range");
	const char *ifr = http_header(r, "If-Range");
	struct response res;
	struct stat st;
	long long first = 0, last = 0, size;
	int fd, pr = 0, state;

	snprintf(etag, sizeof etag, "\"%s\"", sha);
	if (blob_path(&r->app->blobs, sha, path, sizeof path))
		return resp_error(404, "not_found", "no image %s", sha);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	state = blob_check(&r->app->blobs, sha, fd);   /* a row names it: it must be whole */
	if (state != BLOB_INTACT || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return resp_error(500, "internal", "image %s is %s on the server (logged; see "
		                  "/healthz); storing the same build again repairs it", sha,
		                  state == BLOB_MISSING ? "missing" : state == BLOB_DAMAGED
		                  ? "damaged" : "unreadable");
	}
	size = (long long)st.st_size;
	if (inm && etag_listed(inm, etag)) {
		close(fd);
		return resp_empty(304, etag);
	}
	if (range && ifr && strcmp(ifr, etag))
		range = NULL;           /* stale If-Range: the whole, current body */
	if (range)
		pr = serve_parse_range(range, size, &first, &last);
	if (range && pr < 0 && !(flags & SERVE_STRICT_RANGE))
		range = NULL;           /* RFC 9110: a Range we do not understand is ignored */
	if (range && pr != 0) {
		close(fd);
		res = resp_empty(416, NULL);
		resp_header(&res, "Content-Range", "bytes */%lld", size);
		headers(&res, etag, flags);
		return res;
	}
	if (!range) {
		first = 0;
		last = size - 1;
	}
	res = resp_file(range ? 206 : 200, fd, (uint64_t)first, (uint64_t)(last - first + 1));
	headers(&res, etag, flags);
	resp_header(&res, "Content-Type", "application/octet-stream");
	if (range)
		resp_header(&res, "Content-Range", "bytes %lld-%lld/%lld", first, last, size);
	return res;
}
