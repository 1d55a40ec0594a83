/* app.h - the state of one running lfsd, passed to every handler. */
#ifndef APP_H
#define APP_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "blob.h"
#include "config.h"
#include "db.h"
#include "image_cache.h"
#include "metrics.h"
#include "tls.h"

struct builder;
struct fleet;

struct app {
	const struct config *cfg;     /* borrowed from main.c */
	struct db db;                 /* builds, releases, devices */
	struct blob_store blobs;      /* sources, images, listings */
	struct tls_keys keys;         /* HTTPS certificate, signing key, rng */
	struct builder *builder;      /* owned; the lfsc job queue */
	struct fleet *fleet;          /* owned; devices and releases in memory */
	struct metrics metrics;       /* counters for /metrics */
	struct image_cache images;    /* build id -> image, for downloads */
	uint8_t admin_hash[32];       /* SHA-256 of the admin token */
	char lfsc[PATH_MAX];          /* compiler executable */
	char web_dir[PATH_MAX];       /* dashboard files; "" = none */
	char tmp_dir[PATH_MAX];       /* <data-dir>/tmp: private build directories */
	atomic_int inflight;          /* requests started and not completed */
};

#endif
