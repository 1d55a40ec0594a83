/*
** ota.h - the device side of lfsd's device API (server/README.md): poll
** GET /ota/latest, POST /ota/report, GET /ota/pubkey. Requests go through
** fetch.c; JSON through jansson.
*/
#ifndef DEVICE_OTA_H
#define DEVICE_OTA_H

#include <stdint.h>
#include "error.h"
#include "fetch.h"

struct ota_manifest {
	int64_t release;          /* release id */
	int64_t version;          /* release number within the channel */
	int64_t size;             /* image bytes */
	long poll_interval;       /* seconds; 0 if absent */
	char sha256[65];          /* image SHA-256, lowercase hex */
	char url[512];            /* where to GET the image (path or https URL) */
	char signature[256];      /* base64 DER ECDSA P-256 over the SHA-256 */
};

/*
** Polls for the newest image. current is the running image's SHA-256 (or ""
** / NULL). *status is the HTTP status. *update = 1 and *m filled on 200;
** 204/304 give *update = 0. Other statuses are DEV_ERR_HTTP with the
** server's error message.
*/
int ota_latest(struct fetch *f, const char *device, const char *current,
	       struct ota_manifest *m, int *update, int *status, struct dev_error *err);

/* Reports one state change; 2xx is success, other statuses DEV_ERR_HTTP
** (*status says which). sha, detail and running (the image the device runs
** now, when it is not sha) may be "" or NULL. */
int ota_report(struct fetch *f, const char *device, const char *state, const char *sha,
	       const char *detail, const char *running, int *status, struct dev_error *err);

/* Fetches the image-signing public key: *pem NUL-terminated (caller owns; free()). */
int ota_pubkey(struct fetch *f, char **pem, struct dev_error *err);

#endif
