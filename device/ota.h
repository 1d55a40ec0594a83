/*
** ota.h - the device side of lfsd's device API (server/README.md): poll
** GET /ota/latest (the signed manifest's JSON form), POST /ota/report,
** GET /ota/pubkey. Requests go through fetch.c; JSON through jansson.
*/
#ifndef DEVICE_OTA_H
#define DEVICE_OTA_H

#include <stdint.h>
#include "error.h"
#include "fetch.h"

/* What a poll sends (strings borrowed). */
struct ota_poll {
	const char *device;
	const char *current;      /* the running image's SHA-256, or "" / NULL */
	const char *nonce;        /* 32 lowercase hex digits, fresh for this poll */
	const char *keyid;        /* id of the signing key the device pins, or NULL */
};

/* lfsd's offer (the JSON form of the manifest), as received: nothing in it
** is verified yet (manifest.h, verify.h). */
struct ota_offer {
	char *text;               /* owned (ota_offer_free); the manifest's text */
	size_t len;
	char signature[256];      /* base64 DER ECDSA P-256 over the text */
};
void ota_offer_free(struct ota_offer *o);

/*
** Polls for the newest image. *status is the HTTP status, *poll_interval
** lfsd's LFSD-Poll-Interval (0 if absent). *update = 1 and *o filled on 200
** (caller owns: ota_offer_free); 204/304 give *update = 0. Other statuses
** are DEV_ERR_HTTP with the server's error message.
*/
int ota_latest(struct fetch *f, const struct ota_poll *p, struct ota_offer *o, int *update,
	       int *status, long *poll_interval, struct dev_error *err);

/* Reports one state change; 2xx is success, other statuses DEV_ERR_HTTP
** (*status says which). sha, detail and running (the image the device runs
** now, when it is not sha) may be "" or NULL. */
int ota_report(struct fetch *f, const char *device, const char *state, const char *sha,
	       const char *detail, const char *running, int *status, struct dev_error *err);

/* Fetches the image-signing public key: *pem NUL-terminated (caller owns; free()). */
int ota_pubkey(struct fetch *f, char **pem, struct dev_error *err);

#endif
