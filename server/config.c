/* config.c - lfsd's command line: flags, defaults and validation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char usage[] =
"usage: lfsd [options]\n"
"Build service and OTA delivery for NodeMCU LFS images.\n"
"\n"
"  --data-dir DIR        data directory (default ./var): lfsd.db, blobs/, tls/, keys/\n"
"  --listen ADDR:PORT    plain HTTP listener (default 127.0.0.1:8080; port 0 = any)\n"
"  --tls-listen ADDR:PORT  HTTPS listener (default 127.0.0.1:8443; port 0 = any)\n"
"  --tls-cert FILE       PEM certificate (default: self-signed, made on first start)\n"
"  --tls-key FILE        PEM private key for --tls-cert\n"
"  --max-upload BYTES    largest request body (default 4194304)\n"
"  --build-workers N     concurrent lfsc processes (default 2)\n"
"  --build-timeout SEC   wall-clock limit of one build (default 60)\n"
"  --build-memory MB     address-space limit of lfsc (default 1024, 0 = none)\n"
"  --build-dir DIR       private build directories (default: a tmpfs dir under\n"
"                        /dev/shm named after the data dir, else DIR/tmp)\n"
"  --queue-limit N       builds allowed to wait (default 64)\n"
"  --lfsc PATH           compiler executable (default: lfsc beside lfsd)\n"
"  --web-dir DIR         dashboard files (default <lfsd dir>/../../web or ./web)\n"
"  --poll-interval SEC   poll interval told to devices (default 60)\n"
"  --threads N           HTTP worker threads per listener (default 2)\n"
"  --help                this text\n"
"\n"
"Environment: LFSD_ADMIN_TOKEN sets the admin token (otherwise one is made and\n"
"printed on first start). Writes the listening addresses to DIR/ports.\n";

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->data_dir, "var");
	strcpy(c->listen_host, "127.0.0.1");
	c->listen_port = 8080;
	strcpy(c->tls_host, "127.0.0.1");
	c->tls_port = 8443;
	c->max_upload = 4u << 20;
	c->build_workers = 2;
	c->build_timeout = 60;
	c->build_memory_mb = 1024;
	c->queue_limit = 64;
	c->poll_interval = 60;
	c->http_threads = 2;
}

static int copy(char *dst, size_t size, const char *src, const char *flag,
                char *err, size_t errsize)
{
	if (strlen(src) >= size) {
		snprintf(err, errsize, "%s: value too long", flag);
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

static int number(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int hostport(const char *s, char *host, size_t hsize, int *port)
{
	const char *colon = strrchr(s, ':');
	long long p;

	if (!colon || colon == s || (size_t)(colon - s) >= hsize)
		return -1;
	if (number(colon + 1, 0, 65535, &p))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	*port = (int)p;
	return 0;
}

int config_parse(struct config *c, int argc, char **argv, FILE *out,
                 char *err, size_t errsize)
{
	int i;
	long long v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, out);
			return 1;
		}
		if (!strstr(usage, a) || strncmp(a, "--", 2) || strlen(a) < 3) {
			snprintf(err, errsize, "unknown option '%s' (see --help)", a);
			return -1;
		}
		if (!val) {
			snprintf(err, errsize, "%s: %s", a,
			         strncmp(a, "--", 2) ? "unexpected argument" : "missing value");
			return -1;
		}
		i++;
		if (!strcmp(a, "--data-dir")) {
			if (copy(c->data_dir, sizeof c->data_dir, val, a, err, errsize))
				return -1;
		} else if (!strcmp(a, "--listen")) {
			if (hostport(val, c->listen_host, sizeof c->listen_host, &c->listen_port))
				goto bad;
		} else if (!strcmp(a, "--tls-listen")) {
			if (hostport(val, c->tls_host, sizeof c->tls_host, &c->tls_port))
				goto bad;
		} else if (!strcmp(a, "--tls-cert")) {
			if (copy(c->tls_cert, sizeof c->tls_cert, val, a, err, errsize))
				return -1;
		} else if (!strcmp(a, "--tls-key")) {
			if (copy(c->tls_key, sizeof c->tls_key, val, a, err, errsize))
				return -1;
		} else if (!strcmp(a, "--max-upload")) {
			if (number(val, 1024, 1LL << 30, &v))
				goto bad;
			c->max_upload = (size_t)v;
		} else if (!strcmp(a, "--build-workers")) {
			if (number(val, 1, 64, &v))
				goto bad;
			c->build_workers = (int)v;
		} else if (!strcmp(a, "--build-timeout")) {
			if (number(val, 1, 3600, &v))
				goto bad;
			c->build_timeout = (int)v;
		} else if (!strcmp(a, "--build-memory")) {
			if (number(val, 0, 1 << 20, &v))
				goto bad;
			c->build_memory_mb = (int)v;
		} else if (!strcmp(a, "--queue-limit")) {
			if (number(val, 1, 100000, &v))
				goto bad;
			c->queue_limit = (int)v;
		} else if (!strcmp(a, "--lfsc")) {
			if (copy(c->lfsc, sizeof c->lfsc, val, a, err, errsize))
				return -1;
		} else if (!strcmp(a, "--build-dir")) {
			if (copy(c->build_dir, sizeof c->build_dir, val, a, err, errsize))
				return -1;
		} else if (!strcmp(a, "--web-dir")) {
			if (copy(c->web_dir, sizeof c->web_dir, val, a, err, errsize))
				return -1;
		} else if (!strcmp(a, "--poll-interval")) {
			if (number(val, 1, 86400, &v))
				goto bad;
			c->poll_interval = (int)v;
		} else if (!strcmp(a, "--threads")) {
			if (number(val, 1, 64, &v))
				goto bad;
			c->http_threads = (int)v;
		} else {
			snprintf(err, errsize, "unknown option '%s' (see --help)", a);
			return -1;
		}
		continue;
bad:
		snprintf(err, errsize, "%s: invalid value '%s'", a, val);
		return -1;
	}
	if ((c->tls_cert[0] != '\0') != (c->tls_key[0] != '\0')) {
		snprintf(err, errsize, "--tls-cert and --tls-key go together");
		return -1;
	}
	return 0;
}
