/*
** nodemcu_reload51.h - the 5.1 port's node.LFS.reload without its Lua side
** (nodemcu-api.md §6, lfs-format.md §B4, app/lua/lflash.c:202-259,449-511):
** pass 1 validates the image in SPIFFS with the compiler's 5.1 reader and
** writes nothing; pass 2 writes it with install.c's 5.1 protocol (erase,
** 2 KB blocks with the in-progress bit, the signature last). The messages
** are the firmware's own strings. Lua-free.
*/
#ifndef DEVICE_NODEMCU_RELOAD51_H
#define DEVICE_NODEMCU_RELOAD51_H

#include <stddef.h>
#include "flash.h"
#include "lfsc_image.h"
#include "nodemcu_spiffs.h"

/* Heap the loader takes before pass 1 (lflash.c:40-80, device bytes): its
** input struct with a 1 KB read buffer (1048), its output struct with a
** 2 KB relocation buffer (2128), 9 x 2 KB blocks of inflate history (18432)
** and uzlib's state with its trees (about 1400): 23008 bytes. The relocation
** flags come on top: reload51_flags_bytes(). */
#define RELOAD51_WORK_BYTES (1048 + 2128 + 9 * 2048 + 1400)

/* Pass 1: reads SPIFFS file `name` (NULL: none) through one descriptor and
** runs the loader's checks in order; on success lays the image out for fl's
** partition into *layout (appended; caller owns) and returns NULL. Otherwise
** returns the firmware's message ("LFS image file not found", "read error on
** LFS image file", "invalid dictionary offset on inflate", "Incorrect LFS
** header version", "Incorrect LFS build type", "incorrect LFS header
** signature", "LFS Image too big for configured LFS region", "LFS length
** mismatch", "checksum error on LFS image file", "Memory allocation error"),
** a static string; or, for a structural fault the firmware does not look for
** (it would flash such an image), the reader's message in msg (caller's
** buffer of n bytes). *used receives the image's flash_size (bytes). */
const char *reload51_check(struct spiffs *fs, const char *name, struct flash *fl,
			   struct lfsc_buffer *layout, size_t *used, char *msg, size_t n);

/* Bytes of the relocation flags the loader allocates after the header
** (one bit per word of the image, in whole words). */
size_t reload51_flags_bytes(size_t flash_size);

/* Pass 2: writes layout (borrowed) into fl. Returns NULL when the final
** signature is on flash; otherwise the whole partition has been erased (as
** the firmware does after a pass-2 error) and the message is in msg. A power
** cut ends the process inside flash.c. */
const char *reload51_write(struct flash *fl, const struct lfsc_buffer *layout, char *msg,
			   size_t n);

#endif
