/*
** nodemcu_net.h - what the emulated `net` module's TCP server
** (nodemcu_netsrv.c) needs from its client sockets (nodemcu_net.c): an
** accepted connection is a net.tcpsocket with the client-socket semantics of
** nodemcu-api.md §1 (app/modules/net.c net_accept_cb). Per-port names
** (nodemcu_lua.h).
*/
#ifndef DEVICE_NODEMCU_NET_H
#define DEVICE_NODEMCU_NET_H

#include "nodemcu_lua.h"

#define nodemcu_net_accepted    NM_PORT(nodemcu_net_accepted)
#define nodemcu_net_accept_done NM_PORT(nodemcu_net_accept_done)
#define nodemcu_netsrv_open     NM_PORT(nodemcu_netsrv_open)

/* Pushes a new connected net.tcpsocket over fd (an accepted connection; the
** object takes ownership of fd), self-referenced like a connected client,
** whose getaddr() gives device port `port`. */
void nodemcu_net_accepted(lua_State *L, int fd, int port);
/* After the server's accept callback: the socket at index i gets its
** `connection` event (net_connected_cb), if it registered one and is still
** open. Returns -1 when that callback raised (a PANIC), else 0. */
int nodemcu_net_accept_done(lua_State *L, int i);

/* Adds net.createServer to the net table on top of the stack and creates
** the net.tcpserver class (nodemcu_netsrv.c). */
void nodemcu_netsrv_open(lua_State *L);

#endif
