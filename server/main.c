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
#include "build_queue.h"
#include "build_workspace.h"
#include "dirlock.h"
#include "fleet.h"
#include "fsutil.h"
#include "hash.h"
#include "health.h"
#include "hex.h"
#include "http.h"
#include "log.h"

static struct config config;   /* the one global: set once from argv */

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

/* The first of n candidate paths that is a directory, made absolute into
** out (PATH_MAX bytes); 0, or -1 with out "" when none is. */
static int first_dir(char cand[][PATH_MAX + 32], int n, char *out)
{
	struct stat st;
	int i;

	for (i = 0; i < n; i++)
		if (realpath(cand[i], out) && !stat(out, &st) && S_ISDIR(st.st_mode))
			return 0;
	out[0] = '\0';
	return -1;
}

/* The dashboard's directory: --web-dir, else the first that exists of
** <prefix>/share/lfsd/web (an installed lfsd in <prefix>/bin), the checkout's
** web/ (a built lfsd in build/bin) and ./web. Sets app->web_dir, or "" with a
** warning that names where it looked. The NodeMCU client's files (option
** ota_client) the same way: --nodemcu-dir, else <prefix>/share/lfsd/nodemcu,
** then the checkout's device/nodemcu; app->client_dir, or "" with a warning. */
static void locate_web(struct app *app, const char *dir)
{
	char cand[3][PATH_MAX + 32];
	int n = 0;

	if (config.web_dir[0]) {
		snprintf(cand[n++], sizeof cand[0], "%s", config.web_dir);
	} else {
		snprintf(cand[n++], sizeof cand[0], "%s/../share/lfsd/web", dir);
		snprintf(cand[n++], sizeof cand[0], "%s/../../web", dir);
		snprintf(cand[n++], sizeof cand[0], "web");
	}
	if (first_dir(cand, n, app->web_dir) && config.web_dir[0])
		log_error("warning: --web-dir '%s' is not a directory; the dashboard (GET /) "
		          "answers 404", config.web_dir);
	else if (!app->web_dir[0])
		log_error("warning: no dashboard files found (looked in '%s', '%s' and './web'); "
		          "GET / answers 404 until --web-dir names them", cand[0], cand[1]);
	n = 0;
	if (config.nodemcu_dir[0]) {
		snprintf(cand[n++], sizeof cand[0], "%s", config.nodemcu_dir);
	} else {
		snprintf(cand[n++], sizeof cand[0], "%s/../share/lfsd/nodemcu", dir);
		snprintf(cand[n++], sizeof cand[1], "%s/../../device/nodemcu", dir);
	}
	if (first_dir(cand, n, app->client_dir) && config.nodemcu_dir[0])
		log_error("warning: --nodemcu-dir '%s' is not a directory; builds with the option "
		          "ota_client fail", config.nodemcu_dir);
	else if (!app->client_dir[0])
		log_error("warning: no NodeMCU client files found (looked in '%s' and '%s'); "
		          "builds with the option ota_client fail until --nodemcu-dir names them",
		          cand[0], cand[1]);
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
	if (fsutil_write_durable(config.admin_token_file, line, strlen(line), 0600))
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
	rc = store_setting_get(&app->store, "admin_token_sha256", hex, sizeof hex);
	if (rc == STORE_NOT_FOUND) {
		if (tls_random(&app->keys, raw, sizeof raw))
			return -1;
		hex_encode(raw, sizeof raw, tok);
		hash_sha256_hex(tok, strlen(tok), hex);
		/* shown before it is stored: a failure in between costs a token
		** nobody can use, never an admin locked out */
		rc = show_token(tok);
		if (rc == 0)
			rc = store_setting_set(&app->store, "admin_token_sha256", hex);
	}
	if (rc)
		return log_error("cannot read or store the admin token");
	if (!hash_is_hex64(hex) || hex_decode(hex, app->admin_hash, sizeof app->admin_hash))
		return log_error("stored admin token hash is malformed");
	return 0;
}

static int write_ports(const char *dir, const char *http, const char *https)
{
	char path[PATH_MAX], text[300];

	snprintf(path, sizeof path, "%s/ports", dir);
	snprintf(text, sizeof text, "http=%s\nhttps=%s\n", http, https);
	return fsutil_write_durable(path, text, strlen(text), 0644);
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

/* The room held back in DIR/reserve, so the last flush at shutdown can
** write on a full disk (fleet.h rule 2). */
#define RESERVE_BYTES (1 << 20)

static void reserve_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/reserve", config.data_dir);
}

/* Everything below the listeners, in order: data dir and its lock, store,
** blobs, workspaces, keys, admin token, fleet, build queue. Returns 0 or -1
** (logged; what was opened is closed by stop()). */
static int open_all(struct app *app)
{
	struct keystore_options ko;
	char path[PATH_MAX], err[300];

	if (fsutil_mkdir_p(config.data_dir, 0700))
		return -1;
	health_setup(config.data_dir);
	if (dirlock_take(config.data_dir, err, sizeof err) < 0)
		return log_error("%s", err);
	reserve_path(path, sizeof path);
	if (fsutil_reserve(path, RESERVE_BYTES))   /* a full disk: lfsd runs without it */
		log_error("warning: no room held back for the last flush at shutdown");
	if (store_open(&app->store, config.data_dir))
		return -1;
	snprintf(path, sizeof path, "%s/blobs", config.data_dir);
	if (blob_open(&app->blobs, path))
		return -1;
	app->blobs_open = 1;
	if (blob_sweep(&app->blobs, &app->store, NULL, NULL) ||   /* what a crash or delete left */
	    blob_scrubber_start(&app->blobs, &app->store, config.verify_interval))
		return -1;
	snprintf(path, sizeof path, "%s/tmp", config.data_dir);   /* older lfsd used it */
	build_workspace_clean(path);
	if (build_workspace_root_open(&app->workspaces, config.build_dir, config.data_dir) ||
	    tls_init(&app->keys))
		return -1;
	snprintf(path, sizeof path, "%s/tls", config.data_dir);
	if (tls_load_cert(&app->keys, path, config.tls_cert, config.tls_key))
		return -1;
	snprintf(path, sizeof path, "%s/keys", config.data_dir);
	ko.rotate_signing = config.rotate_signing_key;
	ko.rotate_manifest = config.rotate_manifest_key;
	if (keystore_open(&app->ks, path, &app->store, &ko) || admin_token(app))
		return -1;
	app->fleet = fleet_new(&app->store, config.poll_interval);
	if (!app->fleet)
		return -1;
	app->builds = build_queue_new(app, config.build_workers, config.queue_limit);
	return app->builds ? 0 : -1;
}

/* Starts both listeners and announces them. Returns 0 or -1 (logged). */
static int listen_all(struct app *app, struct http_listener **http,
                      struct http_listener **https)
{
	char http_addr[100], https_addr[100];
	int hport = 0, sport = 0;

	*http = http_start(app, config.listen_host, config.listen_port, 0, &hport);
	*https = *http ? http_start(app, config.tls_host, config.tls_port, 1, &sport) : NULL;
	if (!*http || !*https)
		return -1;
	snprintf(http_addr, sizeof http_addr, "%s:%d", config.listen_host, hport);
	snprintf(https_addr, sizeof https_addr, "%s:%d", config.tls_host, sport);
	if (write_ports(config.data_dir, http_addr, https_addr))
		return -1;
	atomic_store(&app->https_port, sport);
	log_info("listening http=%s https=%s data=%s builds=%s lfsc=%s web=%s nodemcu=%s",
	         http_addr, https_addr, config.data_dir, app->workspaces.dir, app->lfsc,
	         app->web_dir[0] ? app->web_dir : "(none)",
	         app->client_dir[0] ? app->client_dir : "(none)");
	return 0;
}

/* Writes the fleet's last seen and running images; when the store is full,
** once more after giving it the reserve. What still fails is logged. */
static void flush_fleet(struct app *app)
{
	char path[PATH_MAX];
	size_t n;

	if (!app->fleet || fleet_flush(app->fleet) == 0)
		return;
	reserve_path(path, sizeof path);
	if (unlink(path) == 0) {
		log_info("flush failed: retrying with the %d bytes of '%s' freed", RESERVE_BYTES,
		         path);
		fleet_flush(app->fleet);
	}
	if ((n = fleet_unflushed(app->fleet)))
		log_error("last seen and running image of %zu device%s not saved (the store "
		          "refused the writes above); each is set again by the device's next poll",
		          n, n == 1 ? "" : "s");
}

/* The ordered shutdown: stop accepting, let requests and queued builds
** finish, stop the listeners, flush device state, close the rest. */
static void stop(struct app *app, struct http_listener *http, struct http_listener *https)
{
	http_quiesce(http);
	http_quiesce(https);
	drain(app, config.build_timeout * 2 + 30);
	build_queue_stop(app->builds);
	http_stop(http);
	http_stop(https);
	build_queue_free(app->builds);
	build_workspace_root_close(&app->workspaces);   /* empty once builds are done */
	flush_fleet(app);
	fleet_free(app->fleet);
	tls_release(&app->keys);
	keystore_close(&app->ks);
	if (app->blobs_open)
		blob_close(&app->blobs);
	image_cache_release(&app->images);
	store_close(&app->store);
}

int main(int argc, char **argv)
{
	static struct app app;
	struct http_listener *http = NULL, *https = NULL;
	char err[300];
	sigset_t sigs;
	int sig, ret = 1;

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
	if (open_all(&app) == 0 && listen_all(&app, &http, &https) == 0) {
		sigwait(&sigs, &sig);
		log_info("signal %d: shutting down", sig);
		ret = 0;
	}
	stop(&app, http, https);
	if (ret == 0)
		log_info("stopped");
	return ret;
}
