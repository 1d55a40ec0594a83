/*
** fleet_seed.c - registers N devices straight into an lfsd database for the
** fleet benchmarks (the API would fsync each registration): ids
** "dev-0000001".."dev-N" (7 digits), channel CHANNEL, bearer key
** "bench-key-<i>" (i without padding), stored as lfsd stores keys: the hex
** SHA-256 of the key. tests/bench/ota_latest.lua derives the same ids and keys
** arithmetically.
** usage: fleet_seed DB N CHANNEL
*/
#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/sha256.h>
#include <sqlite3.h>

static void hex(const unsigned char *d, char *out)
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long n, i;
	int ret = 1;

	if (argc != 4 || (n = atol(argv[2])) <= 0 || n > 9999999) {
		fprintf(stderr, "usage: fleet_seed DB N(1..9999999) CHANNEL\n");
		return 2;
	}
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO devices (id, channel, key_sha256, created) "
	                       "VALUES (?, ?, ?, 0)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 1; i <= n; i++) {
		char id[16], key[32], kh[65];
		unsigned char d[32];
		int len = snprintf(key, sizeof key, "bench-key-%ld", i);

		snprintf(id, sizeof id, "dev-%07ld", i);
		mbedtls_sha256_ret((const unsigned char *)key, (size_t)len, d, 0);
		hex(d, kh);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, argv[3], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, kh, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		ret = 0;
out:
	if (ret)
		fprintf(stderr, "fleet_seed: %s\n", db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
