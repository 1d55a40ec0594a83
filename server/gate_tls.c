/* gate_tls.c - one HTTPS connection through the gate: the TLS handshake,
** then plaintext pumped between the client (sealed by OpenSSL in records of
** at most 16 KB, or of the client's max_fragment_length) and libmicrohttpd's
** end of a socketpair. Backpressure both ways: while one side cannot take
** more, the other is not read, so a connection buffers at most one read per
** direction. Runs on the connection's owner thread only. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gate_int.h"
#include "tls_server.h"

static void watch(struct gate_conn *c, int fd, int tag, unsigned want, unsigned *have)
{
	struct epoll_event ev;

	if (want == *have)
		return;
	ev.events = want;
	ev.data.u64 = (uint64_t)(uintptr_t)c | (uint64_t)tag;
	epoll_ctl(c->w->ep, EPOLL_CTL_MOD, fd, &ev);
	*have = want;
}

/* Registers what each socket waits for, from the connection's state. */
static void arm(struct gate_conn *c)
{
	unsigned fd_want = 0, sp_want = 0;

	if (!c->up) {
		fd_want = c->hs_want;
	} else {
		if (!c->in && !c->client_eof)
			fd_want |= EPOLLIN;
		if (c->out || c->read_wants_write)
			fd_want |= EPOLLOUT;
		if (!c->out && !c->mhd_eof)
			sp_want |= EPOLLIN;
		if (c->in)
			sp_want |= EPOLLOUT;
	}
	watch(c, c->fd, GATE_TAG_FD, fd_want, &c->ev_fd);
	if (c->sp >= 0)
		watch(c, c->sp, GATE_TAG_SP, sp_want, &c->ev_sp);
}

/* Keeps data[0..n) for later in *buf (owned). Returns 0 or -1. */
static int stash(char **buf, size_t *len, size_t *off, const char *data, size_t n)
{
	*buf = malloc(n);
	if (!*buf)
		return -1;
	memcpy(*buf, data, n);
	*len = n;
	*off = 0;
	return 0;
}

static void unstash(char **buf, size_t *len, size_t *off)
{
	free(*buf);
	*buf = NULL;
	*len = *off = 0;
}

/* Seals data for the client, a record per SSL_write. Returns how many bytes
** went (the rest waits for the socket), or -1 on a TLS or socket error. */
static long seal(struct gate_conn *c, const char *data, size_t n)
{
	size_t off = 0;

	while (off < n) {
		int r = SSL_write(c->ssl, data + off, n - off > INT_MAX ? INT_MAX : (int)(n - off));

		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_WRITE:
		case SSL_ERROR_WANT_READ:
			return (long)off;
		default:
			return -1;
		}
	}
	return (long)off;
}

/* libmicrohttpd is done and everything is sealed: close_notify, close. */
static void finish(struct gate_conn *c)
{
	SSL_shutdown(c->ssl);
	gate_close(c);
}

/* libmicrohttpd's output to the client, until either side would block. */
static void from_mhd(struct gate_conn *c)
{
	char *buf = c->w->scratch;

	while (!c->out && !c->mhd_eof) {
		ssize_t n = recv(c->sp, buf, GATE_SCRATCH, 0);
		long w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			c->mhd_eof = 1;
			break;
		}
		w = seal(c, buf, (size_t)n);
		if (w < 0 || ((size_t)w < (size_t)n &&
		              stash(&c->out, &c->out_len, &c->out_off, buf + w, (size_t)n - (size_t)w))) {
			gate_close(c);
			return;
		}
	}
	if (c->mhd_eof && !c->out)
		finish(c);
}

/* The client socket is writable again: the rest of a sealed read. */
static void flush_out(struct gate_conn *c)
{
	long w = seal(c, c->out + c->out_off, c->out_len - c->out_off);

	if (w < 0) {
		gate_close(c);
		return;
	}
	c->out_off += (size_t)w;
	if (c->out_off < c->out_len)
		return;
	unstash(&c->out, &c->out_len, &c->out_off);
	from_mhd(c);
}

/* Plaintext from the client to libmicrohttpd; keeps what does not fit.
** Returns 0, or -1 when the connection was closed. */
static int to_mhd(struct gate_conn *c, const char *data, size_t n)
{
	ssize_t w = send(c->sp, data, n, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		w = 0;
	if (w < 0) {            /* libmicrohttpd closed its end: nobody reads this */
		c->client_eof = 1;
		return 0;
	}
	if ((size_t)w < n && stash(&c->in, &c->in_len, &c->in_off, data + w, n - (size_t)w)) {
		gate_close(c);
		return -1;
	}
	return 0;
}

/* The client's records, until either side would block. The first byte after
** an answered request starts the next request head's deadline. */
static void from_client(struct gate_conn *c)
{
	char *buf = c->w->scratch;

	c->read_wants_write = 0;
	while (!c->in && !c->client_eof) {
		int r = SSL_read(c->ssl, buf, GATE_SCRATCH);

		if (r > 0) {
			if (atomic_load(&c->phase) == GATE_IDLE)
				gate_set_phase(c, GATE_HEAD, 0);
			if (to_mhd(c, buf, (size_t)r))
				return;
			continue;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			return;
		case SSL_ERROR_WANT_WRITE:
			c->read_wants_write = 1;
			return;
		case SSL_ERROR_ZERO_RETURN:   /* close_notify, or EOF (IGNORE_UNEXPECTED_EOF) */
			c->client_eof = 1;
			shutdown(c->sp, SHUT_WR);
			return;
		default:
			gate_close(c);
			return;
		}
	}
}

/* libmicrohttpd's socket is writable again: the rest of a client read. */
static void flush_in(struct gate_conn *c)
{
	ssize_t w = send(c->sp, c->in + c->in_off, c->in_len - c->in_off, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (w < 0) {
		unstash(&c->in, &c->in_len, &c->in_off);
		c->client_eof = 1;
		return;
	}
	c->in_off += (size_t)w;
	if (c->in_off < c->in_len)
		return;
	unstash(&c->in, &c->in_len, &c->in_off);
	from_client(c);
}

/* Handshake done: the plaintext socketpair, one end to libmicrohttpd. */
static void open_plaintext(struct gate_conn *c)
{
	struct epoll_event ev;
	int sp[2];

	c->up = 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp)) {
		gate_close(c);
		return;
	}
	c->sp = sp[0];
	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)(uintptr_t)c | GATE_TAG_SP;
	if (epoll_ctl(c->w->ep, EPOLL_CTL_ADD, c->sp, &ev)) {
		close(sp[1]);
		gate_close(c);
		return;
	}
	c->ev_sp = EPOLLIN;
	gate_set_phase(c, GATE_IDLE, 0);
	if (gate_deliver(c, sp[1])) {
		gate_close(c);
		return;
	}
	from_client(c);   /* a request may have come with the handshake's last flight */
}

static void handshake(struct gate_conn *c)
{
	int r = SSL_do_handshake(c->ssl);

	if (r == 1) {
		open_plaintext(c);
		return;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->hs_want = EPOLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		c->hs_want = EPOLLOUT;
		break;
	default:
		gate_close(c);
	}
}

int gate_tls_begin(struct gate_conn *c)
{
	struct epoll_event ev;

	c->ssl = tls_server_ssl(c->g->tls, c->fd);
	if (!c->ssl)
		return -1;
	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)(uintptr_t)c | GATE_TAG_FD;
	if (epoll_ctl(c->w->ep, EPOLL_CTL_ADD, c->fd, &ev))
		return -1;
	c->ev_fd = c->hs_want = EPOLLIN;
	return 0;
}

void gate_tls_event(struct gate_conn *c, int tag, uint32_t events)
{
	if (c->closed)
		return;
	if (!c->up) {
		if (events & (EPOLLHUP | EPOLLERR))
			gate_close(c);
		else
			handshake(c);
	} else if (tag == GATE_TAG_SP) {
		if (events & EPOLLOUT)
			flush_in(c);
		if (!c->closed && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			from_mhd(c);
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		gate_close(c);   /* reset, or closed both ways: nothing can be sent */
	} else {
		if (events & EPOLLOUT) {
			if (c->out)
				flush_out(c);
			if (!c->closed && c->read_wants_write)
				from_client(c);
		}
		if (!c->closed && (events & EPOLLIN))
			from_client(c);
	}
	if (!c->closed)
		arm(c);
}

void gate_tls_release(struct gate_conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	if (c->sp >= 0) {
		epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->sp, NULL);
		close(c->sp);
		c->sp = -1;
	}
	SSL_free(c->ssl);
	c->ssl = NULL;
	unstash(&c->in, &c->in_len, &c->in_off);
	unstash(&c->out, &c->out_len, &c->out_off);
}
