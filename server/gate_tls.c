/* gate_tls.c - one HTTPS connection through the gate: the TLS handshake,
** then plaintext pumped between the client and libmicrohttpd's end of a
** socketpair.
**
** OpenSSL reads the client's socket itself and writes its records (at most
** 16 KB of plaintext each, or the client's max_fragment_length) into the
** connection's wire buffer through a BIO of ours; the buffer goes out in one
** send() after each TLS call, so a 64 KB answer costs one system call, not
** one per record. Backpressure both ways: while the client has not taken the
** wire buffer, libmicrohttpd's end is not read; while libmicrohttpd has not
** taken what the client sent, the client is not read. A connection thus holds
** at most one read per direction. Runs on the owner thread only. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gate_int.h"
#include "tls_server.h"

#define WIRE_KEEP 20480   /* a wire buffer larger than this is freed once sent */

/* ---- the wire BIO: reads the socket, writes into c->wire */

static int wire_write(BIO *b, const char *data, int n)
{
	struct gate_conn *c = BIO_get_data(b);
	size_t need = c->wire_len + (size_t)n;

	if (need > c->wire_cap) {
		size_t cap = c->wire_cap ? c->wire_cap : 4096;
		char *nb;

		while (cap < need)
			cap *= 2;
		nb = realloc(c->wire, cap);
		if (!nb)
			return -1;
		c->wire = nb;
		c->wire_cap = cap;
	}
	memcpy(c->wire + c->wire_len, data, (size_t)n);
	c->wire_len = need;
	return n;
}

static int wire_read(BIO *b, char *buf, int n)
{
	struct gate_conn *c = BIO_get_data(b);
	ssize_t r;

	BIO_clear_retry_flags(b);
	r = recv(c->fd, buf, (size_t)n, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		BIO_set_retry_read(b);
		return -1;
	}
	c->rx_short = r < n;
	return (int)r;   /* 0: end of stream */
}

static long wire_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	return cmd == BIO_CTRL_FLUSH;
}

BIO_METHOD *gate_tls_wire(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lfsd wire");

	if (m && (!BIO_meth_set_write(m, wire_write) || !BIO_meth_set_read(m, wire_read) ||
	          !BIO_meth_set_ctrl(m, wire_ctrl))) {
		BIO_meth_free(m);
		m = NULL;
	}
	return m;
}

static int pending(const struct gate_conn *c)
{
	return c->wire_len > c->wire_off;
}

/* Sends the wire buffer. Returns 0 (sent, or the rest waits for the socket)
** or -1 (the client is gone). */
static int send_wire(struct gate_conn *c)
{
	while (pending(c)) {
		ssize_t w = send(c->fd, c->wire + c->wire_off, c->wire_len - c->wire_off,
		                 MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->wire_off += (size_t)w;
	}
	c->wire_len = c->wire_off = 0;
	if (c->wire_cap > WIRE_KEEP) {
		free(c->wire);
		c->wire = NULL;
		c->wire_cap = 0;
	}
	return 0;
}

/* ---- pumping */

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
	unsigned fd_want = pending(c) ? EPOLLOUT : 0, sp_want = 0;

	if (!c->up) {
		fd_want |= EPOLLIN;
	} else {
		if (!c->in && !c->client_eof)
			fd_want |= EPOLLIN;
		if (!pending(c) && !c->mhd_eof)
			sp_want |= EPOLLIN;
		if (c->in)
			sp_want |= EPOLLOUT;
	}
	watch(c, c->fd, GATE_TAG_FD, fd_want, &c->ev_fd);
	if (c->sp >= 0)
		watch(c, c->sp, GATE_TAG_SP, sp_want, &c->ev_sp);
}

/* Seals data[0..n) into the wire buffer and sends it. Returns 0 or -1. */
static int seal(struct gate_conn *c, const char *data, size_t n)
{
	size_t off = 0;

	while (off < n) {
		int r = SSL_write(c->ssl, data + off, n - off > INT_MAX ? INT_MAX : (int)(n - off));

		if (r <= 0)
			return -1;   /* the wire BIO never blocks: an error */
		off += (size_t)r;
	}
	return send_wire(c);
}

/* libmicrohttpd is done and everything is sent: close_notify, close. */
static void finish(struct gate_conn *c)
{
	SSL_shutdown(c->ssl);
	send_wire(c);
	gate_close(c);
}

/* libmicrohttpd's output to the client, until either side would block. */
static void from_mhd(struct gate_conn *c)
{
	char *buf = c->w->scratch;

	while (!pending(c) && !c->mhd_eof) {
		ssize_t n = recv(c->sp, buf, GATE_SCRATCH, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n > 0)
			c->w->kick = 1;   /* room again in libmicrohttpd's socket */
		if (n <= 0)
			c->mhd_eof = 1;
		else if (seal(c, buf, (size_t)n)) {
			gate_close(c);
			return;
		} else if (n < GATE_SCRATCH) {
			break;   /* drained for now: epoll says when more comes */
		}
	}
	if (c->mhd_eof && !pending(c))
		finish(c);
}

/* Plaintext from the client to libmicrohttpd; keeps what does not fit.
** Returns 0, or -1 when out of memory (the caller closes). */
static int to_mhd(struct gate_conn *c, const char *data, size_t n)
{
	ssize_t w = send(c->sp, data, n, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		w = 0;
	if (w < 0) {            /* libmicrohttpd closed its end: nobody reads this */
		c->client_eof = 1;
		return 0;
	}
	c->w->kick = 1;
	if ((size_t)w == n)
		return 0;
	c->in = malloc(n - (size_t)w);
	if (!c->in)
		return -1;
	memcpy(c->in, data + w, n - (size_t)w);
	c->in_len = n - (size_t)w;
	c->in_off = 0;
	return 0;
}

/* The client's records, until either side would block. The first byte after
** an answered request starts the next request head's deadline. */
static void from_client(struct gate_conn *c)
{
	char *buf = c->w->scratch;
	int err = 0;

	while (!c->in && !c->client_eof && !err) {
		int r = SSL_read(c->ssl, buf, GATE_SCRATCH);

		if (r > 0) {
			if (atomic_load(&c->phase) == GATE_IDLE)
				gate_set_phase(c, GATE_HEAD, 0);
			err = to_mhd(c, buf, (size_t)r);
			if (c->rx_short && !SSL_has_pending(c->ssl))
				break;   /* drained for now: epoll says when more comes */
			continue;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			return;
		case SSL_ERROR_ZERO_RETURN:   /* close_notify, or EOF (IGNORE_UNEXPECTED_EOF) */
			c->client_eof = 1;
			shutdown(c->sp, SHUT_WR);
			break;
		default:
			err = 1;
		}
	}
	if (err || send_wire(c))   /* SSL_read may have answered something */
		gate_close(c);
}

/* libmicrohttpd's socket is writable again: the rest of a client read. */
static void flush_in(struct gate_conn *c)
{
	ssize_t w = send(c->sp, c->in + c->in_off, c->in_len - c->in_off, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (w < 0) {
		c->client_eof = 1;
		w = (ssize_t)(c->in_len - c->in_off);
	}
	c->w->kick = 1;
	c->in_off += (size_t)w;
	if (c->in_off < c->in_len)
		return;
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_off = 0;
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
	if (gate_deliver(c, sp[1]) < 0) {
		gate_close(c);
		return;
	}
	from_client(c);   /* a request may have come with the handshake's last flight */
}

static void handshake(struct gate_conn *c)
{
	int r = SSL_do_handshake(c->ssl), e = r == 1 ? 0 : SSL_get_error(c->ssl, r);

	if (send_wire(c) || (r != 1 && e != SSL_ERROR_WANT_READ))
		gate_close(c);
	else if (r == 1)
		open_plaintext(c);
}

int gate_tls_begin(struct gate_conn *c)
{
	struct epoll_event ev;
	BIO *bio;

	c->ssl = tls_server_ssl(c->g->tls);
	bio = c->ssl ? BIO_new(c->g->wire) : NULL;
	if (!bio)
		return -1;
	BIO_set_data(bio, c);
	BIO_set_init(bio, 1);
	SSL_set_bio(c->ssl, bio, bio);   /* the SSL owns it now */
	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)(uintptr_t)c | GATE_TAG_FD;
	if (epoll_ctl(c->w->ep, EPOLL_CTL_ADD, c->fd, &ev))
		return -1;
	c->ev_fd = EPOLLIN;
	return 0;
}

void gate_tls_event(struct gate_conn *c, int tag, uint32_t events)
{
	if (c->closed)
		return;
	if (tag == GATE_TAG_FD && (events & (EPOLLERR | EPOLLHUP))) {
		gate_close(c);   /* reset, or closed both ways: nothing can be sent */
	} else if (tag == GATE_TAG_FD && (events & EPOLLOUT) && send_wire(c)) {
		gate_close(c);
	} else if (!c->up) {
		if (events & EPOLLIN)
			handshake(c);
	} else if (tag == GATE_TAG_SP) {
		if (events & EPOLLOUT)
			flush_in(c);
		if (!c->closed && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			from_mhd(c);
	} else {
		if ((events & EPOLLOUT) && !pending(c))
			from_mhd(c);   /* the client took the wire buffer: more may come */
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
		c->w->kick = 1;   /* libmicrohttpd sees its end hang up */
	}
	SSL_free(c->ssl);   /* and its BIO */
	c->ssl = NULL;
	free(c->in);
	c->in = NULL;
	free(c->wire);
	c->wire = NULL;
	c->in_len = c->in_off = c->wire_len = c->wire_off = c->wire_cap = 0;
}
