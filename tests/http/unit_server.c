/*
** unit_server.c - cmocka unit tests of lfsd's parsers and rules that the HTTP
** tests reach only indirectly: Range parsing, upload name/option rules and the
** dedup key, the rollout bucket, identifiers, metrics text, the TLS ticket
** key rotation and the gate's per-address counts.
** Run by t0050-unit.t (CMOCKA_MESSAGE_OUTPUT=TAP).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "build_workspace.h"
#include "fleet.h"
#include "build_upload.h"
#include "fsutil.h"
#include "gate_addr.h"
#include "hex.h"
#include "ident.h"
#include "metrics.h"
#include "rollout.h"
#include "serve.h"
#include "tls_tickets.h"

static void range_cases(void **state)
{
	static const struct { const char *h; long long size; int rc; long long a, b; } c[] = {
		{ "bytes=100-199", 1000, 0, 100, 199 },
		{ "bytes=100-", 1000, 0, 100, 999 },
		{ "bytes=-50", 1000, 0, 950, 999 },
		{ "bytes=-5000", 1000, 0, 0, 999 },
		{ "bytes=0-0", 1000, 0, 0, 0 },
		{ "bytes=990-5000", 1000, 0, 990, 999 },
		{ "bytes=1000-", 1000, 1, 0, 0 },
		{ "bytes=1000-1001", 1000, 1, 0, 0 },
		{ "bytes=-0", 1000, 1, 0, 0 },
		{ "bytes=0-1,5-6", 1000, 1, 0, 0 },
		{ "bytes=9-3", 1000, -1, 0, 0 },
		{ "bytes=abc", 1000, -1, 0, 0 },
		{ "items=0-1", 1000, -1, 0, 0 },
		{ "bytes=-", 1000, -1, 0, 0 },
		{ "bytes=5-x", 1000, -1, 0, 0 },
		{ "bytes=0-", 0, 1, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		long long a = -1, b = -1;
		int rc = serve_parse_range(c[i].h, c[i].size, &a, &b);

		if (rc != c[i].rc)
			fail_msg("'%s': rc %d, expected %d", c[i].h, rc, c[i].rc);
		if (rc == 0 && (a != c[i].a || b != c[i].b))
			fail_msg("'%s': %lld-%lld, expected %lld-%lld", c[i].h, a, b, c[i].a, c[i].b);
	}
}

/* 0 if {"files":{name:"return 1"}} is accepted, else -1 with err. */
static int one_name(const char *name, char *err, size_t size)
{
	char body[512];
	struct build_upload *u = malloc(sizeof *u);
	int rc;

	snprintf(body, sizeof body, "{\"files\":{\"%s\":\"return 1\"}}", name);
	build_upload_init(u);
	rc = build_upload_parse_json(u, body, strlen(body), err, size);
	build_upload_release(u);
	free(u);
	return rc;
}

static void names(void **state)
{
	static const struct { const char *name; const char *err; } c[] = {
		{ "a.lua", NULL },
		{ "caf\\u00e9.lua", NULL },
		{ "with space.lua", NULL },
		{ "a.b.lua", NULL },
		{ "dir/a.lua", "path separator" },
		{ "..\\\\a.lua", "path separator" },
		{ "../a.lua", "path separator" },
		{ "..lua", "starts with '.'" },
		{ ".hidden.lua", "starts with '.'" },
		{ "a.txt", "does not end in .lua" },
		{ ".lua", "starts with '.'" },
		{ "lua", "does not end in .lua" },
		{ "a\\u0001.lua", "control character" },
		{ "", "1 to" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		int rc = one_name(c[i].name, err, sizeof err);

		if (!c[i].err && rc)
			fail_msg("'%s' refused: %s", c[i].name, err);
		if (c[i].err && (!rc || !strstr(err, c[i].err)))
			fail_msg("'%s': expected '%s', got rc %d '%s'", c[i].name, c[i].err, rc,
			         rc ? err : "");
	}
}

static void options(void **state)
{
	static const struct { const char *json; const char *err; } c[] = {
		{ "{}", NULL },
		{ "{\"target\":\"nodemcu-lua53-64\",\"strip\":true}", NULL },
		{ "{\"base_address\":\"0x40296000\",\"max_size\":65536}", NULL },
		{ "{\"base_address\":1076453376}", NULL },
		{ "{\"base_address\":null,\"max_size\":null,\"seed\":null,\"timestamp\":null}", NULL },
		{ "{\"seed\":4294967295,\"timestamp\":0}", NULL },
		{ "{\"seed\":4294967296}", "option 'seed'" },
		{ "{\"seed\":-1}", "option 'seed'" },
		{ "{\"timestamp\":-5}", "option 'timestamp'" },
		{ "{\"target\":\"lua54\"}", "option 'target'" },
		{ "{\"strip\":1}", "option 'strip'" },
		{ "{\"base_address\":\"zz\"}", "option 'base_address'" },
		{ "{\"base_address\":\"0x0\"}", "option 'base_address'" },
		{ "{\"max_size\":4095}", "multiple of 4096" },
		{ "{\"max_size\":\"4096\"}", "multiple of 4096" },
		{ "{\"fast\":true}", "unknown option 'fast'" },
		{ "[]", "JSON object" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct build_options o;
		json_t *j = json_loads(c[i].json, JSON_DECODE_ANY, NULL);
		int rc;

		assert_non_null(j);
		memset(&o, 0, sizeof o);
		rc = build_upload_options_parse(&o, j, err, sizeof err);
		json_decref(j);
		if (!c[i].err && rc)
			fail_msg("%s refused: %s", c[i].json, err);
		if (c[i].err && (!rc || !strstr(err, c[i].err)))
			fail_msg("%s: expected '%s', got rc %d '%s'", c[i].json, c[i].err, rc,
			         rc ? err : "");
	}
}

static void key_of(const char *body, char key[HASH_HEX_LEN + 1])
{
	struct build_upload *u = malloc(sizeof *u);
	char err[256];

	build_upload_init(u);
	assert_int_equal(build_upload_parse_json(u, body, strlen(body), err, sizeof err), 0);
	assert_int_equal(build_upload_finish(u, err, sizeof err), 0);
	memcpy(key, u->dedup_key, HASH_HEX_LEN + 1);
	assert_string_equal(u->files[0].name, "a.lua");   /* sorted by name */
	build_upload_release(u);
	free(u);
}

static void dedup_key(void **state)
{
	char k1[65], k2[65], k3[65], k4[65], k5[65];

	key_of("{\"files\":{\"b.lua\":\"return 2\",\"a.lua\":\"return 1\"}}", k1);
	key_of("{\"files\":{\"a.lua\":\"return 1\",\"b.lua\":\"return 2\"}}", k2);
	key_of("{\"files\":{\"a.lua\":\"return 1\",\"b.lua\":\"return 2\"},"
	       "\"options\":{\"target\":\"nodemcu-lua53\",\"strip\":false}}", k3);
	key_of("{\"files\":{\"a.lua\":\"return 1\",\"b.lua\":\"return 2\"},"
	       "\"options\":{\"strip\":true}}", k4);
	key_of("{\"files\":{\"a.lua\":\"return 1\",\"c.lua\":\"return 2\"}}", k5);
	assert_string_equal(k1, k2);     /* order of files does not matter */
	assert_string_equal(k1, k3);     /* defaults spelt out: same options */
	assert_string_not_equal(k1, k4); /* other options */
	assert_string_not_equal(k1, k5); /* other names, same contents */
}

static void empty_upload(void **state)
{
	struct build_upload *u = malloc(sizeof *u);
	char err[256];

	build_upload_init(u);
	assert_int_equal(build_upload_parse_json(u, "{\"files\":{}}", 12, err, sizeof err), 0);
	assert_int_equal(build_upload_finish(u, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty upload"));
	build_upload_release(u);
	free(u);
}

static void bucket(void **state)
{
	/* printf %s ID | sha256sum: first 8 hex digits as a number, modulo 100 */
	assert_int_equal(fleet_bucket("node-001"), 0);
	assert_int_equal(fleet_bucket("dev-1"), 98);
	assert_int_equal(fleet_bucket("a"), 10);
}

static void rollout_rule(void **state)
{
	/* newest first: 3 revoked, 2 active at 30 %, 1 paused */
	struct rollout_release r[3];
	uint8_t a[32], b[32];

	memset(r, 0, sizeof r);
	memset(a, 0xaa, sizeof a);
	memset(b, 0xbb, sizeof b);
	r[0].state = ROLLOUT_REVOKED;
	r[0].percent = 100;
	r[1].state = ROLLOUT_ACTIVE;
	r[1].percent = 30;
	memcpy(r[1].sha, b, 32);
	r[2].state = ROLLOUT_PAUSED;
	r[2].percent = 100;
	memcpy(r[2].sha, a, 32);
	assert_int_equal(rollout_pick(r, 3, 10, NULL), 1);   /* in the 30 % of release 2 */
	assert_int_equal(rollout_pick(r, 3, 29, a), 1);      /* 29 < 30 */
	assert_int_equal(rollout_pick(r, 3, 30, NULL), -1);  /* 30 is not < 30 */
	assert_int_equal(rollout_pick(r, 3, 50, a), 2);      /* stays on paused 1 */
	assert_int_equal(rollout_pick(r, 3, 50, b), -1);     /* paused 1 is only for those on it */
	assert_int_equal(rollout_pick(r, 0, 0, NULL), -1);
	r[1].percent = 0;
	assert_int_equal(rollout_pick(r, 3, 0, NULL), -1);   /* 0 % reaches nobody */
	assert_int_equal(rollout_bucket("dev-1"), fleet_bucket("dev-1"));
}

/* The inode of dir/name, 0 when absent. */
static ino_t inode(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return stat(p, &st) ? 0 : st.st_ino;
}

static void workspace_reuse(void **state)
{
	struct workspace_root root;
	struct workspace w;
	struct build_upload *u = malloc(sizeof *u);
	char err[256], root_dir[] = "/tmp/lfsd-unit-ws-XXXXXX";
	const char *one = "{\"files\":{\"a.lua\":\"return 1\",\"b.lua\":\"return 2\",\"c.lua\":\"return 3\"}}";
	const char *two = "{\"files\":{\"a.lua\":\"return 1\",\"b.lua\":\"return 22\",\"d.lua\":\"return 4\"}}";
	ino_t ia, ib;

	assert_non_null(mkdtemp(root_dir));
	assert_int_equal(build_workspace_root_open(&root, root_dir, "/nonexistent"), 0);
	build_workspace_init(&w);
	build_upload_init(u);
	assert_int_equal(build_upload_parse_json(u, one, strlen(one), err, sizeof err), 0);
	assert_int_equal(build_upload_finish(u, err, sizeof err), 0);
	assert_int_equal(build_workspace_fill(&w, &root, u), 0);
	ia = inode(w.dir, "a.lua");
	ib = inode(w.dir, "b.lua");
	assert_true(ia && ib && inode(w.dir, "c.lua"));
	build_upload_release(u);
	build_upload_init(u);
	assert_int_equal(build_upload_parse_json(u, two, strlen(two), err, sizeof err), 0);
	assert_int_equal(build_upload_finish(u, err, sizeof err), 0);
	assert_int_equal(build_workspace_fill(&w, &root, u), 0);
	assert_int_equal(inode(w.dir, "a.lua"), ia);        /* unchanged: not written again */
	assert_int_equal(inode(w.dir, "c.lua"), 0);         /* not in this upload: gone */
	assert_true(inode(w.dir, "d.lua") != 0);            /* new */
	{
		char p[PATH_MAX + 64], *data = NULL;
		size_t len;

		snprintf(p, sizeof p, "%s/b.lua", w.dir);
		assert_int_equal(fsutil_read_file(p, 100, &data, &len), 0);
		assert_string_equal(data, "return 22");         /* changed: written */
		free(data);
	}
	{   /* the workspace wiped under us (logind RemoveIPC on /dev/shm)... */
		const char *names[] = { "a.lua", "b.lua", "d.lua" };
		char p[PATH_MAX + 64];
		int i;

		for (i = 0; i < 3; i++) {
			snprintf(p, sizeof p, "%s/%s", w.dir, names[i]);
			unlink(p);
		}
		assert_int_equal(rmdir(w.dir), 0);
	}
	assert_int_equal(build_workspace_fill(&w, &root, u), 0);
	assert_true(inode(w.dir, "a.lua") != 0);            /* ...is made afresh */
	build_workspace_remove(&w);
	assert_int_equal(rmdir(root_dir), 0);              /* nothing left behind */
	build_upload_release(u);
	free(u);
}

static void identifiers(void **state)
{
	assert_true(ident_valid("stable"));
	assert_true(ident_valid("dev-001.a:b_c"));
	assert_false(ident_valid(""));
	assert_false(ident_valid(NULL));
	assert_false(ident_valid("a b"));
	assert_false(ident_valid("../x"));
	assert_false(ident_valid("x/y"));
	assert_false(ident_valid("0123456789012345678901234567890123456789012345678901234567890123456789"));
}

static void metrics_text(void **state)
{
	struct metrics *m = malloc(sizeof *m);
	const char *names[] = { "build", "healthz", NULL };
	char *text;

	metrics_init(m);
	metrics_request(m, 1, 200);
	metrics_request(m, 1, 200);
	metrics_request(m, 0, 599);
	metrics_request(m, 99, 404);
	metrics_build(m, METRICS_BUILD_OK, 0.3);
	text = metrics_render(m, names);
	assert_non_null(strstr(text, "lfsd_http_requests_total{route=\"healthz\",status=\"200\"} 2\n"));
	assert_non_null(strstr(text, "lfsd_http_requests_total{route=\"build\",status=\"other\"} 1\n"));
	assert_non_null(strstr(text, "lfsd_http_requests_total{route=\"none\",status=\"404\"} 1\n"));
	assert_non_null(strstr(text, "lfsd_build_duration_seconds_bucket{le=\"0.25\"} 0\n"));
	assert_non_null(strstr(text, "lfsd_build_duration_seconds_bucket{le=\"0.5\"} 1\n"));
	assert_non_null(strstr(text, "lfsd_build_duration_seconds_bucket{le=\"+Inf\"} 1\n"));
	assert_non_null(strstr(text, "lfsd_builds_total{outcome=\"ok\"} 1\n"));
	free(text);
	free(m);
}

static void hex_round_trip(void **state)
{
	static const uint8_t bytes[4] = { 0x00, 0x9f, 0xa0, 0xff };
	uint8_t back[4];
	char text[9];

	hex_encode(bytes, sizeof bytes, text);
	assert_string_equal(text, "009fa0ff");
	assert_int_equal(hex_decode(text, back, sizeof back), 0);
	assert_memory_equal(back, bytes, sizeof bytes);
	assert_int_equal(hex_decode("009FA0FF", back, sizeof back), 0);   /* either case */
	assert_memory_equal(back, bytes, sizeof bytes);
	assert_int_equal(hex_decode("009fa0f", back, sizeof back), -1);   /* too short */
	assert_int_equal(hex_decode("009fa0fg", back, sizeof back), -1);
	assert_int_equal(hex_decode(NULL, back, sizeof back), -1);
}

static void durable_files(void **state)
{
	char dir[] = "/tmp/lfsd-unit-XXXXXX", path[64], deep[96], *data = NULL;
	struct stat st;
	size_t len = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/f", dir);
	snprintf(deep, sizeof deep, "%s/a/b/c", dir);
	assert_int_equal(fsutil_read_file(path, 100, &data, &len), 1);   /* absent */
	assert_int_equal(fsutil_write_durable(path, "one", 3, 0600), 0);
	assert_int_equal(fsutil_write_durable(path, "second", 6, 0640), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(fsutil_read_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(data, "second");   /* NUL terminated */
	free(data);
	assert_int_equal(fsutil_read_file(path, 5, &data, &len), -1);   /* over max */
	assert_int_equal(fsutil_mkdir_p(deep, 0700), 0);
	assert_int_equal(fsutil_mkdir_p(deep, 0700), 0);                 /* exists: fine */
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	unlink(path);
	rmdir(deep);
	snprintf(deep, sizeof deep, "%s/a/b", dir);
	rmdir(deep);
	snprintf(deep, sizeof deep, "%s/a", dir);
	rmdir(deep);
	assert_int_equal(rmdir(dir), 0);   /* no temp file left behind */
}

/* Keys seal tickets at t0; the key is still found (as the previous one, 2)
** until the second rotation; a long quiet spell drops both at once. */
static void ticket_rotation(void **state)
{
	struct tls_tickets t;
	struct tls_ticket_key k0, k1, k, none;

	assert_int_equal(tls_tickets_init(&t, 10, 1000), 0);
	assert_int_equal(tls_tickets_current(&t, 1000, &k0), 0);
	assert_int_equal(tls_tickets_find(&t, 1009, k0.name, &k), 1);
	assert_memory_equal(&k, &k0, sizeof k);
	assert_int_equal(tls_tickets_current(&t, 1010, &k1), 0);   /* rotated */
	assert_memory_not_equal(k1.name, k0.name, sizeof k0.name);
	assert_int_equal(tls_tickets_find(&t, 1015, k0.name, &k), 2);
	assert_memory_equal(&k, &k0, sizeof k);
	assert_int_equal(tls_tickets_find(&t, 1015, k1.name, &k), 1);
	assert_int_equal(tls_tickets_find(&t, 1020, k0.name, &k), 0);   /* second rotation */
	assert_int_equal(tls_tickets_find(&t, 1020, k1.name, &k), 2);
	memset(&none, 0, sizeof none);
	assert_int_equal(tls_tickets_find(&t, 1020, none.name, &k), 0);
	assert_int_equal(tls_tickets_current(&t, 1020, &k1), 0);
	assert_int_equal(tls_tickets_find(&t, 1100, k1.name, &k), 0);   /* quiet: both gone */
	tls_tickets_release(&t);
}

static struct sockaddr *addr(struct sockaddr_storage *ss, const char *text)
{
	memset(ss, 0, sizeof *ss);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, text, &a->sin6_addr);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, text, &a->sin_addr);
	}
	return (struct sockaddr *)ss;
}

/* Counts per IPv4 address and per IPv6 /64, up to the limit, freed at zero. */
static void address_counts(void **state)
{
	struct gate_addrs a;
	struct sockaddr_storage s1, s2, s3, s4;
	int i;

	assert_int_equal(gate_addrs_init(&a, 8), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(gate_addrs_take(&a, addr(&s1, "10.0.0.1"), 3), 0);
	assert_int_equal(gate_addrs_take(&a, addr(&s1, "10.0.0.1"), 3), 1);
	assert_int_equal(gate_addrs_take(&a, addr(&s2, "10.0.0.2"), 3), 0);
	assert_int_equal(gate_addrs_count(&a, (struct sockaddr *)&s1), 3);
	gate_addrs_drop(&a, (struct sockaddr *)&s1);
	assert_int_equal(gate_addrs_count(&a, (struct sockaddr *)&s1), 2);
	assert_int_equal(gate_addrs_take(&a, addr(&s3, "2001:db8:1:2::1"), 2), 0);
	assert_int_equal(gate_addrs_take(&a, addr(&s4, "2001:db8:1:2:ffff::9"), 2), 0);
	assert_int_equal(gate_addrs_take(&a, addr(&s4, "2001:db8:1:2:abcd::1"), 2), 1);  /* same /64 */
	assert_int_equal(gate_addrs_take(&a, addr(&s4, "2001:db8:1:3::1"), 2), 0);       /* next /64 */
	gate_addrs_drop(&a, (struct sockaddr *)&s2);
	assert_int_equal(gate_addrs_count(&a, (struct sockaddr *)&s2), 0);
	gate_addrs_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_cases),
		cmocka_unit_test(names),
		cmocka_unit_test(options),
		cmocka_unit_test(dedup_key),
		cmocka_unit_test(empty_upload),
		cmocka_unit_test(bucket),
		cmocka_unit_test(rollout_rule),
		cmocka_unit_test(workspace_reuse),
		cmocka_unit_test(identifiers),
		cmocka_unit_test(metrics_text),
		cmocka_unit_test(hex_round_trip),
		cmocka_unit_test(durable_files),
		cmocka_unit_test(ticket_rotation),
		cmocka_unit_test(address_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
