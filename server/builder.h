/* builder.h - the bounded build queue and its worker threads. */
#ifndef BUILDER_H
#define BUILDER_H

#include <stdint.h>

#include <jansson.h>
#include "upload.h"

struct app;

/* One POST /build. The request owns the job; while it is queued or running
** the request is suspended, so it cannot complete under the worker. The
** worker's last touch is http_resume(). */
struct build_job {
	struct upload up;                /* files and options, validated */
	struct req *req;                 /* borrowed; resumed when done */
	uint64_t queued_us;              /* http_now_us() at submit */
	unsigned status;                 /* answer: 201, 200, 4xx, 5xx */
	json_t *body;                    /* answer body, owned by the job */
	int done;                        /* status/body are set */
	struct build_job *next;          /* queue link */
};

/* Starts workers threads; at most limit jobs wait. NULL on failure (logged).
** app borrowed (must outlive the builder). */
struct builder *builder_new(struct app *app, int workers, int limit);
/* Queues job (borrowed until resumed). 0, or -1 if the queue is full or
** stopping (the caller answers 503). */
int builder_submit(struct builder *b, struct build_job *job);
/* Refuses new jobs, lets the workers finish every queued job, joins them. */
void builder_stop(struct builder *b);
/* Frees a stopped builder; NULL is a no-op. */
void builder_free(struct builder *b);

/* buildrun.c: runs one job to completion (compile, store, answer). */
void buildrun_execute(struct app *app, struct build_job *job);

#endif
