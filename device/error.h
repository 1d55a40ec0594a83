/*
** error.h - lfs-device error codes and the caller-owned error report.
** Every fallible device function returns 0 or a negative DEV_ERR_* and fills
** an optional struct dev_error (may be NULL). The first error wins.
*/
#ifndef DEVICE_ERROR_H
#define DEVICE_ERROR_H

#define DEV_OK          0
#define DEV_ERR_IO      (-1)   /* a file or directory operation failed */
#define DEV_ERR_FLASH   (-2)   /* flash rule broken: a program would set a bit, range, alignment */
#define DEV_ERR_NET     (-3)   /* connect, TLS handshake, pin/CA check, socket read/write */
#define DEV_ERR_HTTP    (-4)   /* unexpected status or malformed response */
#define DEV_ERR_VERIFY  (-5)   /* size, digest, signature, image format or target mismatch */
#define DEV_ERR_MEM     (-6)   /* out of memory */
#define DEV_ERR_STATE   (-7)   /* persistent agent state unreadable */
#define DEV_ERR_LUA     (-8)   /* the image's code raised an error */
#define DEV_ERR_USAGE   (-9)   /* bad command line or configuration */

struct dev_error {
	int code;          /* the first code set, 0 while unset */
	char text[256];    /* message: lowercase, no final period */
};

/* Sets e (if non-NULL and still unset) to code and the formatted text;
** returns code, so callers can write `ret = dev_error_set(...)`. */
int dev_error_set(struct dev_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Clears e (NULL is a no-op). */
void dev_error_clear(struct dev_error *e);

#endif
