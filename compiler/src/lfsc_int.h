/*
** lfsc_int.h - internal types of the lfsc library: the prototype tree, the
** string table of an image, byte buffers, and the cross-file functions of each
** stage. Not installed; server/ and device/ use compiler/include only.
*/
#ifndef LFSC_INT_H
#define LFSC_INT_H

#include <stddef.h>
#include <stdint.h>
#include "lfsc.h"
#include "lfsc_image.h"

/* Cross-file internal functions are hidden from the library's export list. */
#define LFSC_INTERNAL __attribute__((visibility("hidden")))
#define LFSC_API __attribute__((visibility("default")))

/* lfs-format.md §A2.4: strings up to 40 bytes are short (LUAI_MAXSHORTLEN) */
#define LFSC_MAXSHORTLEN 40
/* Deepest Proto nesting accepted from untrusted input (Lua's own limit is
** LUAI_MAXCCALLS = 200 C levels; a compiled chunk never nests deeper). */
#define LFSC_MAX_DEPTH 200

/* ---- mem.c: the allocator seam ------------------------------------------ */

/* Allocation accounting; also used as the lua_Alloc userdata. */
struct mem {
	size_t used;        /* bytes allocated and not freed through the seam (tests
			    ** check it returns to 0; output buffers the caller frees
			    ** stay counted) */
	long count;         /* allocations (growing requests) made while fail_at > 0 */
	long fail_at;       /* fail allocation number fail_at (1-based) and every one
			    ** after it, like a memory limit, so the reference Lua's
			    ** emergency collection cannot hide the failure; 0 = never */
};
LFSC_INTERNAL void mem_init(struct mem *m);
/* malloc/realloc/free through the seam; return NULL on failure (never exit). */
LFSC_INTERNAL void *mem_alloc(struct mem *m, size_t n);
LFSC_INTERNAL void *mem_calloc(struct mem *m, size_t n, size_t size);
LFSC_INTERNAL void *mem_realloc(struct mem *m, void *p, size_t osize, size_t nsize);
LFSC_INTERNAL void mem_free(struct mem *m, void *p, size_t size);
/* A NUL-terminated copy of at most n bytes of s, as strndup (caller owns;
** free with mem_free(m, p, strlen(p) + 1)); NULL when out of memory. */
LFSC_INTERNAL char *mem_strndup(struct mem *m, const char *s, size_t n);
/* lua_Alloc-compatible function; ud is a struct mem *. */
LFSC_INTERNAL void *mem_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/*
** The public constructors with the seam to start from: seam's counters and
** failure setting are copied into the new object, which counts on with them
** (lfsc_new(), lfsc_image_read() and lfsc_flash_open() pass a fresh one).
** Results and errors as the public functions; lfsc_flash_module_chunk() and
** the writers on an image count on from the object's seam.
*/
LFSC_INTERNAL struct lfsc_compiler *compile_new(const struct lfsc_options *opts,
						const struct mem *seam);
LFSC_INTERNAL int image_read_new(const struct mem *seam, const void *data, size_t len,
				 struct lfsc_image **out, struct lfsc_error *err);
LFSC_INTERNAL int flash_read_open(const struct mem *seam, const void *data, size_t len,
				  uint32_t base, enum lfsc_target t, struct lfsc_flash **out,
				  struct lfsc_error *err);
/* Test hook: fail allocation number n (1-based), counted from this call, and
** every later one (struct mem, fail_at); 0 = off. */
LFSC_API void lfsc_test_fail_alloc(struct lfsc_compiler *c, long n);

/* Byte buffer helpers (struct lfsc_buffer from lfsc.h), grown through mem;
** sticky failure: after the first failed append, failed is 1 and further
** appends do nothing. A buffer the caller receives is released with
** lfsc_buffer_release(); one the library keeps to itself with buf_release(). */
struct buf {
	struct mem *mem;             /* the seam the buffer grows through; borrowed */
	struct lfsc_buffer *b;       /* borrowed */
	int failed;
};
LFSC_INTERNAL void buf_put_slow(struct buf *w, const void *p, size_t n);
LFSC_INTERNAL void buf_zero_slow(struct buf *w, size_t n);
/* Frees b's bytes through m (which grew them) and empties b. */
LFSC_INTERNAL void buf_release(struct mem *m, struct lfsc_buffer *b);
/* Makes room for `extra` more bytes after b->len without appending (for
** writers that fill a region in place); sets the sticky failure and returns
** -1 when out of memory. */
LFSC_INTERNAL int buf_grow(struct buf *w, size_t extra);

/* the writers' hot path: append when there is room, else grow */
static inline void buf_put(struct buf *w, const void *p, size_t n)
{
	struct lfsc_buffer *b = w->b;

	if (n - 1 < b->cap - b->len && !w->failed) {     /* n == 0: p may be NULL */
		__builtin_memcpy(b->data + b->len, p, n);
		b->len += n;
	} else {
		buf_put_slow(w, p, n);
	}
}

/* appends n zero bytes (the writers' padding and empty fields) */
static inline void buf_zero(struct buf *w, size_t n)
{
	struct lfsc_buffer *b = w->b;

	if (n - 1 < b->cap - b->len && !w->failed) {     /* n == 0: nothing */
		__builtin_memset(b->data + b->len, 0, n);
		b->len += n;
	} else {
		buf_zero_slow(w, n);
	}
}

static inline void buf_byte(struct buf *w, int c)
{
	struct lfsc_buffer *b = w->b;

	if (b->len < b->cap && !w->failed) {
		b->data[b->len++] = (uint8_t)c;
	} else {
		uint8_t v = (uint8_t)c;
		buf_put_slow(w, &v, 1);
	}
}

static inline void buf_u32(struct buf *w, uint32_t v)     /* little-endian */
{
	uint8_t b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

	buf_put(w, b, 4);
}

/* One text in, one chunk out: the state of the reader a frontend gives
** lua_load and of the writer it gives lua_dump (mem.c). */
struct feed {
	struct mem *mem;            /* the seam chunk grows through; borrowed */
	const char *src;            /* borrowed for the load */
	size_t len;
	int fed;                    /* the reader has handed out src */
	struct lfsc_buffer *chunk;  /* lua_dump's output is appended here */
	int write_failed;
};
/* lua_Reader body: src once, then the end */
LFSC_INTERNAL const char *feed_read(struct feed *f, size_t *size);
/* lua_Writer body: append; returns nonzero (and remembers it) on failure.
** Inline, and a fixed-size copy for the 1-, 4- and 8-byte fields lua_dump
** writes most (rather than a call to memcpy each). */
static inline int feed_write(struct feed *f, const void *p, size_t sz)
{
	struct buf w = { f->mem, f->chunk, 0 };

	switch (sz) {
	case 1: buf_put(&w, p, 1); break;
	case 4: buf_put(&w, p, 4); break;
	case 8: buf_put(&w, p, 8); break;
	default: buf_put(&w, p, sz);
	}
	f->write_failed |= w.failed;
	return w.failed;
}

/* ---- error.c --------------------------------------------------------------- */

/* Fills e (if not NULL and still empty: first error wins); returns code. */
LFSC_INTERNAL int error_set(struct lfsc_error *e, int code, const char *source,
			    int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
LFSC_INTERNAL void error_clear(struct lfsc_error *e);
/* Fills e from a message as the reference Lua formats errors,
** "source:line: text" (source and line split off); returns code. */
LFSC_INTERNAL int error_set_lua(struct lfsc_error *e, int code, const char *msg);

/* ---- strtab.c: the strings of one image --------------------------------- */

/* A string: len bytes at s (NUL-terminated for convenience). */
struct lstr {
	const char *s;
	uint32_t len;
};

/*
** Interned strings by content, plus the image numbering once assigned.
** Ids are 0-based and stable. Before numbering, Proto fields hold ids; after
** strvec_number() they hold references as in the image (lfs-format.md §A2.4):
** 1..nvec = vector strings, nvec+j = fixed string j in LOADER order (§A5.5,
** Appendix 1), 0 = absent.
*/
struct strtab {
	struct mem *mem;
	struct lstr *str;     /* by id */
	int n, cap;
	int *hash;            /* open addressing: id+1, 0 = empty */
	int hcap;
	int *vec;             /* after numbering: ids of the vector, in order */
	int nvec;
	int fixed_id[LFSC_NFIXED_LOADER]; /* id of each loader-order fixed string */
	int *ref_of;          /* during numbering: id -> ref (0 = not yet) */
	int vcap;             /* entries allocated in vec and ref_of */
	char *block;          /* the string copies are cut from blocks (one
			      ** allocation per block, not per string): the newest,
			      ** which links to the one before in its header */
	size_t used, size;    /* bytes of it in use and in all */
};
/* fixed: intern the 72 fixed strings first (the 5.3 port, Appendix 1) */
LFSC_INTERNAL int strtab_init(struct strtab *t, struct mem *m, int fixed);
LFSC_INTERNAL void strtab_release(struct strtab *t);
/* Returns the id of s/len (interned, copied), or -1 when out of memory. */
LFSC_INTERNAL int strtab_intern(struct strtab *t, const char *s, size_t len);
/* String for a reference (after numbering); NULL for 0 or out of range. */
LFSC_INTERNAL const struct lstr *strtab_ref(const struct strtab *t, int ref);
/* Fixed string j in loader order (Appendix 1), j = 1..72; NULL outside. */
LFSC_INTERNAL const char *strtab_fixed_loader(int j);

/* ---- proto.c: the prototype tree ------------------------------------------ */

enum ktag {        /* lfs-format.md §A2.3 type tags */
	K_NIL = 0, K_BOOL = 1, K_FLT = 2, K_INT = 3, K_STR = 5
};
struct konst {
	uint8_t tag;       /* enum ktag */
	uint8_t b;         /* K_BOOL value */
	int32_t str;       /* K_STR: id or ref */
	int64_t i;         /* K_INT */
	uint64_t fbits;    /* K_FLT: IEEE bits, 4 or 8 bytes by target */
};
struct upval {
	int32_t name;      /* id/ref, or -1 (id phase) / 0 (ref phase) = absent */
	uint8_t instack;
	uint8_t idx;
};
struct locvar {
	int32_t name;
	int32_t startpc, endpc;
};
struct proto {
	int32_t source;          /* id/ref; absent (-1 / 0) = same as parent */
	int32_t linedefined, lastlinedefined;
	uint8_t numparams, is_vararg, maxstacksize;
	int sizecode;
	uint32_t *code;
	int sizek;
	struct konst *k;
	int sizeupvalues;
	struct upval *upvalues;
	uint8_t nups;            /* 5.1: upvalue count (5.1 keeps no upvalue records) */
	int names_flag;          /* §A3.7 field 13 as read (1 unless stripped) */
	int sizelineinfo;        /* LCD bytes including the terminating 0 */
	uint8_t *lineinfo;
	int sizelocvars;
	struct locvar *locvars;
	int sizep;
	struct proto **p;
};
LFSC_INTERNAL struct proto *proto_new(struct mem *m);
LFSC_INTERNAL void proto_free(struct mem *m, struct proto *p);   /* recursive */
/* Number of Protos in the tree rooted at p (p included). */
LFSC_INTERNAL int proto_count(const struct proto *p);
/* Decodes p's LCD line info into lines[sizecode]; returns 0 or -1 if malformed. */
LFSC_INTERNAL int proto_lines(const struct proto *p, int *lines);
/* Appends p's line info as a standard binary chunk carries it (ldump.c's
** DumpDebug, both ports): sizecode, then one little-endian int32 line per
** instruction, unpacked from the LCD. A malformed LCD or no memory sets w's
** sticky failure. */
LFSC_INTERNAL void proto_put_lines(const struct proto *p, struct buf *w);

/* The image model shared by compile, read and the writers. */
struct image {
	struct mem *mem;
	struct strtab strs;
	enum lfsc_target target;
	int nmodules;
	int cap;                /* entries allocated in mains and names */
	struct proto **mains;   /* module mains, module order */
	int32_t *names;         /* module name id/ref per module */
	uint32_t seed;
	int64_t timestamp;
	/* string vector header as read (image_read) or computed (strvec) */
	int maxlen, ns, nl;
	int numbered;           /* 1: string fields hold references (strvec_number(),
				** a format-11 read); 0: string ids (5.1 models, an
				** absolute 5.3 image read back) */
};
LFSC_INTERNAL int image_init(struct image *im, struct mem *m, enum lfsc_target t);
LFSC_INTERNAL void image_release(struct image *im);
LFSC_INTERNAL int image_int_size(enum lfsc_target t);    /* sizeof(lua_Integer) */
LFSC_INTERNAL int image_num_size(enum lfsc_target t);    /* sizeof(lua_Number) */

/* ---- lineinfo.c (lfs-format.md §A3.10) ----------------------------------- */

/* Packs n per-instruction lines into LCD bytes (terminator included) appended
** to w; canonical run-length form, rules 2a-2c. */
LFSC_INTERNAL void lineinfo_pack(struct buf *w, const int *lines, int n);
/* Decodes LCD bytes into lines[n]; returns 0, or -1 when the bytes do not
** describe exactly n instructions or are not terminated. */
LFSC_INTERNAL int lineinfo_unpack(const uint8_t *lcd, int size, int *lines, int n);

/* ---- strvec.c (§A3.4-A3.5) -------------------------------------------------- */

/* Collects and numbers the strings of im (walk from the combined main), fills
** im->strs.vec and maxlen/ns/nl, and rewrites every id in the tree into a
** reference. Returns 0 or LFSC_ERR_MEM. */
LFSC_INTERNAL int strvec_number(struct image *im, struct lfsc_error *err);

/* ---- varint.c (§A2.1-A2.2) -------------------------------------------------- */

LFSC_INTERNAL void varint_mbi(struct buf *w, uint64_t v);
LFSC_INTERNAL void varint_tt(struct buf *w, int tag, int64_t v);
/* Readers over [*p, end): return 0, or -1 on truncation / overflow. */
LFSC_INTERNAL int varint_read_mbi(const uint8_t **p, const uint8_t *end, uint64_t *v);
LFSC_INTERNAL int varint_read_tt(const uint8_t **p, const uint8_t *end, int *tag,
				 int64_t *v);

/* ---- writers ------------------------------------------------------------- */

/* §A2.6 header of format 10 or 11 for the target */
LFSC_INTERNAL void image_write_header(struct buf *w, enum lfsc_target t, int format);
/* §A3.7 Proto record, strings by reference (format 11) or inline (format 10) */
LFSC_INTERNAL void image_write_proto(struct buf *w, const struct image *im,
				     const struct proto *f, int strip, int inline_strings);
/* Relocatable image, format 11 (§A3). im must be numbered. */
LFSC_INTERNAL int image_write(const struct image *im, int strip, struct lfsc_buffer *out,
			      size_t *module_bytes, struct lfsc_error *err);
/* .lc, format 10 (§A4): single main, or a combined main (with index when
** module_index). im must be numbered (strings are looked up by reference). */
LFSC_INTERNAL int lc_write(const struct image *im, int strip, int module_index,
			   struct lfsc_buffer *out, struct lfsc_error *err);
/* Absolute flash layout at base (§A5); module_bytes[i] gets the flash bytes of
** module i when not NULL. flash_measure() gives the same sizes without
** writing anything. */
LFSC_INTERNAL size_t flash_measure(const struct image *im, size_t *module_bytes);
LFSC_INTERNAL int flash_write(const struct image *im, uint32_t base, struct lfsc_buffer *out,
			      size_t *module_bytes, struct lfsc_error *err);
/* luac-style listing */
LFSC_INTERNAL int listing_write(const struct image *im, int level, struct lfsc_buffer *out);
/* Standard Lua 5.3 chunk of one Proto tree (lua_dump layout for the target). */
LFSC_INTERNAL int chunk_write(const struct image *im, const struct proto *main,
			      struct lfsc_buffer *out);

/* ---- readers ------------------------------------------------------------- */

/* Standard Lua 5.3 chunk (from lua_dump, this host, target sizes) -> tree with
** string ids, level-1 stripped (no locals, no upvalue names; §A1.5). */
LFSC_INTERNAL int chunk_read(struct image *im, const uint8_t *data, size_t len,
			     struct proto **out, struct lfsc_error *err);
/* A .lc file (format 10, §A4) given as an input -> tree with string ids;
** the header must match im->target. */
LFSC_INTERNAL int lc_parse(struct image *im, const uint8_t *data, size_t len,
			   struct proto **out, struct lfsc_error *err);
/* An opened in-flash 5.3 partition (flash_read.c) -> image model with
** string ids (not numbered), every module's Protos read and checked. */
LFSC_INTERNAL int flash_read_image(const struct lfsc_flash *fl, struct image *im,
				   struct lfsc_error *err);
/* Format 11 -> numbered image (§A3, checks of §A6.2 and more). */
LFSC_INTERNAL int image_parse(struct image *im, const uint8_t *data, size_t len,
			      size_t *used, struct lfsc_error *err);

/* ---- frontend53.c (the only file that sees the reference Lua) ---------- */

/* One reference-Lua state per compiler and target, reused for every input
** (created with our allocator; closed by lfsc_free()). */
LFSC_INTERNAL void *frontend53_32_open(struct mem *m);    /* NULL: out of memory */
LFSC_INTERNAL void *frontend53_64_open(struct mem *m);
LFSC_INTERNAL void frontend53_32_close(void *L);          /* NULL is a no-op */
LFSC_INTERNAL void frontend53_64_close(void *L);
/* Compiles text source (BOM/# line already handled) named chunkname ("@x.lua")
** into a standard chunk appended to chunk. Returns 0, LFSC_ERR_SYNTAX (err
** filled from the message as Lua formats it), LFSC_ERR_MEM. */
LFSC_INTERNAL int frontend53_32_compile(void *L, const char *chunkname, const char *src,
					size_t len, struct lfsc_buffer *chunk,
					struct lfsc_error *err);
LFSC_INTERNAL int frontend53_64_compile(void *L, const char *chunkname, const char *src,
					size_t len, struct lfsc_buffer *chunk,
					struct lfsc_error *err);

/* ---- the Lua 5.1 port (nodemcu-lua51, lfs-format.md Part B) --------------- */

/* cursor.c: bounds-checked little-endian reads with a sticky failure; after
** the first read past the end every read gives 0 / NULL and bad is 1. */
struct cursor {
	const uint8_t *start, *p, *end;
	int bad;
};
LFSC_INTERNAL void cursor_init(struct cursor *c, const uint8_t *data, size_t len);
/* n bytes at the cursor (borrowed from the input), or NULL when fewer remain */
LFSC_INTERNAL const uint8_t *cursor_take(struct cursor *c, size_t n);
LFSC_INTERNAL int cursor_byte(struct cursor *c);
LFSC_INTERNAL uint32_t cursor_u32(struct cursor *c);
LFSC_INTERNAL uint64_t cursor_u64(struct cursor *c);
LFSC_INTERNAL size_t cursor_left(const struct cursor *c);
LFSC_INTERNAL size_t cursor_offset(const struct cursor *c);
/* little-endian words in memory (inline: the readers and writers of both
** ports call them once per word) */
static inline uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* lineinfo51.c: NodeMCU's 5.1 packed line info (§B3.3, lua51-frontend.md).
** One re-attribution of instruction pc, recorded while the reference code
** generator ran: luaK_fixline, or an OP_NOT dropped by a conditional jump
** (the instruction then written at pc carries line `to`). */
struct fix51 {
	int32_t pc;
	int32_t from;            /* the line pc had before */
	int32_t to;              /* the line it was moved to */
};
/* The fix-up history of one compiled chunk: fix[start[f] .. start[f+1]) are
** the fixes of function f (pre-order, the order of lua_dump), in the order
** they happened. */
struct history51 {
	struct mem *mem;
	struct fix51 *fix;       /* nfix + 1 entries */
	int nfix;
	int *start;              /* nfunc + 1 entries; start[nfunc] <= nfix */
	int nfunc;
};
LFSC_INTERNAL void history51_release(struct history51 *h);   /* keeps mem */
/*
** Appends the packed line info of one function (terminating NUL included)
** to w, as the 5.1 port's luaK_code/luaK_fixline build it: n instructions
** with final lines lines[], replayed with the fixes fix[0..nfix) of that
** function. The firmware's undo of a multi-byte delta (Known defect 14) is
** reproduced; *defects is incremented for each undo it decodes wrongly.
** Returns 0, or -1 when the fixes do not lead to lines[] (an inconsistent
** history).
*/
LFSC_INTERNAL int lineinfo51_pack(struct buf *w, const int *lines, int n,
				  const struct fix51 *fix, int nfix, int *defects);

/* rostrt51.c: the 5.1 ROstrt (§B3.2) */
LFSC_INTERNAL uint32_t rostrt51_hash(const char *s, size_t len);   /* Lua 5.1 hash */
LFSC_INTERNAL uint32_t rostrt51_size(uint32_t nuse);   /* nROsize = 2 << floor(log2) */
/* The distinct string ids of ids[0..n) (duplicates ignored) in the order
** luac.cross allocates them: the traversal order of NodeMCU's Lua 5.1 table
** after inserting them in this order. out must hold n entries; returns the
** count, -1 when out of memory, -2 if the emulated table's chains would
** loop (never seen; luac.cross would hang). */
LFSC_INTERNAL int rostrt51_order(struct mem *m, const struct strtab *t, const int32_t *ids,
				 int n, int32_t *out);

/* index51.c: luac.cross's generated mains (luac.c combine()). Both borrow
** the module mains; free with index51_free(), which leaves them alone. */
LFSC_INTERNAL struct proto *index51_lookup(struct image *im);    /* §B3.4; NULL: OOM */
/* the 5n + 5 instructions of the lookup main over n modules, into code[] */
LFSC_INTERNAL void index51_code(int n, uint32_t *code);
LFSC_INTERNAL struct proto *index51_sequence(struct image *im);  /* multi-file .lc */
LFSC_INTERNAL void index51_free(struct mem *m, struct proto *f);

/* frontend51.c (the only file that sees the reference Lua 5.1) */
LFSC_INTERNAL void *frontend51_open(struct mem *m);       /* NULL: out of memory */
LFSC_INTERNAL void frontend51_close(void *L);             /* NULL is a no-op */
/* Compiles text source into a standard Lua 5.1 chunk appended to chunk and
** the fix-up history of its functions into *h (released first; caller
** releases). Returns 0, LFSC_ERR_SYNTAX (err from Lua's message), LFSC_ERR_MEM. */
LFSC_INTERNAL int frontend51_compile(void *L, const char *chunkname, const char *src,
				     size_t len, struct lfsc_buffer *chunk,
				     struct history51 *h, struct lfsc_error *err);

/* chunk51_read.c: a standard Lua 5.1 chunk of this host (lua_dump of the
** reference library) -> tree with string ids; locals and upvalue names
** dropped (§B1 level-1 strip), line info packed with the history h.
** *defects counts functions whose line info hits Known defect 14. */
LFSC_INTERNAL int chunk51_read(struct image *im, const uint8_t *data, size_t len,
			       const struct history51 *h, struct proto **out, int *defects,
			       struct lfsc_error *err);
/* chunk51_read.c: a .lc file of the 5.1 port (§B5) given as an input -> tree */
LFSC_INTERNAL int lc51_parse(struct image *im, const uint8_t *data, size_t len,
			     struct proto **out, struct lfsc_error *err);

/* image51_write.c: the raw image (§B3) of the 5.1 port's lookup main over
** im's modules, pointers as word offsets, and its relocation bitmap (§B2).
** module_bytes[i] gets the bytes of module i's Protos when not NULL.
** Returns 0, LFSC_ERR_LIMIT ("Out of Flash memory" over 256 KB) or
** LFSC_ERR_MEM. */
LFSC_INTERNAL int image51_write(struct image *im, struct lfsc_buffer *raw,
				struct lfsc_buffer *bitmap, size_t *module_bytes,
				struct lfsc_error *err);
/* Relocates raw/len (with its bitmap) to mapped address base, in place:
** tagged words become base + 4 * word (§B4 pass 2); the signature's absolute
** bit is set when `absolute` (the -a image, §B1), else cleared (what the
** on-device loader leaves in flash). */
LFSC_INTERNAL void image51_relocate(uint8_t *raw, size_t len, const uint8_t *bitmap,
				    size_t bitmap_len, uint32_t base, int absolute);
/* image51_read.c: a relocatable (gzip, §B2) or absolute (§B1) 5.1 image ->
** the image model (string ids, not numbered): the loader's checks (§B4),
** then every structure; one message per rejection, err->column the offset
** in the raw image (or the file, for gzip framing). Returns 0,
** LFSC_ERR_FORMAT or LFSC_ERR_MEM. */
struct image51_facts {
	uint32_t flash_size;     /* raw image bytes (§B3.1) */
	uint32_t base;           /* absolute: mapped address of its first byte */
	uint32_t nuse, nsize;    /* nROuse, nROsize */
	struct lfsc_buffer *raw;    /* when not NULL: the raw image with pointers as
				    ** word offsets (§B2), appended (caller owns) */
	struct lfsc_buffer *bitmap; /* with raw: its relocation bitmap */
};
LFSC_INTERNAL int image51_parse(struct image *im, const uint8_t *data, size_t len,
				int absolute, struct image51_facts *facts,
				struct lfsc_error *err);
/* bytes a Proto and its subtree occupy in a 5.1 image (records and vectors) */
LFSC_INTERNAL size_t image51_proto_bytes(const struct proto *f);
/* flash51_read.c: a 5.1 LFS partition mapped at base (§B4 step 4) for
** lfsc_flash_*(); data is borrowed for the open only (the model copies what
** it keeps). Allocated through m (borrowed until flash51_free()). */
struct flash51;
LFSC_INTERNAL int flash51_open(struct mem *m, const uint8_t *data, size_t len, uint32_t base,
			       struct flash51 **out, struct lfsc_error *err);
LFSC_INTERNAL void flash51_free(struct mem *m, struct flash51 *f);
LFSC_INTERNAL uint32_t flash51_size(const struct flash51 *f);
LFSC_INTERNAL int64_t flash51_timestamp(const struct flash51 *f);
LFSC_INTERNAL int flash51_nmodules(const struct flash51 *f);
LFSC_INTERNAL const char *flash51_module_name(const struct flash51 *f, int i);
LFSC_INTERNAL int flash51_module_chunk(const struct flash51 *f, const char *name,
				       struct lfsc_buffer *out, struct lfsc_error *err);
/* chunk51_write.c: one tree (string ids) as a standard 5.1 chunk of this host */
LFSC_INTERNAL int chunk51_write(const struct image *im, const struct proto *main,
				struct lfsc_buffer *out);
/* gzip_write.c: the gzip file of NodeMCU's uzlib compressor (§B2) of
** data/len, appended to out. Returns 0 or LFSC_ERR_MEM. */
LFSC_INTERNAL int gzip_write(struct mem *m, const uint8_t *data, size_t len,
			     struct lfsc_buffer *out);
/* lc51_write.c: .lc of the 5.1 port (§B5): one main, the lookup main (-i) or
** luac.cross's sequence main over several inputs. */
LFSC_INTERNAL int lc51_write(struct image *im, int strip, int module_index,
			     struct lfsc_buffer *out, struct lfsc_error *err);

#endif
