/* client_config.c - lfsd_cfg.lua, a device's client configuration for the
** NodeMCU Lua client (client_config.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "client_config.h"
#include "hex.h"
#include "lfsd_version.h"

/* 1 when h[0..n) is a name or address a device can connect to. */
static int host_ok(const char *h, size_t n, int v6)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-' ||
		      (v6 && h[i] == ':')))
			return 0;
	return n > 0;
}

int client_config_address(struct req *r, struct client_config *c)
{
	const char *given = r->app->cfg->device_address;
	const char *a = given[0] ? given : http_header(r, "Host"), *end, *rest;
	int v6;

	c->port = atomic_load(&r->app->https_port);
	if (!a)
		return -1;
	v6 = a[0] == '[';
	if (v6 && !(end = strchr(a, ']')))
		return -1;
	if (v6)
		a++;
	else
		end = a + strcspn(a, ":");
	rest = end + v6;
	if (!host_ok(a, (size_t)(end - a), v6) || (size_t)(end - a) >= sizeof c->host)
		return -1;
	memcpy(c->host, a, (size_t)(end - a));
	c->host[end - a] = '\0';
	if (given[0] && *rest == ':') {   /* the request's own port is the HTTP one */
		c->port = atoi(rest + 1);
		if (c->port < 1 || c->port > 65535)
			return -1;
	}
	return 0;
}

/* The last "-----BEGIN CERTIFICATE-----" block of pem, as a new string. */
static char *last_cert(const char *pem)
{
	const char *begin = NULL, *p, *end;
	char *out;

	for (p = pem; (p = strstr(p, "-----BEGIN CERTIFICATE-----")); p++)
		begin = p;
	end = begin ? strstr(begin, "-----END CERTIFICATE-----") : NULL;
	if (!end)
		return NULL;
	end += strlen("-----END CERTIFICATE-----");
	out = malloc((size_t)(end - begin) + 1);
	if (out) {
		memcpy(out, begin, (size_t)(end - begin));
		out[end - begin] = '\0';
	}
	return out;
}

/* One secret's line: its value, or nil and why it is not there. */
static void secret_line(char *buf, size_t size, const char *name, const char *hex,
                        const char *what)
{
	if (hex)
		snprintf(buf, size, "  %s = \"%s\",  -- %s\n", name, hex, what);
	else
		snprintf(buf, size, "  %s = nil,  -- %s: lfsd shows it only when it issues it\n",
		         name, what);
}

char *client_config_lua(const struct client_config *c, const char *ca_pem)
{
	char key[200], mkey[200], mhex[65], *ca = last_cert(ca_pem ? ca_pem : ""), *out = NULL;

	if (!ca)
		return NULL;
	if (c->mkey)
		hex_encode(c->mkey, 32, mhex);
	secret_line(key, sizeof key, "key", c->key, "the device key (Bearer)");
	secret_line(mkey, sizeof mkey, "mkey", c->mkey ? mhex : NULL,
	            "the manifest key (HMAC-SHA256)");
	if (asprintf(&out, "-- lfsd_cfg.lua: the client configuration of device %s, issued by "
	             "lfsd %s.\n-- Put it in the board's SPIFFS beside init.lua "
	             "(device/nodemcu/README.md).\n-- It holds the device's secrets: keep it "
	             "off shared storage.\nreturn {\n  host = \"%s\", port = %d,\n"
	             "  device = \"%s\", channel = \"%s\",\n%s%s"
	             "  poll = %d, checkin = 60,\n  ca = [[\n%s\n]],\n}\n", c->device,
	             LFSD_VERSION, c->host, c->port, c->device, c->channel, key, mkey, c->poll,
	             ca) < 0)
		out = NULL;
	free(ca);
	return out;
}
