/* api_health.c - GET /healthz (liveness) and GET /metrics (Prometheus text). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "routes.h"

struct response api_health_get(struct req *r)
{
	static const char ok[] = "{\"ok\":true}";

	return resp_static(200, "application/json", ok, sizeof ok - 1);
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
