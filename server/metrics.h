/* metrics.h - lock-free counters rendered as Prometheus text at /metrics. */
#ifndef METRICS_H
#define METRICS_H

#include <stdatomic.h>

#define METRICS_ROUTES 48     /* route slots: the route table plus "none" */
#define METRICS_STATUSES 20
#define METRICS_BUCKETS 11
#define METRICS_TARGETS 3     /* nodemcu-lua53, nodemcu-lua53-64, nodemcu-lua51 */

enum metrics_build_outcome {
	METRICS_BUILD_OK, METRICS_BUILD_CACHED, METRICS_BUILD_COMPILE_ERROR,
	METRICS_BUILD_FAILED, METRICS_BUILD_TIMEOUT, METRICS_BUILD_REJECTED,
	METRICS_BUILD_OUTCOMES
};

enum metrics_poll_result {
	METRICS_POLL_UPDATE, METRICS_POLL_CURRENT, METRICS_POLL_DENIED,
	METRICS_POLL_RESULTS
};

struct metrics {
	atomic_ulong requests[METRICS_ROUTES][METRICS_STATUSES];
	atomic_ulong builds[METRICS_BUILD_OUTCOMES];
	atomic_ulong duration_bucket[METRICS_BUCKETS];   /* cumulative on render */
	atomic_ulong duration_count;
	atomic_ullong duration_sum_us;
	atomic_ulong polls[METRICS_POLL_RESULTS];
	atomic_ulong target_builds[METRICS_TARGETS][2];  /* [target][0 ok, 1 error] */
};

void metrics_init(struct metrics *m);
/* Counts one answered request; route is an index below METRICS_ROUTES. */
void metrics_request(struct metrics *m, int route, int status);
void metrics_build(struct metrics *m, enum metrics_build_outcome o, double seconds);
void metrics_poll(struct metrics *m, enum metrics_poll_result r);
/* Counts one answered build of `target` (the option's name) by its HTTP
** status: 200/201 (cached or new image) are "ok", anything else "error". */
void metrics_target(struct metrics *m, const char *target, unsigned status);
/* Renders everything; names[i] labels route slot i (NULL ends the list).
** Returns a new string (caller owns: free()) or NULL. */
char *metrics_render(struct metrics *m, const char *const *names);

#endif
