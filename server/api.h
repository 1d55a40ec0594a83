/* api.h - the request handlers named in routes.c; one file per resource. */
#ifndef API_H
#define API_H

#include "http.h"

/* api_builds.c: POST /build, reading builds */
struct response api_builds_post(struct req *r);
struct response api_builds_list(struct req *r);
struct response api_builds_get(struct req *r);
struct response api_builds_image(struct req *r);
struct response api_builds_listing(struct req *r);
struct response api_builds_source(struct req *r);
struct response api_builds_delete(struct req *r);
/* api_releases.c */
struct response api_releases_post(struct req *r);
struct response api_releases_list(struct req *r);
struct response api_releases_get(struct req *r);
struct response api_releases_patch(struct req *r);
struct response api_releases_channels(struct req *r);
/* api_devices.c */
struct response api_devices_list(struct req *r);
struct response api_devices_get(struct req *r);
struct response api_devices_fleet(struct req *r);
struct response api_devices_client_config(struct req *r);
/* The API's device object (new reference): the store's row d with the
** fleet's in-memory last seen and running image (newer between flushes),
** its rollout bucket, the release it runs and the one it would be offered.
** app and d borrowed. */
struct app;
struct device;
json_t *api_device_json(struct app *app, const struct device *d);
/* api_devices_admin.c: register, delete, new key, move */
struct response api_devices_post(struct req *r);
struct response api_devices_delete(struct req *r);
struct response api_devices_rekey(struct req *r);
struct response api_devices_patch(struct req *r);
/* api_ota.c: the device API */
struct response api_ota_latest(struct req *r);
struct response api_ota_image(struct req *r);
struct response api_ota_report(struct req *r);
struct response api_ota_pubkey(struct req *r);
/* api_health.c */
struct response api_health_get(struct req *r);
struct response api_health_metrics(struct req *r);
/* api_static.c */
struct response api_static_get(struct req *r);

#endif
