/*
** lfsc_image.h - reading and validating NodeMCU LFS images, shared by lfsd and
** lfs-device (style.md §5: one reader for server and device).
**   - relocatable images -> struct lfsc_image: the 5.3 port's format 11
**     (lfs-format.md §A3) and the 5.1 port's gzip image (§B2-§B3)
**   - absolute images of both ports (§A5, §B1) -> struct lfsc_image, for
**     inspection and listing
**   - absolute/in-flash images (§A5), as the 5.3 firmware sees its partition
**   - format constants shared by the compiler, the server and the device
** Nothing here reads out of bounds on any input; every rejection has its own
** message (the loader's texts of §A6.2 where one exists).
*/
#ifndef LFSC_IMAGE_H
#define LFSC_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "lfsc.h"

/* lfs-format.md §A2.6 header */
#define LFSC_SIGNATURE      "\x1bLua"
#define LFSC_VERSION        0x53
#define LFSC_FORMAT_LC      10
#define LFSC_FORMAT_IMAGE   11
#define LFSC_CHECK_BYTES    "\x19\x93\r\n\x1a\n"
/* §A3.1 section markers */
#define LFSC_MARK_STRINGS   "\x19ss"
#define LFSC_MARK_PROTOS    "\x19pr"
/* §A5.2 flash header */
#define LFSC_FLASH_SIG      0xFAFAA250u
#define LFSC_FLASH_HEADER   48
#define LFSC_SECTOR_SIZE    4096
/* §A3.5: strings every loader creates itself (compiler numbering) */
#define LFSC_NFIXED         71
#define LFSC_NFIXED_LOADER  72

struct lfsc_image;

/* Summary of one module of an image. */
struct lfsc_image_module {
	const char *name;     /* borrowed, valid until lfsc_image_free() */
	size_t image_bytes;   /* bytes of its Proto records in the image */
	int functions;        /* Protos in the module, main included */
};

/* Facts about a parsed image; all pointers borrowed until lfsc_image_free(). */
struct lfsc_image_info {
	enum lfsc_target target;  /* 5.3: from the header's integer/number sizes */
	int absolute;             /* 1: read with lfsc_image_read_absolute() */
	uint32_t base_address;    /* absolute: the mapped address it was laid out at */
	size_t size;              /* bytes parsed (the whole file unless trailing) */
	size_t trailing;          /* bytes after the module index (ignored by firmware) */
	size_t flash_size;        /* bytes the image occupies in the LFS partition once
				  ** loaded (§A5.2 flash_size; §B3.1 flash_size) */
	uint32_t seed;            /* §A3.2 (0 for 5.1: no seed) */
	int64_t timestamp;        /* §A3.11; §B3.4 (a whole number of seconds) */
	int maxlen, ns, nl, nstrings;   /* §A3.3 string vector header; 5.1: ns =
				  ** nstrings = nROuse (§B3.1), maxlen = nl = 0 */
	int rostrt_size;          /* 5.1: nROsize; absolute 5.3: nROsize (§A5.2) */
	int nmodules;
	const struct lfsc_image_module *modules;
	int nfunctions;           /* all Protos */
	int nconstants;           /* all constants */
	size_t code_bytes;        /* all instructions, bytes */
};

/*
** Parses and validates a relocatable image, what node.LFS.reload takes: the
** 5.3 port's format 11, or the 5.1 port's gzip file (recognised by its first
** two bytes 1f 8b). data/len is borrowed for the call only; the result copies
** what it keeps. On success *out is a new image (caller owns; free with
** lfsc_image_free()). Checks, each with its own message in err->text:
**   5.3: the §A6.2 loader checks in order, worded as the loader words them
**   ("invalid header in precompiled chunk", ..., "truncated precompiled
**   chunk"), then what the firmware does not check: string-vector counts,
**   string tags, string references in range, constant tags, the module-index
**   count (N+1), module names (short strings, unique), Proto nesting depth;
**   5.1: the loader's pass-1 checks of §B4 in order and words ("read error on
**   LFS image file", "invalid dictionary offset on inflate", "Incorrect LFS
**   header version", "Incorrect LFS build type", "incorrect LFS header
**   signature", "LFS length mismatch", "checksum error on LFS image file"),
**   then every pointer inside the image and the relocation bitmap marking
**   exactly the pointers, string records and the ROstrt rules (§B3.2), Proto
**   records (§B3.3), the module index (§B3.4), unique module names.
** err->column is set to the byte offset of the problem (5.1: in the
** inflated content, or in the file for the gzip framing).
** Returns 0, LFSC_ERR_FORMAT or LFSC_ERR_MEM.
*/
int lfsc_image_read(const void *data, size_t len, struct lfsc_image **out,
		    struct lfsc_error *err);

/*
** Parses and validates an absolute image (luac.cross -a, lfsc -a, or a dump of
** an LFS partition) of either port, recognised by its signature: 5.1 (§B1;
** the boot checks of §B4 step 4 in their words, then the structure as
** above) or 5.3 (§A5: its base address is the first string record's next
** field, §A5.3; read as lfsc_flash_open() reads a partition, nodemcu-lua53
** then nodemcu-lua53-64). Ownership and returns as lfsc_image_read(); the
** image lists and describes itself, and lfsc_image_flash() relays a 5.1
** one at another base.
*/
int lfsc_image_read_absolute(const void *data, size_t len, struct lfsc_image **out,
			     struct lfsc_error *err);
void lfsc_image_free(struct lfsc_image *img);   /* NULL is a no-op */

/* Borrowed; valid until lfsc_image_free(). */
const struct lfsc_image_info *lfsc_image_get_info(const struct lfsc_image *img);

/*
** Lays the image out as an on-device load at mapped address base would, into
** out (appended; caller owns): 5.3, the in-flash layout (§A5, §A5.12),
** padding bytes zero, which is also the absolute image; 5.1, the loader's
** pass 2 (§B4): the image's raw bytes with every marked word relocated, the
** signature 0xfafaa154 (luac.cross's -a image, §B1, is the same with the
** absolute bit 0x01 set). Returns 0, LFSC_ERR_LIMIT (layout exceeds max_size
** when max_size > 0; the size needed is in err->text; for 5.1 the loader's
** "LFS Image too big for configured LFS region" check), LFSC_ERR_USAGE (an
** absolute 5.3 image: it cannot be laid out again) or LFSC_ERR_MEM.
*/
int lfsc_image_flash(const struct lfsc_image *img, uint32_t base, uint32_t max_size,
		     struct lfsc_buffer *out, struct lfsc_error *err);

/* luac-style listing of the image's functions (level 1 or 2), as lfsc -l. */
int lfsc_image_list(const struct lfsc_image *img, int level, struct lfsc_buffer *out);

/* ---- in-flash images (what the firmware finds in its LFS partition) ---- */

struct lfsc_flash;

/*
** Opens the in-flash layout of an LFS partition: data/len is the partition
** content starting at the header, mapped at address base (§A5). data is
** borrowed and must stay valid and unchanged until lfsc_flash_free().
** Every pointer is checked to lie inside the partition. Returns 0 and *out
** (caller owns), LFSC_ERR_FORMAT with a message (no signature: "no LFS image";
** a torn or foreign header: "LFS image corrupted"), or LFSC_ERR_MEM.
** With t = LFSC_TARGET_LUA51 the partition of the 5.1 port (§B4 step 4): the
** boot checks in their words ("Flash sig not correct: ...", which an
** interrupted load's in-progress bit gives; "Flash size check failed: ..."),
** then every structure as lfsc_image_read() checks it; it must have been
** laid out for base. data is then only read during the call.
*/
int lfsc_flash_open(const void *data, size_t len, uint32_t base, enum lfsc_target t,
		    struct lfsc_flash **out, struct lfsc_error *err);
void lfsc_flash_free(struct lfsc_flash *fl);   /* NULL is a no-op */

/* Header fields (§A5.2). */
uint32_t lfsc_flash_size(const struct lfsc_flash *fl);      /* flash_size */
int64_t lfsc_flash_timestamp(const struct lfsc_flash *fl);
/* Module count and the i-th module name in index order; borrowed. */
int lfsc_flash_nmodules(const struct lfsc_flash *fl);
const char *lfsc_flash_module_name(const struct lfsc_flash *fl, int i);

/*
** Rebuilds module `name` as a standard Lua 5.3 binary chunk (lua_dump format
** for the target's number configuration) that the reference lua_load accepts,
** with the constants exactly as the firmware resolves them (so luac.cross's
** "thread"/"proto" defect of §A5.5 shows). Line info is unpacked from LCD.
** For a 5.1 partition: a standard Lua 5.1 chunk of this host for the first
** module of that name (§B3.4), which the reference Lua 5.1 loads.
** out is appended (caller owns). Returns 0, LFSC_ERR_FORMAT (not found or
** malformed; message says which) or LFSC_ERR_MEM.
*/
int lfsc_flash_module_chunk(const struct lfsc_flash *fl, const char *name,
			    struct lfsc_buffer *out, struct lfsc_error *err);

#endif
