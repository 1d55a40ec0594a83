/* gate_int.h - what gate.c and gate_tls.c share: the gate, its worker
** threads and its connections, and the calls between the two files. No other
** file includes it.
**
** Lifetime of a connection (struct gate_conn):
** 1. accepted and admitted by a worker, which links it in its list;
** 2. plain HTTP: delivered at once to the worker's server; libmicrohttpd then
**    owns the socket and the struct, which gate_conn_closed() unlinks and
**    frees. TLS: the worker keeps the client socket, and after the handshake
**    delivers the other end of a socketpair; the struct is freed when both
**    the worker (gate_close()) and libmicrohttpd (gate_conn_closed()) have let
**    go of it (refs);
** 3. counted (per address, in total) from admission until it is retired:
**    when the worker closes the client socket (TLS) or libmicrohttpd closes it
**    (plain).
** Locks: a worker's mu before the gate's mu, never the other way round. */
#ifndef GATE_INT_H
#define GATE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "gate.h"
#include "gate_addr.h"

enum gate_phase { GATE_HANDSHAKE, GATE_IDLE, GATE_HEAD, GATE_BODY, GATE_BUSY };

/* epoll data: a connection pointer with the socket in its lowest bit; the
** listener and the wake-up eventfd use the two values below (no pointer) */
enum { GATE_TAG_FD = 0, GATE_TAG_SP = 1 };
#define GATE_EV_LISTEN 0
#define GATE_EV_WAKE   2
#define GATE_EV_SERVER 4

#define GATE_SCRATCH 131072   /* plaintext read at once: a 64 KB image and its head */

struct gate_worker;

struct gate_conn {
	struct gate *g;                  /* borrowed */
	struct gate_worker *w;           /* the owner thread */
	struct gate_conn *prev, *next;   /* w's list, under w->mu */
	struct gate_conn *qprev, *qnext; /* the gate's eviction queue, under g->mu */
	struct gate_conn *later;         /* w's lists of one round (expired, closed) */
	int queued;                      /* in the eviction queue (g->mu) */
	int retired;                     /* no longer counted (g->mu) */
	int fd;                          /* client socket; plain: libmicrohttpd's once delivered */
	int sp;                          /* TLS: our end of the socketpair, else -1 */
	int shut;                        /* plain: shut down at its deadline (w->mu) */
	SSL *ssl;                        /* TLS, owned; else NULL */
	struct sockaddr_storage addr;    /* the client's address */
	socklen_t addrlen;
	char client[46];                 /* addr as text (INET6_ADDRSTRLEN), for the log */
	atomic_int phase;                /* enum gate_phase */
	_Atomic uint64_t deadline;       /* gate_now() µs; 0 none; 1 evicted (written under g->mu) */
	atomic_int refs;                 /* holders: owner thread, libmicrohttpd */
	/* TLS pumping: owner thread only */
	int closed;                      /* sockets closed; waits for its refs */
	int up;                          /* handshake done, plaintext delivered */
	unsigned ev_fd, ev_sp;           /* epoll interest registered */
	unsigned hs_want;                /* what the handshake waits for */
	int client_eof, mhd_eof;         /* the client / libmicrohttpd sent no more */
	int rx_short;                    /* the last read of the socket did not fill its buffer */
	char *in;                        /* owned: plaintext libmicrohttpd has not taken */
	size_t in_len, in_off;
	char *wire;                      /* owned: sealed records not yet sent */
	size_t wire_len, wire_off, wire_cap;
};

struct gate_worker {
	struct gate *g;                  /* borrowed */
	pthread_t thread;
	int started;
	int ep;                          /* epoll, owned */
	int wake;                        /* eventfd, owned */
	pthread_mutex_t mu;              /* guards conns */
	struct gate_conn *conns;         /* connections accepted here */
	struct gate_conn *dead;          /* closed this round; their refs dropped at its end */
	char *scratch;                   /* GATE_SCRATCH bytes, owned */
	void *server;                    /* the backend's server, owned */
	int kick;                        /* the server has work: run it this round (set
	                                    by every send to, receive from and close of
	                                    a socketpair, a delivery and a wake-up) */
};

struct gate {
	int lfd;                         /* listening socket, owned */
	char name[8];                    /* "http" or "https", for logs */
	struct tls_server *tls;          /* borrowed; NULL = plain HTTP */
	struct gate_limits lim;
	const struct gate_backend *be;   /* borrowed */
	void *cls;                       /* borrowed, for be->open */
	BIO_METHOD *wire;                /* owned: the TLS connections' socket BIO */
	atomic_int quiesced;
	atomic_int stop;
	struct gate_worker *workers;     /* owned, lim.threads of them */
	pthread_mutex_t mu;              /* guards the fields below */
	int open;                        /* connections counted */
	int evicting;                    /* evicted, not yet closed */
	struct gate_addrs addrs;         /* connections per address */
	struct gate_conn *qhead, *qtail; /* eviction queue, oldest first */
	unsigned long n_addr, n_full, n_evicted, n_expired;   /* since the last note */
	uint64_t noted;                  /* when the last note was logged */
};

/* gate.c, for gate_tls.c */
uint64_t gate_now(void);
/* Enters phase p: sets the deadline (timeout, plus extra_us for a body) and
** the place in the eviction queue. No-op once retired or evicted. */
void gate_set_phase(struct gate_conn *c, enum gate_phase p, uint64_t extra_us);
/* Hands fd (ownership passes) to the worker's server for c. Returns 0 (taken,
** its hooks will report it), 1 (taken, but the server did not report it:
** nothing will come for c) or -1 (not taken, fd closed). */
int gate_deliver(struct gate_conn *c, int fd);
/* Closes a TLS connection's sockets and retires it; its struct is freed once
** libmicrohttpd has let go too. Owner thread only. */
void gate_close(struct gate_conn *c);

/* gate_tls.c, for gate.c */
/* The BIO method of the TLS connections' sockets: reads from the socket,
** writes into the connection's wire buffer (sent in one go after each TLS
** call). Returns it (caller owns: BIO_meth_free()) or NULL. */
BIO_METHOD *gate_tls_wire(void);
/* owner thread only: */
/* Starts the handshake of an accepted connection. Returns 0 or -1. */
int gate_tls_begin(struct gate_conn *c);
/* Handles epoll events on the client socket (GATE_TAG_FD) or the socketpair. */
void gate_tls_event(struct gate_conn *c, int tag, uint32_t events);
/* Closes the sockets, frees the SSL and the buffers. */
void gate_tls_release(struct gate_conn *c);

#endif
