/* build_pipeline.c - a build through its stages (build_pipeline.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "build_compile.h"
#include "build_pipeline.h"
#include "build_queue.h"
#include "build_store.h"
#include "http.h"
#include "log.h"

static void set(struct build_outcome *o, enum build_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct build_outcome *o, enum build_status s, const char *fmt, ...)
{
	va_list ap;

	o->status = s;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof o->message, fmt, ap);
	va_end(ap);
}

/* A compile that did not give an image, as an outcome. */
static void not_compiled(struct app *app, const struct compile_result *res,
                         struct build_outcome *o)
{
	static const enum build_status refused[] = {
		[COMPILE_ERR_SYNTAX] = BUILD_COMPILE_ERROR, [COMPILE_ERR_LIMIT] = BUILD_LIMIT,
		[COMPILE_ERR_USAGE] = BUILD_BAD_REQUEST, [COMPILE_ERR_FORMAT] = BUILD_COMPILE_ERROR,
		[COMPILE_ERR_OTHER] = BUILD_FAILED
	};

	switch (res->status) {
	case COMPILE_REJECTED:
		set(o, refused[res->error], "%s", res->message);
		memcpy(o->file, res->file, sizeof o->file);
		o->line = res->line;
		break;
	case COMPILE_TIMEOUT:
		set(o, BUILD_TIMEOUT, "build exceeded its %s limit (%d s) and was stopped",
		    res->wall_clock ? "wall-clock" : "CPU time", app->cfg->build_timeout);
		break;
	case COMPILE_CRASHED:
		set(o, BUILD_FAILED, "lfsc crashed (signal %d); the build failed", res->signal);
		break;
	case COMPILE_CANNOT_RUN:
		set(o, BUILD_FAILED, "cannot run the compiler (see lfsd's log and --lfsc)");
		log_error("cannot run the compiler '%s' (see --lfsc)", app->lfsc);
		break;
	case COMPILE_NO_RESULT:
		set(o, BUILD_FAILED, "%s", res->message);
		break;
	default:
		set(o, BUILD_INTERNAL, "%s", res->message);
		break;
	}
}

/* Compiles job in workspace w into image, a new file in the blob store's
** temp directory; res says how it went. 0 when lfsc ran, else -1 with the
** outcome set. */
static int compile(struct app *app, struct build_job *job, struct workspace *w,
                   char image[700], struct compile_result *res)
{
	struct compile_job cj;

	if (build_workspace_fill(w, &app->workspaces, &job->up)) {
		set(&job->outcome, BUILD_INTERNAL, "%s", "cannot create the build directory");
		return -1;
	}
	if (blob_temp(&app->blobs, image, 700)) {
		set(&job->outcome, BUILD_INTERNAL, "%s", "cannot create the image file");
		return -1;
	}
	cj.lfsc = app->lfsc;
	cj.dir = w->dir;
	cj.out = image;
	cj.up = &job->up;
	cj.timestamp = job->repair_id ? job->repair_timestamp : job->up.opts.has_timestamp
	               ? job->up.opts.timestamp : (int64_t)time(NULL);
	cj.has_seed = job->repair_id || job->up.opts.has_seed;
	cj.seed = job->repair_id ? job->repair_seed : job->up.opts.seed;
	cj.timeout_s = app->cfg->build_timeout;
	cj.memory_mb = app->cfg->build_memory_mb;
	build_compile_run(&cj, res);
	return 0;
}

/* Stores the compiled build (image at path image) as the outcome: a new
** build, or the identical one stored (as stored: a concurrent upload made
** it, or this one repaired its blobs). */
static void store(struct app *app, struct build_job *job, const char *image,
                  struct compile_result *res, const struct build_timing *t)
{
	struct build_outcome *o = &job->outcome;
	int rc = build_store_save(&app->blobs, &app->store, &job->up, image, res, t, &o->build);
	char made[HASH_HEX_LEN + 1];
	long long id = o->build.id;

	memcpy(made, o->build.sha, sizeof made);
	o->status = rc == STORE_OK ? BUILD_CREATED : BUILD_EXISTING;
	if (rc == STORE_EXISTS) {
		build_release(&o->build);
		if (store_build_get(&app->store, id, &o->build) != STORE_OK)
			rc = STORE_ERROR;
	}
	if (rc == STORE_ERROR) {
		build_release(&o->build);
		set(o, BUILD_INTERNAL, "%s", "cannot store the build");
	} else if (job->repair_id && strcmp(made, job->repair_sha)) {
		build_release(&o->build);
		set(o, BUILD_INTERNAL, "cannot repair build %lld: its sources now build image "
		    "%.16s..., not its stored %.16s...", job->repair_id, made, job->repair_sha);
		log_error("%s", o->message);
	} else if (job->repair_id) {
		log_event("build", "{s:s,s:I,s:s}", "action", "repaired", "id",
		          (json_int_t)job->repair_id, "sha256", job->repair_sha);
	}
}

static void count(struct app *app, const struct build_job *job)
{
	static const enum metrics_build_outcome kinds[] = {
		[BUILD_CREATED] = METRICS_BUILD_OK, [BUILD_EXISTING] = METRICS_BUILD_CACHED,
		[BUILD_COMPILE_ERROR] = METRICS_BUILD_COMPILE_ERROR,
		[BUILD_LIMIT] = METRICS_BUILD_FAILED, [BUILD_TIMEOUT] = METRICS_BUILD_TIMEOUT,
		[BUILD_BAD_REQUEST] = METRICS_BUILD_FAILED, [BUILD_FAILED] = METRICS_BUILD_FAILED,
		[BUILD_INTERNAL] = METRICS_BUILD_FAILED
	};
	double secs = (double)(http_now_us() - job->queued_us) / 1e6;

	metrics_build(&app->metrics, kinds[job->outcome.status],
	              job->outcome.status == BUILD_EXISTING ? 0 : secs);
}

void build_pipeline_run(struct app *app, struct build_job *job, struct workspace *w,
                        struct build_queue *q)
{
	struct compile_result res;
	struct build_timing t;
	char image[700];
	uint64_t t0;
	int ran;

	memset(&job->outcome, 0, sizeof job->outcome);
	memset(&res, 0, sizeof res);
	build_queue_slot_take(q);   /* workspace and compile: --build-workers at a time */
	t0 = http_now_us();
	ran = compile(app, job, w, image, &res) == 0;
	build_queue_slot_give(q);
	t.queued_us = job->queued_us;
	t.queued_ms = (long long)(t0 - job->queued_us) / 1000;
	t.compile_ms = (long long)(http_now_us() - t0) / 1000;
	if (ran && res.status == COMPILE_OK) {
		store(app, job, image, &res, &t);
	} else if (ran) {
		unlink(image);
		not_compiled(app, &res, &job->outcome);
	}
	build_compile_release(&res);
	count(app, job);
}
