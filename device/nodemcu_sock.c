/*
** nodemcu_sock.c - non-blocking host TCP for the emulated lwIP.
*/
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "nodemcu_sock.h"

int sock_is_ip(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

int sock_resolve(const char *name, char ip[16])
{
	struct addrinfo hints, *res = NULL;
	int rc;

	if (sock_is_ip(name)) {
		snprintf(ip, 16, "%s", name);
		return 0;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc || !res)
		return -1;
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, 16);
	freeaddrinfo(res);
	return 0;
}

int sock_err(int errnum)
{
	switch (errnum) {
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
		return SOCK_ERR_RST;
	case ENOMEM:
	case ENOBUFS:
		return SOCK_ERR_MEM;
	case ENOTCONN:
		return SOCK_ERR_CONN;
	case EADDRINUSE:
		return SOCK_ERR_USE;
	default:
		return SOCK_ERR_ABRT;   /* timeouts, unreachable: the pcb is aborted */
	}
}

int sock_connect(const char *ip, int port, int *fd)
{
	struct sockaddr_in a;
	int s, one = 1;

	*fd = -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return SOCK_ERR_ABRT;
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return SOCK_ERR_MEM;
	/* lwIP sends each tcp_write segment as it is; no host coalescing */
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(s, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(s);
		return sock_err(e);
	}
	*fd = s;
	return SOCK_ERR_OK;
}

const char *sock_errstr(int err)
{
	static const char *const text[] = {
		"out of memory", "buffer error", "timeout", "routing problem", "in progress",
		"illegal value", "would block", "connection aborted", "connection reset",
		"connection closed", "not connected", "illegal argument", "address in use",
		"netif error", "already connected"
	};

	return err <= -1 && err >= -15 ? text[-err - 1] : "unknown error";
}

int sock_listen(int port, int *fd, int *bound)
{
	struct sockaddr_in a;
	socklen_t n = sizeof a;
	int s, one = 1, e;

	*fd = -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return SOCK_ERR_MEM;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);   /* SOF_REUSEADDR */
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 5) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &n) < 0) {
		e = errno;
		close(s);
		return sock_err(e);
	}
	*fd = s;
	*bound = ntohs(a.sin_port);
	return SOCK_ERR_OK;
}

int sock_accept(int lfd, int *fd)
{
	int one = 1;

	*fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (*fd < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		       errno == ECONNABORTED ? SOCK_ERR_OK : sock_err(errno);
	setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return SOCK_ERR_OK;
}

int sock_connect_result(int fd)
{
	int e = 0;
	socklen_t n = sizeof e;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) < 0)
		e = errno;
	return e ? sock_err(e) : SOCK_ERR_OK;
}

size_t sock_unacked(int fd)
{
	int n = 0;

	if (ioctl(fd, SIOCOUTQ, &n) < 0 || n < 0)
		return 0;
	return (size_t)n;
}

int sock_name(int fd, int peer, char ip[16], int *port)
{
	struct sockaddr_in a;
	socklen_t n = sizeof a;

	if (fd < 0 || (peer ? getpeername(fd, (struct sockaddr *)&a, &n)
			    : getsockname(fd, (struct sockaddr *)&a, &n)) < 0)
		return -1;
	inet_ntop(AF_INET, &a.sin_addr, ip, 16);
	*port = ntohs(a.sin_port);
	return 0;
}
