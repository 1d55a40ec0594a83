/* builder.c - bounded FIFO of build jobs and the worker threads that run them. */
#include <pthread.h>
#include <stdlib.h>

#include "app.h"
#include "builder.h"
#include "http.h"
#include "log.h"

struct builder {
	struct app *app;                 /* borrowed */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct build_job *head, *tail;   /* queued, not yet running */
	int queued;
	int limit;
	int stopping;
	int nthreads;
	pthread_t *threads;              /* owned */
};

static void *worker(void *arg)
{
	struct builder *b = arg;

	for (;;) {
		struct build_job *job;

		pthread_mutex_lock(&b->mu);
		while (!b->head && !b->stopping)
			pthread_cond_wait(&b->cond, &b->mu);
		job = b->head;
		if (!job) {           /* stopping and drained */
			pthread_mutex_unlock(&b->mu);
			return NULL;
		}
		b->head = job->next;
		if (!b->head)
			b->tail = NULL;
		b->queued--;
		pthread_mutex_unlock(&b->mu);
		buildrun_execute(b->app, job);
		job->done = 1;
		http_resume_conn(job->conn);   /* last touch: the request may now end */
	}
}

struct builder *builder_new(struct app *app, int workers, int limit)
{
	struct builder *b = calloc(1, sizeof *b);
	int i;

	if (!b)
		return NULL;
	b->app = app;
	b->limit = limit;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->threads = calloc((size_t)workers, sizeof *b->threads);
	if (!b->threads) {
		free(b);
		return NULL;
	}
	for (i = 0; i < workers; i++) {
		if (pthread_create(&b->threads[i], NULL, worker, b)) {
			log_error("cannot start build worker");
			builder_stop(b);
			builder_free(b);
			return NULL;
		}
		b->nthreads++;
	}
	return b;
}

int builder_submit(struct builder *b, struct build_job *job)
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

void builder_stop(struct builder *b)
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

void builder_free(struct builder *b)
{
	if (!b)
		return;
	free(b->threads);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cond);
	free(b);
}
