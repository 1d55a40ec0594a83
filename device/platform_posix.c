/*
** platform_posix.c - the POSIX port of platform.h: the simulator's clock,
** console (stderr), and the SPIFFS stand-in (plain files in a directory).
*/
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "platform.h"

int64_t platform_time(void)
{
	return (int64_t)time(NULL);
}

int64_t platform_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void platform_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint32_t platform_random(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof v, 0) != sizeof v)
		v = (uint32_t)platform_ms() * 2654435761u;
	return v;
}

void platform_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "lfs-device: %s\n", line);
	fflush(stderr);
}

int platform_read_file(const char *path, uint8_t **data, size_t *len,
		       struct dev_error *err)
{
	int ret = DEV_ERR_IO;
	int fd = -1;
	uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = dev_error_set(err, DEV_ERR_IO, "cannot open '%s': %s", path,
				    strerror(errno));
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = dev_error_set(err, DEV_ERR_MEM, "out of memory reading '%s'", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = dev_error_set(err, DEV_ERR_IO, "cannot read '%s': %s", path,
					    n < 0 ? strerror(errno) : "short read");
			goto out;
		}
		got += (size_t)n;
	}
	*data = buf;
	*len = got;
	buf = NULL;
	ret = DEV_OK;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int sync_dir(const char *path)
{
	char dir[1024];
	char *slash;
	int fd, rc;

	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int platform_write_atomic(const char *path, const void *data, size_t len,
			  struct dev_error *err)
{
	int ret = DEV_ERR_IO;
	char tmp[1100];
	int fd = -1;
	size_t done = 0;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = dev_error_set(err, DEV_ERR_IO, "cannot create '%s': %s", tmp,
				    strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, (const uint8_t *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = dev_error_set(err, DEV_ERR_IO, "cannot write '%s': %s", tmp,
					    strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		ret = dev_error_set(err, DEV_ERR_IO, "cannot sync '%s': %s", tmp,
				    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = dev_error_set(err, DEV_ERR_IO, "cannot rename '%s': %s", tmp,
				    strerror(errno));
		goto out;
	}
	sync_dir(path);
	ret = DEV_OK;
out:
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp);
	return ret;
}

int platform_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int platform_file_size(const char *path, int64_t *size, struct dev_error *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return dev_error_set(err, DEV_ERR_IO, "cannot stat '%s': %s", path,
				     strerror(errno));
	*size = st.st_size;
	return DEV_OK;
}

int platform_mkdir(const char *path, struct dev_error *err)
{
	char parent[1024];
	char *slash;

	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return DEV_OK;
	if (errno == ENOENT) {
		snprintf(parent, sizeof parent, "%s", path);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			if (platform_mkdir(parent, err))
				return DEV_ERR_IO;
			if (mkdir(path, 0755) == 0 || errno == EEXIST)
				return DEV_OK;
		}
	}
	return dev_error_set(err, DEV_ERR_IO, "cannot create directory '%s': %s", path,
			     strerror(errno));
}

void platform_remove(const char *path)
{
	unlink(path);
}

int platform_rename(const char *from, const char *to, struct dev_error *err)
{
	if (rename(from, to) < 0)
		return dev_error_set(err, DEV_ERR_IO, "cannot rename '%s' to '%s': %s",
				     from, to, strerror(errno));
	sync_dir(to);
	return DEV_OK;
}

int platform_dir_each(const char *dir, void (*fn)(void *ctx, const char *name),
		      void *ctx, struct dev_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return dev_error_set(err, DEV_ERR_IO, "cannot open directory '%s': %s", dir,
				     strerror(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			fn(ctx, e->d_name);
	closedir(d);
	return DEV_OK;
}
