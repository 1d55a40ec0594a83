/*
** nodemcu_modules.h - the emulated firmware modules, one per file, each
** opened into a fresh Lua state of one boot (nodemcu_boot.c) as the global
** of its name. Per-port names (nodemcu_lua.h). Each open function is a
** lua_CFunction run under lua_pcall that pushes the module table.
*/
#ifndef DEVICE_NODEMCU_MODULES_H
#define DEVICE_NODEMCU_MODULES_H

#include "nodemcu_lua.h"

#define nodemcu_node_open    NM_PORT(nodemcu_node_open)
#define nodemcu_tmr_open     NM_PORT(nodemcu_tmr_open)
#define nodemcu_file_open    NM_PORT(nodemcu_file_open)
#define nodemcu_net_open     NM_PORT(nodemcu_net_open)
#define nodemcu_tls_open     NM_PORT(nodemcu_tls_open)
#define nodemcu_crypto_open  NM_PORT(nodemcu_crypto_open)
#define nodemcu_encoder_open NM_PORT(nodemcu_encoder_open)
#define nodemcu_rtcmem_open  NM_PORT(nodemcu_rtcmem_open)

int nodemcu_node_open(lua_State *L);      /* nodemcu_node.c (with node.LFS, node.task) */
int nodemcu_tmr_open(lua_State *L);       /* nodemcu_tmr.c */
int nodemcu_file_open(lua_State *L);      /* nodemcu_file.c */
int nodemcu_net_open(lua_State *L);       /* nodemcu_net.c */
int nodemcu_tls_open(lua_State *L);       /* nodemcu_tls.c */
int nodemcu_crypto_open(lua_State *L);    /* nodemcu_crypto.c */
int nodemcu_encoder_open(lua_State *L);   /* nodemcu_encoder.c */
int nodemcu_rtcmem_open(lua_State *L);    /* nodemcu_rtcmem.c */

#endif
