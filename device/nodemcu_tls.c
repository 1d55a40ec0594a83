/*
** nodemcu_tls.c - the emulated `tls` module (nodemcu-api.md §2,
** app/modules/tls.c) over nodemcu_tlsconn.c and real host sockets:
**  - callbacks run unprotected (an error is a PANIC, §0);
**  - connection(sock) only after the handshake and the certificate check;
**  - receive: decrypted data in reads of at most 1460 bytes (--rx-chunk);
**  - send(str) takes no callback and is silently dropped before the
**    handshake ends, while the previous send is busy, or when not connected;
**    more than 1460 bytes go out as several records; one `sent` per send;
**  - disconnection(nil) on a clean close, also after a local close (it comes
**    back asynchronously); errors only through reconnection(sock, reason),
**    reason a string for network errors and nil for handshake/certificate
**    failures (mbedTLS codes squeezed into 8 bits, §13 Q11: the harsher
**    reading); nothing at all without a reconnection handler;
**  - connect raises "already connected" until a disconnection, reconnection or
**    __gc; a failed lookup fires only dns(nil) and the object stays unusable;
**  - a connect with 18432 bytes or less free never starts, silently; the
**    handshake then takes 30 KB of heap and the open session 12 KB (§2, §10);
**  - hold() does nothing; unhold() dereferences NULL in the firmware (§13 Q4,
**    the harsher answer): the chip takes an exception and resets;
**  - tls.cert.verify(true|false|pem|fn): chain only, no name or date checks.
*/
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mbedtls/pem.h>
#include "nodemcu_modules.h"
#include "nodemcu_sock.h"
#include "nodemcu_tlsconn.h"
#include "platform.h"

#define SILENT_HEAP    18432   /* SSL_BUFFER_SIZE + 0x3800, espconn_secure.c:62-71 */
#define HANDSHAKE_HEAP 30720   /* "25-30 KB" [doc]; the harsher end */
#define SESSION_HEAP   12288   /* two 4 KB record buffers + the 2920-byte ring */
#define VERIFY_KEY     "tls.verify"   /* registry: false, true or the function */


enum phase { IDLE, HANGING, CONNECTING, HANDSHAKE, OPEN };

struct tsock {
	struct sched_watch w;
	struct nm_events ev;         /* callbacks, self reference, state */
	int tcp;                 /* the firmware's esp_tcp exists: connect raises */
	enum phase phase;
	int fd;
	struct tlsconn *tc;
	size_t charged;          /* heap taken for the session */
	int port;
	char host[256];
	uint8_t *out;            /* the send in progress (a copy) */
	size_t out_len, out_off;
	int awaiting_ack;        /* written, `sent` when acknowledged */
	int closing;             /* close() called; disconnection(nil) is on its way */
};

static void update(struct tsock *s)
{
	if (s->fd < 0)
		return;
	s->w.events = (short)(s->phase == CONNECTING ? POLLOUT
			      : POLLIN | (s->out || s->phase == HANDSHAKE ? POLLOUT : 0));
	s->w.repoll_ms = s->awaiting_ack ? 2 : 0;
}

static void charge(struct tsock *s, size_t n)
{
	nodemcu_heap_release(&s->ev.vm->heap, s->charged);
	s->charged = 0;
	if (n && !nodemcu_heap_charge(&s->ev.vm->heap, n))
		s->charged = n;
}

/* tls_socket_cleanup: the connection and the esp_tcp go away */
static void cleanup(struct tsock *s)
{
	if (s->fd >= 0) {
		sched_watch_del(s->ev.vm->sched, &s->w);
		close(s->fd);
	}
	sched_cancel(s->ev.vm->sched, s);
	tlsconn_free(s->tc);
	s->tc = NULL;
	free(s->out);
	s->out = NULL;
	s->fd = -1;
	s->tcp = 0;
	s->closing = 0;
	s->awaiting_ack = 0;
	s->phase = IDLE;
	charge(s, 0);
}

/* tls_socket_ondisconnect: the self reference is dropped before the push,
** so the argument is nil (tls.c:88-99) */
static void disconnected(struct tsock *s)
{
	lua_State *L = s->ev.L;
	int anchor = nm_push_ref(L, s->ev.self_ref);

	cleanup(s);
	nm_unref(L, &s->ev.self_ref);
	if (nm_events_push(&s->ev, NM_CB_DISCONN, 0))
		nm_callback(L, 1, NM_UNPROTECTED);
	lua_pop(L, anchor);
}

/* tls_socket_onreconnect: reason NULL means nil */
static void failed(struct tsock *s, const char *reason)
{
	lua_State *L = s->ev.L;
	int anchor = nm_push_ref(L, s->ev.self_ref), has = nm_events_push(&s->ev, NM_CB_RECONN, 1);

	if (s->tc && s->phase == HANDSHAKE)   /* the console's "Reason:[-0x....]" */
		platform_log("tls: %s", tlsconn_error(s->tc));
	cleanup(s);
	nm_unref(L, &s->ev.self_ref);
	if (has) {
		if (reason)
			lua_pushstring(L, reason);
		else
			lua_pushnil(L);
		nm_callback(L, 2, NM_UNPROTECTED);
	}
	lua_pop(L, anchor);
}

static const char *net_reason(int err)
{
	return err == SOCK_ERR_RST ? "Connection reset" : err == SOCK_ERR_MEM ? "Out of memory"
							: "Connection aborted";
}

/* Pushes the certificates a verify(fn) returns: fn(1), fn(2), ... until
** nil/false, each call protected; returns how many, or -1 on an error. */
static int ask_certs(struct tsock *s)
{
	lua_State *L = s->ev.L;
	int n = 0;

	for (;;) {
		lua_getfield(L, LUA_REGISTRYINDEX, VERIFY_KEY);
		lua_pushinteger(L, n + 1);
		if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
			lua_pop(L, 1);
			lua_pop(L, n);
			return -1;
		}
		if (!lua_toboolean(L, -1) || n >= 8) {
			lua_pop(L, 1);
			return n;
		}
		if (!lua_isstring(L, -1)) {
			lua_pop(L, n + 1);
			return -1;
		}
		n++;
	}
}

static char *sector_path(struct nodemcu_vm *vm, char *buf, size_t size)
{
	snprintf(buf, size, "%s/tls-cert.sector", vm->data);
	return buf;
}

/* Starts the session on the connected socket with the verification settings. */
static int start_tls(struct tsock *s)
{
	lua_State *L = s->ev.L;
	const uint8_t *ca[8];
	size_t ca_len[8];
	uint8_t *sector = NULL;
	char msg[128], path[1200];
	int verify = 0, n = 0, i, rc;

	lua_getfield(L, LUA_REGISTRYINDEX, VERIFY_KEY);
	verify = lua_toboolean(L, -1);
	if (lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		if ((n = ask_certs(s)) < 0)
			return -1;
		for (i = 0; i < n; i++)
			ca[i] = (const uint8_t *)lua_tolstring(L, -n + i, &ca_len[i]);
	} else {
		lua_pop(L, 1);
		if (verify && !platform_read_file(sector_path(s->ev.vm, path, sizeof path), &sector,
						  &ca_len[0], NULL)) {
			ca[0] = sector;
			n = 1;
		}
	}
	rc = tlsconn_new(s->fd, verify, ca, ca_len, n, &s->tc, msg);
	if (n && !sector)
		lua_pop(L, n);
	free(sector);
	if (rc)
		platform_log("tls: %s", msg);
	return rc;
}

static void handshake(struct tsock *s)
{
	int rc = tlsconn_handshake(s->tc);

	if (rc == TLSCONN_WANT)
		return;
	if (rc) {
		failed(s, NULL);
		return;
	}
	charge(s, SESSION_HEAP);
	s->phase = OPEN;
	update(s);
	if (nm_events_push(&s->ev, NM_CB_CONN, 1))
		nm_callback(s->ev.L, 1, NM_UNPROTECTED);
}

static void connected(struct tsock *s)
{
	int rc = sock_connect_result(s->fd);

	if (rc != SOCK_ERR_OK) {
		failed(s, net_reason(rc));
		return;
	}
	charge(s, HANDSHAKE_HEAP);
	if (!s->charged) {   /* the handshake's allocations fail */
		failed(s, NULL);
		return;
	}
	if (start_tls(s)) {
		failed(s, NULL);
		return;
	}
	s->phase = HANDSHAKE;
	update(s);
	handshake(s);
}

static void more(void *ctx, intptr_t arg);

static void receive(struct tsock *s)
{
	lua_State *L = s->ev.L;
	uint8_t buf[NODEMCU_TCP_MSS];
	size_t left = nodemcu_vm_burst(s->ev.vm);
	int anchor = nm_push_ref(L, s->ev.self_ref), r = 0;

	while (left > 0 && s->phase == OPEN && !s->ev.vm->end) {
		size_t n = nodemcu_vm_chunk(s->ev.vm);
		r = tlsconn_read(s->tc, buf, n < left ? n : left);
		if (r <= 0)
			break;
		left -= (size_t)r;
		if (!nm_events_push(&s->ev, NM_CB_RECV, 1))
			continue;
		lua_pushlstring(L, (const char *)buf, (size_t)r);
		nm_callback(L, 2, NM_UNPROTECTED);
	}
	if (s->phase == OPEN && !s->ev.vm->end) {
		if (r == TLSCONN_CLOSED)
			disconnected(s);
		else if (r == TLSCONN_ERROR)
			failed(s, "SSL application invalid");
		else if (tlsconn_pending(s->tc))
			sched_event(s->ev.vm->sched, more, s, 0);
	}
	lua_pop(L, anchor);
}

static void more(void *ctx, intptr_t arg)
{
	(void)arg;
	receive(ctx);
}

static void write_out(struct tsock *s)
{
	while (s->out && s->out_off < s->out_len) {
		size_t n = s->out_len - s->out_off;
		int w = tlsconn_write(s->tc, s->out + s->out_off,
				      n < NODEMCU_TCP_MSS ? n : NODEMCU_TCP_MSS);
		if (w == TLSCONN_WANT)
			return;
		if (w < 0) {
			failed(s, "Connection aborted");
			return;
		}
		s->out_off += (size_t)w;
	}
	free(s->out);
	s->out = NULL;
	s->awaiting_ack = 1;
	update(s);
}

static void on_ready(void *ctx, intptr_t revents)
{
	struct tsock *s = ctx;

	if (s->phase == CONNECTING) {
		if (revents)
			connected(s);
	} else if (s->phase == HANDSHAKE) {
		handshake(s);
	} else if (s->awaiting_ack && !sock_unacked(s->fd)) {
		s->awaiting_ack = 0;   /* one `sent` per send (espconn_mbedtls.c:803-830) */
		update(s);
		if (nm_events_push(&s->ev, NM_CB_SENT, 1))
			nm_callback(s->ev.L, 1, NM_UNPROTECTED);
	} else if (revents & POLLOUT && s->out) {
		write_out(s);
	} else if (revents & (POLLIN | POLLHUP | POLLERR)) {
		receive(s);
	}
}

/* espconn_secure_connect */
static void start_connect(struct tsock *s, const char *ip)
{
	int rc;

	if (nodemcu_heap_free(&s->ev.vm->heap) <= SILENT_HEAP) {
		s->phase = HANGING;   /* the return value is ignored: nothing ever happens */
		return;
	}
	rc = sock_connect(ip, s->port, &s->fd);
	if (rc != SOCK_ERR_OK) {
		failed(s, net_reason(rc));
		return;
	}
	s->phase = CONNECTING;
	s->w.fd = s->fd;
	s->w.fn = on_ready;
	s->w.ctx = s;
	update(s);
	sched_watch_add(s->ev.vm->sched, &s->w);
}

/* tls_socket_dns_cb */
static void dns_done(void *ctx, intptr_t arg)
{
	struct tsock *s = ctx;
	int anchor = nm_push_ref(s->ev.L, s->ev.self_ref), ok;
	char ip[16];

	(void)arg;
	ok = nm_events_dns(&s->ev, s->host, ip);
	if (ok > 0)
		start_connect(s, ip);
	else if (ok == 0)
		nm_unref(s->ev.L, &s->ev.self_ref);   /* the esp_tcp stays: unusable (§2) */
	lua_pop(s->ev.L, anchor);
}

static struct tsock *check(lua_State *L)
{
	return luaL_checkudata(L, 1, "tls.socket");
}

static int s_connect(lua_State *L)
{
	struct tsock *s = check(L);
	lua_Integer port = luaL_checkinteger(L, 2);
	const char *host = lua_isstring(L, 3) ? lua_tostring(L, 3) : "127.0.0.1";

	if (s->tcp)
		return luaL_error(L, "already connected");
	if (port <= 0 || port > 65535)
		return luaL_error(L, "invalid port");
	s->tcp = 1;
	s->port = (int)port;
	snprintf(s->host, sizeof s->host, "%s", host);
	if (s->ev.self_ref == LUA_NOREF)
		s->ev.self_ref = nm_ref(L, 1);
	if (!sock_is_ip(host)) {
		if (sched_event(s->ev.vm->sched, dns_done, s, 0))
			return luaL_error(L, "not enough memory");
		return 0;
	}
	if (nm_push_ref(L, s->ev.cb[NM_CB_DNS])) {   /* an IP: dns_cb inside connect */
		lua_pushvalue(L, 1);
		lua_pushstring(L, host);
		lua_call(L, 2, 0);
	}
	start_connect(s, host);
	return 0;
}

static int s_on(lua_State *L)
{
	return nm_events_on(&check(L)->ev, L, "invalid method");
}

static int s_send(lua_State *L)
{
	struct tsock *s = check(L);
	size_t n;
	const char *data = luaL_checklstring(L, 2, &n);

	/* espconn_secure_send's refusal is ignored by tls.c:266: dropped (§2) */
	if (!s->tcp || s->phase != OPEN || s->out || s->awaiting_ack || !n)
		return 0;
	s->out = malloc(n);
	if (!s->out)
		return 0;
	memcpy(s->out, data, n);
	s->out_len = n;
	s->out_off = 0;
	update(s);
	return 0;
}

static void local_closed(void *ctx, intptr_t arg)
{
	(void)arg;
	disconnected(ctx);
}

static int s_close(lua_State *L)
{
	struct tsock *s = check(L);

	if (!s->tcp || s->closing)
		return 0;
	s->closing = 1;
	if (s->tc && s->phase == OPEN)
		tlsconn_close_notify(s->tc);
	if (s->fd >= 0) {
		sched_watch_del(s->ev.vm->sched, &s->w);
		close(s->fd);
		s->fd = -1;
	}
	sched_cancel(s->ev.vm->sched, s);
	s->phase = IDLE;
	sched_event(s->ev.vm->sched, local_closed, s, 0);   /* disconnection(nil), later */
	return 0;
}

static int s_hold(lua_State *L)   /* the flag is never read on the TLS path */
{
	check(L);
	return 0;
}

static int s_unhold(lua_State *L)
{
	struct tsock *s = check(L);

	if (!s->tcp)
		return 0;
	nodemcu_consolef(s->ev.vm, "Fatal exception 28(LoadProhibitedCause):\n"
			 "epc1=0x40100000, excvaddr=0x00000000 (tls:unhold, nodemcu-api.md "
			 "§2, §13 Q4)\n");
	return nm_halt(L, RTC_EXCEPTION);
}

static int s_getpeer(lua_State *L)
{
	struct tsock *s = check(L);
	char ip[16];
	int port;

	if (s->phase != OPEN || sock_name(s->fd, 1, ip, &port)) {
		lua_pushnil(L);
		lua_pushnil(L);
	} else {
		lua_pushstring(L, ip);   /* ip first, then port (§2) */
		lua_pushinteger(L, port);
	}
	return 2;
}

static int s_gc(lua_State *L)
{
	struct tsock *s = check(L);

	cleanup(s);
	nm_events_release(&s->ev);
	return 0;
}

static int create(lua_State *L)
{
	struct tsock *s = lua_newuserdata(L, sizeof *s);

	memset(s, 0, sizeof *s);
	nm_events_init(&s->ev, L);
	s->fd = -1;
	luaL_getmetatable(L, "tls.socket");
	lua_setmetatable(L, -2);
	return 1;
}

/* fill_page_with_pem: the first PEM block, DER + 34-byte header in one 4 KB
** sector, erased and rewritten only when it differs */
static void store_pem(lua_State *L, const char *pem)
{
	struct nodemcu_vm *vm = nm_vm(L);
	mbedtls_pem_context ctx;
	uint8_t *old = NULL;
	size_t used = 0, old_len = 0;
	char path[1200];
	int rc;

	mbedtls_pem_init(&ctx);
	rc = mbedtls_pem_read_buffer(&ctx, "-----BEGIN CERTIFICATE-----",
				     "-----END CERTIFICATE-----", (const unsigned char *)pem,
				     NULL, 0, &used);
	if (rc) {
		mbedtls_pem_free(&ctx);
		luaL_error(L, rc == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT ? "No PEM header"
									 : "Invalid PEM format data");
	}
	if (ctx.buflen + 34 > 4096) {
		mbedtls_pem_free(&ctx);
		luaL_error(L, "PEM too big for the 4 KB certificate sector");
	}
	sector_path(vm, path, sizeof path);
	platform_read_file(path, &old, &old_len, NULL);
	if (!old || old_len != ctx.buflen || memcmp(old, ctx.buf, old_len))
		rc = platform_write_atomic(path, ctx.buf, ctx.buflen, NULL);
	free(old);
	mbedtls_pem_free(&ctx);
	if (rc)
		luaL_error(L, "Failed to write sector");
}

/* tls.cert.verify(true|false|nil|pem|fn), tls.c:527-568 */
static int cert_verify(lua_State *L)
{
	char path[1200];
	int enable;

	if (lua_isfunction(L, 1)) {
		lua_pushvalue(L, 1);
		lua_setfield(L, LUA_REGISTRYINDEX, VERIFY_KEY);
		lua_pushboolean(L, 1);
		return 1;
	}
	if (lua_type(L, 1) == LUA_TSTRING) {
		store_pem(L, lua_tostring(L, 1));
		enable = 1;
	} else {
		enable = lua_toboolean(L, 1);
	}
	if (enable && !platform_exists(sector_path(nm_vm(L), path, sizeof path)))
		return luaL_error(L, "no certificates found");
	lua_pushboolean(L, enable);
	lua_setfield(L, LUA_REGISTRYINDEX, VERIFY_KEY);
	lua_pushboolean(L, 1);
	return 1;
}

int nodemcu_tls_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "connect", s_connect }, { "on", s_on }, { "send", s_send },
		{ "close", s_close }, { "hold", s_hold }, { "unhold", s_unhold },
		{ "getpeer", s_getpeer }, { "__gc", s_gc }, { NULL, NULL }
	};

	nm_newclass(L, "tls.socket", methods);
	lua_pushboolean(L, 0);   /* verification is off at boot */
	lua_setfield(L, LUA_REGISTRYINDEX, VERIFY_KEY);
	lua_newtable(L);
	lua_pushcfunction(L, create);
	lua_setfield(L, -2, "createConnection");
	lua_newtable(L);
	lua_pushcfunction(L, cert_verify);
	lua_setfield(L, -2, "verify");
	lua_setfield(L, -2, "cert");
	return 1;
}
