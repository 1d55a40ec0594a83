/*
** nodemcu_netsrv.c - the emulated `net` TCP server (nodemcu-api.md §1,
** app/modules/net.c: net_createServer, net_listen, net_accept_cb,
** net_getaddr, net_close, net_delete) over a real listening host socket:
**  - net.createServer([type,] timeout): the firmware reads the timeout from
**    argument 1 (the type: net.TCP is 1) and uses it only as the TCP
**    keepalive of accepted sockets, which a live peer always answers: no
**    timeout is emulated;
**  - server:listen([port][, ip], fn(conn)): "already listening", "invalid IP
**    address", "need callback", lwIP errors ("address in use"); port 0 (or
**    none) takes a free port. The host socket listens on 127.0.0.1 only (the
**    station's address in the emulation), on port + --port-offset, or on
**    any free port with --port-offset any; the map is logged and kept in
**    DATA/ports for clients of the board;
**  - each connection: a net.tcpsocket (nodemcu_net.c, the client semantics
**    of §1) passed to fn unprotected (an error is a PANIC), then its
**    `connection` event if fn registered one;
**  - server:getaddr(): the device port and the address listened on
**    ("0.0.0.0" unless given), nil, nil when not listening; server:close()
**    raises "not connected" when not listening; no `on`, `send`, `connect`.
*/
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "nodemcu_net.h"
#include "nodemcu_sock.h"

struct nsrv {
	struct sched_watch w;       /* the listening socket while fd >= 0 */
	lua_State *L;               /* the main thread */
	struct nodemcu_vm *vm;
	int fd;                     /* -1 when not listening */
	int port;                   /* device port */
	int accept_ref;             /* fn(conn) */
	int self_ref;               /* kept alive while listening */
	long timeout;               /* keepalive seconds (not emulated) */
	char ip[16];                /* the address listened on, as given */
};

static struct nsrv *check(lua_State *L)
{
	return luaL_checkudata(L, 1, "net.tcpserver");
}

static void stop(struct nsrv *s)
{
	if (s->fd < 0)
		return;
	sched_watch_del(s->vm->sched, &s->w);
	close(s->fd);
	s->fd = -1;
	nodemcu_vm_listening(s->vm, s->port, 0);
}

/* net_accept_cb: one connection per unit of work */
static void on_accept(void *ctx, intptr_t revents)
{
	struct nsrv *s = ctx;
	lua_State *L = s->L;
	int fd, top = lua_gettop(L);

	(void)revents;
	if (sock_accept(s->fd, &fd) || fd < 0)
		return;
	nm_push_ref(L, s->self_ref);                 /* keeps s alive meanwhile */
	nodemcu_net_accepted(L, fd, s->port);
	if (!nm_push_ref(L, s->accept_ref)) {        /* no callback: ERR_ABRT */
		lua_settop(L, top);
		return;
	}
	lua_pushvalue(L, -2);
	if (nm_callback(L, 1, NM_UNPROTECTED) == 0)
		nodemcu_net_accept_done(L, -1);
	lua_settop(L, top);
}

static int srv_listen(lua_State *L)
{
	struct nsrv *s = check(L);
	const char *ip = "0.0.0.0";
	int i = 2, port = 0, host, bound, rc;

	if (s->fd >= 0)
		return luaL_error(L, "already listening");
	if (lua_isnumber(L, i))
		port = (int)(lua_tointeger(L, i++) & 0xFFFF);   /* uint16_t */
	if (lua_isstring(L, i))
		ip = lua_tostring(L, i++);
	if (!sock_is_ip(ip))
		return luaL_error(L, "invalid IP address");
	if (!lua_isfunction(L, i))
		return luaL_error(L, "need callback");
	nm_unref(L, &s->accept_ref);
	s->accept_ref = nm_ref(L, i);
	if ((host = nodemcu_vm_host_port(s->vm, port)) < 0)
		return luaL_error(L, "port %d + --port-offset is not a host port", port);
	if ((rc = sock_listen(host, &s->fd, &bound)))
		return luaL_error(L, "%s", sock_errstr(rc));
	s->port = port ? port : bound;
	snprintf(s->ip, sizeof s->ip, "%s", ip);
	s->w.fd = s->fd;
	s->w.events = POLLIN;
	s->w.fn = on_accept;
	s->w.ctx = s;
	sched_watch_add(s->vm->sched, &s->w);
	if (s->self_ref == LUA_NOREF)
		s->self_ref = nm_ref(L, 1);
	nodemcu_vm_listening(s->vm, s->port, bound);
	return 0;
}

static int srv_close(lua_State *L)
{
	struct nsrv *s = check(L);

	if (s->fd < 0)
		return luaL_error(L, "not connected");
	stop(s);
	nm_unref(L, &s->self_ref);
	return 0;
}

static int srv_getaddr(lua_State *L)
{
	struct nsrv *s = check(L);

	if (s->fd < 0) {
		lua_pushnil(L);
		lua_pushnil(L);
		return 2;
	}
	lua_pushinteger(L, s->port);
	lua_pushstring(L, s->ip);
	return 2;
}

static int srv_gc(lua_State *L)
{
	struct nsrv *s = check(L);

	stop(s);
	nm_unref(L, &s->accept_ref);
	nm_unref(L, &s->self_ref);
	return 0;
}

/* net.createServer([type,] timeout): timeout = luaL_optlong(L, 1, 30) */
static int create(lua_State *L)
{
	long timeout = (long)luaL_optinteger(L, 1, 30);
	struct nsrv *s = lua_newuserdata(L, sizeof *s);

	memset(s, 0, sizeof *s);
	s->L = nm_main(L);
	s->vm = nm_vm(L);
	s->fd = -1;
	s->accept_ref = s->self_ref = LUA_NOREF;
	s->timeout = timeout;
	luaL_getmetatable(L, "net.tcpserver");
	lua_setmetatable(L, -2);
	return 1;
}

void nodemcu_netsrv_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "listen", srv_listen }, { "getaddr", srv_getaddr }, { "close", srv_close },
		{ "__gc", srv_gc }, { NULL, NULL }
	};

	nm_newclass(L, "net.tcpserver", methods);
	lua_pushcfunction(L, create);
	lua_setfield(L, -2, "createServer");
}
