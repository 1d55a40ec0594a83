/* build_queue.c - bounded FIFO of build jobs and the worker threads that run
** them (build_queue.h). */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#include "build_queue.h"
#include "log.h"

struct build_queue {
	struct app *app;                 /* borrowed */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct build_job *head, *tail;   /* queued, not yet taken by a thread */
	int queued;                      /* submitted, not yet compiling (--queue-limit) */
	int limit;
	int stopping;
	int nthreads;
	pthread_t *threads;              /* owned */
	sem_t slots;                     /* lfsc processes allowed to run at once */
};

static void *worker(void *arg)
{
	struct build_queue *b = arg;
	struct workspace w;

	build_workspace_init(&w);
	for (;;) {
		struct build_job *job;

		pthread_mutex_lock(&b->mu);
		while (!b->head && !b->stopping)
			pthread_cond_wait(&b->cond, &b->mu);
		job = b->head;
		if (!job) {           /* stopping and drained */
			pthread_mutex_unlock(&b->mu);
			build_workspace_remove(&w);
			return NULL;
		}
		b->head = job->next;
		if (!b->head)
			b->tail = NULL;
		pthread_mutex_unlock(&b->mu);
		build_pipeline_run(b->app, job, &w, b);
		job->done(job);   /* last touch of the job */
	}
}

void build_queue_slot_take(struct build_queue *b)
{
	while (sem_wait(&b->slots))
		;   /* EINTR */
	pthread_mutex_lock(&b->mu);
	b->queued--;   /* compiling now: no longer waiting */
	pthread_mutex_unlock(&b->mu);
}

void build_queue_slot_give(struct build_queue *b)
{
	sem_post(&b->slots);
}

struct build_queue *build_queue_new(struct app *app, int workers, int limit)
{
	struct build_queue *b = calloc(1, sizeof *b);
	int i;

	if (!b)
		return NULL;
	b->app = app;
	b->limit = limit;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cond, NULL);
	sem_init(&b->slots, 0, (unsigned)workers);
	/* twice as many threads as compile slots: while one build stores (waiting on
	** fsync), another compiles */
	workers *= 2;
	b->threads = calloc((size_t)workers, sizeof *b->threads);
	if (!b->threads) {
		free(b);
		return NULL;
	}
	for (i = 0; i < workers; i++) {
		if (pthread_create(&b->threads[i], NULL, worker, b)) {
			log_error("cannot start build worker");
			build_queue_stop(b);
			build_queue_free(b);
			return NULL;
		}
		b->nthreads++;
	}
	return b;
}

int build_queue_submit(struct build_queue *b, struct build_job *job)
{
	int ret = -1;

	pthread_mutex_lock(&b->mu);
	if (!b->stopping && b->queued < b->limit) {
		job->next = NULL;
		if (b->tail)
			b->tail->next = job;
		else
			b->head = job;
		b->tail = job;
		b->queued++;
		pthread_cond_signal(&b->cond);
		ret = 0;
	}
	pthread_mutex_unlock(&b->mu);
	return ret;
}

void build_queue_stop(struct build_queue *b)
{
	int i;

	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	b->stopping = 1;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->mu);
	for (i = 0; i < b->nthreads; i++)
		pthread_join(b->threads[i], NULL);
	b->nthreads = 0;
}

void build_queue_free(struct build_queue *b)
{
	if (!b)
		return;
	free(b->threads);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cond);
	sem_destroy(&b->slots);
	free(b);
}
