/* api_builds.c - reading builds: list, one build, its image, listing, sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "serve.h"
#include "store_builds.h"

/* {id} as a positive integer, or 0. */
static long long param_id(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return (*s >= '1' && *s <= '9' && !*end && v > 0) ? v : 0;
}

static struct response no_build(struct req *r)
{
	return resp_error(404, "not_found", "no build '%s'", r->params[0]);
}

struct response api_builds_list(struct req *r)
{
	const char *ls = http_arg(r, "limit"), *bs = http_arg(r, "before");
	long long before = bs ? param_id(bs) : 0;
	int limit = ls ? atoi(ls) : 50;
	json_t *list, *last;
	char next[96];

	if (limit < 1 || limit > 500 || (bs && !before))
		return resp_error(400, "bad_request", "limit must be 1..500 and before a build id");
	list = store_builds_list(&r->app->db, limit, before);
	if (!list)
		return resp_error(500, "internal", "cannot list builds");
	last = json_array_size(list) == (size_t)limit ? json_array_get(list, limit - 1) : NULL;
	if (last)
		snprintf(next, sizeof next, "/builds?limit=%d&before=%lld", limit,
		         (long long)json_integer_value(json_object_get(last, "id")));
	return resp_json(200, json_pack("{s:o,s:o}", "builds", list,
	                                   "next", last ? json_string(next) : json_null()));
}

struct response api_builds_get(struct req *r)
{
	long long id = param_id(r->params[0]);
	json_t *b = id ? store_builds_get(&r->app->db, id) : NULL;

	return b ? resp_json(200, b) : no_build(r);
}

struct response api_builds_image(struct req *r)
{
	long long id = param_id(r->params[0]), size;
	char sha[HASH_HEX_LEN + 1];

	if (!id)
		return no_build(r);
	if (image_cache_get(&r->app->images, id, sha, &size)) {
		if (store_builds_image(&r->app->db, id, sha, &size))
			return no_build(r);
		image_cache_put(&r->app->images, id, sha, size);
	}
	return serve_blob(r, sha, SERVE_ATTACHMENT);
}

static struct response text_blob(struct req *r, const char *sha)
{
	char *data;
	size_t len;

	if (blob_read(&r->app->blobs, sha, 64u << 20, &data, &len))
		return resp_error(500, "internal", "blob %s is unreadable", sha);
	return resp_take(200, "text/plain; charset=utf-8", data, len);
}

struct response api_builds_listing(struct req *r)
{
	long long id = param_id(r->params[0]);
	char sha[HASH_HEX_LEN + 1];

	if (!id || store_builds_blob(&r->app->db, id, NULL, sha))
		return resp_error(404, "not_found", "no listing for build '%s'", r->params[0]);
	return text_blob(r, sha);
}

struct response api_builds_source(struct req *r)
{
	long long id = param_id(r->params[0]);
	char sha[HASH_HEX_LEN + 1];

	if (!id || store_builds_blob(&r->app->db, id, r->params[1], sha))
		return resp_error(404, "not_found", "build '%s' has no file '%s'",
		                  r->params[0], r->params[1]);
	return text_blob(r, sha);
}
