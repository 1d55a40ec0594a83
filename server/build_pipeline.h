/* build_pipeline.h - one build from its validated upload to its outcome:
** the stages in order (server/README.md has the map),
**   build_workspace  the private directory with the uploaded names
**   build_compile    lfsc as a child process -> struct compile_result
**   build_store      blobs, then the row
** run by a build_queue worker. The HTTP answer is not made here: the
** handler's done() maps the typed outcome (api_builds.c). */
#ifndef BUILD_PIPELINE_H
#define BUILD_PIPELINE_H

#include <stdint.h>

#include "build_upload.h"
#include "build_workspace.h"
#include "store.h"

struct app;
struct req;

enum build_status {
	BUILD_CREATED,        /* stored; outcome.build is it */
	BUILD_EXISTING,       /* an identical build is stored (found meanwhile, or
	                         repaired); outcome.build is that one as stored */
	BUILD_COMPILE_ERROR,  /* the sources do not compile: message, file, line */
	BUILD_LIMIT,          /* over max_size, or lfsc ran out of memory */
	BUILD_TIMEOUT,        /* lfsc hit its wall-clock or CPU-time limit */
	BUILD_BAD_REQUEST,    /* lfsc refused the options */
	BUILD_FAILED,         /* lfsc crashed, cannot run, or gave no result */
	BUILD_INTERNAL        /* lfsd could not run or store it */
};

struct build_outcome {
	enum build_status status;
	char message[512];
	char file[80];                   /* "" = no position */
	int line;
	struct build build;              /* CREATED, EXISTING: owned (build_release) */
};

/* One POST /build. The request owns the job; while it is queued or running
** the request is suspended, so it cannot complete under the worker. */
struct build_job {
	struct build_upload up;          /* files and options, validated */
	/* a repair: the upload is identical to stored build repair_id, one of
	** whose blobs is missing or damaged; it is rebuilt with that build's seed
	** and timestamp, and its image must be the same bytes (repair_sha) */
	long long repair_id;             /* 0 = a new build */
	char repair_sha[HASH_HEX_LEN + 1];
	uint32_t repair_seed;
	int64_t repair_timestamp;
	struct req *req;                 /* borrowed; for done() */
	uint64_t queued_us;              /* http_now_us() at submit */
	/* Called on the worker thread once outcome is set: the pipeline's last
	** touch of the job (it typically resumes the request). */
	void (*done)(struct build_job *job);
	struct build_outcome outcome;
	struct build_job *next;          /* queue link */
};

/* Runs every stage for job in workspace w (the calling worker's, kept from
** build to build) and sets job->outcome; counts it in the metrics. The
** compile stage holds a compile slot of q (build_queue.h). app, w, q
** borrowed. */
struct build_queue;
void build_pipeline_run(struct app *app, struct build_job *job, struct workspace *w,
                        struct build_queue *q);

#endif
