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
** on the 5.1 apps (limits51, which 5.1 refuses, left out).
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
#include "lua.h"
#include "lauxlib.h"
#include "lfsc.h"

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

static void full(struct file *f, int n, enum lfsc_output kind)
{
	struct lfsc_options o;
	struct lfsc_compiler *c;
	struct lfsc_buffer b;
	int i;

	lfsc_options_init(&o);
	o.target = TARGET;
	o.timestamp = 1;
	c = lfsc_new(&o);
	for (i = 0; i < n; i++)
		if (lfsc_add_source(c, f[i].name + 1, f[i].data, f[i].len, NULL))
			exit(3);
	lfsc_buffer_init(&b);
	if (lfsc_build(c, kind, &b, NULL))
		exit(4);
	lfsc_buffer_release(&b);
	lfsc_free(c);
}

int main(int argc, char **argv)
{
	static struct file files[256];
	double tf_all = 0, tl_all = 0, ta_all = 0;
	DIR *d;
	struct dirent *e;
	char apps[32][256];
	int napps = 0, a;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_lfsc CONFORMANCE_DIR LFSC\n");
		return 1;
	}
	{
		char src[1024];
		snprintf(src, sizeof src, "%s/" PORT "/src", argv[1]);
		d = opendir(src);
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' && napps < 32 && strcmp(e->d_name, "limits51"))
				snprintf(apps[napps++], 256, "%s", e->d_name);
		if (d)
			closedir(d);
	}
	qsort(apps, (size_t)napps, 256, (int (*)(const void *, const void *))strcmp);
	printf("%-16s %6s %12s %12s %7s   (" PORT "; thread CPU time, best of 30; 7 for huge_constants)\n", "app", "files", "frontend ms", "lfsc -f ms", "ratio");
	for (a = 0; a < napps; a++) {
		char dir[4096];
		int n, r, reps;
		if (strlen(argv[1]) + strlen(apps[a]) + 12 >= sizeof dir)
			return 1;
		double t0, tf = 1e9, tl = 1e9, ta = 1e9;
		snprintf(dir, sizeof dir, "%.2000s/" PORT "/src/%.255s", argv[1], apps[a]);
		n = load_app(dir, files, 256);
		reps = strcmp(apps[a], "huge_constants") ? 30 : 7;
		for (r = 0; r < reps; r++) {          /* best of reps, interleaved */
			t0 = now();
			frontend(files, n);
			if (now() - t0 < tf)
				tf = now() - t0;
			t0 = now();
			full(files, n, LFSC_OUT_IMAGE);
			if (now() - t0 < tl)
				tl = now() - t0;
			if (TARGET == LFSC_TARGET_LUA51) {    /* the same without gzip */
				t0 = now();
				full(files, n, LFSC_OUT_ABSOLUTE);
				if (now() - t0 < ta)
					ta = now() - t0;
			}
		}
		tf_all += tf;
		tl_all += tl;
		ta_all += ta;
		printf("%-16s %6d %12.3f %12.3f %7.2f\n", apps[a], n, tf * 1e3, tl * 1e3, tl / tf);
		while (n--)
			free(files[n].data);
	}
	printf("%-16s %6s %12.3f %12.3f %7.2f   (target <= 1.30)\n", "total", "", tf_all * 1e3,
	       tl_all * 1e3, tl_all / tf_all);
	if (TARGET == LFSC_TARGET_LUA51)
		printf("%-16s %6s %12.3f %12.3f %7.2f   (lfsc -a: the same without the gzip "
		       "compression)\n", "total -a", "", tf_all * 1e3, ta_all * 1e3, ta_all / tf_all);
	if (TARGET == LFSC_TARGET_LUA53) {       /* peak RSS of lfsc -f on limits */
		char dir[1024];
		struct rusage ru;
		int status;
		pid_t pid;
		snprintf(dir, sizeof dir, "%s/lua53/src/limits", argv[1]);
		pid = fork();
		if (pid == 0) {
			if (chdir(dir))
				_exit(127);
			execl("/bin/sh", "sh", "-c", "exec \"$0\" -f -o /dev/null *.lua", argv[2],
			      (char *)NULL);
			_exit(127);
		}
		wait4(pid, &status, 0, &ru);
		printf("peak RSS of lfsc -f on limits: %.1f MB (target < 64 MB), exit %d\n",
		       (double)ru.ru_maxrss / 1024.0, WEXITSTATUS(status));
	}
	return 0;
}
