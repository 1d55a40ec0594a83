/* build_compile.h - the compile stage of a build: lfsc run as a child
** process in the build's workspace, under CPU, memory, file-size and
** wall-clock limits, started with vfork (no copy of lfsd's page tables, so
** the cost does not grow with the fleet held in memory). Its result comes
** back as a struct compile_result; lfsc's --json text is read here and goes
** no further.
**
** Reproducibility: files are passed sorted by name (bytewise), with
** --timestamp always given (the request's, else the current time) and --seed
** only when the job has one (the request's, or a stored build's when it is
** rebuilt to repair its image); lfsc reports the seed it used. */
#ifndef BUILD_COMPILE_H
#define BUILD_COMPILE_H

#include <stdint.h>

#include "build_upload.h"
#include "store.h"

enum compile_status {
	COMPILE_OK,           /* the image is at job->out; the facts are filled */
	COMPILE_REJECTED,     /* lfsc refused the input: error, message, file/line */
	COMPILE_TIMEOUT,      /* stopped at its wall-clock or CPU-time limit */
	COMPILE_CRASHED,      /* lfsc died by a signal */
	COMPILE_NO_RESULT,    /* lfsc exited without a result (or wrote no image) */
	COMPILE_CANNOT_RUN,   /* the compiler cannot be executed (see --lfsc) */
	COMPILE_NO_PROCESS    /* no process could be started (pipe, vfork) */
};

/* lfsc's error codes (its --json "code"). */
enum compile_error {
	COMPILE_ERR_SYNTAX,   /* "compile_error": the source does not compile */
	COMPILE_ERR_LIMIT,    /* "limit" (-m) or "memory" (its address-space limit) */
	COMPILE_ERR_USAGE,    /* "usage": options lfsc refuses */
	COMPILE_ERR_FORMAT,   /* "format": a precompiled chunk given as a source is damaged */
	COMPILE_ERR_OTHER     /* anything else lfsc reports */
};

struct compile_job {
	const char *lfsc;                /* compiler executable, absolute */
	const char *dir;                 /* the workspace (cwd of lfsc) */
	const char *out;                 /* absolute path the image is written to */
	const struct build_upload *up;   /* files (in dir) and options */
	int64_t timestamp;               /* --timestamp */
	int has_seed;                    /* --seed seed (else lfsc derives one) */
	uint32_t seed;
	int timeout_s;                   /* wall-clock and CPU limit */
	int memory_mb;                   /* address-space limit, 0 = none */
};

struct compile_result {
	enum compile_status status;
	enum compile_error error;        /* COMPILE_REJECTED */
	int wall_clock;                  /* COMPILE_TIMEOUT: 1 wall clock, 0 CPU time */
	int signal;                      /* COMPILE_CRASHED */
	int exit_code;
	char message[512];               /* lfsc's message, or what went wrong; names no
	                                    server path (job->dir, job->out) */
	char file[80];                   /* COMPILE_REJECTED: "" = no position */
	int line;
	/* COMPILE_OK: */
	uint32_t seed;
	int64_t timestamp;
	char kind[16];                   /* "image" or "absolute" */
	long long flash_size;
	int strings_vector, strings_short, strings_long;
	int nmodules;
	struct build_module *modules;    /* owned (build_compile_release) */
	int nwarnings;
	struct build_warning *warnings;  /* owned */
};

/* Runs lfsc for job and fills *res (always; res->status says what
** happened). job borrowed. */
void build_compile_run(const struct compile_job *job, struct compile_result *res);
/* Frees the modules and warnings still owned by res. */
void build_compile_release(struct compile_result *res);

#endif
