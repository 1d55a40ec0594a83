/*
** lc_write.c - writes the .lc file, format 10 (lfs-format.md §A4): header,
** the main function's upvalue count, then one Proto record with inline
** strings. Several inputs (or -i) are wrapped in luac.cross's combined main,
** source "=(luac.cross)", whose only instruction is RETURN and whose
** constants, with -i, are the module names and the timestamp (§A1.5, §A4).
*/
#include <string.h>
#include "lfsc_int.h"


#define OP_RETURN 38

int lc_write(const struct image *im, int strip, int module_index,
	     struct lfsc_buffer *out, struct lfsc_error *err)
{
	struct buf w = { im->mem, out, 0 };
	struct proto main;
	struct konst *k = NULL;
	uint32_t ret_insn = OP_RETURN | (1u << 23);     /* RETURN 0 1 */
	int i, nk = module_index ? im->nmodules + 1 : 0, ret = LFSC_ERR_MEM;

	image_write_header(&w, im->target, LFSC_FORMAT_LC);
	if (im->nmodules == 1 && !module_index) {
		buf_byte(&w, im->mains[0]->sizeupvalues);
		image_write_proto(&w, im, im->mains[0], strip, 1);
		goto done;
	}
	memset(&main, 0, sizeof main);
	if (nk && !(k = mem_calloc(im->mem, (size_t)nk, sizeof *k)))
		goto out;
	for (i = 0; i < im->nmodules && k; i++) {
		k[i].tag = K_STR;
		k[i].str = im->names[i];
	}
	if (k) {
		k[nk - 1].tag = K_INT;
		k[nk - 1].i = image_int_size(im->target) == 4 ? (int32_t)im->timestamp
							      : im->timestamp;
	}
	/* the combined main's source "=(luac.cross)" is always vector string 1 */
	main.source = 1;
	main.maxstacksize = 1;
	main.sizep = im->nmodules;
	main.p = im->mains;
	main.sizecode = 1;
	main.code = &ret_insn;
	main.sizek = nk;
	main.k = k;
	buf_byte(&w, 0);
	image_write_proto(&w, im, &main, strip, 1);
done:
	ret = w.failed ? LFSC_ERR_MEM : 0;
out:
	mem_free(im->mem, k, (size_t)nk * sizeof *k);
	if (ret)
		error_set(err, ret, NULL, 0, "out of memory writing .lc");
	return ret;
}
