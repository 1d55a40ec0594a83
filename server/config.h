/* config.h - lfsd's settings, parsed once from argv in main.c. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdio.h>

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
	char build_dir[512];     /* --build-dir, "" = /dev/shm/lfsd-<id>, else data_dir/tmp */
	int poll_interval;       /* --poll-interval seconds given to devices */
	int http_threads;        /* --threads, libmicrohttpd pool size per listener */
};

/* Sets the defaults. */
void config_init(struct config *c);
/* Parses argv. Returns 0, 1 when --help was given (usage printed to out), or
** -1 with a message in err. argv borrowed. */
int config_parse(struct config *c, int argc, char **argv, FILE *out,
                 char *err, size_t errsize);

#endif
