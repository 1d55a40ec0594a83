/* client_config.h - a device's client configuration for lfsd's NodeMCU Lua
** client: the Lua file lfsd_cfg.lua the board keeps in SPIFFS
** (device/nodemcu/README.md "First flash"; lfsota.lua's M.start reads it):
** where lfsd is, the device id and channel, its bearer key and manifest key,
** lfsd's certificate (the CA the board verifies against) and the poll
** interval. The secrets are in it only when the device's key is issued
** (POST /devices); afterwards (GET /devices/{id}/client-config) the same file
** comes without them. */
#ifndef CLIENT_CONFIG_H
#define CLIENT_CONFIG_H

#include <stdint.h>

#include "http.h"

/* What goes in (strings borrowed). */
struct client_config {
	char host[256];            /* where devices reach lfsd's HTTPS listener */
	int port;
	const char *device, *channel;
	const char *key;           /* the device key (64 hex), NULL = not shown */
	const uint8_t *mkey;       /* its manifest key (32 bytes), NULL = not shown */
	int poll;                  /* seconds */
};

/* Fills c->host and c->port: --device-address, else the host the request
** named (Host:) and lfsd's HTTPS port. Returns 0, or -1 when neither gives
** a host name or address a device can use ([A-Za-z0-9.-], or an IPv6
** address). */
int client_config_address(struct req *r, struct client_config *c);

/* The lfsd_cfg.lua text of c with ca_pem's last certificate (lfsd's own,
** or the top of its chain) as the board's CA. Caller owns (free()); NULL
** when out of memory or ca_pem holds no certificate. */
char *client_config_lua(const struct client_config *c, const char *ca_pem);

#endif
