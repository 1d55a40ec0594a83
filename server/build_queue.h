/* build_queue.h - the bounded queue of builds and the worker threads that
** run them through the pipeline (build_pipeline.h): 2 x --build-workers
** threads, of which at most --build-workers compile at a time (a compile
** slot), so one build's storage overlaps another's compile. A build waits in
** the queue (counted against --queue-limit) until it holds a compile slot. */
#ifndef BUILD_QUEUE_H
#define BUILD_QUEUE_H

#include "build_pipeline.h"

struct app;
struct build_queue;

/* Starts 2 x workers threads with workers compile slots; at most limit jobs
** wait. NULL on failure (logged). app borrowed (must outlive the queue). */
struct build_queue *build_queue_new(struct app *app, int workers, int limit);
/* Queues job (borrowed until its done() is called). 0, or -1 if the queue
** is full or stopping (the caller answers 503). */
int build_queue_submit(struct build_queue *q, struct build_job *job);
/* A compile slot: take blocks until one is free (the job then stops
** counting as waiting); give returns it. Called by the pipeline. */
void build_queue_slot_take(struct build_queue *q);
void build_queue_slot_give(struct build_queue *q);
/* Refuses new jobs, lets the workers finish every queued job, joins them. */
void build_queue_stop(struct build_queue *q);
/* Frees a stopped queue; NULL is a no-op. */
void build_queue_free(struct build_queue *q);

#endif
