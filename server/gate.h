/* gate.h - the connection gate: lfsd's own listening socket in front of
** libmicrohttpd, one per listener.
**
** The gate accepts connections, enforces the connection limits and the
** deadlines, and hands each admitted connection to the libmicrohttpd daemon
** of the worker thread that accepted it (http.c) together with the client's
** real address: a plain HTTP socket as it is, an HTTPS connection as the
** plaintext end of a socketpair once the gate has terminated TLS on it
** (gate_tls.c, tls_server.c). The worker runs both, so a request is served
** without a hop between threads.
**
** Rules (server/README.md "Connections"):
** 1. At most max_per_addr connections at once from one client address (IPv6:
**    one /64); more are closed at once.
** 2. At most max_conns at once. At the limit a new connection replaces one
**    that is still in its TLS handshake, waiting for its request head or idle
**    between requests: of the 32 that have waited longest, the one whose
**    address holds the most connections. When every connection is busy with a
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

/* What serves the requests behind the gate: one server per worker thread
** (http.c: a libmicrohttpd daemon in external-poll mode), used only by that
** thread, so a request never changes threads between TLS and HTTP. */
struct gate_backend {
	/* Makes a worker's server (cls from gate_start). Returns its handle
	** (released by close) or NULL (logged). Called on the starting thread. */
	void *(*open)(void *cls);
	/* The descriptor that turns readable when the server has work. */
	int (*fd)(void *server);
	/* Does the work that is ready. Returns the milliseconds after which it
	** must run again even without an event, or -1 for none. */
	long (*run)(void *server);
	/* Takes a connection: fd (ownership passes; closed on failure), the
	** client's address (borrowed for the call). Returns 0 or -1. */
	int (*add)(void *server, int fd, const struct sockaddr *addr, socklen_t addrlen);
	/* Stops the server, ending its connections (their hooks run now). */
	void (*close)(void *server);
};

/* Listens on host:port (IPv4; port 0 = any free port, *bound gets it) and
** starts the worker threads, each with its own server from be. tls: NULL for
** plain HTTP, else the TLS configuration (borrowed, must outlive the gate).
** be and cls are borrowed and must outlive the gate. Returns the gate (caller
** owns: gate_free()) or NULL (logged). */
struct gate *gate_start(const char *host, int port, const struct gate_limits *lim,
                        struct tls_server *tls, const struct gate_backend *be,
                        void *cls, int *bound);
/* Stops accepting; connections already taken go on. NULL is a no-op. */
void gate_quiesce(struct gate *g);
/* Stops the worker threads, each closing its server first, then every
** connection left, and frees the gate. NULL is a no-op. */
void gate_free(struct gate *g);

/* The soft limit on open files after raising it to the hard limit: the
** budget max_conns must fit in (an HTTP connection takes one descriptor, an
** HTTPS one three). */
int gate_fd_limit(void);

/* Hooks for http.c, called from the server's calls on a worker thread (except
** gate_conn_waker). conn may be NULL (then they do nothing). */
/* In the server's connection-start hook: the gate's connection behind the
** descriptor the server just took (within gate_backend.add on this thread),
** or NULL. The result is valid until gate_conn_closed(). */
struct gate_conn *gate_conn_claim(int fd);
/* A request head is complete; body_bytes more are expected (0: none). */
void gate_conn_request(struct gate_conn *conn, uint64_t body_bytes);
/* The request was answered; the connection is idle until the next one. */
void gate_conn_answered(struct gate_conn *conn);
/* libmicrohttpd is closing the connection; conn is invalid afterwards. */
void gate_conn_closed(struct gate_conn *conn);
/* The client's address as text ("-" if unknown), for the access log:
** borrowed, valid until gate_conn_closed(); NULL for a NULL conn. */
const char *gate_conn_client(const struct gate_conn *conn);
/* From any thread, before a suspended request is resumed there: the
** descriptor to pass to gate_wake() afterwards (valid while the gate lives;
** -1 for a NULL conn). */
int gate_conn_waker(struct gate_conn *conn);
/* Makes the worker behind waker run its server now. -1 is a no-op. */
void gate_wake(int waker);

#endif
