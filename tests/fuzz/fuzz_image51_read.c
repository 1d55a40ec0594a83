/* fuzz_image51_read.c - libFuzzer target for the Lua 5.1 port's image reader
** (image51_read.c). The input is the content of an image, raw image plus
** relocation bitmap: it is compressed as luac.cross does (gzip_write.c) and
** read as a relocatable image, so mutations reach the structure checks
** rather than stopping at inflate; the same bytes are also read as an
** absolute image and, as they are, as a gzip file. An accepted image is
** listed and laid out again at another address and read back. Seeds: the
** inflated 5.1 goldens and their absolute images. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "lfsc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use(struct lfsc_image *img)
{
	struct lfsc_buffer list, abs;
	struct lfsc_image *back = NULL;
	struct lfsc_error e;

	lfsc_buffer_init(&list);
	lfsc_buffer_init(&abs);
	memset(&e, 0, sizeof e);
	lfsc_image_list(img, 2, &list);
	if (!lfsc_image_flash(img, 0x40210000, 0, &abs, &e) &&
	    lfsc_image_get_info(img)->target == LFSC_TARGET_LUA51 &&
	    lfsc_image_read_absolute(abs.data, abs.len, &back, &e))
		__builtin_trap();               /* a layout we wrote must read back */
	lfsc_image_free(back);
	lfsc_buffer_release(&list);
	lfsc_buffer_release(&abs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lfsc_image *img = NULL;
	struct lfsc_buffer gz;
	struct lfsc_error e;
	struct mem m;

	mem_init(&m);
	lfsc_buffer_init(&gz);
	memset(&e, 0, sizeof e);
	if (!gzip_write(&m, data, size, &gz) && !lfsc_image_read(gz.data, gz.len, &img, &e))
		use(img);
	lfsc_image_free(img);
	img = NULL;
	if (!lfsc_image_read_absolute(data, size, &img, &e))
		use(img);
	lfsc_image_free(img);
	img = NULL;
	if (!lfsc_image_read(data, size, &img, &e))
		use(img);
	lfsc_image_free(img);
	lfsc_buffer_release(&gz);
	return 0;
}
