/*
** nodemcu_sched.c - task queues, timers and poll(2) for the emulated
** firmware; see nodemcu_sched.h.
*/
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nodemcu_sched.h"
#include "platform.h"

struct item {
	struct item *next;
	sched_fn fn;
	void *ctx;
	intptr_t arg;
};

struct queue {
	struct item *head, *tail;
	int len;
};

struct sched {
	int64_t boot_us;                   /* platform clock at boot, µs */
	struct queue events;               /* network stack events, unbounded */
	struct queue tasks[SCHED_PRIOS];   /* node.task.post & co, bounded */
	struct sched_timer *timers;        /* armed, earliest first */
	struct sched_watch *watches;
};

static int64_t clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int sched_new(struct sched **out)
{
	struct sched *s = calloc(1, sizeof *s);

	*out = s;
	if (!s)
		return -1;
	s->boot_us = clock_us();
	return 0;
}

static void drain(struct queue *q)
{
	struct item *i, *n;

	for (i = q->head; i; i = n) {
		n = i->next;
		free(i);
	}
	memset(q, 0, sizeof *q);
}

void sched_free(struct sched *s)
{
	int p;

	if (!s)
		return;
	drain(&s->events);
	for (p = 0; p < SCHED_PRIOS; p++)
		drain(&s->tasks[p]);
	free(s);
}

int64_t sched_now_us(const struct sched *s)
{
	return clock_us() - s->boot_us;
}

int64_t sched_now_ms(const struct sched *s)
{
	return sched_now_us(s) / 1000;
}

static int push(struct queue *q, sched_fn fn, void *ctx, intptr_t arg)
{
	struct item *i = malloc(sizeof *i);

	if (!i)
		return -1;
	i->next = NULL;
	i->fn = fn;
	i->ctx = ctx;
	i->arg = arg;
	if (q->tail)
		q->tail->next = i;
	else
		q->head = i;
	q->tail = i;
	q->len++;
	return 0;
}

int sched_post(struct sched *s, int prio, sched_fn fn, void *ctx, intptr_t arg)
{
	if (prio < 0 || prio >= SCHED_PRIOS || s->tasks[prio].len >= SCHED_QUEUE_LEN)
		return -1;
	return push(&s->tasks[prio], fn, ctx, arg);
}

int sched_event(struct sched *s, sched_fn fn, void *ctx, intptr_t arg)
{
	return push(&s->events, fn, ctx, arg);
}

static void cancel_in(struct queue *q, const void *ctx)
{
	struct item **pp = &q->head, *i;

	q->tail = NULL;
	while ((i = *pp)) {
		if (i->ctx == ctx) {
			*pp = i->next;
			free(i);
			q->len--;
			continue;
		}
		q->tail = i;
		pp = &i->next;
	}
}

void sched_cancel(struct sched *s, const void *ctx)
{
	int p;

	cancel_in(&s->events, ctx);
	for (p = 0; p < SCHED_PRIOS; p++)
		cancel_in(&s->tasks[p], ctx);
}

void sched_timer_disarm(struct sched *s, struct sched_timer *t)
{
	struct sched_timer **pp;

	if (!t->armed)
		return;
	for (pp = &s->timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = 0;
	t->next = NULL;
}

void sched_timer_arm(struct sched *s, struct sched_timer *t, int64_t ms)
{
	struct sched_timer **pp;

	sched_timer_disarm(s, t);
	t->due_ms = sched_now_ms(s) + ms;
	for (pp = &s->timers; *pp && (*pp)->due_ms <= t->due_ms; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = 1;
}

void sched_watch_add(struct sched *s, struct sched_watch *w)
{
	if (w->added)
		return;
	w->next = s->watches;
	s->watches = w;
	w->added = 1;
	w->ready = 0;
}

void sched_watch_del(struct sched *s, struct sched_watch *w)
{
	struct sched_watch **pp;

	if (!w->added)
		return;
	for (pp = &s->watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->added = 0;
	w->next = NULL;
}

static int run_queue(struct queue *q)
{
	struct item *i = q->head;

	if (!i)
		return 0;
	q->head = i->next;
	if (!q->head)
		q->tail = NULL;
	q->len--;
	i->fn(i->ctx, i->arg);
	free(i);
	return 1;
}

/* Dispatches one watch with pending revents, or one whose repoll is due. */
static int run_ready(struct sched *s)
{
	struct sched_watch *w;

	for (w = s->watches; w; w = w->next) {
		if (w->ready) {
			short r = w->ready;
			w->ready = 0;
			w->fn(w->ctx, r);
			return 1;
		}
	}
	return 0;
}

/* Waits up to wait_ms for the watched descriptors and runs one ready watch
** (or, after a quiet wait, one that asked to be called again). */
static int poll_watches(struct sched *s, int64_t wait_ms)
{
	struct pollfd fds[64];
	struct sched_watch *w, *ws[64];
	int n = 0, i, rc;

	for (w = s->watches; w && n < 64; w = w->next) {
		if (w->repoll_ms > 0 && w->repoll_ms < wait_ms)
			wait_ms = w->repoll_ms;
		fds[n].fd = w->events ? w->fd : -1;   /* held: not even hang-ups */
		fds[n].events = w->events;
		fds[n].revents = 0;
		ws[n++] = w;
	}
	rc = poll(fds, (nfds_t)n, (int)wait_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++)
		ws[i]->ready = fds[i].revents;
	if (rc > 0)
		return run_ready(s);
	for (i = 0; i < n; i++)
		if (ws[i]->repoll_ms > 0) {
			ws[i]->fn(ws[i]->ctx, 0);
			return 1;
		}
	return 0;
}

int sched_step(struct sched *s, int64_t max_wait_ms)
{
	struct sched_timer *t;
	int64_t now, wait;
	int p;

	if (run_queue(&s->events) || run_ready(s))
		return 1;
	for (p = SCHED_PRIOS - 1; p >= 0; p--)
		if (run_queue(&s->tasks[p]))
			return 1;
	now = sched_now_ms(s);
	t = s->timers;
	if (t && t->due_ms <= now) {
		sched_timer_disarm(s, t);
		t->fn(t->ctx, 0);
		return 1;
	}
	if (!t && !s->watches)
		return -1;
	wait = t ? t->due_ms - now : max_wait_ms;
	if (wait > max_wait_ms)
		wait = max_wait_ms;
	if (wait < 0)
		wait = 0;
	if (s->watches)
		return poll_watches(s, wait) > 0 ? 1 : 0;
	platform_sleep_ms((long)wait);
	return 0;
}
