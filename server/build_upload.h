/* build_upload.h - the first stage of a build: the body of POST /build
** (JSON or multipart/form-data) read into files and options and validated,
** and the dedup key that makes an identical upload answer the existing build.
** Stages: build_upload -> build_queue -> build_workspace -> build_compile ->
** build_store (server/README.md). */
#ifndef BUILD_UPLOAD_H
#define BUILD_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lfsc.h"

#include "hash.h"
#include "store.h"

struct req;

#define UPLOAD_MAX_FILES 256
#define UPLOAD_NAME_MAX STORE_NAME_MAX

struct upload_file {
	char name[UPLOAD_NAME_MAX + 1];  /* validated: "x.lua", no path parts */
	char *data;                      /* owned */
	size_t len;
	char sha[HASH_HEX_LEN + 1];      /* of data, set by build_upload_finish() */
};

struct build_upload {
	struct upload_file files[UPLOAD_MAX_FILES];  /* sorted by name after finish */
	int nfiles;
	struct build_options opts;
	char dedup_key[HASH_HEX_LEN + 1];   /* names+hashes+options, set by finish */
};

/* Empty upload with the default options. */
void build_upload_init(struct build_upload *u);
/* Frees the file contents. */
void build_upload_release(struct build_upload *u);

/* Option ota_client: adds lfsd's NodeMCU OTA client from dir (borrowed):
** dir/lfsota.lua, and dir/_init.lua (the reference _init) when the upload has
** no _init.lua (device/nodemcu/README.md). Call after parsing, before
** build_upload_finish(). Returns 0 (also without the option), -1 with err
** (a 400: the upload already has such a file), or -2 with err when the
** files cannot be read (a 500, logged with where lfsd looked). */
int build_upload_add_client(struct build_upload *u, const char *dir, char *err,
                            size_t errsize);
#define UPLOAD_CLIENT_MAX (256 * 1024)   /* bytes of one client file */

/* Parses a JSON body {"files":{...},"options":{...}}. Returns 0, or -1 with
** a message in err (a 400). body borrowed. */
int build_upload_parse_json(struct build_upload *u, const char *body, size_t len,
                            char *err, size_t errsize);
/* Parses r's multipart/form-data body (http_form_parse): one part per file
** (its filename=), an optional part "options". Returns 0 or -1 with err. */
int build_upload_parse_multipart(struct build_upload *u, struct req *r, char *err,
                                 size_t errsize);
/* Checks there is at least one file, sorts them, hashes them and computes
** dedup_key. Returns 0 or -1 with err. */
int build_upload_finish(struct build_upload *u, char *err, size_t errsize);

/* A target name lfsd builds for ("nodemcu-lua53", "nodemcu-lua53-64",
** "nodemcu-lua51") as
** the image reader's enum (t may be NULL). Returns 0, or -1 if lfsd does not
** build for it. */
int build_upload_target(const char *name, enum lfsc_target *t);

/* The options as a JSON object as stored and shown (new reference). */
json_t *build_upload_options_json(const struct build_options *o);
/* Reads an options object (unknown keys rejected). Returns 0 or -1 + err. */
int build_upload_options_parse(struct build_options *o, json_t *j, char *err,
                               size_t errsize);

#endif
