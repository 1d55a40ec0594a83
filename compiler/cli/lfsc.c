/*
** lfsc.c - the lfsc command: a drop-in for NodeMCU's luac.cross (lfs-format.md
** §A1; §B1 with --target nodemcu-lua51) plus --target, --seed, --timestamp,
** --json, --inspect and an enforced -m. The only compiler file that touches
** stdio or exits.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "lfsc.h"
#include "lfsc_image.h"
#include "lfsd_version.h"

#define DEFAULT_OUTPUT "luac.cross.out"
#define DEFAULT_OUTPUT51 "luac.out"         /* §B1 */

struct cli {
	const char *progname;
	const char *output;          /* NULL until -o: the target's default */
	const char *image_in;        /* -F */
	const char *inspect;         /* --inspect */
	const char *address;         /* -a as given, checked for the target */
	int lfs, absolute, list, parse_only, version, json, have_max;
	struct lfsc_options opt;
	int nfiles;
	char **files;                /* NULL entry = standard input */
};

static const struct cli *g;      /* for fatal(): the one global of this driver */

/* Prints the usage text to out. */
static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: %s [options] [filenames]\n"
		"Available options are:\n"
		"  -f       output a flash image file (relocatable LFS image)\n"
		"  -a addr  generate an absolute image at mapped address addr (implies -f);\n"
		"           from sources, or from an image given with -F\n"
		"  -F img   relocatable LFS image to convert with -a\n"
		"  -m size  maximum flash size of the LFS image (implies -f; checked)\n"
		"  -i       generate the module-index main also for .lc output\n"
		"  -l       list (use -l -l for full listing)\n"
		"  -o name  output to file 'name' (default is \"%s\";\n"
		"           \"" DEFAULT_OUTPUT51 "\" for nodemcu-lua51)\n"
		"  -p       parse only\n"
		"  -s       strip debug information\n"
		"  -v       show version information\n"
		"  --target nodemcu-lua53|nodemcu-lua53-64|nodemcu-lua51   firmware port\n"
		"  --seed N       string-hash seed, 0..4294967295 (default: derived from the inputs)\n"
		"  --timestamp N  compile time (default: $SOURCE_DATE_EPOCH, else now)\n"
		"  --json         print one JSON object describing the result or error\n"
		"  --inspect img  describe (and validate) an image\n"
		"  --       stop handling options\n"
		"  -        stop handling options and process stdin\n"
		"  --help   this text (on stdout)\n"
		"  --version  lfsc's version (on stdout)\n",
		g->progname, DEFAULT_OUTPUT);
}

/* A usage error: the message and the usage on stderr, then exit(status). */
static void vusage(int status, const char *fmt, va_list ap) __attribute__((noreturn));
static void vusage(int status, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", g->progname);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	print_usage(stderr);
	exit(status);
}

/* A bad option value or combination: exit 1, as luac.cross (§A1.4). */
static void usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(EXIT_FAILURE, fmt, ap);
}

/* An option lfsc does not know: exit 2 (luac.cross exits 1), like lfsd and
** lfs-device, so scripts can tell a misspelt option from a failed build. */
static void unknown_option(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void unknown_option(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(2, fmt, ap);
}

static const char *error_code(int code)
{
	switch (code) {
	case LFSC_ERR_SYNTAX: return "compile_error";
	case LFSC_ERR_MEM: return "memory";
	case LFSC_ERR_IO: return "io";
	case LFSC_ERR_LIMIT: return "limit";
	case LFSC_ERR_FORMAT: return "format";
	default: return "usage";
	}
}

/* Prints the error as luac.cross does (stderr), or as one JSON object. */
static void fatal_error(int code, const struct lfsc_error *e) __attribute__((noreturn));
static void fatal_error(int code, const struct lfsc_error *e)
{
	char msg[400];

	lfsc_error_format(e, msg, sizeof msg);
	if (g->json) {
		json_t *err = json_pack("{s:s, s:s}", "code", error_code(code), "message", msg);
		if (code == LFSC_ERR_SYNTAX && e->source[0]) {
			json_object_set_new(err, "file", json_string(e->source));
			json_object_set_new(err, "line", json_integer(e->line));
			json_object_set_new(err, "text", json_string(e->text));
		}
		json_t *o = json_pack("{s:b, s:o}", "ok", 0, "error", err);
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	}
	fprintf(stderr, "%s: %s\n", g->progname, msg);
	exit(EXIT_FAILURE);
}

static void fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void fatal(int code, const char *fmt, ...)
{
	struct lfsc_error e;
	va_list ap;

	memset(&e, 0, sizeof e);
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof e.text, fmt, ap);
	va_end(ap);
	fatal_error(code, &e);
}

/* an unsigned 32-bit option value, decimal or 0x hex; anything else
** (a sign, trailing text, a value that does not fit) is a usage error */
static uint32_t number32(const char *s, const char *opt)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || strchr(s, '-') || v > 0xffffffffull)
		usage("'%s' needs a number from 0 to 4294967295, not '%s'", opt, s);
	return (uint32_t)v;
}

static int64_t number64(const char *s, const char *opt)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || *end || end == s)
		usage("'%s' needs a number", opt);
	return v;
}

/* §A1.1-A1.2: left to right; the first non-option ends the options */
static int parse_args(struct cli *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-')
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-")) {
			break;
		} else if (!strcmp(a, "-f")) {
			c->lfs = 1;
		} else if (!strcmp(a, "-a")) {
			if (++i >= argc)
				usage("\"-a\" absolute address must be valid flash address");
			c->address = argv[i];
			c->absolute = c->lfs = 1;
		} else if (!strcmp(a, "-F")) {
			if (++i >= argc || !argv[i][0] || argv[i][0] == '-')
				usage("\"-F\" needs an LFS image file argument");
			c->image_in = argv[i];
		} else if (!strcmp(a, "-m")) {
			uint32_t m;
			if (++i >= argc)
				usage("\"-m\" maximum size must be a multiple of 4,096");
			m = (uint32_t)strtoul(argv[i], NULL, 0);
			c->opt.max_size = m;
			c->have_max = c->lfs = 1;
		} else if (!strcmp(a, "-s")) {
			c->opt.strip = 1;
		} else if (!strcmp(a, "-i")) {
			c->opt.module_index = 1;
		} else if (!strcmp(a, "-o")) {
			if (++i >= argc || !argv[i][0])
				usage("'-o' needs argument");
			c->output = argv[i];
		} else if (!strcmp(a, "-l")) {
			c->list++;
		} else if (!strcmp(a, "-p")) {
			c->parse_only = 1;
		} else if (!strcmp(a, "-v")) {
			c->version = 1;
		} else if (!strcmp(a, "-e")) {
			fatal(LFSC_ERR_USAGE, "'-e' is not supported: lfsc has no host LFS "
			      "emulation (run the image with lfs-device)");
		} else if (!strcmp(a, "--target")) {
			if (++i >= argc || lfsc_target_parse(argv[i], &c->opt.target))
				usage("'--target' needs nodemcu-lua53, nodemcu-lua53-64 or "
				      "nodemcu-lua51");
		} else if (!strcmp(a, "--seed")) {
			if (++i >= argc)
				usage("'--seed' needs a number");
			c->opt.seed = number32(argv[i], "--seed");
			c->opt.has_seed = 1;
		} else if (!strcmp(a, "--timestamp")) {
			if (++i >= argc)
				usage("'--timestamp' needs a number");
			c->opt.timestamp = number64(argv[i], "--timestamp");
		} else if (!strcmp(a, "--json")) {
			c->json = 1;
		} else if (!strcmp(a, "--inspect")) {
			if (++i >= argc)
				usage("'--inspect' needs an image file argument");
			c->inspect = argv[i];
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_usage(stdout);
			exit(EXIT_SUCCESS);
		} else if (!strcmp(a, "--version")) {
			printf("lfsc %s (luac.cross engine for NodeMCU LFS; Lua 5.3.6, Lua 5.1.5)\n",
			       LFSD_VERSION);
			exit(EXIT_SUCCESS);
		} else {
			unknown_option("unrecognized option '%s'", a);
		}
	}
	return i;
}

/* the checks that depend on the target, once all options are read */
static void check_args(struct cli *c)
{
	int lua51 = c->opt.target == LFSC_TARGET_LUA51;

	if (c->address) {
		/* §A1.2: 0x40200001..0x40300000; §B1: 0x40210000..0x40310000 */
		uint32_t addr = (uint32_t)strtoul(c->address, NULL, 0);
		uint32_t off = addr - (lua51 ? 0x40210000u : 0x40200000u);
		if (lua51 ? off > 0x100000u : !(off > 0 && off <= 0x100000u))
			usage(lua51 ? "'-a' absolute address must be valid flash address"
				    : "\"-a\" absolute address must be valid flash address");
		c->opt.base_address = addr;
	}
	if (c->have_max && (c->opt.max_size & 0xfff))
		usage(lua51 ? "'-m' maximum size must be a multiple of 4,096"
			    : "\"-m\" maximum size must be a multiple of 4,096");
	/* §A1.2: the 5.3 port takes no '-'-prefixed name after -o; the 5.1 port
	** takes any non-empty one (§B1) */
	if (c->output && !lua51 && c->output[0] == '-' && c->output[1])
		usage("'-o' needs argument");
	if (!c->output)
		c->output = lua51 ? DEFAULT_OUTPUT51 : DEFAULT_OUTPUT;
}

/* reads a whole file (NULL = stdin); returns NULL and sets errno on failure */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = path ? fopen(path, "rb") : stdin;
	char *data = NULL, *d;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (!(d = realloc(data, cap))) {
				free(data);
				data = NULL;
				break;
			}
			data = d;
		}
		r = fread(data + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (data && ferror(f)) {
		free(data);
		data = NULL;
	}
	if (path)
		fclose(f);
	*len = n;
	return data;
}

static void write_output(const struct cli *c, const struct lfsc_buffer *b)
{
	int to_stdout = !strcmp(c->output, "-");
	FILE *f = to_stdout ? stdout : fopen(c->output, "wb");

	if (!f)
		fatal(LFSC_ERR_IO, "cannot open %s: %s", c->output, strerror(errno));
	if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
		fatal(LFSC_ERR_IO, "cannot write %s: %s", c->output, strerror(errno));
	if (to_stdout ? fflush(f) : fclose(f))
		fatal(LFSC_ERR_IO, "cannot close %s: %s", c->output, strerror(errno));
}

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
}

static const char *kind_name(enum lfsc_output k)
{
	return k == LFSC_OUT_IMAGE ? "image" : k == LFSC_OUT_LC ? "lc"
	       : k == LFSC_OUT_ABSOLUTE ? "absolute" : "none";
}

static void report(const struct cli *c, struct lfsc_compiler *lc, enum lfsc_output kind)
{
	const struct lfsc_build_info *in = lfsc_info(lc);
	json_t *mods = json_array(), *warns = json_array();
	int i;

	for (i = 0; i < in->nmodules; i++)
		json_array_append_new(mods, json_pack("{s:s, s:s, s:I, s:I, s:i}",
			"name", in->modules[i].name, "file", in->modules[i].file,
			"image_bytes", (json_int_t)in->modules[i].image_bytes,
			"flash_bytes", (json_int_t)in->modules[i].flash_bytes,
			"functions", in->modules[i].functions));
	for (i = 0; i < in->nwarnings; i++)
		json_array_append_new(warns, json_pack("{s:s, s:i, s:s}",
			"file", in->warnings[i].source, "line", in->warnings[i].line,
			"message", in->warnings[i].text));
	print_json(json_pack("{s:b, s:s?, s:s, s:s, s:I, s:I, s:I, s:I, s:o, "
			     "s:{s:i, s:i, s:i}, s:o}",
		"ok", 1, "output", c->parse_only ? NULL : c->output, "kind", kind_name(kind),
		"target", lfsc_target_name(c->opt.target),
		"image_size", (json_int_t)in->image_size, "flash_size", (json_int_t)in->flash_size,
		"seed", (json_int_t)in->seed, "timestamp", (json_int_t)in->timestamp,
		"modules", mods, "strings", "vector", in->strings_vector,
		"short", in->strings_short, "long", in->strings_long, "warnings", warns));
}

/* -l on an image: its listing on stdout */
static void list_image(const struct lfsc_image *img, int level)
{
	struct lfsc_buffer l;

	lfsc_buffer_init(&l);
	if (!lfsc_image_list(img, level, &l))
		fwrite(l.data, 1, l.len, stdout);
	lfsc_buffer_release(&l);
}

/* an image file of either port, relocatable or absolute (by its signature) */
static struct lfsc_image *load_image(const char *path)
{
	struct lfsc_image *img = NULL;
	struct lfsc_error e;
	size_t len;
	char *data = slurp(path, &len);
	uint32_t sig = 0;
	int ret;

	if (!data)
		fatal(LFSC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	memset(&e, 0, sizeof e);
	if (len >= 4)
		sig = (uint32_t)(uint8_t)data[0] | (uint32_t)(uint8_t)data[1] << 8 |
		      (uint32_t)(uint8_t)data[2] << 16 | (uint32_t)(uint8_t)data[3] << 24;
	if (sig == LFSC_FLASH_SIG || (sig & ~1u) == 0xfafaa154u)
		ret = lfsc_image_read_absolute(data, len, &img, &e);
	else
		ret = lfsc_image_read(data, len, &img, &e);
	free(data);
	if (ret) {
		char msg[300];
		lfsc_error_format(&e, msg, sizeof msg);
		fatal(ret, "%s: %s", path, msg);
	}
	return img;
}

static const char *kind_of(const struct lfsc_image_info *in)
{
	if (in->absolute)
		return in->target == LFSC_TARGET_LUA51 ? "absolute LFS image (Lua 5.1 port)"
						       : "absolute LFS image (Lua 5.3 port)";
	return in->target == LFSC_TARGET_LUA51 ? "LFS image (gzip, Lua 5.1 port)"
					       : "LFS image (format 11)";
}

static void inspect_text(const struct cli *c, const struct lfsc_image_info *in)
{
	char when[64] = "";
	time_t t = (time_t)in->timestamp;
	struct tm tm;
	int i;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s: %s, target %s\n", c->inspect, kind_of(in), lfsc_target_name(in->target));
	if (in->absolute)
		printf("  address     0x%08x\n", in->base_address);
	printf("  size        %zu bytes%s\n", in->size,
	       in->trailing ? " (plus trailing bytes, ignored)" : "");
	printf("  flash size  %zu bytes (%zu KB) when loaded\n", in->flash_size,
	       (in->flash_size + 1023) / 1024);
	if (in->target != LFSC_TARGET_LUA51)
		printf("  seed        0x%08x\n", in->seed);
	printf("  timestamp   %lld (%s)\n", (long long)in->timestamp, when);
	if (in->target == LFSC_TARGET_LUA51)
		printf("  strings     %d in the ROstrt, %d buckets\n", in->nstrings,
		       in->rostrt_size);
	else if (in->absolute)
		printf("  strings     %d short in the ROstrt, %d buckets\n", in->ns,
		       in->rostrt_size);
	else
		printf("  strings     %d in the image; %d short, %d long in all; longest %d\n",
		       in->nstrings, in->ns, in->nl, in->maxlen);
	printf("  functions   %d, constants %d, code %zu bytes\n", in->nfunctions,
	       in->nconstants, in->code_bytes);
	printf("  modules     %d\n", in->nmodules);
	for (i = 0; i < in->nmodules; i++)
		printf("    %-24s %8zu bytes %5d functions\n", in->modules[i].name,
		       in->modules[i].image_bytes, in->modules[i].functions);
}

static int inspect(const struct cli *c)
{
	struct lfsc_image *img = load_image(c->inspect);
	const struct lfsc_image_info *in = lfsc_image_get_info(img);
	int i;

	if (c->json) {
		json_t *mods = json_array();
		for (i = 0; i < in->nmodules; i++)
			json_array_append_new(mods, json_pack("{s:s, s:I, s:i}",
				"name", in->modules[i].name,
				"image_bytes", (json_int_t)in->modules[i].image_bytes,
				"functions", in->modules[i].functions));
		print_json(json_pack("{s:b, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:o, "
				     "s:{s:i, s:i, s:i, s:i, s:i}, s:i, s:i, s:I}",
			"ok", 1, "file", c->inspect, "target", lfsc_target_name(in->target),
			"absolute", in->absolute, "base_address", (json_int_t)in->base_address,
			"image_size", (json_int_t)in->size, "trailing", (json_int_t)in->trailing,
			"flash_size", (json_int_t)in->flash_size, "seed", (json_int_t)in->seed,
			"timestamp", (json_int_t)in->timestamp, "modules", mods,
			"strings", "vector", in->nstrings, "short", in->ns, "long", in->nl,
			"maxlen", in->maxlen, "buckets", in->rostrt_size,
			"functions", in->nfunctions,
			"constants", in->nconstants, "code_bytes", (json_int_t)in->code_bytes));
	} else {
		inspect_text(c, in);
		if (c->list)
			list_image(img, c->list);
	}
	lfsc_image_free(img);
	return 0;
}

/* -F IMG -a ADDR: convert a relocatable image to an absolute one (§A5.1;
** for 5.1 the relocated image with the absolute bit, §B1) */
static int convert(const struct cli *c)
{
	struct lfsc_image *img = load_image(c->image_in);
	struct lfsc_buffer out;
	struct lfsc_error e;
	int ret;

	lfsc_buffer_init(&out);
	memset(&e, 0, sizeof e);
	ret = lfsc_image_flash(img, c->opt.base_address, c->opt.max_size, &out, &e);
	if (ret)
		fatal_error(ret, &e);
	if (lfsc_image_get_info(img)->target == LFSC_TARGET_LUA51)
		out.data[0] |= 0x01;         /* §B1: the absolute image's signature bit */
	if (c->list)
		list_image(img, c->list);
	write_output(c, &out);
	if (c->json) {
		const struct lfsc_image_info *in = lfsc_image_get_info(img);
		print_json(json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "ok", 1,
			"output", c->output, "kind", "absolute",
			"target", lfsc_target_name(in->target), "image_size", (json_int_t)in->size,
			"flash_size", (json_int_t)out.len, "seed", (json_int_t)in->seed,
			"timestamp", (json_int_t)in->timestamp));
	}
	lfsc_buffer_release(&out);
	lfsc_image_free(img);
	return 0;
}

/* §B1: the 5.1 port prints the image size of -f and -a builds, before the -m
** check; not into an image written to stdout */
static void image_size(const struct cli *c, struct lfsc_compiler *lc, enum lfsc_output kind,
		       int ret)
{
	if (c->opt.target == LFSC_TARGET_LUA51 && kind != LFSC_OUT_LC && !c->parse_only &&
	    lfsc_info(lc)->flash_size && (!ret || ret == LFSC_ERR_LIMIT))
		fprintf(c->json || !strcmp(c->output, "-") ? stderr : stdout, "Image size: %zu\n",
			lfsc_info(lc)->flash_size);
}

static void warnings(const struct cli *c, struct lfsc_compiler *lc)
{
	int i;

	for (i = 0; i < lfsc_info(lc)->nwarnings; i++) {
		char msg[300];
		lfsc_error_format(&lfsc_info(lc)->warnings[i], msg, sizeof msg);
		fprintf(stderr, "%s: warning: %s\n", c->progname, msg);
	}
}

int main(int argc, char **argv)
{
	struct cli c;
	struct lfsc_compiler *lc;
	struct lfsc_buffer out;
	struct lfsc_error e;
	enum lfsc_output kind;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int first, i, ret;

	memset(&c, 0, sizeof c);
	g = &c;
	c.progname = argv[0] && argv[0][0] ? argv[0] : "lfsc";
	lfsc_options_init(&c.opt);
	c.opt.timestamp = sde && *sde ? strtoll(sde, NULL, 10) : (int64_t)time(NULL);
	first = parse_args(&c, argc, argv);
	check_args(&c);
	if (c.version) {
		if (c.opt.target == LFSC_TARGET_LUA51)
			printf("Lua 5.1.4  Copyright (C) 1994-2011 Lua.org, PUC-Rio\n");
		else
			printf("Lua 5.3.6  Copyright (C) 1994-2020 Lua.org, PUC-Rio\n");
		if (argc == 2 || (argc == 4 && c.opt.target == LFSC_TARGET_LUA51))
			return 0;
	}
	if (c.inspect)
		return inspect(&c);
	c.nfiles = argc - first;
	c.files = argv + first;
	if (c.image_in && c.absolute && c.nfiles == 0)
		return convert(&c);
	if (c.image_in && c.nfiles == 0) {
		/* without -a: validate the image, and list it with -l (luac.cross
		** ignores -F without -e or -a) */
		struct lfsc_image *img = load_image(c.image_in);
		if (c.list)
			list_image(img, c.list);
		lfsc_image_free(img);
		return 0;
	}
	if (c.image_in && c.nfiles > 0)
		usage("'-F' converts an image: give no source files with it");
	if (c.nfiles == 0) {
		if (c.list || c.parse_only) {
			static char *dflt[1];
			dflt[0] = (char *)c.output;
			c.files = dflt;
			c.nfiles = 1;
		} else {
			usage("no input files given");
		}
	}
	lc = lfsc_new(&c.opt);
	if (!lc)
		fatal(LFSC_ERR_MEM, "not enough memory");
	for (i = 0; i < c.nfiles; i++) {
		const char *path = strcmp(c.files[i], "-") ? c.files[i] : NULL;
		size_t len;
		char *data = slurp(path, &len);
		if (!data)
			fatal(LFSC_ERR_IO, "cannot open %s: %s", path ? path : "stdin",
			      strerror(errno));
		memset(&e, 0, sizeof e);
		ret = lfsc_add_source(lc, path, data, len, &e);
		free(data);
		if (ret)
			fatal_error(ret, &e);
	}
	kind = c.absolute ? LFSC_OUT_ABSOLUTE : c.lfs ? LFSC_OUT_IMAGE : LFSC_OUT_LC;
	lfsc_buffer_init(&out);
	memset(&e, 0, sizeof e);
	ret = lfsc_build(lc, kind, &out, &e);
	image_size(&c, lc, kind, ret);
	if (ret)
		fatal_error(ret, &e);
	if (c.list) {
		struct lfsc_buffer l;
		lfsc_buffer_init(&l);
		if (!lfsc_list(lc, c.list, &l))
			fwrite(l.data, 1, l.len, c.json ? stderr : stdout);
		lfsc_buffer_release(&l);
	}
	if (!c.parse_only)
		write_output(&c, &out);
	if (c.json)
		report(&c, lc, c.parse_only ? LFSC_OUT_NONE : kind);
	else
		warnings(&c, lc);
	lfsc_buffer_release(&out);
	lfsc_free(lc);
	return 0;
}
