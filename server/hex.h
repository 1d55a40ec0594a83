/* hex.h - bytes to lowercase hex digits and back. */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes n bytes as 2n lowercase hex digits plus a NUL into out (2n + 1
** bytes). in and out borrowed. */
void hex_encode(const uint8_t *in, size_t n, char *out);
/* Reads exactly 2n hex digits (either case) from hex into out (n bytes); the
** text may go on after them. Returns 0, or -1 (out unspecified) when hex is
** NULL or one of the 2n characters is not a hex digit. */
int hex_decode(const char *hex, uint8_t *out, size_t n);

#endif
