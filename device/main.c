/*
** main.c - the lfs-device command line: parses options into an
** agent_config and runs the agent. The only device file that exits.
*/
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "lfsd_version.h"
#include "nodemcu_device.h"
#include "tls.h"

static const char usage[] =
"usage: lfs-device --data DIR [--server https://HOST:PORT --device ID\n"
"                  (--key-file FILE | --key KEY | env LFS_DEVICE_KEY)\n"
"                  (--pin-sha256 HEX | --ca FILE) [--channel C] [--pubkey FILE]]\n"
"                  [--partition-size 0x40000] [--base 0x40296000] [--once]\n"
"                  [--boot-timeout S] [--poll-interval S] [--watchdog-ms MS]\n"
"                  [--download-tries N] [--power-cut-at N] [--reload IMAGE]\n"
"                  [--target nodemcu-lua53|nodemcu-lua51] [firmware options]\n"
"       lfs-device --client lua --data DIR [--lua 5.3|5.1] [firmware options]\n"
"                  [--partition-size ..] [--base ..] [--power-cut-at N] [--reload IMAGE]\n"
"       lfs-device --show-pin CERT.pem   (prints the value for --pin-sha256)\n"
"       lfs-device --help | --version\n"
"The NodeMCU device simulator and OTA agent (device/README.md).\n"
"\n"
"--client c (default): the C OTA agent polls --server itself and runs the image's\n"
"  `_init` on the emulated firmware, whose timers and sockets run while it waits.\n"
"  It checks lfsd's signed manifests (server/README.md): --key-file (or\n"
"  LFS_DEVICE_KEY) keeps the device key out of `ps`; --channel C refuses\n"
"  manifests of another channel; --pubkey FILE pins lfsd's signing key\n"
"  (default: fetched once over the pinned connection, DIR/pubkey.pem).\n"
"--client lua: an emulated NodeMCU board (device/README.md): it loads the LFS,\n"
"  runs init.lua from SPIFFS (DIR/spiffs/) with the firmware's net, tls, file,\n"
"  node, tmr, crypto, encoder and rtcmem modules, and its OTA client is Lua code.\n"
"--lua 5.3|5.1        the firmware port (the same as --target nodemcu-lua53|51)\n"
"Firmware options (both clients):\n"
"  --heap BYTES       Lua heap cap (node.heap() = cap - use; 0 = no cap)\n"
"  --watchdog-ms MS   a task running longer resets the chip (default 5000)\n"
"  --rx-chunk X       receive pbufs of 1460 bytes (default), of N bytes (1..1460),\n"
"                     or random sizes in random bursts\n"
"  --seed N           seed of the random receive chunking (repeatable runs)\n"
"  --modules LIST     firmware modules built in, e.g. file,net,node,tmr\n"
"  --spiffs-size N    SPIFFS bytes (default 0x100000)\n"
"  --port-offset N    a net server on device port P listens on 127.0.0.1:P+N\n"
"                     (default 0); 'any': on a free port. DIR/ports has the map\n"
"  --until TEXT       switch off once the console prints a line containing TEXT\n"
"  --run-for S        switch off after S seconds (the board's run also ends when\n"
"                     nothing is left to do; with --once the C agent's firmware\n"
"                     runs on after its cycle until then)\n"
"  --reset            this start is the reset pin (RTC memory kept), not power-on\n"
"  --reload IMAGE     node.LFS.reload(IMAGE) typed on the console before boot\n";

enum kind { STR, U32, LONG, INT, FLAG, TARGET };

struct opt {
	const char *name;
	enum kind kind;
	size_t offset;   /* into struct agent_config */
};

#define O(n, k, f) { n, k, offsetof(struct agent_config, f) }
static const struct opt opts[] = {
	O("--server", STR, server),          O("--device", STR, device),
	O("--key", STR, key),                O("--pin-sha256", STR, pin),
	O("--key-file", STR, key_file),      O("--channel", STR, channel),
	O("--ca", STR, ca),                  O("--pubkey", STR, pubkey),
	O("--data", STR, data),              O("--reload", STR, reload),
	O("--partition-size", U32, part_size), O("--base", U32, base),
	O("--power-cut-at", LONG, power_cut_at), O("--once", FLAG, once),
	O("--boot-timeout", LONG, boot_timeout), O("--poll-interval", LONG, poll_interval),
	O("--watchdog-ms", LONG, watchdog_ms), O("--download-tries", INT, download_tries),
	O("--client", STR, client),          O("--lua", STR, nodemcu.lua),
	O("--heap", LONG, nodemcu.heap),     O("--rx-chunk", STR, nodemcu.rx),
	O("--until", STR, nodemcu.until),    O("--run-for", LONG, nodemcu.run_for),
	O("--modules", STR, nodemcu.modules), O("--spiffs-size", U32, nodemcu.spiffs_size),
	O("--reset", FLAG, nodemcu.reset),   O("--seed", U32, nodemcu.seed),
	O("--target", TARGET, target),      O("--port-offset", STR, nodemcu.port_offset),
	{ NULL, FLAG, 0 }
};

static int parse_number(const char *name, const char *text, unsigned long long max,
			unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 0);
	if (errno || end == text || *end || *out > max || text[0] == '-') {
		fprintf(stderr, "lfs-device: %s: '%s' is not a number in 0..%llu\n", name, text,
			max);
		return -1;
	}
	return 0;
}

/* --lua names the port the way --target does: they must agree; --port-offset
** is a number or "any". */
static int port_options(struct agent_config *c)
{
	const char *lua = c->nodemcu.lua, *o = c->nodemcu.port_offset;
	enum lfsc_target t;
	char *end;

	if (lua) {
		if (strcmp(lua, "5.3") && strcmp(lua, "5.1")) {
			fprintf(stderr, "lfs-device: --lua: '%s' is not 5.3 or 5.1\n", lua);
			return -1;
		}
		t = !strcmp(lua, "5.1") ? LFSC_TARGET_LUA51 : LFSC_TARGET_LUA53;
		if (c->target_set && c->target != t) {
			fprintf(stderr, "lfs-device: --lua %s and --target %s disagree\n", lua,
				lfsc_target_name(c->target));
			return -1;
		}
		c->target = t;
	}
	if (o && strcmp(o, "any") && (strtol(o, &end, 10), *end || !*o)) {
		fprintf(stderr, "lfs-device: --port-offset: '%s' is not a number or 'any'\n", o);
		return -1;
	}
	return 0;
}

/* The device key: --key, --key-file FILE (its first line) or the
** environment's LFS_DEVICE_KEY, so that it need not be on the command line
** (where `ps` shows it). buf holds a key read from a file. */
static int device_key(struct agent_config *c, char *buf, size_t size)
{
	FILE *f;
	size_t n;

	if (c->key && c->key_file) {
		fprintf(stderr, "lfs-device: give the key once: --key or --key-file\n");
		return -1;
	}
	if (!c->key_file) {
		if (!c->key && getenv("LFS_DEVICE_KEY") && *getenv("LFS_DEVICE_KEY"))
			c->key = getenv("LFS_DEVICE_KEY");
		return 0;
	}
	f = fopen(c->key_file, "r");
	if (!f || !fgets(buf, (int)size, f)) {
		fprintf(stderr, "lfs-device: --key-file: cannot read '%s': %s\n", c->key_file,
			f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (!n) {
		fprintf(stderr, "lfs-device: --key-file: '%s' holds no key\n", c->key_file);
		return -1;
	}
	c->key = buf;
	return 0;
}

int main(int argc, char **argv)
{
	static char keybuf[512];
	struct agent_config cfg;
	struct dev_error err;
	unsigned long long v;
	int i;

	agent_config_init(&cfg);
	dev_error_clear(&err);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("lfs-device %s (NodeMCU device simulator; Lua 5.3.6 and 5.1.5)\n",
		       LFSD_VERSION);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--show-pin")) {
		char hex[65];
		if (tls_cert_pin(argv[2], hex, &err)) {
			fprintf(stderr, "lfs-device: %s\n", err.text);
			return 1;
		}
		printf("%s\n", hex);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		const struct opt *o;
		char *field;
		for (o = opts; o->name && strcmp(o->name, argv[i]); o++)
			;
		if (!o->name) {
			fprintf(stderr, "lfs-device: unknown option '%s'\n%s", argv[i], usage);
			return 2;
		}
		field = (char *)&cfg + o->offset;
		if (o->kind == FLAG) {
			*(int *)field = 1;
			continue;
		}
		if (++i >= argc) {
			fprintf(stderr, "lfs-device: %s needs a value\n%s", o->name, usage);
			return 2;
		}
		if (o->kind == STR) {
			*(const char **)field = argv[i];
			continue;
		}
		if (o->kind == TARGET) {
			/* the simulator runs the 32-bit 5.3 port and the 5.1 port */
			if (lfsc_target_parse(argv[i], (enum lfsc_target *)field) ||
			    *(enum lfsc_target *)field == LFSC_TARGET_LUA53_64) {
				fprintf(stderr, "lfs-device: --target: '%s' is not nodemcu-lua53 "
					"or nodemcu-lua51\n", argv[i]);
				return 2;
			}
			cfg.target_set = 1;
			continue;
		}
		if (parse_number(o->name, argv[i], o->kind == U32 ? 0xFFFFFFFFull : 0x7FFFFFFFull,
				 &v))
			return 2;
		if (o->kind == U32)
			*(uint32_t *)field = (uint32_t)v;
		else if (o->kind == LONG)
			*(long *)field = (long)v;
		else
			*(int *)field = (int)v;
	}
	if (!cfg.data) {
		fprintf(stderr, "lfs-device: --data DIR is required\n%s", usage);
		return 2;
	}
	if (cfg.client && strcmp(cfg.client, "c") && strcmp(cfg.client, "lua")) {
		fprintf(stderr, "lfs-device: --client must be c or lua\n");
		return 2;
	}
	if (port_options(&cfg) || device_key(&cfg, keybuf, sizeof keybuf))
		return 2;
	if (cfg.client && !strcmp(cfg.client, "lua") ? nodemcu_device_run(&cfg, &err)
						      : agent_run(&cfg, &err)) {
		fprintf(stderr, "lfs-device: %s\n", err.text);
		return 1;
	}
	return 0;
}
