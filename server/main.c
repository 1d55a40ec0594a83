/* main.c - lfsd: argv, data directory, database, keys, build queue, HTTP and
** HTTPS listeners; then wait for SIGTERM/SIGINT and shut down in order:
** stop accepting, let in-flight requests and queued builds finish, flush
** device state, stop the listeners, close the database. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app.h"
#include "builder.h"
#include "dirlock.h"
#include "fleet.h"
#include "hash.h"
#include "http.h"
#include "log.h"

static struct config config;   /* the one global: set once from argv */

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	snprintf(tmp, sizeof tmp, "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return log_error("cannot create '%s': %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return log_error("cannot create '%s': %s", tmp, strerror(errno));
	return 0;
}

/* Removes build directories a crash left in tmp/ (they hold only files). */
static void clean_tmp(const char *dir)
{
	DIR *d = opendir(dir), *sub;
	struct dirent *e, *f;
	char p[PATH_MAX + 300], q[PATH_MAX + 600];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if ((sub = opendir(p))) {
			while ((f = readdir(sub)))
				if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
					snprintf(q, sizeof q, "%s/%s", p, f->d_name);
					unlink(q);
				}
			closedir(sub);
			rmdir(p);
		} else {
			unlink(p);
		}
		if (strcmp(e->d_name, "owner"))
			log_info("removed stale temp '%s'", p);
	}
	closedir(d);
}

/* Removes /dev/shm/lfsd-* build roots whose lfsd (pid in their "owner" file)
** is gone: a SIGKILLed lfsd cannot remove its own. */
static void sweep_shm(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	char p[PATH_MAX], owner[PATH_MAX + 16];

	if (!d)
		return;
	while ((e = readdir(d))) {
		FILE *f;
		long pid = 0;

		if (strncmp(e->d_name, "lfsd-", 5))
			continue;
		snprintf(p, sizeof p, "/dev/shm/%s", e->d_name);
		snprintf(owner, sizeof owner, "%s/owner", p);
		f = fopen(owner, "r");
		if (!f)
			continue;   /* not ours to judge */
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue;
		clean_tmp(p);   /* also removes the owner file */
		rmdir(p);
	}
	closedir(d);
}

/* The root of the private build directories: --build-dir, else a directory
** on tmpfs named after the data directory (file creation there is ~10x
** cheaper than on disk, and sources are rewritten for every build), else
** <data-dir>/tmp. Sets app->tmp_dir (absolute). Returns 0 or -1. */
static int build_root(struct app *app)
{
	char abs[PATH_MAX], hex[HASH_HEX_LEN + 1], owner[PATH_MAX + 16], pid[32];
	struct stat st;
	int shm = 0;

	if (config.build_dir[0]) {
		snprintf(app->tmp_dir, sizeof app->tmp_dir, "%s", config.build_dir);
	} else if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	           access("/dev/shm", W_OK) == 0 && realpath(config.data_dir, abs)) {
		sweep_shm();
		hash_sha256_hex(abs, strlen(abs), hex);
		snprintf(app->tmp_dir, sizeof app->tmp_dir, "/dev/shm/lfsd-%.16s", hex);
		shm = 1;
	} else {
		snprintf(app->tmp_dir, sizeof app->tmp_dir, "%s/tmp", config.data_dir);
	}
	if (mkdir_p(app->tmp_dir))
		return -1;
	if (lstat(app->tmp_dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return log_error("build directory '%s' is not a directory of ours", app->tmp_dir);
	chmod(app->tmp_dir, 0700);
	clean_tmp(app->tmp_dir);
	if (!realpath(app->tmp_dir, abs))
		return log_error("cannot resolve '%s'", app->tmp_dir);
	snprintf(app->tmp_dir, sizeof app->tmp_dir, "%s", abs);
	if (shm) {   /* lets a later lfsd sweep this root if we die by SIGKILL */
		snprintf(owner, sizeof owner, "%s/owner", app->tmp_dir);
		snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		tls_write_file(owner, pid, strlen(pid), 0600);
	}
	return 0;
}

static void exe_dir(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0) {
		snprintf(buf, size, ".");
		return;
	}
	exe[n] = '\0';
	snprintf(buf, size, "%s", dirname(exe));
}

/* The dashboard's directory: --web-dir, else the first that exists of
** <prefix>/share/lfsd/web (an installed lfsd in <prefix>/bin), the checkout's
** web/ (a built lfsd in build/bin) and ./web. Sets app->web_dir, or "" with a
** warning that names where it looked. */
static void locate_web(struct app *app, const char *dir)
{
	char cand[3][PATH_MAX + 32];
	struct stat st;
	int i, n = 0;

	if (config.web_dir[0]) {
		snprintf(cand[n++], sizeof cand[0], "%s", config.web_dir);
	} else {
		snprintf(cand[n++], sizeof cand[0], "%s/../share/lfsd/web", dir);
		snprintf(cand[n++], sizeof cand[0], "%s/../../web", dir);
		snprintf(cand[n++], sizeof cand[0], "web");
	}
	for (i = 0; i < n; i++)
		if (realpath(cand[i], app->web_dir) && !stat(app->web_dir, &st) &&
		    S_ISDIR(st.st_mode))
			return;
	app->web_dir[0] = '\0';
	if (config.web_dir[0])
		log_error("warning: --web-dir '%s' is not a directory; the dashboard (GET /) "
		          "answers 404", config.web_dir);
	else
		log_error("warning: no dashboard files found (looked in '%s', '%s' and './web'); "
		          "GET / answers 404 until --web-dir names them", cand[0], cand[1]);
}

static void locate(struct app *app)
{
	char dir[PATH_MAX];

	exe_dir(dir, sizeof dir);
	if (config.lfsc[0])
		snprintf(app->lfsc, sizeof app->lfsc, "%s", config.lfsc);
	else
		if (snprintf(app->lfsc, sizeof app->lfsc, "%s/lfsc", dir) >= (int)sizeof app->lfsc)
			app->lfsc[0] = '\0';
	if (app->lfsc[0] != '/') {   /* children run in their own directory */
		char abs[PATH_MAX];

		if (realpath(app->lfsc, abs))
			snprintf(app->lfsc, sizeof app->lfsc, "%s", abs);
	}
	if (access(app->lfsc, X_OK))
		log_error("warning: compiler '%s' not found; builds will fail (see --lfsc)",
		          app->lfsc);
	locate_web(app, dir);
}

/* Hands a new admin token to the operator once: on stdout, or in
** --admin-token-file (0600) when stdout may be a log (a service). */
static int show_token(const char *tok)
{
	char line[100];

	if (!config.admin_token_file[0]) {
		printf("lfsd: admin token (shown once; only its hash is stored): %s\n", tok);
		fflush(stdout);
		return 0;
	}
	snprintf(line, sizeof line, "%s\n", tok);
	if (tls_write_file(config.admin_token_file, line, strlen(line), 0600))
		return log_error("cannot write the admin token to '%s'", config.admin_token_file);
	log_info("admin token written to '%s' (only its hash is stored; delete the file "
	         "once you have it)", config.admin_token_file);
	return 0;
}

static int admin_token(struct app *app)
{
	const char *env = getenv("LFSD_ADMIN_TOKEN");
	char hex[HASH_HEX_LEN + 1], tok[65];
	uint8_t raw[32];
	int rc;

	if (env && *env) {
		hash_sha256(env, strlen(env), app->admin_hash);
		return 0;
	}
	db_lock(&app->db);
	rc = db_setting_get(&app->db, "admin_token_sha256", hex, sizeof hex);
	if (rc == 1) {
		if (tls_random(&app->keys, raw, sizeof raw)) {
			db_unlock(&app->db);
			return -1;
		}
		hash_hex(raw, sizeof raw, tok);
		hash_sha256_hex(tok, strlen(tok), hex);
		/* shown before it is stored: a failure in between costs a token
		** nobody can use, never an admin locked out */
		rc = show_token(tok);
		if (rc == 0)
			rc = db_setting_set(&app->db, "admin_token_sha256", hex);
	}
	db_unlock(&app->db);
	if (rc)
		return log_error("cannot read or store the admin token");
	if (!hash_is_hex64(hex))
		return log_error("stored admin token hash is malformed");
	for (rc = 0; rc < 32; rc++)
		sscanf(hex + 2 * rc, "%2hhx", &app->admin_hash[rc]);
	return 0;
}

static int write_ports(const char *dir, const char *http, const char *https)
{
	char path[PATH_MAX], text[300];

	snprintf(path, sizeof path, "%s/ports", dir);
	snprintf(text, sizeof text, "http=%s\nhttps=%s\n", http, https);
	return tls_write_file(path, text, strlen(text), 0644);
}

/* Waits until no request is in flight (suspended builds included), at most
** limit seconds. */
static void drain(struct app *app, int limit)
{
	uint64_t end = http_now_us() + (uint64_t)limit * 1000000u;

	while (atomic_load(&app->inflight) > 0 && http_now_us() < end) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	static struct app app;
	struct http_listener *http = NULL, *https = NULL;
	char path[PATH_MAX], err[300], http_addr[100], https_addr[100];
	sigset_t sigs;
	int hport = 0, sport = 0, sig, ret = 1;

	config_init(&config);
	switch (config_parse(&config, argc, argv, stdout, err, sizeof err)) {
	case 1:
		return 0;
	case -1:
		fprintf(stderr, "lfsd: %s\n", err);
		return 2;
	case -2:
		fprintf(stderr, "lfsd: %s\n%s", err, config_usage());
		return 2;
	}
	log_setup(config.log_format, config.access_log);
	/* signals are taken by sigwait() below; every thread inherits the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	app.cfg = &config;
	metrics_init(&app.metrics);
	image_cache_init(&app.images);
	locate(&app);
	if (mkdir_p(config.data_dir))
		return 1;
	if (dirlock_take(config.data_dir, err, sizeof err) < 0) {
		log_error("%s", err);
		return 1;
	}
	snprintf(path, sizeof path, "%s/lfsd.db", config.data_dir);
	if (db_open(&app.db, path))
		return 1;
	snprintf(path, sizeof path, "%s/blobs", config.data_dir);
	if (blob_open(&app.blobs, path))
		goto out;
	snprintf(path, sizeof path, "%s/tmp", config.data_dir);   /* older lfsd used it */
	if (mkdir_p(path))
		goto out;
	clean_tmp(path);
	if (build_root(&app))
		goto out;
	if (tls_init(&app.keys))
		goto out;
	snprintf(path, sizeof path, "%s/tls", config.data_dir);
	if (tls_load_cert(&app.keys, path, config.tls_cert, config.tls_key))
		goto out;
	snprintf(path, sizeof path, "%s/keys", config.data_dir);
	if (tls_load_signing_key(&app.keys, path) || admin_token(&app))
		goto out;
	app.fleet = fleet_new(&app.db, config.poll_interval);
	if (!app.fleet)
		goto out;
	app.builder = builder_new(&app, config.build_workers, config.queue_limit);
	if (!app.builder)
		goto out;
	http = http_start(&app, config.listen_host, config.listen_port, 0, &hport);
	https = http ? http_start(&app, config.tls_host, config.tls_port, 1, &sport) : NULL;
	if (!http || !https)
		goto stop;
	snprintf(http_addr, sizeof http_addr, "%s:%d", config.listen_host, hport);
	snprintf(https_addr, sizeof https_addr, "%s:%d", config.tls_host, sport);
	if (write_ports(config.data_dir, http_addr, https_addr))
		goto stop;
	log_info("listening http=%s https=%s data=%s builds=%s lfsc=%s web=%s", http_addr,
	         https_addr, config.data_dir, app.tmp_dir, app.lfsc,
	         app.web_dir[0] ? app.web_dir : "(none)");
	sigwait(&sigs, &sig);
	log_info("signal %d: shutting down", sig);
	ret = 0;
stop:
	http_quiesce(http);
	http_quiesce(https);
	drain(&app, config.build_timeout * 2 + 30);
	builder_stop(app.builder);
	http_stop(http);
	http_stop(https);
	builder_free(app.builder);
out:
	if (app.tmp_dir[0] && !config.build_dir[0]) {
		char owner[PATH_MAX + 16];

		snprintf(owner, sizeof owner, "%s/owner", app.tmp_dir);
		unlink(owner);
		rmdir(app.tmp_dir);      /* the tmpfs one; empty once builds are done */
	}
	fleet_free(app.fleet);   /* flushes last-seen state */
	tls_release(&app.keys);
	db_close(&app.db);
	if (ret == 0)
		log_info("stopped");
	return ret;
}
