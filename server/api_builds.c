/* api_builds.c - the HTTP side of builds: POST /build (validate, answer an
** identical earlier build at once, or queue its repair when one of its blobs
** is missing or damaged, else queue and suspend until the pipeline's
** outcome, mapped to a status here and only here), reading builds
** (list, one, image, listing, sources) and the build object's JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "build_listing.h"
#include "build_queue.h"
#include "ident.h"
#include "log.h"
#include "serve.h"

/* The API's build object, assembled from the typed record (new reference). */
static json_t *build_json(const struct build *b)
{
	json_t *modules = json_array(), *warnings = json_array(), *files = json_array(), *j;
	char url[64], listing[64];
	int i;

	for (i = 0; i < b->nmodules; i++)
		json_array_append_new(modules, json_pack("{s:s,s:s,s:I,s:I,s:i}",
			"name", b->modules[i].name, "file", b->modules[i].file,
			"image_bytes", (json_int_t)b->modules[i].image_bytes,
			"flash_bytes", (json_int_t)b->modules[i].flash_bytes,
			"functions", b->modules[i].functions));
	for (i = 0; i < b->nwarnings; i++)
		json_array_append_new(warnings, json_pack("{s:s,s:i,s:s}",
			"file", b->warnings[i].file, "line", b->warnings[i].line,
			"message", b->warnings[i].message));
	for (i = 0; i < b->nfiles; i++)
		json_array_append_new(files, json_pack("{s:s,s:s,s:I}", "name", b->files[i].name,
			"sha256", b->files[i].sha, "size", (json_int_t)b->files[i].size));
	snprintf(url, sizeof url, "/builds/%lld/lfs.img", b->id);
	snprintf(listing, sizeof listing, "/builds/%lld/listing", b->id);
	j = json_pack("{s:I,s:s,s:I,s:I,s:s,s:o,s:{s:I,s:I,s:s,s:I},s:o,s:o,"
	              "s:{s:i,s:i,s:i},s:{s:I,s:I,s:I},s:s,s:s,s:o}",
		"id", (json_int_t)b->id, "sha256", b->sha, "size", (json_int_t)b->size,
		"created", (json_int_t)b->created, "status", "ok",
		"options", build_upload_options_json(&b->opts),
		"effective", "seed", (json_int_t)b->seed, "timestamp", (json_int_t)b->timestamp,
		  "kind", b->kind, "flash_size", (json_int_t)b->flash_size,
		"modules", modules, "warnings", warnings,
		"strings", "vector", b->strings_vector, "short", b->strings_short,
		  "long", b->strings_long,
		"timings", "queued_ms", (json_int_t)b->queued_ms,
		  "compile_ms", (json_int_t)b->compile_ms, "total_ms", (json_int_t)b->total_ms,
		"url", url, "listing", listing, "files", files);
	for (i = 0; j && i < b->nmodules; i++)   /* the image carries lfsd's OTA client */
		if (!strcmp(b->modules[i].name, "lfsota"))
			break;
	if (j)
		json_object_set_new(j, "ota_client", json_boolean(i < b->nmodules));
	return j;
}

/* The HTTP status and error code of each failed outcome. */
static const struct { unsigned status; const char *code; } errors[] = {
	[BUILD_COMPILE_ERROR] = { 422, "compile_error" }, [BUILD_LIMIT] = { 422, "limit" },
	[BUILD_TIMEOUT] = { 422, "limit" }, [BUILD_BAD_REQUEST] = { 400, "bad_request" },
	[BUILD_FAILED] = { 500, "build_failed" }, [BUILD_INTERNAL] = { 500, "internal" }
};

/* A build's outcome as the HTTP answer. */
static struct response answer(const struct build_outcome *o)
{
	json_t *e;

	if (o->status == BUILD_CREATED || o->status == BUILD_EXISTING)
		return resp_json(o->status == BUILD_CREATED ? 201 : 200, build_json(&o->build));
	e = json_pack("{s:s,s:s}", "code", errors[o->status].code, "message", o->message);
	if (o->file[0]) {
		json_object_set_new(e, "file", json_string(o->file));
		json_object_set_new(e, "line", json_integer(o->line));
	}
	return resp_json(errors[o->status].status, json_pack("{s:o}", "error", e));
}

/* The build's event line: its outcome and, for a build, id and image. */
static void log_outcome(unsigned status, const struct build_outcome *o)
{
	if (o->status == BUILD_CREATED || o->status == BUILD_EXISTING)
		log_event("build", "{s:i,s:s,s:I,s:s,s:I}", "status", (int)status, "outcome",
		          o->status == BUILD_CREATED ? "created" : "existing", "id",
		          (json_int_t)o->build.id, "sha256", o->build.sha, "size",
		          (json_int_t)o->build.size);
	else
		log_event("build", "{s:i,s:s,s:s}", "status", (int)status, "outcome",
		          errors[o->status].code, "message", o->message);
}

/* build_job.done: on the worker thread, the pipeline is finished with job. */
static void done(struct build_job *job)
{
	struct response res = answer(&job->outcome);

	log_outcome(res.status, &job->outcome);
	metrics_target(&job->req->app->metrics, job->up.opts.target, res.status);
	http_resume(job->req, res);   /* last touch: the request may now end */
}

static void job_free(void *p)
{
	struct build_job *job = p;

	if (!job)
		return;
	build_upload_release(&job->up);
	build_release(&job->outcome.build);
	free(job);
}

static struct response rejected(struct req *r, unsigned status, const char *msg)
{
	metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
	return resp_error(status, "bad_request", "%s", msg);
}

/* Reads and validates the upload into job; 0, or -1 with *res the answer. */
static int read_upload(struct req *r, struct build_job *job, struct response *res)
{
	const char *ct = http_header(r, "Content-Type");
	char err[512];
	int rc;

	if (!r->body_len) {
		*res = rejected(r, 400, "empty upload: no body");
		return -1;
	}
	if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
		rc = build_upload_parse_multipart(&job->up, r, err, sizeof err);
	} else if (ct && !strncasecmp(ct, "application/json", 16)) {
		rc = build_upload_parse_json(&job->up, r->body, r->body_len, err, sizeof err);
	} else {
		*res = rejected(r, 415, "Content-Type must be multipart/form-data or "
		                "application/json");
		return -1;
	}
	if (rc == 0 && (rc = build_upload_add_client(&job->up, r->app->client_dir, err,
	                                             sizeof err)) == -2) {
		*res = resp_error(500, "internal", "%s", err);
		return -1;
	}
	if (rc == 0)
		rc = build_upload_finish(&job->up, err, sizeof err);
	if (rc)
		*res = rejected(r, 400, err);
	return rc;
}

/* 1 if the blobs of build b (its image and sources) are intact. */
static int intact(struct app *app, const struct build *b)
{
	int i, ok = blob_check(&app->blobs, b->sha, -1) == BLOB_INTACT;

	for (i = 0; i < b->nfiles; i++)
		ok &= blob_check(&app->blobs, b->files[i].sha, -1) == BLOB_INTACT;
	return ok;
}

/* An upload identical to stored build id: answered with it (0, *res set),
** unless a blob of the build is missing or damaged: then job becomes its
** repair, rebuilt with the build's seed and timestamp (1). -1 with *res the
** 500 when the build cannot be read. */
static int repair_or_answer(struct req *r, long long id, struct build_job *job,
                            struct response *res)
{
	struct build b;

	if (store_build_get(&r->app->store, id, &b) != STORE_OK) {
		*res = resp_error(500, "internal", "cannot read build %lld", id);
		return -1;
	}
	if (intact(r->app, &b)) {
		metrics_build(&r->app->metrics, METRICS_BUILD_CACHED, 0);
		*res = resp_json(200, build_json(&b));
		metrics_target(&r->app->metrics, job->up.opts.target, res->status);
		build_release(&b);
		return 0;
	}
	job->repair_id = id;
	memcpy(job->repair_sha, b.sha, sizeof job->repair_sha);
	job->repair_seed = b.seed;
	job->repair_timestamp = b.timestamp;
	build_release(&b);
	return 1;
}

struct response api_builds_post(struct req *r)
{
	struct build_job *job = calloc(1, sizeof *job);
	struct response res;
	long long id;
	int rc;

	if (!job)
		return resp_error(500, "internal", "out of memory");
	build_upload_init(&job->up);
	r->state = job;
	r->state_free = job_free;
	if (read_upload(r, job, &res))
		return res;
	rc = store_build_find(&r->app->store, job->up.dedup_key, &id);   /* the one lookup */
	if (rc == STORE_OK && (rc = repair_or_answer(r, id, job, &res)) <= 0)
		return res;
	if (rc == STORE_ERROR)
		return resp_error(500, "internal", "cannot look up builds");
	job->req = r;
	job->done = done;
	job->queued_us = http_now_us();
	http_suspend(r);   /* before queueing: the worker may finish before we return */
	if (build_queue_submit(r->app->builds, job)) {
		metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
		http_resume(r, resp_error(503, "busy", "build queue is full or the server is "
		                          "stopping; retry later"));
	}
	return resp_pending();
}

/* list_cb: appends one build to the array. */
static int add_build(void *cls, const struct build *b)
{
	json_array_append_new(cls, build_json(b));
	return 0;
}

/* The query of GET /builds; 0, or -1 with *err the 400. */
static int build_query(struct req *r, struct build_query *q, struct response *err)
{
	const char *ls = http_arg(r, "limit"), *bs = http_arg(r, "before");
	const char *p = http_arg(r, "sha256");
	size_t n = p ? strspn(p, "0123456789abcdef") : 0;

	memset(q, 0, sizeof *q);
	q->limit = ls ? (int)(http_id(ls) > 500 ? 0 : http_id(ls)) : 50;
	q->before = bs ? http_id(bs) : 0;
	q->channel = http_arg(r, "channel");
	q->sha_prefix = p;
	if (q->limit < 1 || q->limit > 500 || (bs && !q->before) ||
	    (q->channel && !ident_valid(q->channel)) || (p && (!n || n > 64 || p[n]))) {
		*err = resp_error(400, "bad_request", "limit must be 1..500, before a build id, "
		                  "channel a channel name, sha256 1-64 lowercase hex digits");
		return -1;
	}
	return 0;
}

struct response api_builds_list(struct req *r)
{
	struct build_query q;
	struct response res;
	json_t *list, *last;
	char next[300];
	int n;

	if (build_query(r, &q, &res))
		return res;
	list = json_array();
	if (store_builds_list(&r->app->store, &q, add_build, list)) {
		json_decref(list);
		return resp_error(500, "internal", "cannot list builds");
	}
	last = json_array_size(list) == (size_t)q.limit ? json_array_get(list, q.limit - 1) : NULL;
	if (last) {
		n = snprintf(next, sizeof next, "/builds?limit=%d&before=%lld", q.limit,
		             (long long)json_integer_value(json_object_get(last, "id")));
		if (q.channel)
			n += snprintf(next + n, sizeof next - (size_t)n, "&channel=%s", q.channel);
		if (q.sha_prefix)
			snprintf(next + n, sizeof next - (size_t)n, "&sha256=%s", q.sha_prefix);
	}
	return resp_json(200, json_pack("{s:o,s:o}", "builds", list,
	                                "next", last ? json_string(next) : json_null()));
}

/* The build named by {id}; 0, or -1 with *res the answer (404, 500). */
static int param_build(struct req *r, struct build *b, struct response *res)
{
	long long id = http_id(r->params[0]);
	int rc = id ? store_build_get(&r->app->store, id, b) : STORE_NOT_FOUND;

	if (rc == STORE_OK)
		return 0;
	*res = rc == STORE_NOT_FOUND ? resp_error(404, "not_found", "no build '%s'", r->params[0])
	                             : resp_error(500, "internal", "cannot read builds");
	return -1;
}

struct response api_builds_get(struct req *r)
{
	struct response res;
	struct build b;

	if (param_build(r, &b, &res))
		return res;
	res = resp_json(200, build_json(&b));
	build_release(&b);
	return res;
}

struct response api_builds_image(struct req *r)
{
	long long id = http_id(r->params[0]), size;
	char sha[HASH_HEX_LEN + 1];

	if (id && image_cache_get(&r->app->images, id, sha, &size) == 0)
		return serve_blob(r, sha, SERVE_ATTACHMENT);
	if (!id || store_build_image(&r->app->store, id, sha, &size) != STORE_OK)
		return resp_error(404, "not_found", "no build '%s'", r->params[0]);
	image_cache_put(&r->app->images, id, sha, size);
	return serve_blob(r, sha, SERVE_ATTACHMENT);
}

struct response api_builds_listing(struct req *r)
{
	struct response res;
	struct lfsc_buffer out;
	struct build b;

	if (param_build(r, &b, &res))
		return res;
	lfsc_buffer_init(&out);
	if (blob_check(&r->app->blobs, b.sha, -1) != BLOB_INTACT)
		res = resp_error(500, "internal", "image %s of build %lld is missing, damaged or "
		                 "unreadable on the server (logged; see /healthz)", b.sha, b.id);
	else if (build_listing(&r->app->blobs, &b, &out))
		res = resp_error(500, "internal", "cannot list build %lld", b.id);
	else
		res = resp_text(200, "text/plain; charset=utf-8", (const char *)out.data, out.len);
	lfsc_buffer_release(&out);
	build_release(&b);
	return res;
}

struct response api_builds_source(struct req *r)
{
	long long id = http_id(r->params[0]);
	char sha[HASH_HEX_LEN + 1], *data;
	size_t len;

	if (!id || store_build_source(&r->app->store, id, r->params[1], sha) != STORE_OK)
		return resp_error(404, "not_found", "build '%s' has no file '%s'", r->params[0],
		                  r->params[1]);
	if (blob_check(&r->app->blobs, sha, -1) != BLOB_INTACT ||
	    blob_read(&r->app->blobs, sha, 64u << 20, &data, &len))
		return resp_error(500, "internal", "source blob %s is missing, damaged or "
		                  "unreadable on the server (logged; see /healthz)", sha);
	return resp_take(200, "text/plain; charset=utf-8", data, len);
}

struct response api_builds_delete(struct req *r)
{
	long long id = http_id(r->params[0]);
	int rc = id ? store_build_delete(&r->app->store, id) : STORE_NOT_FOUND;

	if (rc == STORE_NOT_FOUND)
		return resp_error(404, "not_found", "no build '%s'", r->params[0]);
	if (rc == STORE_CONFLICT)
		return resp_error(409, "conflict", "build %lld is named by a release and cannot "
		                  "be deleted", id);
	if (rc != STORE_OK)
		return resp_error(500, "internal", "cannot delete build %lld", id);
	image_cache_forget(&r->app->images, id);
	log_event("build", "{s:s,s:I}", "action", "deleted", "id", (json_int_t)id);
	blob_sweep(&r->app->blobs, &r->app->store, NULL, NULL);   /* its blobs, unless shared */
	return resp_empty(204, NULL);
}
