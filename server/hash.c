/* hash.c - SHA-256, HKDF and hex helpers over mbedTLS. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include "hash.h"
#include "hex.h"

void hash_sha256(const void *data, size_t len, uint8_t out[32])
{
	mbedtls_sha256_ret(data, len, out, 0);
}

void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
	uint8_t d[32];

	hash_sha256(data, len, d);
	hex_encode(d, sizeof d, out);
}

int hash_sha256_fd(int fd, uint8_t out[32], long long *size)
{
	mbedtls_sha256_context c;
	unsigned char buf[16384];
	long long off = 0;
	ssize_t n;
	int ret = -1;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts_ret(&c, 0);
	for (;;) {
		n = pread(fd, buf, sizeof buf, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		mbedtls_sha256_update_ret(&c, buf, (size_t)n);
		off += n;
	}
	if (n == 0) {
		mbedtls_sha256_finish_ret(&c, out);
		*size = off;
		ret = 0;
	}
	mbedtls_sha256_free(&c);
	return ret;
}

int hash_hkdf(const void *ikm, size_t ikm_len, const char *salt, const char *info,
              uint8_t *out, size_t out_len)
{
	return mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                    (const unsigned char *)salt, strlen(salt), ikm, ikm_len,
	                    (const unsigned char *)info, strlen(info), out, out_len) ? -1 : 0;
}

int hash_is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < HASH_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[HASH_HEX_LEN] == '\0';
}

int hash_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}
