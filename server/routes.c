/* routes.c - the route table of lfsd, and nothing else but its matcher. */
#include <string.h>

#include "api.h"
#include "routes.h"

const struct route routes_table[] = {
	/* builds (api_builds.c) */
	{ "POST",  "/build",                       ROUTE_ADMIN,  api_builds_post,     "build" },
	{ "GET",   "/builds",                      ROUTE_ADMIN,  api_builds_list,     "builds" },
	{ "GET",   "/builds/{id}",                 ROUTE_ADMIN,  api_builds_get,      "build_get" },
	{ "DELETE", "/builds/{id}",                ROUTE_ADMIN,  api_builds_delete,   "build_delete" },
	{ "GET",   "/builds/{id}/lfs.img",         ROUTE_ADMIN,  api_builds_image,    "build_image" },
	{ "GET",   "/builds/{id}/listing",         ROUTE_ADMIN,  api_builds_listing,  "build_listing" },
	{ "GET",   "/builds/{id}/sources/{name}",  ROUTE_ADMIN,  api_builds_source,   "build_source" },
	/* releases and channels (api_releases.c) */
	{ "POST",  "/releases",                    ROUTE_ADMIN,  api_releases_post,   "releases_post" },
	{ "GET",   "/releases",                    ROUTE_ADMIN,  api_releases_list,   "releases" },
	{ "GET",   "/releases/{id}",               ROUTE_ADMIN,  api_releases_get,    "release_get" },
	{ "PATCH", "/releases/{id}",               ROUTE_ADMIN,  api_releases_patch,  "release_patch" },
	{ "GET",   "/channels",                    ROUTE_ADMIN,  api_releases_channels,   "channels" },
	/* devices (api_devices.c) */
	{ "POST",  "/devices",                     ROUTE_ADMIN,  api_devices_post,    "devices_post" },
	{ "GET",   "/devices",                     ROUTE_ADMIN,  api_devices_list,    "devices" },
	{ "GET",   "/devices/{id}",                ROUTE_ADMIN,  api_devices_get,     "device_get" },
	{ "GET",   "/devices/{id}/client-config",  ROUTE_ADMIN,  api_devices_client_config, "device_client_config" },
	{ "PATCH", "/devices/{id}",                ROUTE_ADMIN,  api_devices_patch,   "device_patch" },
	{ "DELETE", "/devices/{id}",               ROUTE_ADMIN,  api_devices_delete,  "device_delete" },
	{ "POST",  "/devices/{id}/key",            ROUTE_ADMIN,  api_devices_rekey,   "device_key" },
	{ "GET",   "/fleet",                       ROUTE_ADMIN,  api_devices_fleet,   "fleet" },
	/* device API (api_ota.c) */
	{ "GET",   "/ota/latest",                  ROUTE_DEVICE, api_ota_latest,      "ota_latest" },
	{ "GET",   "/ota/images/{sha256}",         ROUTE_DEVICE, api_ota_image,       "ota_image" },
	{ "POST",  "/ota/report",                  ROUTE_DEVICE, api_ota_report,      "ota_report" },
	{ "GET",   "/ota/pubkey",                  ROUTE_ANYONE, api_ota_pubkey,      "ota_pubkey" },
	/* service (api_health.c) */
	{ "GET",   "/healthz",                     ROUTE_ANYONE, api_health_get,      "healthz" },
	{ "GET",   "/metrics",                     ROUTE_ANYONE, api_health_metrics,     "metrics" },
	/* the dashboard's files (api_static.c); last: it takes every other path */
	{ "GET",   "/*",                           ROUTE_ANYONE, api_static_get,      "static" },
	{ NULL, NULL, ROUTE_ANYONE, NULL, NULL }
};

/* Matches one pattern; 1 on success with params filled. */
static int match(const char *pat, const char *path, char params[][256])
{
	int n = 0;

	while (*pat) {
		if (pat[0] == '*' && pat[1] == '\0')
			return 1;
		if (*pat == '{') {
			size_t len = strcspn(path, "/");

			if (len == 0 || len >= 256 || n >= HTTP_MAX_PARAMS)
				return 0;
			memcpy(params[n], path, len);
			params[n++][len] = '\0';
			path += len;
			pat = strchr(pat, '}') + 1;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return *path == '\0';
}

const struct route *routes_match(const char *method, const char *path,
                                 char params[][256], int *wrong_method)
{
	const struct route *rt;
	int is_head = !strcmp(method, "HEAD");

	*wrong_method = 0;
	for (rt = routes_table; rt->pattern; rt++) {
		if (!match(rt->pattern, path, params))
			continue;
		if (*wrong_method && !strcmp(rt->pattern, "/*"))
			return NULL;   /* a known path under another method: 405 */
		if (!strcmp(rt->method, method) || (is_head && !strcmp(rt->method, "GET")))
			return rt;
		if (strcmp(rt->pattern, "/*"))
			*wrong_method = 1;
	}
	return NULL;
}
