/* metrics.c - request, build and poll counters; Prometheus text rendering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const int statuses[METRICS_STATUSES] = {
	200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 409, 413, 415, 416,
	422, 500, 503, 0 /* other */
};
static const double bounds[METRICS_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 1e300
};
static const char *const outcomes[METRICS_BUILD_OUTCOMES] = {
	"ok", "cached", "compile_error", "failed", "timeout", "rejected"
};
static const char *const polls[METRICS_POLL_RESULTS] = {
	"update", "current", "denied"
};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof *m);
}

static int status_slot(int status)
{
	int i;

	for (i = 0; statuses[i]; i++)
		if (statuses[i] == status)
			return i;
	return i;
}

void metrics_request(struct metrics *m, int route, int status)
{
	if (route < 0 || route >= METRICS_ROUTES)
		route = METRICS_ROUTES - 1;
	atomic_fetch_add_explicit(&m->requests[route][status_slot(status)], 1,
	                          memory_order_relaxed);
}

void metrics_build(struct metrics *m, enum metrics_build_outcome o, double seconds)
{
	int i;

	atomic_fetch_add(&m->builds[o], 1);
	if (o != METRICS_BUILD_OK && o != METRICS_BUILD_COMPILE_ERROR)
		return;
	for (i = 0; i < METRICS_BUCKETS - 1 && seconds > bounds[i]; i++)
		;
	atomic_fetch_add(&m->duration_bucket[i], 1);
	atomic_fetch_add(&m->duration_count, 1);
	atomic_fetch_add(&m->duration_sum_us, (unsigned long long)(seconds * 1e6));
}

void metrics_poll(struct metrics *m, enum metrics_poll_result r)
{
	atomic_fetch_add_explicit(&m->polls[r], 1, memory_order_relaxed);
}

static const char *const targets[METRICS_TARGETS] = {
	"nodemcu-lua53", "nodemcu-lua53-64", "nodemcu-lua51"
};

void metrics_target(struct metrics *m, const char *target, unsigned status)
{
	int t;

	for (t = 0; t < METRICS_TARGETS && strcmp(targets[t], target); t++)
		;
	if (t < METRICS_TARGETS)
		atomic_fetch_add_explicit(&m->target_builds[t][status != 200 && status != 201],
					  1, memory_order_relaxed);
}

char *metrics_render(struct metrics *m, const char *const *names)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	unsigned long cum = 0;
	int r, s;

	if (!f)
		return NULL;
	fputs("# HELP lfsd_http_requests_total HTTP requests answered, by route and status.\n"
	      "# TYPE lfsd_http_requests_total counter\n", f);
	for (r = 0; r < METRICS_ROUTES; r++) {
		const char *name = r == METRICS_ROUTES - 1 ? "none" : names[r];

		if (!name)
			r = METRICS_ROUTES - 2;   /* jump to the "none" slot */
		if (!name)
			continue;
		for (s = 0; s < METRICS_STATUSES; s++) {
			unsigned long v = atomic_load(&m->requests[r][s]);

			if (!v)
				continue;
			if (statuses[s])
				fprintf(f, "lfsd_http_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
				        name, statuses[s], v);
			else
				fprintf(f, "lfsd_http_requests_total{route=\"%s\",status=\"other\"} %lu\n",
				        name, v);
		}
	}
	fputs("# HELP lfsd_builds_total Build requests by outcome.\n"
	      "# TYPE lfsd_builds_total counter\n", f);
	for (r = 0; r < METRICS_BUILD_OUTCOMES; r++)
		fprintf(f, "lfsd_builds_total{outcome=\"%s\"} %lu\n", outcomes[r],
		        atomic_load(&m->builds[r]));
	fputs("# HELP lfsd_target_builds_total Builds answered (new, or found in the store), "
	      "by target and result.\n# TYPE lfsd_target_builds_total counter\n", f);
	for (r = 0; r < METRICS_TARGETS; r++)
		for (s = 0; s < 2; s++)
			fprintf(f, "lfsd_target_builds_total{target=\"%s\",result=\"%s\"} %lu\n",
			        targets[r], s ? "error" : "ok",
			        atomic_load(&m->target_builds[r][s]));
	fputs("# HELP lfsd_build_duration_seconds Time from queueing to the answer of a build.\n"
	      "# TYPE lfsd_build_duration_seconds histogram\n", f);
	for (r = 0; r < METRICS_BUCKETS; r++) {
		cum += atomic_load(&m->duration_bucket[r]);
		if (r == METRICS_BUCKETS - 1)
			fprintf(f, "lfsd_build_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
		else
			fprintf(f, "lfsd_build_duration_seconds_bucket{le=\"%g\"} %lu\n",
			        bounds[r], cum);
	}
	fprintf(f, "lfsd_build_duration_seconds_sum %.6f\n",
	        atomic_load(&m->duration_sum_us) / 1e6);
	fprintf(f, "lfsd_build_duration_seconds_count %lu\n", atomic_load(&m->duration_count));
	fputs("# HELP lfsd_ota_polls_total Device polls of /ota/latest by result.\n"
	      "# TYPE lfsd_ota_polls_total counter\n", f);
	for (r = 0; r < METRICS_POLL_RESULTS; r++)
		fprintf(f, "lfsd_ota_polls_total{result=\"%s\"} %lu\n", polls[r],
		        atomic_load(&m->polls[r]));
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
