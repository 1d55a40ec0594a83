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
#include "fsutil.h"
#include "log.h"

int blob_open(struct blob_store *b, const char *dir)
{
	char tmp[700];
	DIR *dh;
	struct dirent *e;

	if (snprintf(b->dir, sizeof b->dir, "%s", dir) >= (int)sizeof b->dir)
		return log_error("blob directory name too long");
	snprintf(tmp, sizeof tmp, "%s/tmp", b->dir);
	if (fsutil_mkdir_p(tmp, 0700))
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
	if (fsutil_mkdir_p(sub, 0700))
		return -1;
	snprintf(tmp, sizeof tmp, "%s/tmp/%s.XXXXXX", b->dir, hex);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_error("cannot create temp blob: %s", strerror(errno));
	if (fsutil_write_all(fd, data, len) || fsync(fd)) {
		log_error("cannot write blob '%s': %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	if (rename(tmp, final)) {
		log_error("cannot rename blob to '%s': %s", final, strerror(errno));
		goto out;
	}
	if (fsutil_fsync_dir(sub))
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

	if (blob_path(b, sha, path, sizeof path))
		return -1;
	return fsutil_read_file(path, max, data, len) ? -1 : 0;
}
