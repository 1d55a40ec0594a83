/*
** nodemcu_sock.h - host TCP for the emulated lwIP (net and tls): real
** non-blocking sockets, the send-buffer accounting of TCP_SND_BUF, and lwIP's
** error numbers (app/include/lwip/err.h). Lua-free.
*/
#ifndef DEVICE_NODEMCU_SOCK_H
#define DEVICE_NODEMCU_SOCK_H

#include <stddef.h>

#define SOCK_SND_BUF 2920   /* TCP_SND_BUF, app/include/lwipopts.h:985 */

/* lwIP err_t values */
#define SOCK_ERR_OK    0
#define SOCK_ERR_MEM  (-1)
#define SOCK_ERR_ABRT (-8)
#define SOCK_ERR_RST  (-9)
#define SOCK_ERR_CLSD (-10)
#define SOCK_ERR_CONN (-11)
#define SOCK_ERR_USE  (-13)

/* Resolves a host name or dotted IPv4 into ip (caller's, 16 bytes).
** Returns 0 or -1 (unknown name). */
int sock_resolve(const char *name, char ip[16]);
/* 1 if s is a dotted IPv4 address. */
int sock_is_ip(const char *s);
/* Starts a non-blocking connect to ip:port; *fd receives the socket.
** Returns 0 (under way) or an lwIP error. */
int sock_connect(const char *ip, int port, int *fd);
/* After POLLOUT on a connecting socket: 0 connected, or an lwIP error. */
int sock_connect_result(int fd);
/* Bytes written to fd that the peer has not acknowledged yet. */
size_t sock_unacked(int fd);
/* Listens on 127.0.0.1:port (0: a free port), non-blocking; *fd receives
** the socket, *bound the port. Returns 0 or an lwIP error (SOCK_ERR_USE
** when the port is taken). */
int sock_listen(int port, int *fd, int *bound);
/* Accepts one connection of a listening fd: *fd the new non-blocking
** socket, or -1 when none is waiting. Returns 0 or an lwIP error. */
int sock_accept(int lfd, int *fd);
/* lwIP's text for an error (net.c lwip_lua_checkerr), e.g. "address in use". */
const char *sock_errstr(int err);
/* The lwIP error for an errno value. */
int sock_err(int errnum);
/* Address of the peer (peer = 1) or the local end: ip (16 bytes) and *port.
** Returns 0 or -1. */
int sock_name(int fd, int peer, char ip[16], int *port);

#endif
