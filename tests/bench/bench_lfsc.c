/*
** bench_lfsc.c - lfsc against the front-end work alone (issue: lfsc total
** <= 1.3x), in one process: for each conformance app, (a) the reference Lua
** loads and dumps every file (what any luac does), (b) lfsc compiles the same
** files into an LFS image (front end + chunk read + numbering + image and
** flash layout). Then the peak resident memory of `lfsc -f` on the limits app,
** measured by wait4() on a child. usage: bench_lfsc CONFORMANCE_DIR LFSC
** Built a second time as bench_lfsc51 (BENCH_LUA51, against the renamed Lua
** 5.1.5 library): lfsc --target nodemcu-lua51 -f (front end with the fix-up
** history, chunk read, raw image, gzip) against 5.1's load and dump alone,
** on the 5.1 apps (limits51, which 5.1 refuses, left out), the same
** without the compression (-a), and what zlib's fastest settings cost on
** the same uncompressed images (raw image + bitmap, inflated from lfsc's
** gzip file), beside lfsc's own compressor timed the same way: how much
** of the 1.3x budget any compression takes.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "lfsc.h"
#include "lfsc_int.h"         /* gzip_write(), timed alone */

#if defined(BENCH_LUA51)
#define PORT "lua51"
#define TARGET LFSC_TARGET_LUA51
#define load(L, s, n, name) luaL_loadbuffer(L, s, n, name)
#define dump(L, w, ud) lua_dump(L, w, ud)
#else
#define PORT "lua53"
#define TARGET LFSC_TARGET_LUA53
#define load(L, s, n, name) luaL_loadbufferx(L, s, n, name, "t")
#define dump(L, w, ud) lua_dump(L, w, ud, 0)
#endif

struct file { char name[256]; char *data; size_t len; };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);   /* CPU time: robust on a busy machine */
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->name, ((const struct file *)b)->name);
}

static int load_app(const char *dir, struct file *f, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) && n < max) {
		char path[4096 + 256 + 2];
		FILE *fp;
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".lua"))
			continue;
		snprintf(path, sizeof path, "%.4095s/%.255s", dir, e->d_name);
		fp = fopen(path, "rb");
		fseek(fp, 0, SEEK_END);
		f[n].len = (size_t)ftell(fp);
		fseek(fp, 0, SEEK_SET);
		f[n].data = malloc(f[n].len + 1);
		if (fread(f[n].data, 1, f[n].len, fp) != f[n].len)
			exit(1);
		fclose(fp);
		snprintf(f[n].name, sizeof f[n].name, "@%s", e->d_name);
		n++;
	}
	if (d)
		closedir(d);
	qsort(f, (size_t)n, sizeof *f, cmp);
	return n;
}

static int sink(lua_State *L, const void *p, size_t sz, void *ud)
{
	(void)L;
	(void)p;
	*(size_t *)ud += sz;
	return 0;
}

static void frontend(struct file *f, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		lua_State *L = luaL_newstate();
		size_t out = 0, len = f[i].len;
		const char *src = f[i].data;
		/* as luaL_loadfile (and lfsc): skip a BOM and a first '#' line */
		if (len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3))
			src += 3, len -= 3;
		if (len && src[0] == '#') {
			const char *nl = memchr(src, '\n', len);
			len = nl ? len - (size_t)(nl - src) : 1;
			src = nl ? nl : "\n";
		}
		if (load(L, src, len, f[i].name) != 0)
			exit(2);
		dump(L, sink, &out);
		lua_close(L);
	}
}

/* lfsc on the files, output appended to b */
static void full_to(struct file *f, int n, enum lfsc_output kind, struct lfsc_buffer *b)
{
	struct lfsc_options o;
	struct lfsc_compiler *c;
	int i;

	lfsc_options_init(&o);
	o.target = TARGET;
	o.timestamp = 1;
	c = lfsc_new(&o);
	for (i = 0; i < n; i++)
		if (lfsc_add_source(c, f[i].name + 1, f[i].data, f[i].len, NULL))
			exit(3);
	if (lfsc_build(c, kind, b, NULL))
		exit(4);
	lfsc_free(c);
}

static void full(struct file *f, int n, enum lfsc_output kind)
{
	struct lfsc_buffer b;

	lfsc_buffer_init(&b);
	full_to(f, n, kind, &b);
	lfsc_buffer_release(&b);
}

/* the gzip image's content: raw image + bitmap, appended to *raw */
static void image_content(struct file *f, int n, struct lfsc_buffer *raw)
{
	struct lfsc_buffer img;
	z_stream z;
	uint8_t out[16384];
	int ret;

	lfsc_buffer_init(&img);
	full_to(f, n, LFSC_OUT_IMAGE, &img);
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + 15) != Z_OK)
		exit(5);
	z.next_in = img.data;
	z.avail_in = (uInt)img.len;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		ret = inflate(&z, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END)
			exit(5);
		raw->data = realloc(raw->data, raw->len + sizeof out - z.avail_out);
		memcpy(raw->data + raw->len, out, sizeof out - z.avail_out);
		raw->len += sizeof out - z.avail_out;
	} while (ret != Z_STREAM_END);
	inflateEnd(&z);
	lfsc_buffer_release(&img);
}

/* CPU seconds of one zlib gzip deflate of data (level, strategy), best of
** reps; the stream is set up once and only reset per image, the least a
** compressing compiler can pay (deflateInit alone costs more than a small
** image's compression) */
static double zlib_time(const struct lfsc_buffer *data, int level, int strategy, int reps)
{
	static uint8_t out[1 << 20];
	double best = 1e9, t0;
	z_stream z;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, 16 + 15, 8, strategy) != Z_OK)
		exit(6);
	while (reps--) {
		t0 = now();
		if (deflateReset(&z) != Z_OK)
			exit(6);
		z.next_in = data->data;
		z.avail_in = (uInt)data->len;
		z.next_out = out;
		z.avail_out = sizeof out;
		if (deflate(&z, Z_FINISH) != Z_STREAM_END)
			exit(6);
		if (now() - t0 < best)
			best = now() - t0;
	}
	deflateEnd(&z);
	return best;
}

/* CPU seconds of lfsc's own uzlib-identical gzip_write() on data, measured
** as zlib_time() measures zlib: alone, best of reps */
static double uzlib_time(const struct lfsc_buffer *data, int reps)
{
	struct lfsc_buffer out;
	struct mem m;
	double best = 1e9, t0;

	lfsc_buffer_init(&out);
	while (reps--) {
		mem_init(&m);
		out.len = 0;
		t0 = now();
		if (gzip_write(&m, data->data, data->len, &out))
			exit(7);
		if (now() - t0 < best)
			best = now() - t0;
	}
	lfsc_buffer_release(&out);
	return best;
}

/* The compression budget: what zlib's fastest settings cost on the same
** uncompressed images, against the front end (tf seconds) and against what
** lfsc's uzlib-identical compression costs (lfsc -f minus lfsc -a). */
static void compression_study(struct lfsc_buffer *raw, int napps, double tf, double tl,
			      double ta)
{
	static const struct { const char *name; int level, strategy; } z[] = {
		{ "zlib -1", 1, Z_DEFAULT_STRATEGY },
		{ "zlib -1 Z_FIXED", 1, Z_FIXED },
		{ "zlib Z_HUFFMAN_ONLY", 1, Z_HUFFMAN_ONLY },
	};
	size_t bytes = 0;
	double t;
	int a, k;

	for (a = 0; a < napps; a++)
		bytes += raw[a].len;
	printf("compression alone on the same %zu bytes (raw images + bitmaps); budget for all "
	       "of lfsc beyond the front end: %.3f ms (0.30x)\n", bytes, 0.3 * tf * 1e3);
	printf("%-22s %10.3f ms %6.2fx the front end\n", "uzlib in lfsc (-f - -a)",
	       (tl - ta) * 1e3, (tl - ta) / tf);
	t = 0;
	for (a = 0; a < napps; a++)
		t += uzlib_time(&raw[a], 30);
	printf("%-22s %10.3f ms %6.2fx the front end\n", "uzlib alone", t * 1e3, t / tf);
	for (k = 0; k < 3; k++) {
		t = 0;
		for (a = 0; a < napps; a++)
			t += zlib_time(&raw[a], z[k].level, z[k].strategy, 30);
		printf("%-22s %10.3f ms %6.2fx the front end\n", z[k].name, t * 1e3, t / tf);
	}
}

/* the app directories under CONFORMANCE_DIR/PORT/src, sorted; returns the count */
static int list_apps(const char *conf, char apps[][256], int max)
{
	char src[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(src, sizeof src, "%s/" PORT "/src", conf);
	d = opendir(src);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && n < max && strcmp(e->d_name, "limits51"))
			snprintf(apps[n++], 256, "%s", e->d_name);
	if (d)
		closedir(d);
	qsort(apps, (size_t)n, 256, (int (*)(const void *, const void *))strcmp);
	return n;
}

struct times { double front, full, abs; };   /* seconds: front end, lfsc -f, lfsc -a */

/* best of reps, the three runs interleaved so load changes hit them alike */
static struct times time_app(struct file *files, int n, int reps)
{
	struct times t = { 1e9, 1e9, 1e9 };
	double t0;

	while (reps--) {
		t0 = now();
		frontend(files, n);
		if (now() - t0 < t.front)
			t.front = now() - t0;
		t0 = now();
		full(files, n, LFSC_OUT_IMAGE);
		if (now() - t0 < t.full)
			t.full = now() - t0;
		if (TARGET == LFSC_TARGET_LUA51) {    /* the same without gzip */
			t0 = now();
			full(files, n, LFSC_OUT_ABSOLUTE);
			if (now() - t0 < t.abs)
				t.abs = now() - t0;
		}
	}
	return t;
}

/* peak resident memory of `lfsc -f` on the 5.3 limits app, in a child */
static void peak_rss(const char *conf, const char *lfsc)
{
	char dir[1024], *exe = realpath(lfsc, NULL);
	struct rusage ru;
	int status;
	pid_t pid;

	snprintf(dir, sizeof dir, "%s/lua53/src/limits", conf);
	pid = fork();
	if (pid == 0) {
		if (!exe || chdir(dir))
			_exit(127);
		execl("/bin/sh", "sh", "-c", "exec \"$0\" -f -o /dev/null *.lua", exe, (char *)NULL);
		_exit(127);
	}
	wait4(pid, &status, 0, &ru);
	printf("peak RSS of lfsc -f on limits: %.1f MB (target < 64 MB), exit %d\n",
	       (double)ru.ru_maxrss / 1024.0, WEXITSTATUS(status));
	free(exe);
}

int main(int argc, char **argv)
{
	static struct file files[256];
	static struct lfsc_buffer raw[32];
	struct times t, all = { 0, 0, 0 };
	char apps[32][256], dir[4096];
	int napps, a, n;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_lfsc CONFORMANCE_DIR LFSC\n");
		return 1;
	}
	napps = list_apps(argv[1], apps, 32);
	printf("%-16s %6s %12s %12s %7s   (" PORT "; thread CPU time, best of 30; 7 for "
	       "huge_constants)\n", "app", "files", "frontend ms", "lfsc -f ms", "ratio");
	for (a = 0; a < napps; a++) {
		snprintf(dir, sizeof dir, "%.2000s/" PORT "/src/%.255s", argv[1], apps[a]);
		n = load_app(dir, files, 256);
		t = time_app(files, n, strcmp(apps[a], "huge_constants") ? 30 : 7);
		all.front += t.front;
		all.full += t.full;
		all.abs += t.abs;
		printf("%-16s %6d %12.3f %12.3f %7.2f\n", apps[a], n, t.front * 1e3, t.full * 1e3,
		       t.full / t.front);
		if (TARGET == LFSC_TARGET_LUA51)
			image_content(files, n, &raw[a]);
		while (n--)
			free(files[n].data);
	}
	printf("%-16s %6s %12.3f %12.3f %7.2f   (target <= 1.30)\n", "total", "",
	       all.front * 1e3, all.full * 1e3, all.full / all.front);
	if (TARGET == LFSC_TARGET_LUA51) {
		printf("%-16s %6s %12.3f %12.3f %7.2f   (lfsc -a: the same without the gzip "
		       "compression)\n", "total -a", "", all.front * 1e3, all.abs * 1e3,
		       all.abs / all.front);
		compression_study(raw, napps, all.front, all.full, all.abs);
	} else {
		peak_rss(argv[1], argv[2]);
	}
	for (a = 0; a < napps; a++)
		free(raw[a].data);
	return 0;
}
