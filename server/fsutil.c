/* fsutil.c - durable writes, whole-file reads and mkdir -p (fsutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"

int fsutil_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return log_error("path too long: '%.80s...'", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return log_error("cannot create '%s': %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return log_error("cannot create '%s': %s", tmp, strerror(errno));
	return 0;
}

int fsutil_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fsutil_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return log_error("cannot open '%s': %s", path, strerror(errno));
	if (fsync(fd))
		ret = log_error("cannot fsync '%s': %s", path, strerror(errno));
	close(fd);
	return ret;
}

int fsutil_write_durable(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, ret = -1;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
		return log_error("path too long: '%.80s...'", path);
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
	else
		snprintf(dir, sizeof dir, ".");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_error("cannot create '%s': %s", tmp, strerror(errno));
	if (fsutil_write_all(fd, data, len) || fchmod(fd, mode) || fsync(fd)) {
		log_error("cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, path)) {
		log_error("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	ret = fsutil_fsync_dir(dir);
out:
	if (ret)
		unlink(tmp);
	return ret;
}

int fsutil_read_file(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return log_error("cannot open '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) || (size_t)st.st_size > max) {
		log_error("'%s' is unreadable or larger than %zu bytes", path, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		log_error("out of memory reading '%s'", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error("cannot read '%s': %s", path, n ? strerror(errno) : "file shrank");
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	buf = NULL;
	if (len)
		*len = got;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int fsutil_reserve(const char *path, off_t bytes)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600), rc;

	if (fd < 0)
		return log_error("cannot create '%s': %s", path, strerror(errno));
	rc = posix_fallocate(fd, 0, bytes);
	if (rc == 0)
		rc = fsync(fd) ? errno : 0;
	close(fd);
	if (rc) {
		unlink(path);
		return log_error("cannot reserve %lld bytes in '%s': %s", (long long)bytes, path,
		                 strerror(rc));
	}
	return 0;
}
