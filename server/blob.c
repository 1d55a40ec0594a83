/* blob.c - content-addressed blob store: temp file, fsync, rename, fsync dir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "log.h"

static int mkdir_p(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return log_error("cannot create '%s': %s", path, strerror(errno));
	return 0;
}

static int fsync_dir(const char *path)
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

int blob_open(struct blob_store *b, const char *dir)
{
	char tmp[700];
	DIR *dh;
	struct dirent *e;

	if (snprintf(b->dir, sizeof b->dir, "%s", dir) >= (int)sizeof b->dir)
		return log_error("blob directory name too long");
	snprintf(tmp, sizeof tmp, "%s/tmp", b->dir);
	if (mkdir_p(b->dir) || mkdir_p(tmp))
		return -1;
	dh = opendir(tmp);
	if (!dh)
		return log_error("cannot read '%s': %s", tmp, strerror(errno));
	while ((e = readdir(dh))) {
		char p[1000];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
		if (unlink(p) == 0)
			log_info("removed stale temp file '%s'", p);
	}
	closedir(dh);
	return 0;
}

int blob_path(const struct blob_store *b, const char *sha, char *buf, size_t size)
{
	if (!sha || !hash_is_hex64(sha))
		return -1;
	if (snprintf(buf, size, "%s/%.2s/%s", b->dir, sha, sha) >= (int)size)
		return -1;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int blob_put(struct blob_store *b, const void *data, size_t len,
             char sha[HASH_HEX_LEN + 1])
{
	char hex[HASH_HEX_LEN + 1], final[700], sub[700], tmp[700];
	struct stat st;
	int fd, ret = -1;

	hash_sha256_hex(data, len, hex);
	if (sha)
		memcpy(sha, hex, sizeof hex);
	blob_path(b, hex, final, sizeof final);
	if (stat(final, &st) == 0 && (size_t)st.st_size == len)
		return 0;   /* already durable: it was renamed only after fsync */
	snprintf(sub, sizeof sub, "%s/%.2s", b->dir, hex);
	if (mkdir_p(sub))
		return -1;
	snprintf(tmp, sizeof tmp, "%s/tmp/%s.XXXXXX", b->dir, hex);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_error("cannot create temp blob: %s", strerror(errno));
	if (write_all(fd, data, len) || fsync(fd)) {
		log_error("cannot write blob '%s': %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, final)) {
		log_error("cannot rename blob to '%s': %s", final, strerror(errno));
		goto out;
	}
	if (fsync_dir(sub))
		goto out;
	ret = 0;
out:
	if (ret)
		unlink(tmp);
	return ret;
}

int blob_read(const struct blob_store *b, const char *sha, size_t max,
              char **data, size_t *len)
{
	char path[700];
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	if (blob_path(b, sha, path, sizeof path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || (size_t)st.st_size > max)
		goto fail;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	*data = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}
