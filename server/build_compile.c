/* build_compile.c - lfsc as a child process under limits, and its --json
** result read into a struct compile_result (build_compile.h). */
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

#include <jansson.h>

#include "build_compile.h"
#include "log.h"

#define OUT_MAX (1u << 20)     /* lfsc's stdout kept at most (its JSON) */
#define ERR_MAX (64u << 10)

/* What a child process left: its output and how it ended. */
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

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
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

/* Starts argv[0] in job->dir with stdout/stderr on the pipes' write ends and
** the limits set before exec. vfork: the child shares our memory until it
** execs, so it makes system calls only; the limits are computed before. */
static pid_t spawn(const struct compile_job *job, char *const argv[], int out, int err)
{
	struct rlimit cpu = { (rlim_t)job->timeout_s, (rlim_t)job->timeout_s + 1 };
	struct rlimit fsz = { 64u << 20, 64u << 20 };
	struct rlimit as = { (rlim_t)job->memory_mb << 20, (rlim_t)job->memory_mb << 20 };
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;
	pid_t pid;

	sigemptyset(&none);
	if (devnull < 0)
		return -1;
	pid = vfork();
	if (pid == 0) {
		if (chdir(job->dir))
			_exit(126);
		dup2(devnull, 0);
		dup2(out, 1);
		dup2(err, 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		setrlimit(RLIMIT_CPU, &cpu);
		setrlimit(RLIMIT_FSIZE, &fsz);
		if (job->memory_mb)
			setrlimit(RLIMIT_AS, &as);
		sigprocmask(SIG_SETMASK, &none, NULL);   /* lfsd blocks SIGTERM for sigwait */
		execv(argv[0], argv);
		_exit(127);
	}
	close(devnull);
	return pid;
}

/* Reads the child's stdout and stderr until both close, killing it at the
** deadline; then reaps it into p. */
static void collect(pid_t pid, int out, int err, int timeout_s, struct proc *p)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_s * 1000u;
	int open_out = 1, open_err = 1, status = 0;

	while (open_out || open_err) {
		struct pollfd fds[2] = { { open_out ? out : -1, POLLIN, 0 },
		                         { open_err ? err : -1, POLLIN, 0 } };
		uint64_t now = now_ms();

		if (now >= deadline && !p->timed_out) {
			kill(pid, SIGKILL);
			p->timed_out = 1;
		}
		if (poll(fds, 2, p->timed_out ? 1000 : (int)(deadline - now) + 1) < 0 &&
		    errno != EINTR)
			break;
		if (fds[0].revents)
			grab(out, &p->out, &p->out_len, OUT_MAX, &open_out);
		if (fds[1].revents)
			grab(err, &p->err, &p->err_len, ERR_MAX, &open_err);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		p->exited = 1;
		p->code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		p->sig = WTERMSIG(status);
	}
}

/* Runs argv; 0 with p filled, or -1 (logged) if no process could start. */
static int run(const struct compile_job *job, char *const argv[], struct proc *p)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, ret = -1, i;
	pid_t pid;

	memset(p, 0, sizeof *p);
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		log_error("pipe: %s", strerror(errno));
		goto out;
	}
	pid = spawn(job, argv, out[1], err[1]);
	if (pid < 0) {
		log_error("cannot start '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	collect(pid, out[0], err[0], job->timeout_s, p);
	ret = 0;
out:
	for (i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return ret;
}

/* argv for lfsc; the numbers are printed into store (4 x 24 bytes). */
static void make_argv(const struct compile_job *job, const char *argv[], char store[4][24])
{
	const struct build_options *o = &job->up->opts;
	int n = 0, i;

	argv[n++] = job->lfsc;
	argv[n++] = "--json";
	argv[n++] = "-f";
	argv[n++] = "-o";
	argv[n++] = job->out;
	argv[n++] = "--target";
	argv[n++] = o->target;
	if (o->strip)
		argv[n++] = "-s";
	if (o->has_base) {
		snprintf(store[0], 24, "0x%08x", o->base);
		argv[n++] = "-a";
		argv[n++] = store[0];
	}
	if (o->max_size) {
		snprintf(store[1], 24, "%u", o->max_size);
		argv[n++] = "-m";
		argv[n++] = store[1];
	}
	if (job->has_seed) {
		snprintf(store[2], 24, "%u", job->seed);
		argv[n++] = "--seed";
		argv[n++] = store[2];
	}
	snprintf(store[3], 24, "%lld", (long long)job->timestamp);
	argv[n++] = "--timestamp";
	argv[n++] = store[3];
	argv[n++] = "--";   /* names are never options (build_upload.c refuses '-x.lua' too) */
	for (i = 0; i < job->up->nfiles; i++)
		argv[n++] = job->up->files[i].name;
	argv[n] = NULL;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The "modules" and "warnings" arrays of lfsc's result into res. Returns 0,
** or -1 when out of memory. */
static int facts_lists(json_t *ok, struct compile_result *res)
{
	json_t *mods = json_object_get(ok, "modules"), *warns = json_object_get(ok, "warnings");
	json_t *v;
	size_t i;

	res->modules = calloc(json_array_size(mods) + 1, sizeof *res->modules);
	res->warnings = calloc(json_array_size(warns) + 1, sizeof *res->warnings);
	if (!res->modules || !res->warnings)
		return -1;
	json_array_foreach(mods, i, v) {
		struct build_module *m = &res->modules[res->nmodules++];

		m->name = dup_or_empty(json_string_value(json_object_get(v, "name")));
		m->file = dup_or_empty(json_string_value(json_object_get(v, "file")));
		m->image_bytes = json_integer_value(json_object_get(v, "image_bytes"));
		m->flash_bytes = json_integer_value(json_object_get(v, "flash_bytes"));
		m->functions = (int)json_integer_value(json_object_get(v, "functions"));
		if (!m->name || !m->file)
			return -1;
	}
	json_array_foreach(warns, i, v) {
		struct build_warning *w = &res->warnings[res->nwarnings++];

		w->file = dup_or_empty(json_string_value(json_object_get(v, "file")));
		w->line = (int)json_integer_value(json_object_get(v, "line"));
		w->message = dup_or_empty(json_string_value(json_object_get(v, "message")));
		if (!w->file || !w->message)
			return -1;
	}
	return 0;
}

/* lfsc's {"ok":true,...} into res. */
static void facts(json_t *ok, const struct compile_job *job, struct compile_result *res)
{
	json_t *strings = json_object_get(ok, "strings"), *ts = json_object_get(ok, "timestamp");
	const char *kind = json_string_value(json_object_get(ok, "kind"));

	res->seed = (uint32_t)json_integer_value(json_object_get(ok, "seed"));
	res->timestamp = ts ? json_integer_value(ts) : job->timestamp;
	snprintf(res->kind, sizeof res->kind, "%s", kind ? kind : "image");
	res->flash_size = json_integer_value(json_object_get(ok, "flash_size"));
	res->strings_vector = (int)json_integer_value(json_object_get(strings, "vector"));
	res->strings_short = (int)json_integer_value(json_object_get(strings, "short"));
	res->strings_long = (int)json_integer_value(json_object_get(strings, "long"));
	if (facts_lists(ok, res)) {
		res->status = COMPILE_NO_RESULT;
		snprintf(res->message, sizeof res->message, "out of memory reading lfsc's result");
	}
}

/* lfsc's {"ok":false,"error":{...}} into res. */
static void refusal(json_t *e, struct compile_result *res)
{
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *file = json_string_value(json_object_get(e, "file"));

	res->status = COMPILE_REJECTED;
	code = code ? code : "";
	res->error = !strcmp(code, "compile_error") ? COMPILE_ERR_SYNTAX
	           : !strcmp(code, "limit") || !strcmp(code, "memory") ? COMPILE_ERR_LIMIT
	           : !strcmp(code, "usage") ? COMPILE_ERR_USAGE
	           : !strcmp(code, "format") ? COMPILE_ERR_FORMAT : COMPILE_ERR_OTHER;
	snprintf(res->message, sizeof res->message, "%s", msg ? msg : "lfsc failed");
	if (file) {
		snprintf(res->file, sizeof res->file, "%s", file);
		res->line = (int)json_integer_value(json_object_get(e, "line"));
	}
}

/* Replaces every occurrence of path in msg with the shorter with. */
static void scrub(char *msg, const char *path, const char *with)
{
	size_t n = strlen(path), w = strlen(with);
	char *p;

	while (n > w && (p = strstr(msg, path))) {
		memmove(p + w, p + n, strlen(p + n) + 1);
		memcpy(p, with, w);
	}
}

/* How the process ended, and its stdout, into res. */
static void outcome(const struct compile_job *job, const struct proc *p,
                    struct compile_result *res)
{
	json_t *j = p->out ? json_loads(p->out, 0, NULL) : NULL;
	struct stat st;

	res->exit_code = p->code;
	res->signal = p->sig;
	if (p->timed_out || p->sig == SIGXCPU || p->sig == SIGKILL) {
		res->status = COMPILE_TIMEOUT;
		res->wall_clock = p->timed_out;
	} else if (p->sig) {
		res->status = COMPILE_CRASHED;
	} else if (!j && p->exited && (p->code == 126 || p->code == 127)) {
		res->status = COMPILE_CANNOT_RUN;
	} else if (!json_is_object(j)) {
		res->status = COMPILE_NO_RESULT;   /* its stderr may name server paths: logged */
		snprintf(res->message, sizeof res->message, "lfsc gave no result (exit %d); see "
		         "lfsd's log", p->code);
		log_error("lfsc gave no JSON result (exit %d): %.300s", p->code, p->err ? p->err : "");
	} else if (!json_is_true(json_object_get(j, "ok")) || p->code != 0) {
		refusal(json_object_get(j, "error"), res);
		scrub(res->message, job->out, "lfs.img");
		scrub(res->message, job->dir, ".");
	} else if (stat(job->out, &st) || st.st_size == 0) {
		res->status = COMPILE_NO_RESULT;
		snprintf(res->message, sizeof res->message, "lfsc wrote no image");
	} else {
		res->status = COMPILE_OK;
		facts(j, job, res);
	}
	json_decref(j);
}

void build_compile_run(const struct compile_job *job, struct compile_result *res)
{
	const char *argv[UPLOAD_MAX_FILES + 24];
	char store[4][24];
	struct proc p;

	memset(res, 0, sizeof *res);
	make_argv(job, argv, store);
	if (run(job, (char *const *)argv, &p)) {
		res->status = COMPILE_NO_PROCESS;
		snprintf(res->message, sizeof res->message, "cannot start lfsc");
		return;
	}
	outcome(job, &p, res);
	free(p.out);
	free(p.err);
}

void build_compile_release(struct compile_result *res)
{
	build_lists_free(res->modules, res->nmodules, res->warnings, res->nwarnings);
	res->modules = NULL;
	res->warnings = NULL;
	res->nmodules = res->nwarnings = 0;
}
