/* build_workspace.h - the workspace stage of a build: the private directory
** the compiler runs in, holding the uploaded files under their validated
** names (build_upload.h), removed when the build is done. Workspaces live
** under one root per lfsd: --build-dir, else a tmpfs directory named after
** the data directory (creating and removing files there is ~10x cheaper than
** on disk), else <data-dir>/tmp. */
#ifndef BUILD_WORKSPACE_H
#define BUILD_WORKSPACE_H

#include <limits.h>

#include "build_upload.h"

struct workspace_root {
	char dir[PATH_MAX];     /* absolute */
	int shm;                /* on /dev/shm: ours to remove at exit, with an owner
	                           file (our pid) so a later lfsd can sweep it if we
	                           are killed */
};

/* Chooses the root (build_dir, "" = the default above, for data_dir),
** creates it (0700, ours), removes workspaces a crash left there and tmpfs
** roots whose lfsd is gone. Returns 0 or -1 (logged). */
int build_workspace_root_open(struct workspace_root *root, const char *build_dir,
                              const char *data_dir);
/* Removes a tmpfs root (empty once every build is done). */
void build_workspace_root_close(struct workspace_root *root);
/* Removes what a crash left in dir (an older lfsd's <data-dir>/tmp). */
void build_workspace_clean(const char *dir);

struct workspace {
	char dir[PATH_MAX];     /* "" = none */
};

/* Creates a new workspace under root with u's files. Returns 0, or -1
** (logged; nothing left behind). u borrowed. */
int build_workspace_create(struct workspace *w, const struct workspace_root *root,
                           const struct build_upload *u);
/* Removes the workspace and u's files in it; no-op when there is none. */
void build_workspace_remove(struct workspace *w, const struct build_upload *u);

#endif
