/*
** nodemcu_spiffs.c - SPIFFS rules over a host directory; see nodemcu_spiffs.h.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nodemcu_spiffs.h"
#include "platform.h"

struct spiffs_file {
	struct spiffs *fs;           /* owner */
	struct spiffs_file *next;    /* fs->files */
	int fd;
	int writable, append;
	int64_t pos;                 /* current position */
	uint8_t page[SPIFFS_PAGE];   /* unflushed bytes of one page */
	int64_t page_off;            /* file offset of page[0] */
	size_t page_len;             /* bytes in page[] */
};

int spiffs_init(struct spiffs *fs, const char *dir, uint32_t size, struct dev_error *err)
{
	memset(fs, 0, sizeof *fs);
	snprintf(fs->dir, sizeof fs->dir, "%s", dir);
	fs->size = size;
	return platform_mkdir(dir, err);
}

int spiffs_name_ok(const char *name, size_t len)
{
	const char *base = strrchr(name, '/');

	if (!base)
		base = strrchr(name, ':');
	base = base ? base + 1 : name;
	return strlen(name) == len && strlen(base) <= SPIFFS_NAME_MAX;
}

static const char *object_name(const char *name)
{
	return !strncmp(name, "/FLASH/", 7) ? name + 7 : name;
}

int spiffs_path(const struct spiffs *fs, const char *name, char *buf, size_t size)
{
	const char *o = object_name(name);
	size_t n;

	if (!*o || strlen(o) > SPIFFS_NAME_MAX)
		return -1;
	n = (size_t)snprintf(buf, size, "%s/", fs->dir);
	for (; *o && n + 4 < size; o++) {
		if (*o == '/' || *o == '%' || (*o == '.' && o == object_name(name)))
			n += (size_t)snprintf(buf + n, size - n, "%%%02X", (unsigned char)*o);
		else
			buf[n++] = *o;
	}
	buf[n] = '\0';
	return 0;
}

/* The SPIFFS name of a host file name (inverse of spiffs_path). */
static void unescape(const char *host, char *out, size_t size)
{
	size_t n = 0;
	unsigned v;

	for (; *host && n + 1 < size; host++) {
		if (*host == '%' && sscanf(host + 1, "%2x", &v) == 1) {
			out[n++] = (char)v;
			host += 2;
		} else {
			out[n++] = *host;
		}
	}
	out[n] = '\0';
}

int spiffs_slot_take(struct spiffs *fs)
{
	if (fs->open >= SPIFFS_MAX_OPEN)
		return -1;
	fs->open++;
	return 0;
}

void spiffs_slot_give(struct spiffs *fs)
{
	if (fs->open > 0)
		fs->open--;
}

static int mode_flags(const char *mode, int *writable, int *append)
{
	*writable = *append = 0;
	if (!strcmp(mode, "w") || !strcmp(mode, "w+")) {
		*writable = 1;
		return (mode[1] ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
	}
	if (!strcmp(mode, "a") || !strcmp(mode, "a+")) {
		*writable = *append = 1;
		return (mode[1] ? O_RDWR : O_WRONLY) | O_CREAT;
	}
	if (!strcmp(mode, "r+")) {
		*writable = 1;
		return O_RDWR;
	}
	return O_RDONLY;   /* "r" and anything unknown */
}

struct spiffs_file *spiffs_open(struct spiffs *fs, const char *name, const char *mode)
{
	struct spiffs_file *f;
	char path[1200];
	int flags, w, a;

	if (spiffs_path(fs, name, path, sizeof path) || spiffs_slot_take(fs))
		return NULL;
	flags = mode_flags(mode, &w, &a);
	f = calloc(1, sizeof *f);
	if (f)
		f->fd = open(path, flags | O_CLOEXEC, 0644);
	if (!f || f->fd < 0) {
		free(f);
		spiffs_slot_give(fs);
		return NULL;
	}
	f->fs = fs;
	f->writable = w;
	f->append = a;
	f->next = fs->files;
	fs->files = f;
	return f;
}

static int write_out(int fd, const uint8_t *p, size_t n, int64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

int spiffs_flush(struct spiffs_file *f)
{
	int rc = 0;

	if (f->page_len)
		rc = write_out(f->fd, f->page, f->page_len, f->page_off);
	f->page_len = 0;
	return rc;
}

long spiffs_read(struct spiffs_file *f, void *buf, size_t n)
{
	ssize_t r;

	if (f->fd < 0 || spiffs_flush(f))
		return -1;
	do
		r = pread(f->fd, buf, n, f->pos);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		f->pos += r;
	return r < 0 ? -1 : (long)r;
}

static int64_t end_of(struct spiffs_file *f)
{
	struct stat st;
	int64_t end = fstat(f->fd, &st) ? 0 : st.st_size;

	if (f->page_len && f->page_off + (int64_t)f->page_len > end)
		end = f->page_off + (int64_t)f->page_len;
	return end;
}

static uint32_t pages(int64_t size)
{
	return size <= 0 ? 1 : (uint32_t)((size + SPIFFS_PAGE - 1) / SPIFFS_PAGE);
}

/* Bytes of n at pos that still fit the file system. */
static size_t room(struct spiffs_file *f, int64_t pos, size_t n)
{
	uint32_t used, total, have = pages(end_of(f)), more;
	int64_t end = pos + (int64_t)n;

	spiffs_info(f->fs, &used, &total);
	if (end <= end_of(f))
		return n;
	more = pages(end) - have;
	if (used / SPIFFS_PAGE + more <= total / SPIFFS_PAGE)
		return n;
	end = (int64_t)(have + (total - used) / SPIFFS_PAGE) * SPIFFS_PAGE;
	return end > pos ? (size_t)(end - pos) : 0;
}

size_t spiffs_write(struct spiffs_file *f, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t done = 0, fit;

	if (!f->writable)
		return 0;
	if (f->append)
		f->pos = end_of(f);
	if (f->page_len && f->page_off + (int64_t)f->page_len != f->pos && spiffs_flush(f))
		return 0;
	fit = room(f, f->pos, n);
	while (done < fit) {
		size_t k;
		if (!f->page_len)
			f->page_off = f->pos;
		k = SPIFFS_PAGE - (size_t)((f->page_off + (int64_t)f->page_len) % SPIFFS_PAGE);
		if (k > fit - done)
			k = fit - done;
		if (k > SPIFFS_PAGE - f->page_len)
			k = SPIFFS_PAGE - f->page_len;
		memcpy(f->page + f->page_len, p + done, k);
		f->page_len += k;
		done += k;
		f->pos += (int64_t)k;
		/* a page that is complete leaves the cache (spiffs_cache.c) */
		if ((f->page_off + (int64_t)f->page_len) % SPIFFS_PAGE == 0 && spiffs_flush(f))
			return done - k;
	}
	return done;
}

int64_t spiffs_seek(struct spiffs_file *f, int whence, int64_t off)
{
	int64_t base = whence == 0 ? 0 : whence == 1 ? f->pos : end_of(f);

	if (base + off < 0 || spiffs_flush(f))
		return -1;
	f->pos = base + off;
	return f->pos;
}

void spiffs_close(struct spiffs_file *f)
{
	struct spiffs_file **pp;

	if (!f)
		return;
	if (f->fd >= 0) {   /* not already dropped by a reset */
		spiffs_flush(f);
		close(f->fd);
		spiffs_slot_give(f->fs);
	}
	for (pp = &f->fs->files; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	free(f);
}

void spiffs_reset(struct spiffs *fs)
{
	struct spiffs_file *f;

	for (f = fs->files; f; f = f->next) {
		if (f->fd >= 0)
			close(f->fd);   /* the cache is lost, not written */
		f->fd = -1;
		f->page_len = 0;
		f->writable = 0;
	}
	fs->open = 0;
}

int64_t spiffs_size(const struct spiffs *fs, const char *name)
{
	char path[1200];
	struct stat st;

	if (spiffs_path(fs, name, path, sizeof path) || stat(path, &st))
		return -1;
	return st.st_size;
}

int spiffs_exists(const struct spiffs *fs, const char *name)
{
	return spiffs_size(fs, name) >= 0;
}

void spiffs_remove(struct spiffs *fs, const char *name)
{
	char path[1200];

	if (!spiffs_path(fs, name, path, sizeof path))
		unlink(path);
}

int spiffs_rename(struct spiffs *fs, const char *from, const char *to)
{
	char a[1200], b[1200];
	int rc;

	if (spiffs_path(fs, from, a, sizeof a) || spiffs_path(fs, to, b, sizeof b) ||
	    !platform_exists(a) || platform_exists(b) || spiffs_slot_take(fs))
		return -1;
	rc = rename(a, b);
	spiffs_slot_give(fs);
	return rc ? -1 : 0;
}

int spiffs_list(const struct spiffs *fs,
		void (*fn)(void *ctx, const char *name, int64_t size), void *ctx)
{
	DIR *d = opendir(fs->dir);
	struct dirent *e;
	struct stat st;
	char path[1400], name[256];

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", fs->dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		unescape(e->d_name, name, sizeof name);
		fn(ctx, name, st.st_size);
	}
	closedir(d);
	return 0;
}

static void add_pages(void *ctx, const char *name, int64_t size)
{
	(void)name;
	*(uint32_t *)ctx += pages(size) * SPIFFS_PAGE;
}

void spiffs_info(const struct spiffs *fs, uint32_t *used, uint32_t *total)
{
	*used = 0;
	spiffs_list(fs, add_pages, used);
	*total = fs->size;
	if (*used > *total)
		*used = *total;
}

int spiffs_read_all(struct spiffs *fs, const char *name, uint8_t **data, size_t *len,
		    struct dev_error *err)
{
	char path[1200];
	int ret;

	*data = NULL;
	*len = 0;
	if (spiffs_path(fs, name, path, sizeof path))
		return dev_error_set(err, DEV_ERR_IO, "'%s' is not a SPIFFS name", name);
	if (spiffs_slot_take(fs))
		return dev_error_set(err, DEV_ERR_IO, "no free file descriptor");
	ret = platform_read_file(path, data, len, err);
	spiffs_slot_give(fs);
	return ret;
}
