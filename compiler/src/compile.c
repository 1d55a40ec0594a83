/*
** compile.c - the lfsc_compiler object: adds inputs (source -> reference Lua
** -> standard chunk -> prototype tree), then builds an image, a .lc or an
** absolute image from the tree. Owns the error boundary of the library and
** the checks luac.cross does not make (compiler/README.md, "Defects").
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "lfsc_int.h"

struct lfsc_compiler {
	struct lfsc_options opt;
	struct mem mem;
	struct image im;
	char **files;                    /* input names as given, per module (im.cap) */
	uint32_t seed_hash;              /* seed_mix() over names and contents */
	struct lfsc_module_info *mods;
	size_t *image_bytes, *flash_bytes;
	struct lfsc_error *warnings;
	int nwarnings;
	int input_warnings;              /* of those, the ones lfsc_add_source() gave */
	struct lfsc_build_info info;
	int ordered;                     /* module order fixed and strings numbered */
	void *lua;                       /* the reference Lua state (frontend5x.c) */
	struct history51 hist;           /* 5.1: fix-up history of the last input */
	struct lfsc_buffer chunk;        /* the last input's standard chunk; its room
					 ** is kept for the next one */
};

LFSC_API void lfsc_options_init(struct lfsc_options *o)
{
	memset(o, 0, sizeof *o);
	o->target = LFSC_TARGET_LUA53;
}

LFSC_API int lfsc_target_parse(const char *name, enum lfsc_target *t)
{
	if (!strcmp(name, "nodemcu-lua53"))
		*t = LFSC_TARGET_LUA53;
	else if (!strcmp(name, "nodemcu-lua53-64"))
		*t = LFSC_TARGET_LUA53_64;
	else if (!strcmp(name, "nodemcu-lua51"))
		*t = LFSC_TARGET_LUA51;
	else
		return LFSC_ERR_USAGE;
	return 0;
}

LFSC_API const char *lfsc_target_name(enum lfsc_target t)
{
	return t == LFSC_TARGET_LUA53_64 ? "nodemcu-lua53-64"
	       : t == LFSC_TARGET_LUA51 ? "nodemcu-lua51" : "nodemcu-lua53";
}

struct lfsc_compiler *compile_new(const struct lfsc_options *opts, const struct mem *seam)
{
	struct mem m = *seam;
	struct lfsc_compiler *c = mem_calloc(&m, 1, sizeof *c);

	if (!c)
		return NULL;
	c->mem = m;          /* the compiler's own seam from here on */
	c->opt = *opts;
	c->seed_hash = 2166136261u;
	c->hist.mem = &c->mem;
	if (image_init(&c->im, &c->mem, opts->target)) {
		lfsc_free(c);
		return NULL;
	}
	return c;
}

LFSC_API struct lfsc_compiler *lfsc_new(const struct lfsc_options *opts)
{
	struct mem m;

	mem_init(&m);
	return compile_new(opts, &m);
}

static void free_info(struct lfsc_compiler *c)
{
	int n = c->im.nmodules;

	mem_free(&c->mem, c->mods, (size_t)n * sizeof *c->mods);
	mem_free(&c->mem, c->image_bytes, (size_t)n * sizeof *c->image_bytes);
	mem_free(&c->mem, c->flash_bytes, (size_t)n * sizeof *c->flash_bytes);
	c->mods = NULL;
	c->image_bytes = c->flash_bytes = NULL;
}

static void free_warnings(struct lfsc_compiler *c)
{
	mem_free(&c->mem, c->warnings, (size_t)c->nwarnings * sizeof *c->warnings);
	c->warnings = NULL;
	c->nwarnings = 0;
}

/* drops the warnings after the first n (a shrink: it cannot fail) */
static void trim_warnings(struct lfsc_compiler *c, int n)
{
	if (n == 0) {
		free_warnings(c);
		return;
	}
	c->warnings = mem_realloc(&c->mem, c->warnings, (size_t)c->nwarnings * sizeof *c->warnings,
				  (size_t)n * sizeof *c->warnings);
	c->nwarnings = n;
}

LFSC_API void lfsc_free(struct lfsc_compiler *c)
{
	struct mem m;
	int i;

	if (!c)
		return;
	free_info(c);
	if (c->opt.target == LFSC_TARGET_LUA53_64)
		frontend53_64_close(c->lua);
	else if (c->opt.target == LFSC_TARGET_LUA51)
		frontend51_close(c->lua);
	else
		frontend53_32_close(c->lua);
	history51_release(&c->hist);
	buf_release(&c->mem, &c->chunk);
	for (i = 0; i < c->im.nmodules; i++)
		mem_free(&c->mem, c->files[i], strlen(c->files[i]) + 1);
	mem_free(&c->mem, c->files, (size_t)c->im.cap * sizeof *c->files);
	free_warnings(c);
	image_release(&c->im);
	m = c->mem;
	mem_free(&m, c, sizeof *c);
}

LFSC_API void lfsc_test_fail_alloc(struct lfsc_compiler *c, long n)
{
	c->mem.count = 0;
	c->mem.fail_at = n;
}

/* Adds a warning; returns 0 or LFSC_ERR_MEM (err filled). */
static int warn(struct lfsc_compiler *c, struct lfsc_error *err, const char *file,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int warn(struct lfsc_compiler *c, struct lfsc_error *err, const char *file,
		const char *fmt, ...)
{
	size_t n = (size_t)c->nwarnings;
	struct lfsc_error *w = mem_realloc(&c->mem, c->warnings, n * sizeof *w,
					   (n + 1) * sizeof *w);
	char text[sizeof w->text];
	va_list ap;

	if (!w)
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	c->warnings = w;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	error_clear(&w[c->nwarnings]);
	error_set(&w[c->nwarnings], 0, file, 0, "%s", text);
	c->nwarnings++;
	return 0;
}

/* §A1.3, given the source name without its first character ('@' or '='):
** keep what follows the last '/' (or, with none, the last '\'), skip leading
** dots, stop before the next dot; §B1: the 5.1 port takes the whole name when
** that leaves nothing */
static void module_name(const char *name, int lua51, const char **start, size_t *len,
			const char **base)
{
	const char *s = name, *p = strrchr(s, '/');

	if (!p)
		p = strrchr(s, '\\');
	s = p ? p + 1 : s;
	*base = s;
	while (*s == '.')
		s++;
	*start = s;
	p = strchr(s, '.');
	*len = p ? (size_t)(p - s) : strlen(s);
	if (lua51 && *len == 0) {
		*start = name;
		*len = strlen(name);
	}
}

/* the derived seed: a word-at-a-time multiplicative hash of every input's
** name and content (cheap next to parsing; any 32-bit value is a valid seed) */
static void seed_mix(struct lfsc_compiler *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = c->seed_hash ^ ((uint64_t)len * 0x9e3779b97f4a7c15ull), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	c->seed_hash = (uint32_t)(h ^ (h >> 32));
}

/* doubles the per-module arrays (mains, names, files), all or none; 0 or -1 */
static int grow_modules(struct lfsc_compiler *c)
{
	size_t o = (size_t)c->im.cap, n = o ? 2 * o : 16;
	struct proto **m = mem_calloc(&c->mem, n, sizeof *m);
	int32_t *nm = mem_calloc(&c->mem, n, sizeof *nm);
	char **f = mem_calloc(&c->mem, n, sizeof *f);

	if (!m || !nm || !f) {
		mem_free(&c->mem, m, n * sizeof *m);
		mem_free(&c->mem, nm, n * sizeof *nm);
		mem_free(&c->mem, f, n * sizeof *f);
		return -1;
	}
	if (o) {
		memcpy(m, c->im.mains, o * sizeof *m);
		memcpy(nm, c->im.names, o * sizeof *nm);
		memcpy(f, c->files, o * sizeof *f);
	}
	mem_free(&c->mem, c->im.mains, o * sizeof *m);
	mem_free(&c->mem, c->im.names, o * sizeof *nm);
	mem_free(&c->mem, c->files, o * sizeof *f);
	c->im.mains = m;
	c->im.names = nm;
	c->files = f;
	c->im.cap = (int)n;
	return 0;
}

/* text source -> tree, through the target's reference Lua; for 5.1 the
** fix-up history packs the line info (lua51-frontend.md) */
static int compile_text(struct lfsc_compiler *c, const char *name, const char *chunkname,
			const char *src, size_t len, struct proto **main,
			struct lfsc_error *err)
{
	enum lfsc_target t = c->opt.target;
	struct lfsc_buffer *chunk = &c->chunk;
	int ret, defects = 0;

	if (!c->lua)
		c->lua = t == LFSC_TARGET_LUA53_64 ? frontend53_64_open(&c->mem)
			 : t == LFSC_TARGET_LUA51 ? frontend51_open(&c->mem)
						  : frontend53_32_open(&c->mem);
	if (!c->lua)
		return error_set(err, LFSC_ERR_MEM, name, 0, "out of memory");
	chunk->len = 0;
	if (t == LFSC_TARGET_LUA51) {
		ret = frontend51_compile(c->lua, chunkname, src, len, chunk, &c->hist, err);
		if (!ret)
			ret = chunk51_read(&c->im, chunk->data, chunk->len, &c->hist, main,
					   &defects, err);
		history51_release(&c->hist);
		if (!ret && defects)
			ret = warn(c, err, name ? name : "stdin", "line info of %d function%s "
				   "reproduces luac.cross's luaK_fixline defect (lfs-format.md "
				   "Known defect 14): the firmware reports wrong line numbers in "
				   "them, as it does for luac.cross's image", defects,
				   defects == 1 ? "" : "s");
	} else {
		ret = t == LFSC_TARGET_LUA53_64
			      ? frontend53_64_compile(c->lua, chunkname, src, len, chunk, err)
			      : frontend53_32_compile(c->lua, chunkname, src, len, chunk, err);
		if (!ret)
			ret = chunk_read(&c->im, chunk->data, chunk->len, main, err);
	}
	return ret;
}

LFSC_API int lfsc_add_source(struct lfsc_compiler *c, const char *name, const void *data,
			     size_t len, struct lfsc_error *err)
{
	const char *src = data, *mod, *base;
	size_t modlen, n;
	char *chunkname = NULL, *file = NULL;
	struct proto *main = NULL;
	int ret = LFSC_ERR_MEM, id;

	if (c->ordered)
		return error_set(err, LFSC_ERR_USAGE, name, 0, "inputs added after a build");
	n = name ? strlen(name) + 2 : sizeof "=stdin";
	if ((chunkname = mem_alloc(&c->mem, n)))
		snprintf(chunkname, n, name ? "@%s" : "=stdin", name);
	file = mem_strndup(&c->mem, name ? name : "stdin", SIZE_MAX);
	if (!chunkname || !file)
		goto out;
	seed_mix(c, chunkname, strlen(chunkname));
	seed_mix(c, data, len);

	/* as luaL_loadfile: skip a UTF-8 BOM, then a first line starting with '#'
	** (keeping its newline, so line numbers stay right) */
	if (len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3)) {
		src += 3;
		len -= 3;
	}
	if (len && src[0] == '#') {
		const char *nl = memchr(src, '\n', len);
		len = nl ? len - (size_t)(nl - src) : 1;
		src = nl ? nl : "\n";
	}
	if (len && src[0] == 0x1b) {           /* a precompiled .lc (§A1.3) */
		ret = c->opt.target == LFSC_TARGET_LUA51
			      ? lc51_parse(&c->im, (const uint8_t *)src, len, &main, err)
			      : lc_parse(&c->im, (const uint8_t *)src, len, &main, err);
		if (ret) {
			if (err)
				snprintf(err->source, sizeof err->source, "%s", file);
			goto out;
		}
		/* its own source name names the module */
		mem_free(&c->mem, chunkname, strlen(chunkname) + 1);
		chunkname = mem_strndup(&c->mem, c->im.strs.str[main->source].s,
					c->im.strs.str[main->source].len);
		ret = LFSC_ERR_MEM;
		if (!chunkname)
			goto out;
		if (!chunkname[0]) {
			ret = error_set(err, LFSC_ERR_FORMAT, file, 0,
					"precompiled chunk without a source name");
			goto out;
		}
		goto add;
	}
	if ((ret = compile_text(c, name, chunkname, src, len, &main, err)))
		goto out;
add:
	ret = LFSC_ERR_MEM;
	if (c->im.nmodules == c->im.cap && grow_modules(c))
		goto out;
	module_name(chunkname + 1, c->opt.target == LFSC_TARGET_LUA51, &mod, &modlen, &base);
	id = strtab_intern(&c->im.strs, mod, modlen);
	if (id < 0)
		goto out;
	c->input_warnings = c->nwarnings;
	c->im.mains[c->im.nmodules] = main;
	c->im.names[c->im.nmodules] = id;
	c->files[c->im.nmodules] = file;
	c->im.nmodules++;
	main = NULL;
	file = NULL;
	ret = 0;
out:
	if (ret == LFSC_ERR_MEM)
		error_set(err, ret, name, 0, "out of memory");
	proto_free(&c->mem, main);
	if (chunkname)
		mem_free(&c->mem, chunkname, strlen(chunkname) + 1);
	if (file)
		mem_free(&c->mem, file, strlen(file) + 1);
	return ret;
}

/* luac.cross's checks and ours for module i of an image's index (Known
** defects 3, 11 and 15): a duplicate is an error as in luac.cross 5.3 (the
** 5.1 port would index only the first), so is an empty name; names the
** firmware cannot find get a warning (over 40 characters: 5.3 only). */
static int check_name(struct lfsc_compiler *c, int i, struct lfsc_error *err)
{
	const struct image *im = &c->im;
	const struct lstr *a = &im->strs.str[im->names[i]];
	const char *mod, *base;
	size_t len;
	int j;

	for (j = 0; j < i; j++)
		if (im->names[j] == im->names[i]) {
			module_name(c->files[i], 0, &mod, &len, &base);
			return error_set(err, LFSC_ERR_USAGE, NULL, 0,
					 "Cannot have duplicate files ('%s') in LFS", base);
		}
	if (a->len == 0)
		return error_set(err, LFSC_ERR_USAGE, c->files[i], 0, "empty module name");
	if (a->len > LFSC_MAXSHORTLEN && im->target != LFSC_TARGET_LUA51)
		return warn(c, err, c->files[i], "module name '%s' is longer than 40 "
			    "characters: node.LFS.get() can never find it, and "
			    "node.LFS.list() omits every module after it", a->s);
	if (!strcmp(a->s, "get") || !strcmp(a->s, "list") || !strcmp(a->s, "reload") ||
	    !strcmp(a->s, "config") || !strcmp(a->s, "time"))
		return warn(c, err, c->files[i], "module '%s' is reachable only as "
			    "node.LFS.get('%s'), not as a field of node.LFS", a->s, a->s);
	return 0;
}

/* Checks the module index and moves "__" modules to the front (§A6.6),
** keeping the order otherwise; its warnings start afresh on every call (those
** of the inputs stay). The 5.1 index takes at most 50 modules (one SETLIST,
** §B3.4) and finds "__" names anywhere. */
static int check_modules(struct lfsc_compiler *c, struct lfsc_error *err)
{
	struct image *im = &c->im;
	int i, j, k, n = im->nmodules, ret;

	trim_warnings(c, c->input_warnings);
	for (i = 0; i < n; i++)
		if ((ret = check_name(c, i, err)))
			return ret;
	if (im->target == LFSC_TARGET_LUA51)
		return n > 50 ? error_set(err, LFSC_ERR_LIMIT, NULL, 0,
					  "'-f': Number of modules > 50") : 0;
	if (n > 255)
		return error_set(err, LFSC_ERR_LIMIT, NULL, 0,
				 "too many modules (%d): the firmware indexes at most 255", n);
	for (i = 0, j = 0; i < n; i++) {
		const struct lstr *a = &im->strs.str[im->names[i]];
		struct proto *m = im->mains[i];
		int32_t nm = im->names[i];
		char *f = c->files[i];
		if (a->len < 2 || a->s[0] != '_' || a->s[1] != '_')
			continue;
		if (i != j && (ret = warn(c, err, f, "module '%s' moved before the others: "
					  "the firmware finds '__' modules only ahead of "
					  "all other names", a->s)))
			return ret;
		for (k = i; k > j; k--) {
			im->mains[k] = im->mains[k - 1];
			im->names[k] = im->names[k - 1];
			c->files[k] = c->files[k - 1];
		}
		im->mains[j] = m;
		im->names[j] = nm;
		c->files[j] = f;
		j++;
	}
	return 0;
}

static int fill_info(struct lfsc_compiler *c, size_t image_size, size_t flash_size)
{
	struct image *im = &c->im;
	int i;

	for (i = 0; i < im->nmodules; i++) {
		c->mods[i].name = im->numbered ? strtab_ref(&im->strs, im->names[i])->s
					       : im->strs.str[im->names[i]].s;
		c->mods[i].file = c->files[i];
		c->mods[i].image_bytes = c->image_bytes[i];
		c->mods[i].flash_bytes = c->flash_bytes[i];
		c->mods[i].functions = proto_count(im->mains[i]);
	}
	c->info.image_size = image_size;
	c->info.flash_size = flash_size;
	c->info.seed = im->seed;
	c->info.timestamp = im->target == LFSC_TARGET_LUA53 ? (int32_t)im->timestamp
							    : im->timestamp;
	c->info.nmodules = im->nmodules;
	c->info.modules = c->mods;
	c->info.strings_vector = im->strs.nvec;
	c->info.strings_short = im->ns;
	c->info.strings_long = im->nl;
	c->info.nwarnings = c->nwarnings;
	c->info.warnings = c->warnings;
	return 0;
}

/* the 5.1 port's outputs (Part B): .lc, or the raw image (§B3) -> gzip file
** (§B2) or absolute image (§B1) */
static int build51(struct lfsc_compiler *c, enum lfsc_output kind, struct lfsc_buffer *out,
		   struct lfsc_error *err)
{
	struct image *im = &c->im;
	struct lfsc_buffer raw, bitmap;
	struct buf w = { &c->mem, &raw, 0 };
	size_t start = out->len;
	int ret;

	if (kind == LFSC_OUT_LC) {
		fill_info(c, 0, 0);
		return lc51_write(im, c->opt.strip, c->opt.module_index, out, err);
	}
	lfsc_buffer_init(&raw);
	lfsc_buffer_init(&bitmap);
	if ((ret = image51_write(im, &raw, &bitmap, c->image_bytes, err)))
		goto out;
	memcpy(c->flash_bytes, c->image_bytes, (size_t)im->nmodules * sizeof *c->flash_bytes);
	fill_info(c, raw.len + bitmap.len, raw.len);
	c->info.strings_vector = c->info.strings_short = (int)get_u32(raw.data + 16);
	if (c->opt.max_size && raw.len > c->opt.max_size) {
		ret = error_set(err, LFSC_ERR_LIMIT, NULL, 0,
				"The image is too large for specfied LFS size");
		goto out;
	}
	if (kind == LFSC_OUT_IMAGE) {
		buf_put(&w, bitmap.data, bitmap.len);
		if (w.failed || (ret = gzip_write(&c->mem, raw.data, raw.len, out)))
			ret = error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		c->info.image_size = out->len - start;
	} else if (kind == LFSC_OUT_ABSOLUTE) {
		image51_relocate(raw.data, raw.len, bitmap.data, bitmap.len, c->opt.base_address, 1);
		w.b = out;
		buf_put(&w, raw.data, raw.len);
		if (w.failed)
			ret = error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	}
out:
	buf_release(&c->mem, &raw);
	buf_release(&c->mem, &bitmap);
	return ret;
}

LFSC_API int lfsc_build(struct lfsc_compiler *c, enum lfsc_output kind,
			struct lfsc_buffer *out, struct lfsc_error *err)
{
	struct image *im = &c->im;
	struct lfsc_buffer image, flash;
	size_t flash_size;
	int ret, i, n = im->nmodules;
	int indexed = kind == LFSC_OUT_IMAGE || kind == LFSC_OUT_ABSOLUTE || c->opt.module_index;

	lfsc_buffer_init(&image);
	lfsc_buffer_init(&flash);
	if (n == 0)
		return error_set(err, LFSC_ERR_USAGE, NULL, 0, "no input files given");
	if (!c->ordered) {
		if (indexed && (ret = check_modules(c, err)))
			return ret;
		if (im->target != LFSC_TARGET_LUA51 && (ret = strvec_number(im, err)))
			return ret;
		c->ordered = 1;
	}
	/* §A1.5: in every combined build each module main's first upvalue has
	** instack 0; a single-file .lc keeps 1 */
	for (i = 0; i < n; i++)
		if (im->mains[i]->sizeupvalues)
			im->mains[i]->upvalues[0].instack = (indexed || n > 1) ? 0 : 1;
	im->seed = c->opt.has_seed ? c->opt.seed : c->seed_hash;
	im->timestamp = c->opt.timestamp;

	free_info(c);
	ret = LFSC_ERR_MEM;
	c->mods = mem_calloc(&c->mem, (size_t)n, sizeof *c->mods);
	c->image_bytes = mem_calloc(&c->mem, (size_t)n, sizeof *c->image_bytes);
	c->flash_bytes = mem_calloc(&c->mem, (size_t)n, sizeof *c->flash_bytes);
	if (!c->mods || !c->image_bytes || !c->flash_bytes) {
		error_set(err, ret, NULL, 0, "out of memory");
		goto out;
	}
	if (im->target == LFSC_TARGET_LUA51) {
		ret = build51(c, kind, out, err);
		goto out;
	}
	if ((ret = image_write(im, c->opt.strip, &image, c->image_bytes, err)))
		goto out;
	flash_size = flash_measure(im, c->flash_bytes);
	if (kind == LFSC_OUT_ABSOLUTE &&
	    (ret = flash_write(im, c->opt.base_address, &flash, c->flash_bytes, err)))
		goto out;
	fill_info(c, image.len, flash_size);
	if (c->opt.max_size && flash_size > c->opt.max_size && kind != LFSC_OUT_LC) {
		ret = error_set(err, LFSC_ERR_LIMIT, NULL, 0,
				"image needs %zu bytes of flash, more than the maximum of %u "
				"(-m)", flash_size, (unsigned)c->opt.max_size);
		goto out;
	}
	ret = 0;
	switch (kind) {
	case LFSC_OUT_IMAGE: {
		struct buf w = { &c->mem, out, 0 };
		buf_put(&w, image.data, image.len);
		if (w.failed)
			ret = error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		break;
	}
	case LFSC_OUT_ABSOLUTE: {
		struct buf w = { &c->mem, out, 0 };
		buf_put(&w, flash.data, flash.len);
		if (w.failed)
			ret = error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		break;
	}
	case LFSC_OUT_LC:
		ret = lc_write(im, c->opt.strip, c->opt.module_index, out, err);
		break;
	default:
		break;
	}
out:
	buf_release(&c->mem, &image);
	buf_release(&c->mem, &flash);
	return ret;
}

LFSC_API const struct lfsc_build_info *lfsc_info(const struct lfsc_compiler *c)
{
	return &c->info;
}

LFSC_API int lfsc_list(struct lfsc_compiler *c, int level, struct lfsc_buffer *out)
{
	if (!c->ordered)
		return LFSC_ERR_USAGE;
	return listing_write(&c->im, level, out);
}
