/* hash.h - SHA-256 and HKDF helpers (mbedTLS) and hex conversion. */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_HEX_LEN 64

/* Writes the SHA-256 of data[0..len) to out (32 bytes). data borrowed. */
void hash_sha256(const void *data, size_t len, uint8_t out[32]);
/* Writes the SHA-256 of data as 64 lowercase hex digits plus NUL. */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);
/* The SHA-256 of everything fd holds, read with pread from offset 0 (fd's
** offset is untouched) into out; *size gets the bytes read. Returns 0, or
** -1 with errno set if a read failed. */
int hash_sha256_fd(int fd, uint8_t out[32], long long *size);
/* HKDF-SHA256 (RFC 5869) of key ikm[0..ikm_len) with salt and info (text)
** into out[0..out_len), at most 255 * 32 bytes. Returns 0 or -1. */
int hash_hkdf(const void *ikm, size_t ikm_len, const char *salt, const char *info,
              uint8_t *out, size_t out_len);
/* 1 if s is exactly 64 lowercase hex digits, else 0. */
int hash_is_hex64(const char *s);
/* Constant-time comparison of two n-byte buffers; 1 if equal. */
int hash_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
