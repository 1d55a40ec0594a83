/* store_builds.h - SQL for the builds and build_files tables. Every function
** takes the db lock itself. */
#ifndef STORE_BUILDS_H
#define STORE_BUILDS_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "hash.h"
#include "upload.h"

struct build_record {
	const struct upload *up;         /* borrowed: files (hashed), options, dedup key */
	char sha[HASH_HEX_LEN + 1];      /* image blob, durable before insert */
	long long size;
	uint32_t seed;                   /* what lfsc used */
	int64_t timestamp;
	char kind[16];
	long long flash_size;
	char *result_json;               /* borrowed: lfsc's --json object */
	char listing_sha[HASH_HEX_LEN + 1]; /* "" = none */
	long long queued_ms, compile_ms, total_ms;
};

/* Inserts a build and its files in one transaction. Returns the new id, 0 if
** a build with the same dedup key exists (*existing set), -1 on error. */
long long store_builds_insert(struct db *d, const struct build_record *b,
                              long long *existing);
/* Id of the build with this dedup key, 0 if none, -1 on error. */
long long store_builds_find(struct db *d, const char *dedup_key);
/* The build as the API shows it (new reference), NULL if absent. */
json_t *store_builds_get(struct db *d, long long id);
/* Up to limit builds with id < before (0 = newest), newest first (new ref). */
json_t *store_builds_list(struct db *d, int limit, long long before);
/* Image sha/size of a build; 0 found, 1 absent, -1 error. */
int store_builds_image(struct db *d, long long id, char sha[HASH_HEX_LEN + 1],
                       long long *size);
/* Blob sha of the listing (which = NULL) or of source file `name`; 0 found,
** 1 absent, -1 error. */
int store_builds_blob(struct db *d, long long id, const char *name,
                      char sha[HASH_HEX_LEN + 1]);

#endif
