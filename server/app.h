/* app.h - the state of one running lfsd, passed to every handler. */
#ifndef APP_H
#define APP_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "blob.h"
#include "build_workspace.h"
#include "config.h"
#include "image_cache.h"
#include "keystore.h"
#include "metrics.h"
#include "store.h"
#include "tls.h"

struct build_queue;
struct fleet;

struct app {
	const struct config *cfg;     /* borrowed from main.c */
	struct store store;           /* builds, releases, devices (store.h) */
	struct blob_store blobs;      /* sources, images */
	int blobs_open;               /* blobs needs blob_close() */
	struct tls_keys keys;         /* HTTPS certificate, rng */
	struct keystore ks;           /* signing keys, manifest master key */
	atomic_int https_port;        /* the HTTPS listener's port (client configurations) */
	struct build_queue *builds;   /* owned; the build queue and its workers */
	struct fleet *fleet;          /* owned; devices and releases in memory */
	struct metrics metrics;       /* counters for /metrics */
	struct image_cache images;    /* build id -> image, for downloads */
	uint8_t admin_hash[32];       /* SHA-256 of the admin token */
	char lfsc[PATH_MAX];          /* compiler executable */
	char web_dir[PATH_MAX];       /* dashboard files; "" = none */
	char client_dir[PATH_MAX];    /* the NodeMCU OTA client's files (lfsota.lua,
	                              ** _init.lua) for "ota_client"; "" = none */
	struct workspace_root workspaces; /* where builds get their private directories */
	atomic_int inflight;          /* requests started and not completed */
};

#endif
