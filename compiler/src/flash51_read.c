/*
** flash51_read.c - reads a Lua 5.1 LFS partition as the 5.1 firmware finds it
** after a load (lfs-format.md §B4 step 4): the boot checks, then the whole
** structure through image51_read.c, which must have been laid out for this
** partition's mapped address. Each module comes back as a standard Lua 5.1
** chunk (chunk51_write.c), found as the index function finds it: the first
** module of that name (§B3.4). The 5.1 half of flash_read.c.
*/
#include <string.h>
#include "lfsc_int.h"

struct flash51 {
	struct image im;
	uint32_t size;             /* flash_size */
};

void flash51_free(struct mem *m, struct flash51 *f)
{
	if (!f)
		return;
	image_release(&f->im);
	mem_free(m, f, sizeof *f);
}

int flash51_open(struct mem *m, const uint8_t *data, size_t len, uint32_t base,
		 struct flash51 **out, struct lfsc_error *err)
{
	struct flash51 *f = mem_calloc(m, 1, sizeof *f);
	struct image51_facts facts;
	uint32_t sig = len >= 4 ? get_u32(data) : 0, size = len >= 8 ? get_u32(data + 4) : 0;
	int ret = LFSC_ERR_MEM;

	*out = NULL;
	memset(&facts, 0, sizeof facts);
	if (!f || image_init(&f->im, m, LFSC_TARGET_LUA51)) {
		error_set(err, ret, NULL, 0, "out of memory");
		goto out;
	}
	ret = LFSC_ERR_FORMAT;
	if (sig == 0 || sig == 0xffffffffu) {
		error_set(err, ret, NULL, 0, "no LFS image");
		goto out;
	}
	if (size > len || len < 32) {
		error_set(err, ret, NULL, 0, "LFS image corrupted: flash_size %u does not fit "
			  "the partition", size);
		goto out;
	}
	if ((ret = image51_parse(&f->im, data, size, 1, &facts, err)))
		goto out;
	if (facts.base != base) {
		ret = error_set(err, LFSC_ERR_FORMAT, NULL, 0, "LFS image corrupted: laid out "
				"for 0x%08x, not for this partition at 0x%08x", facts.base, base);
		goto out;
	}
	f->size = size;
	*out = f;
	f = NULL;
out:
	flash51_free(m, f);
	return ret;
}

uint32_t flash51_size(const struct flash51 *f)
{
	return f->size;
}

int64_t flash51_timestamp(const struct flash51 *f)
{
	return f->im.timestamp;
}

int flash51_nmodules(const struct flash51 *f)
{
	return f->im.nmodules;
}

const char *flash51_module_name(const struct flash51 *f, int i)
{
	return i >= 0 && i < f->im.nmodules ? f->im.strs.str[f->im.names[i]].s : NULL;
}

int flash51_module_chunk(const struct flash51 *f, const char *name, struct lfsc_buffer *out,
			 struct lfsc_error *err)
{
	int i;

	for (i = 0; i < f->im.nmodules; i++)
		if (!strcmp(f->im.strs.str[f->im.names[i]].s, name))
			break;
	if (i == f->im.nmodules)
		return error_set(err, LFSC_ERR_FORMAT, NULL, 0, "module '%s' not found in LFS",
				 name);
	if (chunk51_write(&f->im, f->im.mains[i], out))
		return error_set(err, LFSC_ERR_MEM, NULL, 0, "out of memory");
	return 0;
}
