/* config.h - lfsd's settings: defaults, then the config file named by
** --config, then the command line (main.c, once at start). */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdio.h>

enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };

struct config {
	char data_dir[512];      /* --data-dir, default "var" */
	char listen_host[64];    /* --listen host part, default 127.0.0.1 */
	int listen_port;         /* --listen port, default 8080; 0 = any free port */
	char tls_host[64];       /* --tls-listen host part */
	int tls_port;            /* --tls-listen port, default 8443 */
	char tls_cert[512];      /* --tls-cert, "" = generate in data_dir/tls */
	char tls_key[512];       /* --tls-key */
	size_t max_upload;       /* --max-upload bytes, default 4 MiB */
	int build_workers;       /* --build-workers, default 2 */
	int build_timeout;       /* --build-timeout seconds, default 60 */
	int build_memory_mb;     /* --build-memory MB of address space, 0 = unlimited */
	int queue_limit;         /* builds waiting at most, default 64 */
	char lfsc[512];          /* --lfsc, "" = sibling of the executable */
	char web_dir[512];       /* --web-dir, "" = <exe dir>/../../web or ./web */
	char nodemcu_dir[512];   /* --nodemcu-dir, "" = <exe dir>/../share/lfsd/nodemcu or
	                            <exe dir>/../../device/nodemcu */
	char build_dir[512];     /* --build-dir, "" = /dev/shm/lfsd-<id>, else data_dir/tmp */
	int poll_interval;       /* --poll-interval seconds given to devices */
	int http_threads;        /* --threads, libmicrohttpd pool size per listener */
	int max_connections;     /* --max-connections per listener, 0 = from the fd limit */
	int max_per_ip;          /* --max-connections-per-ip, per listener, default 128 */
	int request_timeout;     /* --request-timeout seconds: TLS handshake, request
	                            head, idle keep-alive (gate.h rule 3), default 20 */
	int ticket_rotation;     /* --tls-ticket-rotation seconds, default 3600 */
	int verify_interval;     /* --verify-interval seconds between checks of every
	                            blob, default 86400; 0 = at start only */
	int device_events;       /* --device-events: events kept per device, default 100 */
	int report_rate;         /* --report-rate: reports a minute per device (and at
	                            once), default 30 */
	enum log_format log_format;  /* --log-format text|json */
	int access_log;              /* --access-log on|off: a line per request */
	char admin_token_file[512];  /* --admin-token-file: where a generated admin
	                                token goes, "" = printed once on stdout */
	char device_address[300];    /* --device-address HOST[:PORT]: where devices
	                                reach the HTTPS listener (client
	                                configurations); "" = the registering
	                                request's host and the HTTPS port */
	int rotate_signing_key;      /* --rotate-signing-key (command line only) */
	int rotate_manifest_key;     /* --rotate-manifest-key (command line only) */
};

/* Sets the defaults. */
void config_init(struct config *c);
/* Parses argv: --help or --version anywhere prints to out and returns 1;
** --config FILE is read first (config_load_file), then every other flag
** overrides it. Returns 0; -1 with a message in err for a bad value or file;
** -2 for an unknown option or a stray argument. argv borrowed. */
int config_parse(struct config *c, int argc, char **argv, FILE *out,
                 char *err, size_t errsize);
/* Reads an INI file (libinih): "key = value" lines, keys as the long options
** without "--" (data-dir, listen, ...), an optional [lfsd] section, ';' or '#'
** comments. Returns 0, or -1 with "FILE:LINE: reason" (or why it cannot be
** opened) in err; the first error wins. path borrowed. */
int config_load_file(struct config *c, const char *path, char *err, size_t errsize);
/* Sets one key (option name without "--") from its text value. Returns 0;
** -1 with the reason in err for a bad value; -2 for an unknown key. */
int config_set(struct config *c, const char *name, const char *value,
               char *err, size_t errsize);
/* The --help text (static). */
const char *config_usage(void);

#endif
