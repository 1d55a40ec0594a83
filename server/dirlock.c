/* dirlock.c - the data directory's lock file (dirlock.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dirlock.h"

/* The pid written by the holder, or 0 when the file holds none (yet). */
static long holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	long pid = 0;

	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%ld", &pid) != 1)
			pid = 0;
	}
	return pid;
}

int dirlock_take(const char *dir, char *err, size_t errsize)
{
	char path[PATH_MAX], pid[32];
	int fd, n, ret = -1;

	snprintf(path, sizeof path, "%s/lfsd.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errsize, "cannot open lock file '%s': %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errsize, "data directory '%s' is in use by pid %ld "
			         "(lock file '%s'); stop that lfsd or use another --data-dir",
			         dir, holder(fd), path);
		else
			snprintf(err, errsize, "cannot lock '%s': %s", path, strerror(errno));
		goto out;
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
		snprintf(err, errsize, "cannot write lock file '%s': %s", path, strerror(errno));
		goto out;
	}
	ret = fd;
out:
	if (ret < 0)
		close(fd);
	return ret;
}
