/* buildrun.c - one build: private temp dir with the uploaded names, lfsc --json
** as a child process under CPU/memory/file-size and wall-clock limits, then
** blobs (durable first) and rows, and the HTTP answer for the job.
**
** Reproducibility: files are passed to lfsc sorted by name (bytewise), with
** --timestamp always given (the request's, else the current time) and --seed
** only when the request gives one; lfsc reports the seed it used. Both are
** stored in the build's "effective" options. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lfsc_image.h"
#include "app.h"
#include "builder.h"
#include "http.h"
#include "log.h"
#include "store_builds.h"

#define OUT_MAX (8u << 20)     /* stdout captured at most (listings) */
#define ERR_MAX (64u << 10)

struct proc {
	char *out;           /* owned; stdout, NUL terminated */
	size_t out_len;
	char *err;           /* owned; stderr */
	size_t err_len;
	int exited;          /* exit code valid */
	int code;
	int sig;             /* killed by signal */
	int timed_out;       /* we killed it at the wall-clock limit */
};

static void proc_release(struct proc *p)
{
	free(p->out);
	free(p->err);
	memset(p, 0, sizeof *p);
}

static void grab(int fd, char **buf, size_t *len, size_t max, int *open)
{
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof tmp);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		*open = 0;
		return;
	}
	if (*len + (size_t)n > max)
		n = (ssize_t)(max - *len);
	if (n > 0) {
		char *nb = realloc(*buf, *len + (size_t)n + 1);

		if (!nb)
			return;
		memcpy(nb + *len, tmp, (size_t)n);
		*buf = nb;
		*len += (size_t)n;
		nb[*len] = '\0';
	}
}

/* Runs argv[0] in dir with limits; fills p. Returns 0 if it ran, -1 if it
** could not be started (logged). */
static int run(struct app *app, const char *const argv[], const char *dir, struct proc *p)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int timeout_ms = app->cfg->build_timeout * 1000;
	uint64_t deadline;
	int open_out = 1, open_err = 1, status;
	pid_t pid;

	memset(p, 0, sizeof *p);
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		log_error("pipe: %s", strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* child: only async-signal-safe calls until exec */
		struct rlimit cpu = { (rlim_t)app->cfg->build_timeout, (rlim_t)app->cfg->build_timeout + 1 };
		struct rlimit fsz = { 64u << 20, 64u << 20 };
		int devnull = open("/dev/null", O_RDONLY);

		if (chdir(dir))
			_exit(126);
		dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		setrlimit(RLIMIT_CPU, &cpu);
		setrlimit(RLIMIT_FSIZE, &fsz);
		if (app->cfg->build_memory_mb) {
			struct rlimit as = { (rlim_t)app->cfg->build_memory_mb << 20,
			                     (rlim_t)app->cfg->build_memory_mb << 20 };
			setrlimit(RLIMIT_AS, &as);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	deadline = http_now_us() + (uint64_t)timeout_ms * 1000u;
	while (open_out || open_err) {
		struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
		uint64_t now = http_now_us();
		int wait_ms = now >= deadline ? 0 : (int)((deadline - now) / 1000u) + 1;

		if (!open_out)
			fds[0].fd = -1;
		if (!open_err)
			fds[1].fd = -1;
		if (now >= deadline && !p->timed_out) {
			kill(pid, SIGKILL);
			p->timed_out = 1;
		}
		if (poll(fds, 2, p->timed_out ? 1000 : wait_ms) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			grab(out[0], &p->out, &p->out_len, OUT_MAX, &open_out);
		if (fds[1].revents)
			grab(err[0], &p->err, &p->err_len, ERR_MAX, &open_err);
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		p->exited = 1;
		p->code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		p->sig = WTERMSIG(status);
	}
	return 0;
fail:
	if (out[0] >= 0) { close(out[0]); close(out[1]); }
	if (err[0] >= 0) { close(err[0]); close(err[1]); }
	return -1;
}

static void rm_tree(const char *dir, const struct upload *u)
{
	char p[PATH_MAX + 80];
	int i;

	for (i = 0; i < u->nfiles; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, u->files[i].name);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/lfs.img", dir);
	unlink(p);
	rmdir(dir);
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char p[PATH_MAX + 80];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_error("cannot create '%s': %s", p, strerror(errno));
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n <= 0) {
			close(fd);
			return log_error("cannot write '%s': %s", p, strerror(errno));
		}
		data += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

/* The -l listing of a relocatable image, made in-process with the shared
** image reader: it equals lfsc's listing of the compile (the round trip of
** tests/compiler/t0300-roundtrip.t), without a second lfsc process. Returns
** 0 and fills out (caller releases), or -1 (not a relocatable image). */
static int image_listing(const uint8_t *img, size_t len, struct lfsc_buffer *out)
{
	struct lfsc_image *im = NULL;
	int ret = -1;

	lfsc_buffer_init(out);
	if (lfsc_image_read(img, len, &im, NULL) == 0 && lfsc_image_list(im, 1, out) == 0)
		ret = 0;
	lfsc_image_free(im);
	return ret;
}

/* argv for lfsc; strings in store (must hold 5 x 24 bytes). */
static int make_argv(struct app *app, const struct upload *u, int64_t ts, int listing,
                     const char *argv[], char store[5][24])
{
	const struct upload_options *o = &u->opts;
	int n = 0, i;

	argv[n++] = app->lfsc;
	if (listing) {
		argv[n++] = "-l";
		argv[n++] = "-p";
	} else {
		argv[n++] = "--json";
		argv[n++] = "-f";
		argv[n++] = "-o";
		argv[n++] = "lfs.img";
	}
	argv[n++] = "--target";
	argv[n++] = o->target;
	if (o->strip)
		argv[n++] = "-s";
	if (!listing && o->has_base) {
		snprintf(store[0], 24, "0x%08x", o->base);
		argv[n++] = "-a";
		argv[n++] = store[0];
	}
	if (!listing && o->max_size) {
		snprintf(store[1], 24, "%u", o->max_size);
		argv[n++] = "-m";
		argv[n++] = store[1];
	}
	if (!listing && o->has_seed) {
		snprintf(store[2], 24, "%u", o->seed);
		argv[n++] = "--seed";
		argv[n++] = store[2];
	}
	if (!listing) {
		snprintf(store[3], 24, "%lld", (long long)ts);
		argv[n++] = "--timestamp";
		argv[n++] = store[3];
	}
	for (i = 0; i < u->nfiles; i++)
		argv[n++] = u->files[i].name;
	argv[n] = NULL;
	return n;
}

/* The build's event line: its outcome and, for a build, id and image. */
static void log_outcome(unsigned status, json_t *body)
{
	json_t *e = json_object_get(body, "error");

	if (e)
		log_event("build", "{s:i,s:s,s:s}", "status", (int)status, "outcome",
		          json_string_value(json_object_get(e, "code")) ?: "?", "message",
		          json_string_value(json_object_get(e, "message")) ?: "");
	else
		log_event("build", "{s:i,s:s,s:I,s:s,s:I}", "status", (int)status, "outcome",
		          status == 201 ? "created" : "existing", "id",
		          json_integer_value(json_object_get(body, "id")), "sha256",
		          json_string_value(json_object_get(body, "sha256")) ?: "", "size",
		          json_integer_value(json_object_get(body, "size")));
}

static void answer(struct build_job *job, unsigned status, json_t *body)
{
	job->status = status;
	job->body = body;
	log_outcome(status, body);
}

static void answer_error(struct build_job *job, unsigned status, const char *code,
                         const char *msg)
{
	answer(job, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

/* lfsc said ok:false: map its error object to our answer. */
static void lfsc_failed(struct app *app, struct build_job *job, json_t *e, double secs)
{
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	json_t *err;
	unsigned status = 500;
	const char *ours = "build_failed";

	if (!code)
		code = "";
	if (!strcmp(code, "compile_error")) {
		status = 422;
		ours = "compile_error";
	} else if (!strcmp(code, "limit") || !strcmp(code, "memory")) {
		status = 422;
		ours = "limit";
	} else if (!strcmp(code, "usage")) {
		status = 400;
		ours = "bad_request";
	}
	metrics_build(&app->metrics, status == 422 && !strcmp(ours, "compile_error")
	              ? METRICS_BUILD_COMPILE_ERROR : METRICS_BUILD_FAILED, secs);
	err = json_pack("{s:s,s:s}", "code", ours, "message", msg ? msg : "lfsc failed");
	if (json_object_get(e, "file"))
		json_object_set(err, "file", json_object_get(e, "file"));
	if (json_object_get(e, "line"))
		json_object_set(err, "line", json_object_get(e, "line"));
	answer(job, status, json_pack("{s:o}", "error", err));
}

static void existing(struct app *app, struct build_job *job, long long id)
{
	json_t *b = store_builds_get(&app->db, id);

	metrics_build(&app->metrics, METRICS_BUILD_CACHED, 0);
	if (b)
		answer(job, 200, b);
	else
		answer_error(job, 500, "internal", "cannot read existing build");
}

void buildrun_execute(struct app *app, struct build_job *job)
{
	struct upload *u = &job->up;
	char dir[PATH_MAX], store[5][24], msg[512], img_path[PATH_MAX + 16];
	const char *argv[UPLOAD_MAX_FILES + 24];
	struct build_record rec;
	struct proc p, lp;
	struct lfsc_buffer listing;
	json_t *res = NULL, *b;
	char *img = NULL;
	size_t img_len = 0;
	uint64_t t0 = http_now_us(), t1;
	long long id, dup;
	int64_t ts = u->opts.has_timestamp ? u->opts.timestamp : (int64_t)time(NULL);
	int i, made = 0;
	FILE *f;

	memset(&p, 0, sizeof p);
	memset(&lp, 0, sizeof lp);
	memset(&rec, 0, sizeof rec);
	lfsc_buffer_init(&listing);
	id = store_builds_find(&app->db, u->dedup_key);
	if (id > 0) {
		existing(app, job, id);
		return;
	}
	if (snprintf(dir, sizeof dir, "%s/build-XXXXXX", app->tmp_dir) >= (int)sizeof dir)
		dir[0] = '\0';
	mkdir(app->tmp_dir, 0700);   /* tmpfs roots can be wiped (logind RemoveIPC) */
	if (!dir[0] || !mkdtemp(dir)) {
		log_error("cannot create build directory: %s", strerror(errno));
		answer_error(job, 500, "internal", "cannot create build directory");
		goto out;
	}
	made = 1;
	for (i = 0; i < u->nfiles; i++)
		if (write_file(dir, u->files[i].name, u->files[i].data, u->files[i].len)) {
			answer_error(job, 500, "internal", "cannot write sources");
			goto out;
		}
	make_argv(app, u, ts, 0, argv, store);
	if (run(app, argv, dir, &p)) {
		answer_error(job, 500, "internal", "cannot start lfsc");
		goto out;
	}
	t1 = http_now_us();
	if (p.timed_out || p.sig == SIGXCPU || p.sig == SIGKILL) {
		snprintf(msg, sizeof msg, "build exceeded its %s limit (%d s) and was stopped",
		         p.timed_out ? "wall-clock" : "CPU time", app->cfg->build_timeout);
		metrics_build(&app->metrics, METRICS_BUILD_TIMEOUT, (t1 - job->queued_us) / 1e6);
		answer_error(job, 422, "limit", msg);
		goto out;
	}
	if (p.sig) {
		snprintf(msg, sizeof msg, "lfsc crashed (signal %d); the build failed", p.sig);
		metrics_build(&app->metrics, METRICS_BUILD_FAILED, (t1 - job->queued_us) / 1e6);
		answer_error(job, 500, "build_failed", msg);
		goto out;
	}
	res = p.out ? json_loads(p.out, 0, NULL) : NULL;
	if (!res && p.exited && (p.code == 126 || p.code == 127)) {
		snprintf(msg, sizeof msg, "cannot run the compiler '%.400s' (see --lfsc)", app->lfsc);
		log_error("%s", msg);
		metrics_build(&app->metrics, METRICS_BUILD_FAILED, (t1 - job->queued_us) / 1e6);
		answer_error(job, 500, "build_failed", msg);
		goto out;
	}
	if (!json_is_object(res)) {
		snprintf(msg, sizeof msg, "lfsc gave no JSON result (exit %d): %.300s", p.code,
		         p.err ? p.err : "");
		log_error("%s", msg);
		metrics_build(&app->metrics, METRICS_BUILD_FAILED, (t1 - job->queued_us) / 1e6);
		answer_error(job, 500, "build_failed", msg);
		goto out;
	}
	if (!json_is_true(json_object_get(res, "ok")) || p.code != 0) {
		lfsc_failed(app, job, json_object_get(res, "error"), (t1 - job->queued_us) / 1e6);
		goto out;
	}
	snprintf(img_path, sizeof img_path, "%s/lfs.img", dir);
	f = fopen(img_path, "rb");
	if (f) {
		struct stat st;

		if (!fstat(fileno(f), &st) && (img = malloc((size_t)st.st_size + 1)) &&
		    fread(img, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
			img_len = (size_t)st.st_size;
		else
			free(img), img = NULL;
		fclose(f);
	}
	if (!img) {
		answer_error(job, 500, "build_failed", "lfsc wrote no image");
		goto out;
	}
	/* rule: blobs durable before the row that names them */
	for (i = 0; i < u->nfiles; i++)
		if (blob_put(&app->blobs, u->files[i].data, u->files[i].len, NULL))
			goto store_failed;
	if (blob_put(&app->blobs, img, img_len, rec.sha))
		goto store_failed;
	if (image_listing((const uint8_t *)img, img_len, &listing) == 0) {
		if (blob_put(&app->blobs, listing.data, listing.len, rec.listing_sha))
			goto store_failed;
	} else {        /* an absolute image: ask lfsc to list the sources */
		make_argv(app, u, ts, 1, argv, store);
		if (!run(app, argv, dir, &lp) && lp.exited && lp.code == 0 && lp.out_len)
			if (blob_put(&app->blobs, lp.out, lp.out_len, rec.listing_sha))
				goto store_failed;
	}
	rec.up = u;
	rec.size = (long long)img_len;
	rec.seed = (uint32_t)json_integer_value(json_object_get(res, "seed"));
	rec.timestamp = json_object_get(res, "timestamp")
	                ? json_integer_value(json_object_get(res, "timestamp")) : ts;
	snprintf(rec.kind, sizeof rec.kind, "%s",
	         json_string_value(json_object_get(res, "kind")) ?
	         json_string_value(json_object_get(res, "kind")) : "image");
	rec.flash_size = json_integer_value(json_object_get(res, "flash_size"));
	rec.result_json = json_dumps(res, JSON_COMPACT);
	rec.queued_ms = (long long)(t0 - job->queued_us) / 1000;
	rec.compile_ms = (long long)(t1 - t0) / 1000;
	rec.total_ms = (long long)(http_now_us() - job->queued_us) / 1000;
	id = rec.result_json ? store_builds_insert(&app->db, &rec, &dup) : -1;
	free(rec.result_json);
	if (id == 0) {
		existing(app, job, dup);
		goto out;
	}
	if (id < 0)
		goto store_failed;
	b = store_builds_get(&app->db, id);
	metrics_build(&app->metrics, METRICS_BUILD_OK, (http_now_us() - job->queued_us) / 1e6);
	if (b)
		answer(job, 201, b);
	else
		answer_error(job, 500, "internal", "cannot read the new build");
	goto out;
store_failed:
	metrics_build(&app->metrics, METRICS_BUILD_FAILED, 0);
	answer_error(job, 500, "internal", "cannot store the build");
out:
	free(img);
	json_decref(res);
	proc_release(&p);
	proc_release(&lp);
	lfsc_buffer_release(&listing);
	if (made)
		rm_tree(dir, u);
}
