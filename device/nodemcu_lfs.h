/*
** nodemcu_lfs.h - node.LFS over the modules in the flash partition
** (lfs-format.md §A6.5-A6.6, nodemcu-api.md §6): get, list, time, config,
** node.LFS.<name>, and the loader that finds a module for require. Shared by
** the C agent's runtime (runtime.c) and the emulated firmware; per-port
** names (nodemcu_lua.h).
*/
#ifndef DEVICE_NODEMCU_LFS_H
#define DEVICE_NODEMCU_LFS_H

#include "nodemcu_lua.h"

#define nodemcu_lfs_push   NM_PORT(nodemcu_lfs_push)
#define nodemcu_lfs_module NM_PORT(nodemcu_lfs_module)

/* Pushes a new node.LFS table over ctx (borrowed: must outlive L). reload,
** if not NULL, becomes node.LFS.reload. */
void nodemcu_lfs_push(lua_State *L, struct nodemcu_lfs *ctx, lua_CFunction reload);

/* Pushes module `name`'s main function from the LFS, or nil when there is
** no LFS or no such module (the firmware's lookup rules, §A6.6). Raises when
** the module cannot be read. */
int nodemcu_lfs_module(lua_State *L, struct nodemcu_lfs *ctx, const char *name);

#endif
