/*
** bare_server.c - the baseline of the lfsd benchmarks: a bare libmicrohttpd
** program configured like lfsd's listeners (internal epoll thread pool of the
** same size, same connection timeout, optional TLS) that
**   file mode: serves one file to every GET the way lfsd serves lfs.img
**              (fd response, strong ETag, Accept-Ranges, Content-Disposition)
**   204 mode:  answers every request with an empty 204 (the /ota/latest
**              up-to-date case)
** usage: bare_server (--file PATH | --204) [--threads N] [--tls CERT KEY]
** Prints "port=N" on stdout once listening on 127.0.0.1 (an ephemeral port);
** runs until SIGTERM/SIGINT.
*/
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

struct bare {
	const char *file;      /* NULL = 204 mode */
	char etag[80];
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version,
                               const char *upload_data, size_t *upload_size, void **state)
{
	struct bare *b = cls;
	struct MHD_Response *resp;
	struct stat st;
	enum MHD_Result ret;
	int fd;

	if (!*state) {          /* first call: headers only, as lfsd does */
		*state = (void *)1;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!b->file) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	fd = open(b->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		return MHD_NO;
	resp = MHD_create_response_from_fd_at_offset64((uint64_t)st.st_size, fd, 0);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, b->etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
	                        "attachment; filename=\"lfs.img\"");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int main(int argc, char **argv)
{
	struct bare b;
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	unsigned threads = 2, flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                              MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	sigset_t sigs;
	int i, sig;

	memset(&b, 0, sizeof b);
	strcpy(b.etag, "\"0000000000000000000000000000000000000000000000000000000000000000\"");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < argc)
			b.file = argv[++i];
		else if (!strcmp(argv[i], "--204"))
			b.file = NULL;
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tls") && i + 2 < argc) {
			cert = slurp(argv[++i]);
			key = slurp(argv[++i]);
			if (!cert || !key) {
				fprintf(stderr, "bare_server: cannot read certificate or key\n");
				return 1;
			}
			flags |= MHD_USE_TLS;
		} else {
			fprintf(stderr, "usage: bare_server (--file PATH | --204) [--threads N] "
			        "[--tls CERT KEY]\n");
			return 2;
		}
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (cert)
		d = MHD_start_daemon(flags, 0, NULL, NULL, handler, &b,
		                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                     MHD_OPTION_THREAD_POOL_SIZE, threads,
		                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                     MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
		                     MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, handler, &b,
		                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		                     MHD_OPTION_THREAD_POOL_SIZE, threads,
		                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		                     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_server: cannot start\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("port=%u\n", info ? info->port : 0);
	fflush(stdout);
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	free(cert);
	free(key);
	return 0;
}
