/* api_health.c - GET /healthz (liveness) and GET /metrics (Prometheus text). */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "routes.h"

enum MHD_Result api_health_get(struct req *r)
{
	static const char ok[] = "{\"ok\":true}";

	return http_text(r, 200, "application/json", ok, sizeof ok - 1);
}

enum MHD_Result api_health_metrics(struct req *r)
{
	const char *names[METRICS_ROUTES];
	struct MHD_Response *resp;
	char *text;
	int i;

	for (i = 0; i < METRICS_ROUTES - 1 && routes_table[i].pattern; i++)
		names[i] = routes_table[i].name;
	names[i] = NULL;
	text = metrics_render(&r->app->metrics, names);
	if (!text)
		return http_error(r, 500, "internal", "cannot render metrics");
	/* MUST_FREE: text comes from open_memstream (malloc) */
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	r->bytes = strlen(text);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        "text/plain; version=0.0.4; charset=utf-8");
	return http_reply(r, 200, resp);
}
