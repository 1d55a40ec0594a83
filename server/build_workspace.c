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

/* Every removal below is relative to an open directory, never by path, and
** never follows a symbolic link: a link planted in a build root is removed as
** a link; a directory is entered only when lstat and the opened descriptor
** agree it is a directory lfsd's uid owns, so another user's files (or files
** a link points at) are never touched. */

/* Opens directory name in dfd without following a link: only a directory
** of ours (uid). Returns its descriptor or -1. */
static int open_own_dir(int dfd, const char *name)
{
	struct stat before, after;
	int fd;

	if (fstatat(dfd, name, &before, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(before.st_mode) ||
	    before.st_uid != geteuid())
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &after) || after.st_dev != before.st_dev || after.st_ino != before.st_ino ||
	    after.st_uid != geteuid()) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Removes workspace directory name of the root open as dfd: its entries
** that are not directories (files, links: unlinked as themselves), then the
** directory. A subdirectory (lfsd makes none) is left, and so the
** workspace. Returns 0 if it is gone. */
static int remove_workspace(int dfd, const char *name)
{
	int fd = open_own_dir(dfd, name), ret = -1;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fd, e->d_name, 0);   /* a directory: EISDIR, kept */
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
		ret = 0;
	return ret;
}

/* Removes what lfsd left in the root open as fd: workspaces (build-*) and
** the owner file; anything else is not ours and stays. where names the root
** in log lines. */
static void clean_fd(int fd, const char *where)
{
	struct dirent *e;
	struct stat st;
	DIR *d = fdopendir(fd);

	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, "owner")) {
			if (!fstatat(fd, "owner", &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))
				unlinkat(fd, "owner", 0);
		} else if (!strncmp(e->d_name, "build-", 6)) {
			if (!fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) && !S_ISDIR(st.st_mode) &&
			    unlinkat(fd, e->d_name, 0) == 0)   /* a link goes as a link */
				log_error("warning: removed '%s/%s': not a directory", where, e->d_name);
			else if (remove_workspace(fd, e->d_name) == 0)
				log_info("removed stale temp '%s/%s'", where, e->d_name);
			else
				log_error("warning: left '%s/%s': not a workspace of lfsd's", where,
				          e->d_name);
		} else if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			log_error("warning: left '%s/%s': lfsd did not make it", where, e->d_name);
		}
	}
	closedir(d);
}

void build_workspace_clean(const char *dir)
{
	int fd = open_own_dir(AT_FDCWD, dir);

	if (fd >= 0)
		clean_fd(fd, dir);
}

/* The pid in the owner file of the root open as fd: a regular file of
** ours, not a link. 0 when there is none. */
static long owner_pid(int fd)
{
	char text[32];
	struct stat st;
	ssize_t n;
	int f = openat(fd, "owner", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	long pid = 0;

	if (f < 0)
		return 0;
	if (!fstat(f, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    (n = read(f, text, sizeof text - 1)) > 0) {
		text[n] = '\0';
		pid = strtol(text, NULL, 10);
	}
	close(f);
	return pid;
}

/* Removes /dev/shm/lfsd-* roots whose lfsd (pid in their "owner" file) is
** gone: a SIGKILLed lfsd cannot remove its own. Only roots of our uid with
** an owner file of ours, mode 0700 (as build_workspace_root_open makes them). */
static void sweep_shm(void)
{
	int shm = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	char where[300];
	struct dirent *e;
	struct stat st;
	DIR *d = shm < 0 ? NULL : fdopendir(dup(shm));
	long pid;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "lfsd-", 5) || (fd = open_own_dir(shm, e->d_name)) < 0)
			continue;
		pid = owner_pid(fd);
		if (fstat(fd, &st) || (st.st_mode & 077) || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno == EPERM) {
			close(fd);   /* not ours to judge, or its lfsd runs */
			continue;
		}
		snprintf(where, sizeof where, "/dev/shm/%s", e->d_name);
		clean_fd(fd, where);   /* closes fd */
		unlinkat(shm, e->d_name, AT_REMOVEDIR);
	}
	if (d)
		closedir(d);
	if (shm >= 0)
		close(shm);
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
	if (w->dir[0])
		remove_workspace(AT_FDCWD, w->dir);
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
