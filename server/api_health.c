/* api_health.c - GET /healthz (liveness, and storage trouble: health.h) and
** GET /metrics (Prometheus text). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "health.h"
#include "routes.h"

/* A write that failed a while ago: try one now (a setting, at most every
** PROBE_SECONDS), so the report clears once the disk has room again. */
#define PROBE_SECONDS 5

struct response api_health_get(struct req *r)
{
	static const char ok[] = "{\"ok\":true}";
	char now[32];
	json_t *problems;

	if (health_write_stale(PROBE_SECONDS)) {
		health_write_probed();
		snprintf(now, sizeof now, "%lld", (long long)time(NULL));
		store_setting_set(&r->app->store, "health_probe", now);   /* clears on success */
	}
	problems = health_problems();
	if (!problems)
		return resp_static(200, "application/json", ok, sizeof ok - 1);
	return resp_json(503, json_pack("{s:b,s:o}", "ok", 0, "problems", problems));
}

struct response api_health_metrics(struct req *r)
{
	const char *names[METRICS_ROUTES];
	char *text;
	int i;

	for (i = 0; i < METRICS_ROUTES - 1 && routes_table[i].pattern; i++)
		names[i] = routes_table[i].name;
	names[i] = NULL;
	text = metrics_render(&r->app->metrics, names);
	if (!text)
		return resp_error(500, "internal", "cannot render metrics");
	return resp_take(200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
}
