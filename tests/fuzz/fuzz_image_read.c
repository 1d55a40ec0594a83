/* fuzz_image_read.c - libFuzzer target for the relocatable-image reader
** (image_read.c): any input is parsed; an accepted image is also laid out in
** flash, read back, listed and rebuilt as chunks, so every consumer of a
** validated image runs on fuzzed data. Seeds: the conformance goldens. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "lfsc.h"
#include "lfsc_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lfsc_image *img = NULL;
	struct lfsc_flash *fl = NULL;
	struct lfsc_buffer flash, list, chunk;
	struct lfsc_error e;
	int i;

	memset(&e, 0, sizeof e);
	if (lfsc_image_read(data, size, &img, &e))
		return 0;
	lfsc_buffer_init(&flash);
	lfsc_buffer_init(&list);
	lfsc_buffer_init(&chunk);
	lfsc_image_list(img, 2, &list);
	if (!lfsc_image_flash(img, 0x40210000, 0, &flash, &e) &&
	    !lfsc_flash_open(flash.data, flash.len, 0x40210000,
			     lfsc_image_get_info(img)->target, &fl, &e)) {
		for (i = 0; i < lfsc_flash_nmodules(fl); i++) {
			chunk.len = 0;
			lfsc_flash_module_chunk(fl, lfsc_flash_module_name(fl, i), &chunk, &e);
		}
		lfsc_flash_free(fl);
	}
	lfsc_buffer_release(&flash);
	lfsc_buffer_release(&list);
	lfsc_buffer_release(&chunk);
	lfsc_image_free(img);
	return 0;
}
