/* api_build.c - POST /build: read and validate the upload, answer an identical
** earlier build at once (200), else queue a job and suspend the request
** until a worker has compiled and stored it (201) or failed (4xx/5xx). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "builder.h"
#include "store_builds.h"

static void job_free(void *p)
{
	struct build_job *job = p;

	if (!job)
		return;
	upload_release(&job->up);
	json_decref(job->body);
	free(job);
}

static struct response rejected(struct req *r, unsigned status, const char *msg)
{
	metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
	return resp_error(status, "bad_request", "%s", msg);
}

struct response api_build_post(struct req *r)
{
	struct build_job *job = calloc(1, sizeof *job);
	const char *ct = http_header(r, "Content-Type");
	char err[512];
	long long id;

	if (!job)
		return resp_error(500, "internal", "out of memory");
	upload_init(&job->up);
	r->state = job;
	r->state_free = job_free;
	if (!r->body_len)
		return rejected(r, 400, "empty upload: no body");
	if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
		if (upload_parse_multipart(&job->up, r, err, sizeof err))
			return rejected(r, 400, err);
	} else if (ct && !strncasecmp(ct, "application/json", 16)) {
		if (upload_parse_json(&job->up, r->body, r->body_len, err, sizeof err))
			return rejected(r, 400, err);
	} else {
		return rejected(r, 415, "Content-Type must be multipart/form-data or "
		                "application/json");
	}
	if (upload_finish(&job->up, err, sizeof err))
		return rejected(r, 400, err);
	id = store_builds_find(&r->app->db, job->up.dedup_key);
	if (id > 0) {
		json_t *b = store_builds_get(&r->app->db, id);

		metrics_build(&r->app->metrics, METRICS_BUILD_CACHED, 0);
		return b ? resp_json(200, b) : resp_error(500, "internal", "cannot read build %lld", id);
	}
	job->req = r;
	job->queued_us = http_now_us();
	http_suspend(r);   /* before queueing: the worker may finish before we return */
	if (builder_submit(r->app->builder, job)) {
		metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
		http_resume(r, resp_error(503, "busy", "build queue is full or the server is "
		                          "stopping; retry later"));
	}
	return resp_pending();
}
