/* gate.h - the connection gate: lfsd's own listening socket in front of
** libmicrohttpd, one per listener.
**
** The gate accepts connections, enforces the connection limits and the
** deadlines, and hands each admitted connection to libmicrohttpd (http.c)
** together with the client's real address: a plain HTTP socket as it is, an
** HTTPS connection as the plaintext end of a socketpair once the gate has
** terminated TLS on it (gate_tls.c, tls_server.c).
**
** Rules (server/README.md "Connections"):
** 1. At most max_per_addr connections at once from one client address (IPv6:
**    one /64); more are closed at once.
** 2. At most max_conns at once. At the limit a new connection replaces the
**    oldest one that is still in its TLS handshake, waiting for its request
**    head or idle between requests; when every connection is busy with a
**    request the new one is closed.
** 3. Deadlines count from when a phase starts and never restart on a byte:
**    the TLS handshake, a request head and an idle keep-alive connection get
**    `timeout` seconds each; a request body gets timeout + its declared
**    length / GATE_BODY_RATE seconds. A request being answered has none
**    (libmicrohttpd's idle timeout applies).
** http.c reports the phases it sees with the gate_conn_* hooks below. */
#ifndef GATE_H
#define GATE_H

#include <stdint.h>
#include <sys/socket.h>

struct gate;
struct gate_conn;
struct tls_server;

/* the slowest request body a deadline allows for, bytes per second */
#define GATE_BODY_RATE 4096

struct gate_limits {
	int max_conns;      /* connections at once (rule 2), >= 1 */
	int max_per_addr;   /* connections at once per client address (rule 1), >= 1 */
	int timeout;        /* seconds (rule 3), >= 1 */
	int threads;        /* worker threads, >= 1 */
};

/* Hands an admitted connection to libmicrohttpd. fd: ownership passes in
** every case (the callee closes it on failure); addr borrowed for the call.
** Returns 0, or -1 when the connection was not taken. */
typedef int (*gate_deliver_fn)(void *cls, int fd, const struct sockaddr *addr,
                               socklen_t addrlen);

/* Listens on host:port (IPv4; port 0 = any free port, *bound gets it) and
** starts the worker threads. tls: NULL for plain HTTP, else the TLS
** configuration (borrowed, must outlive the gate). deliver and cls are called
** from the gate's threads. Returns the gate (caller owns: gate_free()) or NULL
** (logged). */
struct gate *gate_start(const char *host, int port, const struct gate_limits *lim,
                        struct tls_server *tls, gate_deliver_fn deliver, void *cls,
                        int *bound);
/* Stops accepting and delivering; connections already delivered go on.
** NULL is a no-op. */
void gate_quiesce(struct gate *g);
/* Stops the threads, closes every connection it still holds and frees it.
** Call after libmicrohttpd's daemon has stopped (its hooks must be done).
** NULL is a no-op. */
void gate_free(struct gate *g);

/* The soft limit on open files after raising it to the hard limit: the
** budget max_conns must fit in (an HTTP connection takes one descriptor, an
** HTTPS one three). */
int gate_fd_limit(void);

/* Hooks for http.c, called from libmicrohttpd's threads. conn may be NULL
** (then they do nothing). */
/* The gate's connection behind the descriptor libmicrohttpd just started
** serving, or NULL. The result is valid until gate_conn_closed(). */
struct gate_conn *gate_conn_claim(struct gate *g, int fd);
/* A request head is complete; body_bytes more are expected (0: none). */
void gate_conn_request(struct gate_conn *conn, uint64_t body_bytes);
/* The request was answered; the connection is idle until the next one. */
void gate_conn_answered(struct gate_conn *conn);
/* libmicrohttpd is closing the connection; conn is invalid afterwards. */
void gate_conn_closed(struct gate_conn *conn);

#endif
