/* config.c - lfsd's settings: defaults, the config file (--config FILE, INI
** read with libinih) and the command line, with one table of keys for both. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "lfsd_version.h"

static const char usage[] =
"usage: lfsd [options]\n"
"Build service and OTA delivery for NodeMCU LFS images.\n"
"\n"
"  --config FILE         read settings from FILE first (INI: key = value, the keys\n"
"                        are these option names without '--'); flags override it\n"
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
"  --web-dir DIR         dashboard files (default: <prefix>/share/lfsd/web for an\n"
"                        installed lfsd, the checkout's web/ for a built one)\n"
"  --nodemcu-dir DIR     the NodeMCU client's files for the build option\n"
"                        ota_client (default: <prefix>/share/lfsd/nodemcu for an\n"
"                        installed lfsd, the checkout's device/nodemcu for a built one)\n"
"  --poll-interval SEC   poll interval told to devices (default 60)\n"
"  --threads N           worker threads per listener: accept, TLS, HTTP (default 2)\n"
"  --max-connections N   connections at once per listener (default: what the\n"
"                        open-file limit allows); at the limit a new connection\n"
"                        replaces the oldest one not busy with a request\n"
"  --max-connections-per-ip N  connections at once from one address (IPv6: one\n"
"                        /64) per listener (default 128)\n"
"  --request-timeout SEC time allowed for a TLS handshake, for a request head\n"
"                        and for an idle keep-alive connection (default 20)\n"
"  --tls-ticket-rotation SEC  seconds between TLS session-ticket key rotations;\n"
"                        sessions resume for less than twice that (default 3600)\n"
"  --verify-interval SEC seconds between checks of every stored blob against its\n"
"                        SHA-256 (default 86400; 0 = only at start)\n"
"  --device-events N     events kept per device (default 100; older ones are\n"
"                        counted, not kept)\n"
"  --report-rate N       reports a device may send a minute, and at once\n"
"                        (default 30; more get 429 with Retry-After)\n"
"  --log-format FORMAT   text (default) or json: one object per line on stderr\n"
"  --access-log on|off   one log line per request (default on)\n"
"  --admin-token-file FILE  write a generated admin token to FILE (mode 0600)\n"
"                        instead of printing it on stdout\n"
"  --device-address HOST[:PORT]  where devices reach the HTTPS listener, written\n"
"                        into client configurations (default: the host the\n"
"                        registering request named, and the HTTPS port)\n"
"  --rotate-signing-key  make a new signing key; the old one keeps signing for\n"
"                        devices that pin it, naming the new one (command line)\n"
"  --rotate-manifest-key make a new manifest master key: every device's manifest\n"
"                        key changes (command line only)\n"
"  --help                this text\n"
"  --version             lfsd's version\n"
"\n"
"Environment: LFSD_ADMIN_TOKEN sets the admin token (otherwise one is made on\n"
"first start and shown once). Writes the listening addresses to DIR/ports.\n";

enum kind { PATH, HOSTPORT, NUMBER, SIZE, LOGFMT, ONOFF, FLAG };

struct key {
	const char *name;     /* option name without "--", also the config-file key */
	enum kind kind;
	size_t offset;        /* of the field in struct config */
	size_t size;          /* PATH: buffer size; HOSTPORT: host buffer size */
	long long min, max;   /* NUMBER and SIZE */
};

#define F(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)
static const struct key keys[] = {
	{ "data-dir", PATH, F(data_dir), 0, 0 },
	{ "listen", HOSTPORT, F(listen_host), 0, 0 },
	{ "tls-listen", HOSTPORT, F(tls_host), 0, 0 },
	{ "tls-cert", PATH, F(tls_cert), 0, 0 },
	{ "tls-key", PATH, F(tls_key), 0, 0 },
	{ "max-upload", SIZE, F(max_upload), 1024, 1LL << 30 },
	{ "build-workers", NUMBER, F(build_workers), 1, 64 },
	{ "build-timeout", NUMBER, F(build_timeout), 1, 3600 },
	{ "build-memory", NUMBER, F(build_memory_mb), 0, 1 << 20 },
	{ "build-dir", PATH, F(build_dir), 0, 0 },
	{ "queue-limit", NUMBER, F(queue_limit), 1, 100000 },
	{ "lfsc", PATH, F(lfsc), 0, 0 },
	{ "web-dir", PATH, F(web_dir), 0, 0 },
	{ "nodemcu-dir", PATH, F(nodemcu_dir), 0, 0 },
	{ "poll-interval", NUMBER, F(poll_interval), 1, 86400 },
	{ "threads", NUMBER, F(http_threads), 1, 64 },
	{ "max-connections", NUMBER, F(max_connections), 1, 1 << 20 },
	{ "max-connections-per-ip", NUMBER, F(max_per_ip), 1, 1 << 20 },
	{ "request-timeout", NUMBER, F(request_timeout), 1, 3600 },
	{ "tls-ticket-rotation", NUMBER, F(ticket_rotation), 1, 7 * 86400 },
	{ "verify-interval", NUMBER, F(verify_interval), 0, 365 * 86400 },
	{ "device-events", NUMBER, F(device_events), 1, 1000000 },
	{ "report-rate", NUMBER, F(report_rate), 1, 60000 },
	{ "log-format", LOGFMT, F(log_format), 0, 0 },
	{ "access-log", ONOFF, F(access_log), 0, 0 },
	{ "admin-token-file", PATH, F(admin_token_file), 0, 0 },
	{ "device-address", PATH, F(device_address), 0, 0 },
	{ "rotate-signing-key", FLAG, F(rotate_signing_key), 0, 0 },
	{ "rotate-manifest-key", FLAG, F(rotate_manifest_key), 0, 0 },
	{ NULL, PATH, 0, 0, 0, 0 }
};

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
	c->max_per_ip = 128;
	c->request_timeout = 20;
	c->ticket_rotation = 3600;
	c->verify_interval = 86400;
	c->device_events = 100;
	c->report_rate = 30;
	c->log_format = LOG_TEXT;
	c->access_log = 1;
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

/* "host:port" into host (size bytes) and the int that follows it in struct
** config (listen_port after listen_host, tls_port after tls_host). */
static int hostport(const char *s, char *host, size_t size, int *port)
{
	const char *colon = strrchr(s, ':');
	long long p;

	if (!colon || colon == s || (size_t)(colon - s) >= size)
		return -1;
	if (number(colon + 1, 0, 65535, &p))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	*port = (int)p;
	return 0;
}

static const struct key *find(const char *name)
{
	const struct key *k;

	for (k = keys; k->name && strcmp(k->name, name); k++)
		;
	return k->name ? k : NULL;
}

int config_set(struct config *c, const char *name, const char *value,
               char *err, size_t errsize)
{
	const struct key *k = find(name);
	char *field;
	long long v;

	if (!k) {
		snprintf(err, errsize, "unknown key '%s'", name);
		return -2;
	}
	field = (char *)c + k->offset;
	switch (k->kind) {
	case PATH:
		if (strlen(value) >= k->size) {
			snprintf(err, errsize, "%s: value too long", name);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case HOSTPORT:
		if (hostport(value, field, k->size,
		             k->offset == offsetof(struct config, listen_host) ?
		             &c->listen_port : &c->tls_port))
			break;
		return 0;
	case NUMBER:
	case SIZE:
		if (number(value, k->min, k->max, &v))
			break;
		if (k->kind == SIZE)
			*(size_t *)field = (size_t)v;
		else
			*(int *)field = (int)v;
		return 0;
	case LOGFMT:
		if (strcmp(value, "text") && strcmp(value, "json"))
			break;
		c->log_format = strcmp(value, "json") ? LOG_TEXT : LOG_JSON;
		return 0;
	case ONOFF:
		if (strcmp(value, "on") && strcmp(value, "off"))
			break;
		*(int *)field = !strcmp(value, "on");
		return 0;
	case FLAG:   /* a one-time action: never from a file that every start reads */
		snprintf(err, errsize, "%s is an action for one start: give it on the command "
		         "line, not in a config file", name);
		return -1;
	}
	snprintf(err, errsize, "%s: invalid value '%s'", name, value);
	return -1;
}

struct file_state {
	struct config *c;
	char *err;
	size_t errsize;
};

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct file_state *fs = user;
	char msg[300];

	if (fs->err[0])   /* the first error wins; libinih reports its line */
		return 0;
	if (section[0] && strcmp(section, "lfsd"))
		snprintf(msg, sizeof msg, "unknown section [%s] (only [lfsd] or none)", section);
	else if (!strcmp(name, "config"))
		snprintf(msg, sizeof msg, "'config' cannot be set in a config file");
	else if (config_set(fs->c, name, value, msg, sizeof msg) == 0)
		return 1;
	snprintf(fs->err, fs->errsize, "%s", msg);
	return 0;
}

int config_load_file(struct config *c, const char *path, char *err, size_t errsize)
{
	struct file_state fs = { c, err, errsize };
	char msg[400] = "";
	int line;

	fs.err = msg;
	fs.errsize = sizeof msg;
	line = ini_parse(path, on_key, &fs);
	if (line == 0)
		return 0;
	if (line == -1)
		snprintf(err, errsize, "cannot open config file '%s': %s", path, strerror(errno));
	else if (line < 0)
		snprintf(err, errsize, "config file '%s': out of memory", path);
	else
		snprintf(err, errsize, "%s:%d: %s", path, line,
		         msg[0] ? msg : "malformed line (expected key = value)");
	return -1;
}

/* Reads --config FILE (wherever it is in argv) before the other flags, so
** that flags override the file. */
static int load_config_flag(struct config *c, int argc, char **argv,
                            char *err, size_t errsize)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config"))
			continue;
		if (i + 1 >= argc) {
			snprintf(err, errsize, "--config: missing value");
			return -1;
		}
		return config_load_file(c, argv[i + 1], err, errsize);
	}
	return 0;
}

int config_parse(struct config *c, int argc, char **argv, FILE *out,
                 char *err, size_t errsize)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, out);
			return 1;
		}
		if (!strcmp(argv[i], "--version")) {
			fprintf(out, "lfsd %s\n", LFSD_VERSION);
			return 1;
		}
	}
	if (load_config_flag(c, argc, argv, err, errsize))
		return -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--", 2) || (strcmp(a, "--config") && !find(a + 2))) {
			snprintf(err, errsize, "unknown option '%s'", a);
			return -2;
		}
		if (strcmp(a, "--config") && find(a + 2)->kind == FLAG) {
			*(int *)((char *)c + find(a + 2)->offset) = 1;
			continue;
		}
		if (i + 1 >= argc) {
			snprintf(err, errsize, "%s: missing value", a);
			return -1;
		}
		if (!strcmp(a, "--config")) {
			i++;
			continue;
		}
		if (config_set(c, a + 2, argv[++i], err, errsize))
			return -1;
	}
	if ((c->tls_cert[0] != '\0') != (c->tls_key[0] != '\0')) {
		snprintf(err, errsize, "--tls-cert and --tls-key go together");
		return -1;
	}
	return 0;
}

const char *config_usage(void)
{
	return usage;
}
