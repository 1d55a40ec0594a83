/*
** nodemcu_sched.h - the emulated firmware's single-threaded scheduler
** (nodemcu-api.md §0): one unit of work at a time - a posted task, a fired
** timer, an event of the network stack, or a ready socket - each run to
** completion before the next starts, so network effects of a callback happen
** only after it returns. Lua-free: work items are C functions; the Lua
** modules wrap Lua callbacks in them.
**
** Timers and watches are intrusive (embedded in their owner's struct, which
** must outlive its registration); events and tasks are copied into queues.
*/
#ifndef DEVICE_NODEMCU_SCHED_H
#define DEVICE_NODEMCU_SCHED_H

#include <stdint.h>

#define SCHED_PRIOS     3   /* node.task LOW_PRIORITY 0 .. HIGH_PRIORITY 2 */
#define SCHED_QUEUE_LEN 8   /* per priority: TASK_DEFAULT_QUEUE_LEN, app/platform/platform.c */

typedef void (*sched_fn)(void *ctx, intptr_t arg);

struct sched_timer {
	struct sched_timer *next;  /* sched's list of armed timers, by due time */
	int64_t due_ms;            /* sched_now_ms() time it fires */
	sched_fn fn;               /* called with (ctx, 0) once when due */
	void *ctx;
	int armed;
};

struct sched_watch {
	struct sched_watch *next;  /* sched's list */
	int fd;                    /* descriptor polled */
	short events;              /* POLLIN / POLLOUT wanted now (0 = none) */
	short ready;               /* revents of the last poll not yet dispatched */
	int repoll_ms;             /* > 0: call fn(ctx, 0) again after this long even
				      without events (ack tracking) */
	sched_fn fn;               /* called with (ctx, revents) */
	void *ctx;
	int added;
};

struct sched;

/* Creates a scheduler whose clock starts now (boot). *out: caller owns;
** sched_free(). Returns 0 or -1 (out of memory). */
int sched_new(struct sched **out);
void sched_free(struct sched *s);   /* drops queued work; NULL is a no-op */

int64_t sched_now_ms(const struct sched *s);   /* ms since boot */
int64_t sched_now_us(const struct sched *s);   /* µs since boot */

/* Queues a task at priority prio (0..2). Returns -1 when that priority's
** queue already holds SCHED_QUEUE_LEN tasks (the firmware's "Task queue
** overflow"). */
int sched_post(struct sched *s, int prio, sched_fn fn, void *ctx, intptr_t arg);
/* Queues an event of the network stack (unbounded, run before tasks).
** Returns -1 on out of memory. */
int sched_event(struct sched *s, sched_fn fn, void *ctx, intptr_t arg);
/* Drops every queued event and task whose ctx is ctx (an object going away). */
void sched_cancel(struct sched *s, const void *ctx);

/* Arms t (fn and ctx set by the caller) to fire after ms; re-arming moves it. */
void sched_timer_arm(struct sched *s, struct sched_timer *t, int64_t ms);
void sched_timer_disarm(struct sched *s, struct sched_timer *t);

/* Adds or removes a watch (fd, fn, ctx, events set by the caller; events
** may change at any time). */
void sched_watch_add(struct sched *s, struct sched_watch *w);
void sched_watch_del(struct sched *s, struct sched_watch *w);

/* Runs at most one unit of work, waiting up to max_wait_ms for one.
** Returns 1 if work ran, 0 if the wait ended with none, -1 if there is
** nothing that could ever run (no queued work, no timer, no watch). */
int sched_step(struct sched *s, int64_t max_wait_ms);

#endif
