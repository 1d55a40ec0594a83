/*
** nodemcu_net.c - the emulated `net` TCP client (nodemcu-api.md §1,
** app/modules/net.c) over real host sockets driven by the scheduler:
**  - callbacks run unprotected: an error in one is a PANIC (§0);
**  - receive: one call per pbuf of at most 1460 bytes, a burst of them back
**    to back in one task (--rx-chunk); after close() inside receive the rest
**    of the chain comes with a nil socket; with no callback data is dropped;
**  - hold() still lets TCP_WND (5840) bytes through, unhold() reopens;
**  - send copies into TCP_SND_BUF: over 2920 bytes counting unacknowledged
**    ones raises "out of memory", an empty string "no data to send"; the data
**    leaves after the task returns, one segment (<= 1460) at a time, and each
**    acknowledged segment fires `sent` (so one send may fire several);
**  - a remote FIN gives disconnection(sock, 0); errors go to reconnection if
**    registered, else disconnection; the pcb is gone first, so close() inside
**    raises; a local close fires nothing; a second close raises;
**  - connect resolves an IP at once (dns callback inside connect), a name
**    later; a failed lookup calls dns(sock, nil) and then nothing more ever
**    happens (§13 Q6, the harsher answer: the connect to 255.255.255.255 is
**    never answered); no idle timeout;
**  - an accepted connection of a server (nodemcu_netsrv.c) is one of these.
*/
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nodemcu_modules.h"
#include "nodemcu_net.h"
#include "nodemcu_sock.h"


#define MAX_SEGS 64

struct nsock {
	struct sched_watch w;       /* the socket while fd >= 0 */
	struct nm_events ev;         /* callbacks, self reference, state */
	int pcb;                    /* connect() called and not yet closed/failed */
	int fd;                     /* -1 before the connect starts / after the end */
	int connecting;
	int port;
	int local_port;             /* an accepted socket's device port, 0 = the host's */
	int held;
	size_t window;              /* bytes still let through while held */
	size_t in_chain;            /* bytes of the chain being delivered (not yet
				       tcp_recved: they count against the window) */
	uint8_t snd[SOCK_SND_BUF];  /* sent by Lua, not yet written */
	size_t snd_len;
	uint64_t written;           /* bytes written to the host socket */
	uint64_t acked;             /* of those, acknowledged and reported */
	uint64_t seg[MAX_SEGS];     /* ends of written segments not yet acked */
	int nseg;
	char host[256];
};

static void update(struct nsock *s)
{
	short ev = 0;

	if (s->fd < 0)
		return;
	if (s->connecting)
		ev = POLLOUT;
	else
		ev = (short)((s->held && !s->window ? 0 : POLLIN) | (s->snd_len ? POLLOUT : 0));
	s->w.events = ev;
	s->w.repoll_ms = s->written > s->acked ? 2 : 0;
}

/* The pcb goes away (error, FIN, close): no more events of this socket. */
static void drop_pcb(struct nsock *s)
{
	if (s->fd >= 0) {
		sched_watch_del(s->ev.vm->sched, &s->w);
		close(s->fd);
	}
	sched_cancel(s->ev.vm->sched, s);
	s->fd = -1;
	s->pcb = s->connecting = 0;
	s->snd_len = 0;
	s->nseg = 0;
	s->written = s->acked = 0;
}

/* net_err_cb: err 0 for a remote FIN */
static void fail(struct nsock *s, int err)
{
	lua_State *L = s->ev.L;
	int anchor = nm_push_ref(L, s->ev.self_ref);   /* keeps s alive meanwhile */
	int i = err != SOCK_ERR_OK && s->ev.cb[NM_CB_RECONN] != LUA_NOREF ? NM_CB_RECONN : NM_CB_DISCONN;

	drop_pcb(s);
	if (nm_events_push(&s->ev, i, 1)) {
		lua_pushinteger(L, err);
		nm_callback(L, 2, NM_UNPROTECTED);
	}
	nm_unref(L, &s->ev.self_ref);
	lua_pop(L, anchor);
}

static void connected(struct nsock *s)
{
	int rc = sock_connect_result(s->fd);

	if (rc != SOCK_ERR_OK) {
		fail(s, rc);
		return;
	}
	s->connecting = 0;
	update(s);
	if (nm_events_push(&s->ev, NM_CB_CONN, 1))
		nm_callback(s->ev.L, 1, NM_UNPROTECTED);
}

static void receive(struct nsock *s)
{
	lua_State *L = s->ev.L;
	uint8_t buf[NODEMCU_TCP_WND];
	size_t want = nodemcu_vm_burst(s->ev.vm), off, n;
	ssize_t r;
	int anchor;

	if (s->held && want > s->window)
		want = s->window;
	r = read(s->fd, buf, want);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		fail(s, r == 0 ? SOCK_ERR_OK : sock_err(errno));
		return;
	}
	if (s->held)
		s->window -= (size_t)r;
	s->in_chain = (size_t)r;
	anchor = nm_push_ref(L, s->ev.self_ref);
	for (off = 0; off < (size_t)r && !s->ev.vm->end; off += n) {
		n = nodemcu_vm_chunk(s->ev.vm);
		if (n > (size_t)r - off)
			n = (size_t)r - off;
		if (!nm_events_push(&s->ev, NM_CB_RECV, 1))
			break;   /* no callback: the data is dropped */
		lua_pushlstring(L, (const char *)buf + off, n);
		nm_callback(L, 2, NM_UNPROTECTED);
	}
	s->in_chain = 0;
	update(s);   /* tcp_recved(pcb, hold ? 0 : TCP_WND) after the chain */
	lua_pop(L, anchor);
}

static void write_out(struct nsock *s)
{
	size_t off = 0, n;
	ssize_t w;

	while (off < s->snd_len) {
		n = s->snd_len - off < NODEMCU_TCP_MSS ? s->snd_len - off : NODEMCU_TCP_MSS;
		w = write(s->fd, s->snd + off, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w < 0) {
			fail(s, sock_err(errno));
			return;
		}
		off += (size_t)w;
		s->written += (uint64_t)w;
		if (s->nseg < MAX_SEGS)
			s->nseg++;
		s->seg[s->nseg - 1] = s->written;
	}
	memmove(s->snd, s->snd + off, s->snd_len - off);
	s->snd_len -= off;
	update(s);
}

/* net_sent_cb: one `sent` per acknowledged segment */
static void acks(struct nsock *s)
{
	uint64_t acked = s->written - sock_unacked(s->fd);
	lua_State *L = s->ev.L;
	int anchor = nm_push_ref(L, s->ev.self_ref);

	while (s->nseg && s->seg[0] <= acked && s->pcb && !s->ev.vm->end) {
		s->acked = s->seg[0];
		memmove(s->seg, s->seg + 1, (size_t)--s->nseg * sizeof s->seg[0]);
		update(s);
		if (nm_events_push(&s->ev, NM_CB_SENT, 1))
			nm_callback(L, 1, NM_UNPROTECTED);
	}
	lua_pop(L, anchor);
}

static void on_ready(void *ctx, intptr_t revents)
{
	struct nsock *s = ctx;

	if (s->connecting) {
		if (revents)
			connected(s);
	} else if (s->nseg && s->written - sock_unacked(s->fd) >= s->seg[0]) {
		acks(s);
	} else if (revents & POLLOUT && s->snd_len) {
		write_out(s);
	} else if (revents & (POLLIN | POLLHUP | POLLERR)) {
		receive(s);
	}
}

static void start_connect(struct nsock *s, const char *ip)
{
	int rc = sock_connect(ip, s->port, &s->fd);

	if (rc != SOCK_ERR_OK) {
		fail(s, rc);
		return;
	}
	s->connecting = 1;
	s->w.fd = s->fd;
	s->w.fn = on_ready;
	s->w.ctx = s;
	update(s);
	sched_watch_add(s->ev.vm->sched, &s->w);
}

/* net_dns_cb for a name: dns(sock, ip|nil), then connect */
static void dns_done(void *ctx, intptr_t arg)
{
	struct nsock *s = ctx;
	int anchor = nm_push_ref(s->ev.L, s->ev.self_ref), ok;
	char ip[16];

	(void)arg;
	ok = nm_events_dns(&s->ev, s->host, ip);
	if (ok > 0 && s->pcb && s->fd < 0)
		start_connect(s, ip);
	lua_pop(s->ev.L, anchor);
}

static struct nsock *check(lua_State *L)
{
	return luaL_checkudata(L, 1, "net.tcpsocket");
}

static int s_connect(lua_State *L)
{
	struct nsock *s = check(L);
	lua_Integer port = luaL_checkinteger(L, 2);
	const char *host = lua_isstring(L, 3) ? lua_tostring(L, 3) : "127.0.0.1";

	if (s->pcb)
		return luaL_error(L, "already connected");
	if (port <= 0 || port > 65535)
		return luaL_error(L, "specify port");
	if (lua_gettop(L) > 3) {
		luaL_argcheck(L, lua_isfunction(L, 4), 4, "not a function");
		nm_unref(L, &s->ev.cb[NM_CB_CONN]);
		s->ev.cb[NM_CB_CONN] = nm_ref(L, 4);
	}
	s->port = (int)port;
	snprintf(s->host, sizeof s->host, "%s", host);
	s->pcb = 1;
	if (s->ev.self_ref == LUA_NOREF)
		s->ev.self_ref = nm_ref(L, 1);
	if (!sock_is_ip(host)) {
		if (sched_event(s->ev.vm->sched, dns_done, s, 0))
			return luaL_error(L, "out of memory");
		return 0;
	}
	if (nm_push_ref(L, s->ev.cb[NM_CB_DNS])) {   /* an IP resolves inside connect */
		lua_pushvalue(L, 1);
		lua_pushstring(L, host);
		lua_call(L, 2, 0);
	}
	start_connect(s, host);
	return 0;
}

static int s_on(lua_State *L)
{
	return nm_events_on(&check(L)->ev, L, "invalid callback name");
}

static int s_send(lua_State *L)
{
	struct nsock *s = check(L);
	size_t n;
	const char *data = lua_tolstring(L, 2, &n);

	if (lua_isfunction(L, 3)) {
		nm_unref(L, &s->ev.cb[NM_CB_SENT]);
		s->ev.cb[NM_CB_SENT] = nm_ref(L, 3);
	}
	if (!s->pcb || s->ev.self_ref == LUA_NOREF)
		return luaL_error(L, "not connected");
	if (!data || n == 0)
		return luaL_error(L, "no data to send");
	/* tcp_write with TCP_WRITE_FLAG_COPY into TCP_SND_BUF (§1) */
	if (s->snd_len + (size_t)(s->written - s->acked) + n > SOCK_SND_BUF)
		return luaL_error(L, "out of memory");
	memcpy(s->snd + s->snd_len, data, n);
	s->snd_len += n;
	update(s);
	return 0;
}

static int s_close(lua_State *L)
{
	struct nsock *s = check(L);

	if (!s->pcb)
		return luaL_error(L, "not connected");
	if (s->fd >= 0 && !s->connecting && s->snd_len)
		write_out(s);   /* tcp_close sends what was written, then FIN */
	drop_pcb(s);        /* a local close fires no event (§1) */
	nm_unref(L, &s->ev.self_ref);
	return 0;
}

static int s_hold(lua_State *L)
{
	struct nsock *s = check(L);

	if (!s->held)   /* the open window still arrives, less what is being delivered */
		s->window = NODEMCU_TCP_WND - s->in_chain;
	s->held = 1;
	update(s);
	return 0;
}

static int s_unhold(lua_State *L)
{
	struct nsock *s = check(L);

	s->held = 0;
	update(s);
	return 0;
}

static int push_name(lua_State *L, int peer)
{
	struct nsock *s = check(L);
	char ip[16];
	int port;

	if (s->connecting || sock_name(s->fd, peer, ip, &port)) {
		lua_pushnil(L);
		lua_pushnil(L);
	} else {
		lua_pushinteger(L, !peer && s->local_port ? s->local_port : port);   /* port, ip (§1) */
		lua_pushstring(L, ip);
	}
	return 2;
}

static int s_getpeer(lua_State *L)
{
	return push_name(L, 1);
}

static int s_getaddr(lua_State *L)
{
	return push_name(L, 0);
}

static int s_gc(lua_State *L)
{
	struct nsock *s = check(L);

	drop_pcb(s);
	nm_events_release(&s->ev);
	return 0;
}

static int create(lua_State *L)
{
	struct nsock *s = lua_newuserdata(L, sizeof *s);

	memset(s, 0, sizeof *s);
	nm_events_init(&s->ev, L);
	s->fd = -1;
	luaL_getmetatable(L, "net.tcpsocket");
	lua_setmetatable(L, -2);
	return 1;
}

void nodemcu_net_accepted(lua_State *L, int fd, int port)
{
	struct nsock *s;

	create(L);
	s = lua_touserdata(L, -1);
	s->fd = fd;
	s->pcb = 1;
	s->local_port = port;
	s->ev.self_ref = nm_ref(L, -1);
	s->w.fd = fd;
	s->w.fn = on_ready;
	s->w.ctx = s;
	update(s);
	sched_watch_add(s->ev.vm->sched, &s->w);
}

int nodemcu_net_accept_done(lua_State *L, int i)
{
	struct nsock *s = lua_touserdata(L, i);

	if (!s->pcb || !nm_events_push(&s->ev, NM_CB_CONN, 1))
		return 0;
	return nm_callback(s->ev.L, 1, NM_UNPROTECTED);
}

struct lookup {
	lua_State *L;
	int ref;
	char name[256];
};

static void resolve_done(void *ctx, intptr_t arg)
{
	struct lookup *q = ctx;
	lua_State *L = q->L;
	char ip[16];
	int ok = sock_resolve(q->name, ip) == 0;

	(void)arg;
	nm_vm(L)->dns_pending--;
	nm_push_ref(L, q->ref);
	nm_unref(L, &q->ref);
	lua_pushnil(L);   /* net.c: "the API insists on a nil here" */
	if (ok)
		lua_pushstring(L, ip);
	else
		lua_pushnil(L);
	free(q);
	nm_callback(L, 2, NM_UNPROTECTED);
}

/* net.dns.resolve(name, fn(nil, ip|nil)); an IP is answered at once */
static int dns_resolve(lua_State *L)
{
	struct nodemcu_vm *vm = nm_vm(L);
	const char *name = luaL_checkstring(L, 1);
	struct lookup *q;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (sock_is_ip(name)) {
		lua_pushvalue(L, 2);
		lua_pushnil(L);
		lua_pushstring(L, name);
		lua_call(L, 2, 0);
		return 0;
	}
	if (vm->dns_pending >= 4 || !(q = calloc(1, sizeof *q)))
		return luaL_error(L, "out of memory");   /* lwIP's 4-entry table is full */
	q->L = nm_main(L);
	q->ref = nm_ref(L, 2);
	snprintf(q->name, sizeof q->name, "%s", name);
	if (sched_event(vm->sched, resolve_done, q, 0)) {
		nm_unref(L, &q->ref);
		free(q);
		return luaL_error(L, "out of memory");
	}
	vm->dns_pending++;
	return 0;
}

int nodemcu_net_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "connect", s_connect }, { "on", s_on }, { "send", s_send },
		{ "close", s_close }, { "hold", s_hold }, { "unhold", s_unhold },
		{ "getpeer", s_getpeer }, { "getaddr", s_getaddr }, { "__gc", s_gc },
		{ NULL, NULL }
	};

	nm_newclass(L, "net.tcpsocket", methods);
	lua_newtable(L);
	lua_pushcfunction(L, create);
	lua_setfield(L, -2, "createConnection");
	nodemcu_netsrv_open(L);
	lua_pushinteger(L, 1);
	lua_setfield(L, -2, "TCP");
	lua_pushinteger(L, 2);
	lua_setfield(L, -2, "UDP");
	lua_newtable(L);
	lua_pushcfunction(L, dns_resolve);
	lua_setfield(L, -2, "resolve");
	lua_setfield(L, -2, "dns");
	return 1;
}
