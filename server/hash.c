/* hash.c - SHA-256 and hex helpers over mbedTLS. */
#include <string.h>

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
