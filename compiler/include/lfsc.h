/*
** lfsc.h - public API of the lfsc library: NodeMCU's luac.cross engine.
** Compiles Lua 5.3 sources into a relocatable LFS image (format 11), a .lc file
** (format 10) or an absolute flash image, byte-identical to luac.cross
** (lfs-format.md Part A). The library does no file I/O, never prints and never
** exits; it is safe to use from several threads with one compiler per thread.
*/
#ifndef LFSC_H
#define LFSC_H

#include <stddef.h>
#include <stdint.h>

/* Return codes: 0 or one of these (negative). Tests compare codes, not text. */
#define LFSC_OK          0
#define LFSC_ERR_SYNTAX  (-1)  /* Lua source does not compile; error has file:line */
#define LFSC_ERR_MEM     (-2)  /* the allocator failed */
#define LFSC_ERR_IO      (-3)  /* a caller-supplied writer failed */
#define LFSC_ERR_LIMIT   (-4)  /* a limit was exceeded (-m size, module count, ...) */
#define LFSC_ERR_FORMAT  (-5)  /* malformed image, chunk or .lc input */
#define LFSC_ERR_USAGE   (-6)  /* invalid options or arguments (duplicate module, ...) */

/*
** Error report, filled by every function that takes one; may always be NULL.
** The first error wins. source is the file name as given (left end truncated
** with "..." when too long), line is 1-based or 0 when unknown, column 0 when
** unknown, text is the message without the "file:line:" prefix.
*/
struct lfsc_error {
	char source[80];
	int line;
	int column;
	char text[200];
};

/* Formats a report the way luac.cross prints it: "file:line: text", or just
** the text when there is no source. Writes at most size bytes (NUL included). */
void lfsc_error_format(const struct lfsc_error *e, char *buf, size_t size);

/* Firmware port and number configuration of the target (lfs-format.md §A8.1,
** §B6). */
enum lfsc_target {
	LFSC_TARGET_LUA53 = 0,    /* "nodemcu-lua53": int32 integers, float numbers */
	LFSC_TARGET_LUA53_64 = 1, /* "nodemcu-lua53-64": int64 integers, doubles */
	LFSC_TARGET_LUA51 = 2     /* "nodemcu-lua51": Lua 5.1 port, doubles (Part B) */
};

/* Parses a target name; returns 0 and sets *t, or LFSC_ERR_USAGE. */
int lfsc_target_parse(const char *name, enum lfsc_target *t);
/* The target's name; a static string. */
const char *lfsc_target_name(enum lfsc_target t);

/* What lfsc_build() writes. */
enum lfsc_output {
	LFSC_OUT_IMAGE = 0,   /* relocatable LFS image, format 11 (-f; §A3) */
	LFSC_OUT_LC = 1,      /* .lc file, format 10 (no -f; §A4) */
	LFSC_OUT_ABSOLUTE = 2,/* absolute flash image at base_address (-a; §A5) */
	LFSC_OUT_NONE = 3     /* parse only (-p): compile and check, write nothing */
};

struct lfsc_options {
	enum lfsc_target target;
	int strip;              /* -s: drop upvalue names and locals (§A3.9) */
	int module_index;       /* -i: module-index main also for .lc (implied by image) */
	int has_seed;           /* 0: seed derived from the inputs (deterministic) */
	uint32_t seed;          /* string-hash seed (§A3.2) */
	int64_t timestamp;      /* compile time, Unix seconds (§A3.11) */
	uint32_t base_address;  /* mapped flash address for LFSC_OUT_ABSOLUTE */
	uint32_t max_size;      /* -m: flash bytes allowed for the image, 0 = no limit */
};

/* Sets defaults: target lua53, no strip, derived seed, timestamp 0, no limit. */
void lfsc_options_init(struct lfsc_options *o);

/* A growable byte buffer owned by the caller; release with lfsc_buffer_release(). */
struct lfsc_buffer {
	uint8_t *data;   /* caller owns after a successful call; NULL when empty */
	size_t len;      /* bytes used */
	size_t cap;      /* bytes allocated */
};
void lfsc_buffer_init(struct lfsc_buffer *b);
void lfsc_buffer_release(struct lfsc_buffer *b);

struct lfsc_compiler;

/*
** Creates a compiler. opts is copied. Returns NULL only when out of memory.
** Caller owns the result; free with lfsc_free().
*/
struct lfsc_compiler *lfsc_new(const struct lfsc_options *opts);
void lfsc_free(struct lfsc_compiler *c);   /* lfsc_free(NULL) is a no-op */

/*
** Adds one input, in command-line order. name is the path as the user wrote it:
** the source name becomes "@" name and the module name is derived from it
** (§A1.3); name NULL means standard input ("=stdin"). data/len is the file's
** content (borrowed for the call only): Lua source (a leading UTF-8 BOM and a
** first line starting with '#' are skipped, as luaL_loadfile does) or a
** format-10 .lc file. Compiles immediately.
** Returns 0, LFSC_ERR_SYNTAX (err has file, line and Lua's message),
** LFSC_ERR_FORMAT (bad .lc), LFSC_ERR_USAGE (duplicate module name: err text is
** luac.cross's "Cannot have duplicate files ('x.lua') in LFS"), LFSC_ERR_MEM.
*/
int lfsc_add_source(struct lfsc_compiler *c, const char *name, const void *data,
		    size_t len, struct lfsc_error *err);

/*
** Builds the output from all added inputs into out (appended; caller owns).
** Returns 0, LFSC_ERR_LIMIT (image exceeds max_size, too many modules),
** LFSC_ERR_USAGE (no inputs), LFSC_ERR_MEM.
*/
int lfsc_build(struct lfsc_compiler *c, enum lfsc_output kind,
	       struct lfsc_buffer *out, struct lfsc_error *err);

/* Facts about the last lfsc_build(), for --json and the listing. */
struct lfsc_module_info {
	const char *name;       /* module name; borrowed, valid until lfsc_free() */
	const char *file;       /* input name as given; borrowed likewise */
	size_t image_bytes;     /* bytes of this module's Proto records in the image */
	size_t flash_bytes;     /* bytes its Protos occupy in flash (§A5.7) */
	int functions;          /* Protos in the module, main included */
};
struct lfsc_build_info {
	size_t image_size;      /* relocatable image size in bytes */
	size_t flash_size;      /* bytes used in the LFS partition (§A5.2 flash_size) */
	uint32_t seed;          /* seed used */
	int64_t timestamp;      /* timestamp written (already truncated to target) */
	int nmodules;
	const struct lfsc_module_info *modules;  /* borrowed, valid until lfsc_free() */
	int strings_vector;     /* strings stored in the image (nstrings, §A3.3) */
	int strings_short;      /* ns, fixed strings included */
	int strings_long;       /* nl */
	int nwarnings;
	const struct lfsc_error *warnings;       /* borrowed, valid until lfsc_free() */
};
/* Borrowed; valid until the next lfsc_build() or lfsc_free(). */
const struct lfsc_build_info *lfsc_info(const struct lfsc_compiler *c);

/*
** Writes a luac-style listing of everything compiled (-l; twice for -l -l:
** level 2 adds constants, locals and upvalues) into out. Returns 0 or
** LFSC_ERR_MEM.
*/
int lfsc_list(struct lfsc_compiler *c, int level, struct lfsc_buffer *out);

#endif
