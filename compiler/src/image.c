/*
** image.c - struct lfsc_image, the public reader of lfsc_image.h: recognises
** the port and kind of an image, parses it into the image model
** (image_read.c for format 11, image51_read.c for the 5.1 port, flash_read.c
** for an absolute 5.3 image), and describes, lists and lays it out again.
*/
#include <string.h>
#include "lfsc_int.h"

#define SIG51 0xfafaa154u

struct lfsc_image {
	struct mem mem;
	struct image im;
	struct lfsc_image_info info;
	struct lfsc_image_module *mods;
	int nmods;                    /* mods has nmods + 1 entries */
	struct lfsc_buffer raw51;     /* 5.1: the raw image, pointers as offsets */
	struct lfsc_buffer bitmap51;  /* 5.1: its relocation bitmap */
};

/* a new image counting on from seam (lfsc_image_free() frees it) */
static struct lfsc_image *image_new(const struct mem *seam, struct lfsc_error *err)
{
	struct mem m = *seam;
	struct lfsc_image *img = mem_calloc(&m, 1, sizeof *img);

	if (img) {
		img->mem = m;        /* the image's own seam from here on */
		if (!image_init(&img->im, &img->mem, LFSC_TARGET_LUA53))
			return img;
		lfsc_image_free(img);
	}
	error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	return NULL;
}

static void count(const struct proto *f, struct lfsc_image_info *in)
{
	int i;

	in->nfunctions++;
	in->nconstants += f->sizek;
	in->code_bytes += (size_t)f->sizecode * 4;
	for (i = 0; i < f->sizep; i++)
		count(f->p[i], in);
}

/* the per-module facts; module_bytes by kind of image */
static int describe(struct lfsc_image *img, struct lfsc_error *err)
{
	struct image *im = &img->im;
	size_t *flash = NULL;
	int i;

	img->nmods = im->nmodules;
	img->mods = mem_calloc(&img->mem, (size_t)im->nmodules + 1, sizeof *img->mods);
	flash = mem_calloc(&img->mem, (size_t)im->nmodules + 1, sizeof *flash);
	if (!img->mods || !flash) {
		mem_free(&img->mem, flash, ((size_t)im->nmodules + 1) * sizeof *flash);
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	}
	if (img->info.absolute && im->target != LFSC_TARGET_LUA51)
		flash_measure(im, flash);              /* sizes only: strings not needed */
	for (i = 0; i < im->nmodules; i++) {
		const struct proto *m = im->mains[i];
		struct lfsc_image_module *mod = &img->mods[i];
		mod->name = im->numbered ? strtab_ref(&im->strs, im->names[i])->s
					 : im->strs.str[im->names[i]].s;
		mod->functions = proto_count(m);
		if (im->target == LFSC_TARGET_LUA51) {
			mod->image_bytes = image51_proto_bytes(m);
		} else if (img->info.absolute) {
			mod->image_bytes = flash[i];
		} else {
			struct lfsc_buffer b;
			struct buf w = { &img->mem, &b, 0 };
			lfsc_buffer_init(&b);
			image_write_proto(&w, im, m, !m->names_flag, 0);
			mod->image_bytes = b.len;
			buf_release(&img->mem, &b);
		}
		count(m, &img->info);
	}
	mem_free(&img->mem, flash, ((size_t)im->nmodules + 1) * sizeof *flash);
	img->info.target = im->target;
	img->info.timestamp = im->timestamp;
	img->info.nmodules = im->nmodules;
	img->info.modules = img->mods;
	return 0;
}

static int read51(struct lfsc_image *img, const uint8_t *d, size_t len, int absolute,
		  struct lfsc_error *err)
{
	struct image51_facts f = { 0, 0, 0, 0, &img->raw51, &img->bitmap51 };
	int ret = image51_parse(&img->im, d, len, absolute, &f, err);

	if (ret)
		return ret;
	img->info.absolute = absolute;
	img->info.base_address = f.base;
	img->info.size = len;
	img->info.flash_size = f.flash_size;
	img->info.ns = img->info.nstrings = (int)f.nuse;
	img->info.rostrt_size = (int)f.nsize;
	return describe(img, err);
}

static int read53(struct lfsc_image *img, const uint8_t *d, size_t len,
		  struct lfsc_error *err)
{
	struct image *im = &img->im;
	size_t used = 0;
	int ret = image_parse(im, d, len, &used, err);

	if (ret)
		return ret;
	img->info.size = used;
	img->info.trailing = len - used;
	img->info.flash_size = flash_measure(im, NULL);
	img->info.seed = im->seed;
	img->info.maxlen = im->maxlen;
	img->info.ns = im->ns;
	img->info.nl = im->nl;
	img->info.nstrings = im->strs.nvec;
	return describe(img, err);
}

/* §A5: an absolute 5.3 image is a partition content; its base is the next
** field of the first string record (§A5.3) */
static int read_abs53(struct lfsc_image *img, const uint8_t *d, size_t len,
		      struct lfsc_error *err)
{
	static const enum lfsc_target targets[2] = { LFSC_TARGET_LUA53, LFSC_TARGET_LUA53_64 };
	struct lfsc_error first;
	uint32_t base = len >= LFSC_FLASH_HEADER + 4 ? get_u32(d + LFSC_FLASH_HEADER) : 0;
	int t, ret = LFSC_ERR_FORMAT;

	memset(&first, 0, sizeof first);
	for (t = 0; t < 2 && ret == LFSC_ERR_FORMAT; t++) {
		struct lfsc_flash *fl = NULL;
		struct lfsc_error e;
		memset(&e, 0, sizeof e);
		image_release(&img->im);
		if (image_init(&img->im, &img->mem, targets[t]))
			return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
		ret = lfsc_flash_open(d, len, base, targets[t], &fl, &e);
		if (!ret && get_u32(d + 4) != len)
			ret = error_set(&e, LFSC_ERR_FORMAT, NULL, 0,
					"flash_size %u is not the file's %zu bytes", get_u32(d + 4),
					len);
		if (!ret)
			ret = flash_read_image(fl, &img->im, &e);
		lfsc_flash_free(fl);
		if (t == 0)
			first = e;
	}
	if (ret)
		return error_set(err, ret, NULL, 0, "%s", first.text);
	img->info.absolute = 1;
	img->info.base_address = base;
	img->info.size = img->info.flash_size = len;
	img->info.seed = get_u32(d + 8);
	img->info.ns = (int)get_u32(d + 16);
	img->info.rostrt_size = (int)get_u32(d + 20);
	return describe(img, err);
}

static int finish(struct lfsc_image *img, int ret, struct lfsc_image **out)
{
	if (ret) {
		lfsc_image_free(img);
		return ret;
	}
	*out = img;
	return 0;
}

int image_read_new(const struct mem *seam, const void *data, size_t len,
		   struct lfsc_image **out, struct lfsc_error *err)
{
	const uint8_t *d = data;
	struct lfsc_image *img;

	*out = NULL;
	if (!(img = image_new(seam, err)))
		return LFSC_ERR_MEM;
	if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b)          /* §B2: gzip */
		return finish(img, read51(img, d, len, 0, err), out);
	return finish(img, read53(img, d, len, err), out);
}

LFSC_API int lfsc_image_read(const void *data, size_t len, struct lfsc_image **out,
			     struct lfsc_error *err)
{
	struct mem m;

	mem_init(&m);
	return image_read_new(&m, data, len, out, err);
}

LFSC_API int lfsc_image_read_absolute(const void *data, size_t len, struct lfsc_image **out,
				      struct lfsc_error *err)
{
	const uint8_t *d = data;
	uint32_t sig = len >= 4 ? get_u32(d) : 0;
	struct lfsc_image *img;
	struct mem m;

	*out = NULL;
	mem_init(&m);
	if (sig != LFSC_FLASH_SIG && (sig & ~1u) != SIG51)
		return error_set(err, LFSC_ERR_FORMAT, NULL, 0, "not an absolute LFS image: "
				 "signature 0x%08x is neither 0x%08x (5.3) nor 0x%08x (5.1)",
				 sig, LFSC_FLASH_SIG, SIG51 | 1);
	if (!(img = image_new(&m, err)))
		return LFSC_ERR_MEM;
	if (sig == LFSC_FLASH_SIG)
		return finish(img, read_abs53(img, d, len, err), out);
	return finish(img, read51(img, d, len, 1, err), out);
}

LFSC_API void lfsc_image_free(struct lfsc_image *img)
{
	struct mem m;

	if (!img)
		return;
	mem_free(&img->mem, img->mods, ((size_t)img->nmods + 1) * sizeof *img->mods);
	image_release(&img->im);
	buf_release(&img->mem, &img->raw51);
	buf_release(&img->mem, &img->bitmap51);
	m = img->mem;
	mem_free(&m, img, sizeof *img);
}

LFSC_API const struct lfsc_image_info *lfsc_image_get_info(const struct lfsc_image *img)
{
	return &img->info;
}

/* §B4 pass 2: the image's own raw bytes relocated to base, the signature
** without the absolute bit (what the loader leaves in flash) */
static int flash51(const struct lfsc_image *img, uint32_t base, struct lfsc_buffer *out,
		   struct lfsc_error *err)
{
	struct buf w = { (struct mem *)&img->mem, out, 0 };
	size_t start = out->len;

	buf_put(&w, img->raw51.data, img->raw51.len);
	if (w.failed)
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	image51_relocate(out->data + start, img->raw51.len, img->bitmap51.data,
			 img->bitmap51.len, base, 0);
	return 0;
}

LFSC_API int lfsc_image_flash(const struct lfsc_image *img, uint32_t base, uint32_t max_size,
			      struct lfsc_buffer *out, struct lfsc_error *err)
{
	size_t start = out->len;
	int ret;

	if (img->info.absolute && img->im.target != LFSC_TARGET_LUA51)
		return error_set(err, LFSC_ERR_USAGE, NULL, 0, "an absolute 5.3 image cannot "
				 "be laid out again (it is at 0x%08x)", img->info.base_address);
	ret = img->im.target == LFSC_TARGET_LUA51 ? flash51(img, base, out, err)
						  : flash_write(&img->im, base, out, NULL, err);
	if (!ret && max_size && out->len - start > max_size) {
		ret = error_set(err, LFSC_ERR_LIMIT, NULL, 0,
				"image needs %zu bytes of flash, more than the maximum of %u",
				out->len - start, (unsigned)max_size);
		out->len = start;
	}
	return ret;
}

LFSC_API int lfsc_image_list(const struct lfsc_image *img, int level, struct lfsc_buffer *out)
{
	return listing_write(&img->im, level, out);
}
