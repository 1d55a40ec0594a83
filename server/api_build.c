/* api_build.c - POST /build: read and validate the upload, answer an identical
** earlier build at once (200), else queue a job and suspend the connection
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


enum MHD_Result api_build_post(struct req *r)
{
	struct build_job *job = r->state;
	const char *ct;
	char err[512];
	long long id;

	if (job) {
		/* called again after MHD_resume_connection(): the worker is done */
		json_t *body = job->body;

		job->body = NULL;
		metrics_target(&r->app->metrics, job->up.opts.target, job->status);
		return http_json(r, job->status, body);
	}
	job = calloc(1, sizeof *job);
	if (!job)
		return http_error(r, 500, "internal", "out of memory");
	upload_init(&job->up);
	r->state = job;
	r->state_free = job_free;
	ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!r->body_len) {
		metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
		return http_error(r, 400, "bad_request", "empty upload: no body");
	}
	if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
		if (upload_parse_multipart(&job->up, r->conn, r->body, r->body_len, err, sizeof err))
			goto bad;
	} else if (ct && !strncasecmp(ct, "application/json", 16)) {
		if (upload_parse_json(&job->up, r->body, r->body_len, err, sizeof err))
			goto bad;
	} else {
		metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
		return http_error(r, 415, "bad_request", "Content-Type must be multipart/form-data "
		                  "or application/json");
	}
	if (upload_finish(&job->up, err, sizeof err))
		goto bad;
	id = store_builds_find(&r->app->db, job->up.dedup_key);
	if (id > 0) {
		json_t *b = store_builds_get(&r->app->db, id);

		metrics_build(&r->app->metrics, METRICS_BUILD_CACHED, 0);
		metrics_target(&r->app->metrics, job->up.opts.target, b ? 200 : 500);
		return b ? http_json(r, 200, b)
		         : http_error(r, 500, "internal", "cannot read build %lld", id);
	}
	job->conn = r->conn;
	job->queued_us = http_now_us();
	/* suspend before queueing: the worker may finish before we return */
	MHD_suspend_connection(r->conn);
	if (builder_submit(r->app->builder, job)) {
		metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
		job->status = 503;
		job->body = json_pack("{s:{s:s,s:s}}", "error", "code", "busy", "message",
		                      "build queue is full or the server is stopping; retry later");
		MHD_resume_connection(r->conn);
	}
	return MHD_YES;
bad:
	metrics_build(&r->app->metrics, METRICS_BUILD_REJECTED, 0);
	return http_error(r, 400, "bad_request", "%s", err);
}
