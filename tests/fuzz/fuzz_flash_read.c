/* fuzz_flash_read.c - libFuzzer target for the in-flash reader (flash_read.c),
** which lfs-device runs on its own flash at boot: any partition content at
** mapped base 0x40296000 is opened and every module rebuilt as a chunk.
** Seeds: the conformance absolute images. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "lfsc.h"
#include "lfsc_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lfsc_flash *fl = NULL;
	struct lfsc_buffer chunk;
	struct lfsc_error e;
	int i;

	memset(&e, 0, sizeof e);
	if (lfsc_flash_open(data, size, 0x40296000, LFSC_TARGET_LUA53, &fl, &e))
		return 0;
	lfsc_buffer_init(&chunk);
	for (i = 0; i < lfsc_flash_nmodules(fl); i++) {
		chunk.len = 0;
		lfsc_flash_module_chunk(fl, lfsc_flash_module_name(fl, i), &chunk, &e);
	}
	lfsc_buffer_release(&chunk);
	lfsc_flash_free(fl);
	return 0;
}
