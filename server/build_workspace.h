/* build_workspace.h - the workspace stage of a build: the private directory
** the compiler runs in, holding the uploaded files under their validated
** names (build_upload.h). Workspaces live
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

/* A workspace, kept from build to build by one queue worker: only files
** that changed since its last build are written, so a new build of an app
** with one edited file writes one file (not all of them) and removes none. */
struct workspace {
	char dir[PATH_MAX];     /* "" = not created yet */
	int nfiles;
	struct {
		char name[UPLOAD_NAME_MAX + 1];
		char sha[HASH_HEX_LEN + 1];
	} *files;               /* owned; what dir holds, sorted by name */
};

/* An empty workspace (nothing created). */
void build_workspace_init(struct workspace *w);
/* Makes w hold exactly u's files (creating it under root if needed):
** writes the files it lacks or holds with other contents, removes the ones
** u does not have. Returns 0, or -1 (logged; w is emptied). u borrowed. */
int build_workspace_fill(struct workspace *w, const struct workspace_root *root,
                         const struct build_upload *u);
/* Removes the workspace and its files; w is empty again. */
void build_workspace_remove(struct workspace *w);

#endif
