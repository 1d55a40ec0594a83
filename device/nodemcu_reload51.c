/*
** nodemcu_reload51.c - pass 1 and pass 2 of the 5.1 port's LFS loader; see
** nodemcu_reload51.h. The checks are the compiler library's 5.1 reader
** (lfsc_image_read, lfs-format.md §B4 pass 1), whose messages start with the
** firmware's text; the detail it adds is not the firmware's and is cut.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "install.h"
#include "nodemcu_reload51.h"

/* The firmware's strings, which the reader's messages begin with */
static const char *const firmware_text[] = {
	"read error on LFS image file", "invalid dictionary offset on inflate",
	"Incorrect LFS header version", "Incorrect LFS build type",
	"incorrect LFS header signature", "LFS Image too big for configured LFS region",
	"LFS length mismatch", "checksum error on LFS image file", NULL
};

static const char *firmware_message(int rc, const char *text, char *msg, size_t n)
{
	int i;

	if (rc == LFSC_ERR_MEM)
		return "Memory allocation error";
	for (i = 0; firmware_text[i]; i++)
		if (!strncmp(text, firmware_text[i], strlen(firmware_text[i])))
			return firmware_text[i];
	/* a gzip stream followed by less or more than its trailer: uzlib reads
	** the trailer right after the stream, ISIZE comes from the file's end */
	if (strstr(text, "after the gzip stream") || strstr(text, "inflated size"))
		return "read error on LFS image file";
	snprintf(msg, n, "%s", text);
	return msg;
}

const char *reload51_check(struct spiffs *fs, const char *name, struct flash *fl,
			   struct lfsc_buffer *layout, size_t *used, char *msg, size_t n)
{
	struct lfsc_image *img = NULL;
	struct lfsc_error lerr;
	const char *ret = "LFS image file not found";
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	*used = 0;
	memset(&lerr, 0, sizeof lerr);
	if (!name || !spiffs_name_ok(name, strlen(name)) ||
	    spiffs_read_all(fs, name, &data, &len, NULL))
		goto out;
	rc = lfsc_image_read(data, len, &img, &lerr);
	if (rc) {
		ret = firmware_message(rc, lerr.text, msg, n);
		goto out;
	}
	/* another port's image is no gzip stream to the 5.1 inflater */
	ret = "read error on LFS image file";
	if (lfsc_image_get_info(img)->target != LFSC_TARGET_LUA51)
		goto out;
	*used = lfsc_image_get_info(img)->flash_size;
	rc = lfsc_image_flash(img, flash_base(fl), flash_size(fl), layout, &lerr);
	ret = rc == LFSC_ERR_LIMIT ? "LFS Image too big for configured LFS region"
				   : rc ? firmware_message(rc, lerr.text, msg, n) : NULL;
out:
	lfsc_image_free(img);
	free(data);
	return ret;
}

size_t reload51_flags_bytes(size_t flash_size)
{
	return (flash_size / 4 + 31) / 32 * 4;
}

const char *reload51_write(struct flash *fl, const struct lfsc_buffer *layout, char *msg,
			   size_t n)
{
	struct dev_error err;
	uint32_t s;

	dev_error_clear(&err);
	if (!install_load(fl, LFSC_TARGET_LUA51, layout->data, layout->len, &err))
		return NULL;
	snprintf(msg, n, "%s", err.text);
	for (s = 0; s < flash_size(fl) / FLASH_SECTOR; s++)   /* flashErase(0, -1) */
		if (flash_erase(fl, s, NULL))
			break;
	return msg;
}
