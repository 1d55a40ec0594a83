/* gate.c - the connection gate: the listening socket, worker threads on
** epoll, admission (per-address and total limits, eviction of the oldest
** waiting connection), deadlines, delivery to libmicrohttpd and the hooks
** http.c calls. Pumping TLS connections is gate_tls.c's job. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "gate_int.h"
#include "log.h"

#define SWEEP_US 200000u       /* deadlines are checked this often */
#define NOTE_US 10000000u      /* refusals are logged at most this often */
#define EVICT_MAX 64           /* evicted connections not yet closed, at most */
#define ACCEPT_BATCH 1         /* connections accepted per wake-up */
#define VICTIM_SCAN 32         /* waiting connections weighed for an eviction */

uint64_t gate_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int gate_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > (1u << 20) ? (1u << 20) : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur > (1u << 20) ? (1 << 20) : (int)rl.rlim_cur;
}

/* ---- the eviction queue and the counts, under g->mu */

static void unqueue(struct gate *g, struct gate_conn *c)
{
	if (!c->queued)
		return;
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		g->qhead = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	else
		g->qtail = c->qprev;
	c->qprev = c->qnext = NULL;
	c->queued = 0;
}

static void enqueue(struct gate *g, struct gate_conn *c)
{
	unqueue(g, c);
	c->qprev = g->qtail;
	if (g->qtail)
		g->qtail->qnext = c;
	else
		g->qhead = c;
	g->qtail = c;
	c->queued = 1;
}

void gate_set_phase(struct gate_conn *c, enum gate_phase p, uint64_t extra_us)
{
	struct gate *g = c->g;
	uint64_t now = gate_now(), t = (uint64_t)g->lim.timeout * 1000000u;

	pthread_mutex_lock(&g->mu);
	if (!c->retired && atomic_load(&c->deadline) != 1) {
		atomic_store(&c->phase, (int)p);
		if (p == GATE_BUSY) {
			atomic_store(&c->deadline, 0);
			unqueue(g, c);
		} else {
			atomic_store(&c->deadline, now + t + extra_us);
			if (p == GATE_BODY)
				unqueue(g, c);
			else
				enqueue(g, c);
		}
	}
	pthread_mutex_unlock(&g->mu);
}

/* Stops counting c (once). */
static void retire(struct gate_conn *c)
{
	struct gate *g = c->g;

	pthread_mutex_lock(&g->mu);
	if (!c->retired) {
		c->retired = 1;
		unqueue(g, c);
		gate_addrs_drop(&g->addrs, (struct sockaddr *)&c->addr);
		g->open--;
		if (atomic_load(&c->deadline) == 1)
			g->evicting--;
	}
	pthread_mutex_unlock(&g->mu);
}

static void unlink_conn(struct gate_conn *c)
{
	struct gate_worker *w = c->w;

	pthread_mutex_lock(&w->mu);
	if (c->prev)
		c->prev->next = c->next;
	else if (w->conns == c)
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	pthread_mutex_unlock(&w->mu);
}

static void unref(struct gate_conn *c)
{
	if (atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

/* Rule 2's victim, under g->mu: of the VICTIM_SCAN connections waiting
** longest, the one whose address holds the most connections (the oldest of
** those): a burst of new connections from a few addresses evicts their own,
** not a client that has one connection in its handshake. NULL: none waits. */
static struct gate_conn *victim(struct gate *g)
{
	struct gate_conn *c, *best = NULL;
	int i, n, most = 0;

	for (c = g->qhead, i = 0; c && i < VICTIM_SCAN; c = c->qnext, i++) {
		n = gate_addrs_count(&g->addrs, (struct sockaddr *)&c->addr);
		if (n > most) {
			most = n;
			best = c;
		}
	}
	return best;
}

/* Rule 1 and rule 2 for a new connection from sa. Returns 0 (counted) or -1
** (refused, noted). An eviction marks the victim and wakes its thread. */
static int admit(struct gate *g, const struct sockaddr *sa)
{
	struct gate_conn *v;
	struct gate_worker *wake = NULL;
	int rc;

	pthread_mutex_lock(&g->mu);
	rc = gate_addrs_take(&g->addrs, sa, g->lim.max_per_addr);
	if (rc == 0 && g->open >= g->lim.max_conns) {
		v = victim(g);
		if (!v || g->evicting >= EVICT_MAX) {
			gate_addrs_drop(&g->addrs, sa);
			rc = 2;
		} else {
			unqueue(g, v);
			atomic_store(&v->deadline, 1);
			g->evicting++;
			g->n_evicted++;
			wake = v->w;
		}
	}
	if (rc == 0)
		g->open++;
	else if (rc == 2)
		g->n_full++;
	else
		g->n_addr++;
	pthread_mutex_unlock(&g->mu);
	if (wake)
		eventfd_write(wake->wake, 1);
	return rc ? -1 : 0;
}

/* The connection being handed to this thread's server: libmicrohttpd in
** external-poll mode starts a connection inside MHD_add_connection(), so its
** start hook (gate_conn_claim) runs within be->add, on this thread. */
static __thread struct gate_conn *handing;
static __thread int handing_fd = -1;

int gate_deliver(struct gate_conn *c, int fd)
{
	struct gate *g = c->g;
	int rc;

	if (g->tls)
		atomic_fetch_add(&c->refs, 1);   /* the server's; plain: the owner's passes */
	handing = c;
	handing_fd = fd;
	c->w->kick = 1;
	rc = g->be->add(c->w->server, fd, (struct sockaddr *)&c->addr, c->addrlen);
	if (!handing)
		return 0;   /* claimed: gate_conn_closed() comes, now or later */
	handing = NULL;
	handing_fd = -1;
	if (rc == 0)   /* served without its hooks: no deadlines past this phase */
		log_error("%s: the server took a connection without reporting it", g->name);
	if (g->tls)
		atomic_fetch_sub(&c->refs, 1);
	return rc ? -1 : 1;
}

void gate_close(struct gate_conn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	gate_tls_release(c);
	retire(c);
	unlink_conn(c);
	c->later = c->w->dead;
	c->w->dead = c;
}

/* c->client from c->addr: once per connection, not once per logged request. */
static void client_text(struct gate_conn *c)
{
	const void *a = NULL;

	if (c->addr.ss_family == AF_INET)
		a = &((const struct sockaddr_in *)&c->addr)->sin_addr;
	else if (c->addr.ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)&c->addr)->sin6_addr;
	if (!a || !inet_ntop(c->addr.ss_family, a, c->client, sizeof c->client))
		strcpy(c->client, "-");
}

/* A new connection: admitted, linked, then handshaking (TLS) or delivered. */
static void take(struct gate_worker *w, int fd, const struct sockaddr_storage *ss,
                 socklen_t len)
{
	struct gate *g = w->g;
	struct gate_conn *c = calloc(1, sizeof *c);
	int one = 1;

	if (!c || admit(g, (const struct sockaddr *)ss)) {
		free(c);
		close(fd);
		return;
	}
	c->g = g;
	c->w = w;
	c->fd = fd;
	c->sp = -1;
	c->addr = *ss;
	c->addrlen = len;
	client_text(c);
	atomic_init(&c->refs, 1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	pthread_mutex_lock(&w->mu);
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	pthread_mutex_unlock(&w->mu);
	gate_set_phase(c, g->tls ? GATE_HANDSHAKE : GATE_IDLE, 0);
	if (g->tls) {
		if (gate_tls_begin(c))
			gate_close(c);
	} else if (gate_deliver(c, fd)) {   /* not taken, or taken without hooks */
		retire(c);
		unlink_conn(c);
		free(c);
	}
}

/* Takes at most ACCEPT_BATCH waiting connections: the listener stays
** readable, so the next one wakes another worker (EPOLLEXCLUSIVE) and
** long-lived connections spread over the threads. */
static void accept_some(struct gate_worker *w)
{
	struct gate *g = w->g;
	int i;

	for (i = 0; i < ACCEPT_BATCH && !atomic_load(&g->quiesced); i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(g->lfd, (struct sockaddr *)&ss, &len,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				struct timespec ts = { 0, 10 * 1000 * 1000 };

				log_error("%s: out of file descriptors (see --max-connections)",
				          g->name);
				nanosleep(&ts, NULL);
			}
			return;
		}
		take(w, fd, &ss, len);
	}
}

/* Logs what the limits refused in the last NOTE_US (worker 0 only). */
static void note(struct gate *g, uint64_t now)
{
	unsigned long a, f, e, x;

	pthread_mutex_lock(&g->mu);
	if (now - g->noted < NOTE_US) {
		pthread_mutex_unlock(&g->mu);
		return;
	}
	a = g->n_addr, f = g->n_full, e = g->n_evicted, x = g->n_expired;
	g->n_addr = g->n_full = g->n_evicted = g->n_expired = 0;
	g->noted = now;
	pthread_mutex_unlock(&g->mu);
	if (a || f || e || x)
		log_info("%s connections in the last %llu s: %lu refused over "
		         "--max-connections-per-ip, %lu refused and %lu evicted at --max-connections, "
		         "%lu closed at a deadline", g->name,
		         (unsigned long long)(NOTE_US / 1000000u), a, f, e, x);
}

/* Rule 3: TLS connections past their deadline are closed; plain ones are
** shut down (libmicrohttpd then closes them; the socket stays libmicrohttpd's
** until gate_conn_closed(), which waits for w->mu). */
static void sweep(struct gate_worker *w, uint64_t now)
{
	struct gate_conn *c, *expired = NULL;
	unsigned long n = 0;

	pthread_mutex_lock(&w->mu);
	for (c = w->conns; c; c = c->next) {
		uint64_t d = atomic_load(&c->deadline);

		if (!d || d > now)
			continue;
		if (w->g->tls) {
			c->later = expired;
			expired = c;
		} else if (!c->shut) {
			shutdown(c->fd, SHUT_RDWR);
			c->shut = 1;
		} else {
			continue;
		}
		n += d != 1;   /* evictions are counted when decided */
	}
	pthread_mutex_unlock(&w->mu);
	while ((c = expired)) {
		expired = c->later;
		gate_close(c);
	}
	if (n) {
		pthread_mutex_lock(&w->g->mu);
		w->g->n_expired += n;
		pthread_mutex_unlock(&w->g->mu);
	}
}

static void bury(struct gate_worker *w)
{
	struct gate_conn *c;

	while ((c = w->dead)) {
		w->dead = c->later;
		unref(c);
	}
}

/* The epoll timeout: the next sweep, or sooner when the server asks. */
static int wait_ms(long server_ms)
{
	long ms = SWEEP_US / 1000;

	return (int)(server_ms >= 0 && server_ms < ms ? server_ms : ms);
}

static void *work(void *arg)
{
	struct gate_worker *w = arg;
	struct gate *g = w->g;
	struct epoll_event ev[64];
	uint64_t last = gate_now(), now;
	long server_ms;
	eventfd_t v;

	log_hold();   /* a round's log lines go out together, before its wait */
	server_ms = g->be->run(w->server);
	while (!atomic_load(&g->stop)) {
		int i, woken = 0, n = epoll_wait(w->ep, ev, 64, wait_ms(server_ms));

		for (i = 0; i < n; i++) {
			uint64_t d = ev[i].data.u64;

			if (d == GATE_EV_LISTEN) {
				accept_some(w);
			} else if (d == GATE_EV_SERVER) {
				w->kick = 1;
			} else if (d == GATE_EV_WAKE) {
				eventfd_read(w->wake, &v);
				woken = w->kick = 1;
			} else {
				gate_tls_event((struct gate_conn *)(uintptr_t)(d & ~(uint64_t)1),
				               (int)(d & 1), ev[i].events);
			}
		}
		if (w->kick || n == 0 || server_ms == 0) {
			w->kick = 0;
			server_ms = g->be->run(w->server);
		}
		now = gate_now();
		if (woken || now - last >= SWEEP_US) {
			sweep(w, now);
			last = now;
			if (w == g->workers)
				note(g, now);
		}
		bury(w);
		log_flush();
	}
	g->be->close(w->server);   /* its connections' hooks run here, on this thread */
	w->server = NULL;
	bury(w);
	log_flush();
	return NULL;
}

static int listen_on(struct gate *g, const char *host, int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return log_error("invalid listen address '%s' (IPv4 expected)", host);
	g->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->lfd < 0 || setsockopt(g->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(g->lfd, (struct sockaddr *)&sa, sizeof sa) || listen(g->lfd, SOMAXCONN) ||
	    getsockname(g->lfd, (struct sockaddr *)&sa, &len))
		return log_error("cannot listen on %s:%d (%s): %s", host, port, g->name,
		                 strerror(errno));
	*bound = ntohs(sa.sin_port);
	return 0;
}

static int watch(struct gate_worker *w, int fd, uint64_t tag, uint32_t events)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.u64 = tag;
	return epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev);
}

static int start_worker(struct gate *g, struct gate_worker *w)
{
	w->g = g;
	w->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	w->scratch = malloc(GATE_SCRATCH);
	pthread_mutex_init(&w->mu, NULL);
	if (w->wake < 0 || w->ep < 0 || !w->scratch)
		return log_error("cannot start the %s listener: %s", g->name, strerror(errno));
	w->server = g->be->open(g->cls);
	if (!w->server)
		return -1;
	/* HTTPS: the server's only sockets are socketpairs whose other ends are
	** this thread's, so its work follows this thread's own sends, receives
	** and closes (they set kick) or a wake-up: its descriptor is not watched,
	** which spares every socketpair event a second, nested epoll wake-up */
	if (watch(w, g->lfd, GATE_EV_LISTEN, EPOLLIN | EPOLLEXCLUSIVE) ||
	    watch(w, w->wake, GATE_EV_WAKE, EPOLLIN) ||
	    (!g->tls && watch(w, g->be->fd(w->server), GATE_EV_SERVER, EPOLLIN)) ||
	    pthread_create(&w->thread, NULL, work, w))
		return log_error("cannot start the %s listener: %s", g->name, strerror(errno));
	w->started = 1;
	return 0;
}

struct gate *gate_start(const char *host, int port, const struct gate_limits *lim,
                        struct tls_server *tls, const struct gate_backend *be,
                        void *cls, int *bound)
{
	struct gate *g = calloc(1, sizeof *g);
	int i;

	if (!g)
		return NULL;
	g->lfd = -1;
	g->lim = *lim;
	g->tls = tls;
	g->be = be;
	g->cls = cls;
	snprintf(g->name, sizeof g->name, "%s", tls ? "https" : "http");
	pthread_mutex_init(&g->mu, NULL);
	g->workers = calloc((size_t)lim->threads, sizeof *g->workers);
	g->wire = tls ? gate_tls_wire() : NULL;
	if (!g->workers || (tls && !g->wire) ||
	    gate_addrs_init(&g->addrs, (size_t)lim->max_conns)) {
		log_error("out of memory");
		goto fail;
	}
	for (i = 0; i < lim->threads; i++)
		g->workers[i].ep = g->workers[i].wake = -1;
	if (listen_on(g, host, port, bound))
		goto fail;
	for (i = 0; i < lim->threads; i++)
		if (start_worker(g, &g->workers[i]))
			goto fail;
	return g;
fail:
	gate_free(g);
	return NULL;
}

void gate_quiesce(struct gate *g)
{
	int i;

	if (!g || atomic_exchange(&g->quiesced, 1))
		return;
	for (i = 0; g->workers && i < g->lim.threads; i++)
		if (g->workers[i].ep >= 0)
			epoll_ctl(g->workers[i].ep, EPOLL_CTL_DEL, g->lfd, NULL);
	if (g->lfd >= 0)
		shutdown(g->lfd, SHUT_RDWR);   /* refuse new connections; closed in gate_free */
}

/* Frees what a stopped worker still holds (its server is closed). */
static void drop_worker(struct gate_worker *w)
{
	struct gate_conn *c;

	if (w->server)   /* never started */
		w->g->be->close(w->server);
	bury(w);
	while ((c = w->conns)) {
		w->conns = c->next;
		if (w->g->tls)   /* a plain socket was the server's, closed by it */
			gate_tls_release(c);
		free(c);
	}
	if (w->ep >= 0)
		close(w->ep);
	if (w->wake >= 0)
		close(w->wake);
	free(w->scratch);
	pthread_mutex_destroy(&w->mu);
}

void gate_free(struct gate *g)
{
	int i;

	if (!g)
		return;
	gate_quiesce(g);
	atomic_store(&g->stop, 1);
	for (i = 0; g->workers && i < g->lim.threads; i++)
		if (g->workers[i].started) {
			eventfd_write(g->workers[i].wake, 1);
			pthread_join(g->workers[i].thread, NULL);
		}
	for (i = 0; g->workers && i < g->lim.threads; i++)
		drop_worker(&g->workers[i]);
	if (g->lfd >= 0)
		close(g->lfd);
	gate_addrs_release(&g->addrs);
	BIO_meth_free(g->wire);
	free(g->workers);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/* ---- hooks for http.c */

struct gate_conn *gate_conn_claim(int fd)
{
	struct gate_conn *c = handing;

	if (!c || fd != handing_fd)
		return NULL;
	handing = NULL;
	handing_fd = -1;
	return c;
}

void gate_conn_request(struct gate_conn *c, uint64_t body_bytes)
{
	if (!c)
		return;
	if (body_bytes)
		gate_set_phase(c, GATE_BODY, body_bytes * 1000000u / GATE_BODY_RATE);
	else
		gate_set_phase(c, GATE_BUSY, 0);
}

void gate_conn_answered(struct gate_conn *c)
{
	if (c)
		gate_set_phase(c, GATE_IDLE, 0);
}

const char *gate_conn_client(const struct gate_conn *c)
{
	return c ? c->client : NULL;
}

int gate_conn_waker(struct gate_conn *c)
{
	return c ? c->w->wake : -1;
}

void gate_wake(int waker)
{
	if (waker >= 0)
		eventfd_write(waker, 1);
}

void gate_conn_closed(struct gate_conn *c)
{
	if (!c)
		return;
	if (!c->g->tls) {   /* the socket was libmicrohttpd's: so is the struct */
		unlink_conn(c);
		retire(c);
	}
	unref(c);
}
