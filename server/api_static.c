/* api_static.c - the dashboard's files from --web-dir: GET / is index.html,
** other paths map to files below the directory. No listings, no traversal:
** "..", backslashes, NUL (kept as "%00" by http.c), "//" and dot-files are
** refused; symlinks are not followed out of the directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "app.h"

static const struct { const char *ext, *type; } types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js",   "text/javascript; charset=utf-8" },
	{ ".mjs",  "text/javascript; charset=utf-8" },
	{ ".css",  "text/css; charset=utf-8" },
	{ ".svg",  "image/svg+xml" },
	{ ".png",  "image/png" },
	{ ".ico",  "image/x-icon" },
	{ ".json", "application/json" },
	{ ".txt",  "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
	{ NULL, NULL }
};

static const char *type_of(const char *path)
{
	size_t n = strlen(path);
	int i;

	for (i = 0; types[i].ext; i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && !strcmp(path + n - e, types[i].ext))
			return types[i].type;
	}
	return NULL;
}

/* 0 if url is a safe relative file path below the web dir. */
static int safe(const char *url)
{
	const char *seg = url;

	if (strchr(url, '\\') || strchr(url, '%') || strstr(url, "//"))
		return -1;
	for (; *seg; seg++) {
		if ((unsigned char)*seg < 0x20 || *seg == 0x7f)
			return -1;
		if (seg[0] == '/' && seg[1] == '.')
			return -1;   /* "..", ".git", "./" */
	}
	return 0;
}

enum MHD_Result api_static_get(struct req *r)
{
	const char *url = r->url;
	char path[PATH_MAX + 600];
	const char *type;
	struct MHD_Response *resp;
	struct stat st;
	int fd, is_index;

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return http_error(r, 405, "method_not_allowed", "%s not allowed", r->method);
	if (safe(url))
		return http_error(r, 400, "bad_request", "invalid path");
	if (!strcmp(url, "/"))
		url = "/index.html";
	is_index = !strcmp(url, "/index.html");
	type = type_of(url);
	if (!r->app->web_dir[0] || !type)
		return http_error(r, 404, "not_found", "no such file '%s'", r->url);
	snprintf(path, sizeof path, "%s%s", r->app->web_dir, url);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return http_error(r, 404, "not_found", "no such file '%s'", r->url);
	}
	/* takes ownership of fd */
	resp = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	r->bytes = (uint64_t)st.st_size;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        is_index ? "no-cache" : "public, max-age=300");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	return http_reply(r, 200, resp);
}
