/* upload.h - the body of POST /build: files and options, validated. */
#ifndef UPLOAD_H
#define UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "hash.h"

#define UPLOAD_MAX_FILES 256
#define UPLOAD_NAME_MAX 200

struct upload_file {
	char name[UPLOAD_NAME_MAX + 1];  /* validated: "x.lua", no path parts */
	char *data;                      /* owned */
	size_t len;
	char sha[HASH_HEX_LEN + 1];      /* of data, set by upload_finish() */
};

struct upload_options {
	char target[24];        /* "nodemcu-lua53" (default), "nodemcu-lua53-64" or
	                           "nodemcu-lua51" */
	int strip;
	int has_base;           /* absolute image at base (-a) */
	uint32_t base;
	uint32_t max_size;      /* 0 = none */
	int has_seed;
	uint32_t seed;
	int has_timestamp;
	int64_t timestamp;
};

struct upload {
	struct upload_file files[UPLOAD_MAX_FILES];  /* sorted by name after finish */
	int nfiles;
	struct upload_options opts;
	char dedup_key[HASH_HEX_LEN + 1];   /* names+hashes+options, set by finish */
};

void upload_init(struct upload *u);
void upload_release(struct upload *u);

/* Parses a JSON body {"files":{...},"options":{...}}. Returns 0, or -1 with
** a message in err (a 400). body borrowed. */
int upload_parse_json(struct upload *u, const char *body, size_t len,
                      char *err, size_t errsize);
/* Parses a multipart/form-data body with libmicrohttpd's PostProcessor
** (conn gives the Content-Type). Returns 0 or -1 with err (a 400). */
int upload_parse_multipart(struct upload *u, struct MHD_Connection *conn,
                           const char *body, size_t len, char *err, size_t errsize);
/* Checks there is at least one file, sorts them, hashes them and computes
** dedup_key. Returns 0 or -1 with err. */
int upload_finish(struct upload *u, char *err, size_t errsize);

/* The options as a JSON object as stored and shown (new reference). */
json_t *upload_options_json(const struct upload_options *o);
/* Reads an options object (unknown keys rejected). Returns 0 or -1 + err. */
int upload_options_parse(struct upload_options *o, json_t *j, char *err, size_t errsize);

#endif
