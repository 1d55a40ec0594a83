/* build_workspace.c - private build directories and their root
** (build_workspace.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_workspace.h"
#include "fsutil.h"
#include "hash.h"
#include "log.h"

/* Removes the workspaces in dir (they hold only files) and stray files. */
void build_workspace_clean(const char *dir)
{
	DIR *d = opendir(dir), *sub;
	struct dirent *e, *f;
	char p[PATH_MAX + 300], q[PATH_MAX + 600];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if ((sub = opendir(p))) {
			while ((f = readdir(sub)))
				if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
					snprintf(q, sizeof q, "%s/%s", p, f->d_name);
					unlink(q);
				}
			closedir(sub);
			rmdir(p);
		} else {
			unlink(p);
		}
		if (strcmp(e->d_name, "owner"))
			log_info("removed stale temp '%s'", p);
	}
	closedir(d);
}

/* Removes /dev/shm/lfsd-* roots whose lfsd (pid in their "owner" file) is
** gone: a SIGKILLed lfsd cannot remove its own. */
static void sweep_shm(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	char p[PATH_MAX], owner[PATH_MAX + 16];

	if (!d)
		return;
	while ((e = readdir(d))) {
		FILE *f;
		long pid = 0;

		if (strncmp(e->d_name, "lfsd-", 5))
			continue;
		snprintf(p, sizeof p, "/dev/shm/%s", e->d_name);
		snprintf(owner, sizeof owner, "%s/owner", p);
		f = fopen(owner, "r");
		if (!f)
			continue;   /* not ours to judge */
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue;
		build_workspace_clean(p);   /* also removes the owner file */
		rmdir(p);
	}
	closedir(d);
}

int build_workspace_root_open(struct workspace_root *root, const char *build_dir,
                              const char *data_dir)
{
	char abs[PATH_MAX], hex[HASH_HEX_LEN + 1], owner[PATH_MAX + 16], pid[32];
	struct stat st;

	root->shm = 0;
	if (build_dir[0]) {
		snprintf(root->dir, sizeof root->dir, "%s", build_dir);
	} else if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	           access("/dev/shm", W_OK) == 0 && realpath(data_dir, abs)) {
		sweep_shm();
		hash_sha256_hex(abs, strlen(abs), hex);
		snprintf(root->dir, sizeof root->dir, "/dev/shm/lfsd-%.16s", hex);
		root->shm = 1;
	} else {
		snprintf(root->dir, sizeof root->dir, "%s/tmp", data_dir);
	}
	if (fsutil_mkdir_p(root->dir, 0700))
		return -1;
	if (lstat(root->dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return log_error("build directory '%s' is not a directory of ours", root->dir);
	chmod(root->dir, 0700);
	build_workspace_clean(root->dir);
	if (!realpath(root->dir, abs))
		return log_error("cannot resolve '%s'", root->dir);
	snprintf(root->dir, sizeof root->dir, "%s", abs);
	if (root->shm) {
		snprintf(owner, sizeof owner, "%s/owner", root->dir);
		snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		fsutil_write_durable(owner, pid, strlen(pid), 0600);
	}
	return 0;
}

void build_workspace_root_close(struct workspace_root *root)
{
	char owner[PATH_MAX + 16];

	if (!root->dir[0] || !root->shm)
		return;
	snprintf(owner, sizeof owner, "%s/owner", root->dir);
	unlink(owner);
	rmdir(root->dir);
}

static int write_file(const char *dir, const struct upload_file *f)
{
	char p[PATH_MAX + UPLOAD_NAME_MAX + 2];
	int fd, ret = 0;

	snprintf(p, sizeof p, "%s/%s", dir, f->name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_error("cannot create '%s': %s", p, strerror(errno));
	if (fsutil_write_all(fd, f->data, f->len))
		ret = log_error("cannot write '%s': %s", p, strerror(errno));
	close(fd);
	return ret;
}

static void remove_file(const char *dir, const char *name)
{
	char p[PATH_MAX + UPLOAD_NAME_MAX + 2];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	unlink(p);
}

void build_workspace_init(struct workspace *w)
{
	w->dir[0] = '\0';
	w->nfiles = 0;
	w->files = NULL;
}

void build_workspace_remove(struct workspace *w)
{
	DIR *d = w->dir[0] ? opendir(w->dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_file(w->dir, e->d_name);
	if (d)
		closedir(d);
	if (w->dir[0])
		rmdir(w->dir);
	free(w->files);
	build_workspace_init(w);
}

/* Creates the directory under root. Returns 0 or -1 (logged). */
static int create(struct workspace *w, const struct workspace_root *root)
{
	if (snprintf(w->dir, sizeof w->dir, "%s/build-XXXXXX", root->dir) >= (int)sizeof w->dir)
		w->dir[0] = '\0';
	mkdir(root->dir, 0700);   /* tmpfs roots can be wiped (logind RemoveIPC) */
	if (!w->dir[0] || !mkdtemp(w->dir)) {
		log_error("cannot create a build directory in '%s': %s", root->dir,
		          strerror(errno));
		w->dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* Brings the directory from w's files to u's (both sorted by name): a
** merge of the two lists. Returns 0 or -1 (logged). */
static int sync_files(struct workspace *w, const struct build_upload *u)
{
	int i = 0, k = 0, c;

	while (i < w->nfiles || k < u->nfiles) {
		c = i == w->nfiles ? 1 : k == u->nfiles ? -1
		  : strcmp(w->files[i].name, u->files[k].name);
		if (c < 0) {
			remove_file(w->dir, w->files[i++].name);
			continue;
		}
		if (c > 0 || strcmp(w->files[i].sha, u->files[k].sha))
			if (write_file(w->dir, &u->files[k]))
				return -1;
		i += c == 0;
		k++;
	}
	return 0;
}

int build_workspace_fill(struct workspace *w, const struct workspace_root *root,
                         const struct build_upload *u)
{
	void *files = malloc(((size_t)u->nfiles + 1) * sizeof *w->files);
	int i;

	if (w->dir[0] && access(w->dir, F_OK))
		build_workspace_remove(w);   /* the root was wiped under us: afresh */
	if (!files || (!w->dir[0] && create(w, root)) || sync_files(w, u)) {
		free(files);
		build_workspace_remove(w);
		return files ? -1 : log_error("out of memory");
	}
	free(w->files);
	w->files = files;
	for (i = 0; i < u->nfiles; i++) {
		memcpy(w->files[i].name, u->files[i].name, sizeof w->files[i].name);
		memcpy(w->files[i].sha, u->files[i].sha, sizeof w->files[i].sha);
	}
	w->nfiles = u->nfiles;
	return 0;
}
