/*
** cutproxy.c - test helper: a TCP relay on 127.0.0.1 that counts the bytes
** it passes and cuts the first connection whose server-to-client traffic
** exceeds a limit (a connection dropped half-way through a download).
** usage: cutproxy TARGET_PORT CUT_AFTER_BYTES PORT_FILE LOG_FILE
** Writes its listening port to PORT_FILE, then one line per connection to
** LOG_FILE: "conn N up U down D cut C". Connections are served one at a time.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int relay(int cli, int srv, long long cut, long long *up, long long *down, int *cut_done)
{
	struct pollfd p[2] = { { cli, POLLIN, 0 }, { srv, POLLIN, 0 } };
	char buf[16384];

	for (;;) {
		ssize_t n;
		if (poll(p, 2, 30000) <= 0)
			return 0;
		if (p[0].revents) {
			n = read(cli, buf, sizeof buf);
			if (n <= 0 || write(srv, buf, (size_t)n) != n)
				return 0;
			*up += n;
		}
		if (p[1].revents) {
			n = read(srv, buf, sizeof buf);
			if (n <= 0)
				return 0;
			if (!*cut_done && cut > 0 && *down + n > cut) {
				n = (ssize_t)(cut - *down);
				if (n > 0 && write(cli, buf, (size_t)n) != n)
					return 0;
				*down += n;
				*cut_done = 1;
				return 1;
			}
			if (write(cli, buf, (size_t)n) != n)
				return 0;
			*down += n;
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int ls, one = 1, cut_done = 0, conn = 0;
	FILE *f;

	if (argc != 5) {
		fprintf(stderr, "usage: cutproxy TARGET_PORT CUT_AFTER PORT_FILE LOG_FILE\n");
		return 2;
	}
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen))
		return 1;
	f = fopen(argv[3], "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", ntohs(a.sin_port));
	fclose(f);
	for (;;) {
		long long up = 0, down = 0;
		int cli = accept(ls, NULL, NULL), srv, cut;
		struct sockaddr_in t;
		if (cli < 0)
			continue;
		srv = socket(AF_INET, SOCK_STREAM, 0);
		memset(&t, 0, sizeof t);
		t.sin_family = AF_INET;
		t.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		t.sin_port = htons((unsigned short)atoi(argv[1]));
		if (connect(srv, (struct sockaddr *)&t, sizeof t) == 0)
			cut = relay(cli, srv, atoll(argv[2]), &up, &down, &cut_done);
		else
			cut = 0;
		close(srv);
		close(cli);
		f = fopen(argv[4], "a");
		if (f) {
			fprintf(f, "conn %d up %lld down %lld cut %d\n", ++conn, up, down, cut);
			fclose(f);
		}
	}
}
