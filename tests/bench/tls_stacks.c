/*
** tls_stacks.c - what the TLS library costs lfsd's HTTPS front end per image
** and per handshake: mbedTLS 2.28 (Debian's, the project's library for keys
** and signatures) against OpenSSL 3 (Debian's libssl3, the front end's):
**   sealing a 64 KB image with AES-128-GCM (the suite ESP8266 clients use),
**   in 16 KB records as TLS does, and with ChaCha20-Poly1305;
**   a full ECDHE-ECDSA P-256 handshake's private-key work on the server: one
**   ECDSA signature plus one ECDH key generation and agreement.
** Prints microseconds of CPU per operation and the ratio mbedTLS/OpenSSL.
** server/README.md ("HTTPS: what was measured") quotes it.
** usage: tls_stacks [rounds]
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#define RECORD 16384
#define IMAGE (4 * RECORD)

static double cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned char in[RECORD], out[RECORD + 64], key[32] = { 1 }, iv[12] = { 2 }, tag[16];

static double mbed_gcm(int n)
{
	mbedtls_gcm_context g;
	double t;
	int i, r;

	mbedtls_gcm_init(&g);
	mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 128);
	t = cpu();
	for (i = 0; i < n; i++)
		for (r = 0; r < IMAGE / RECORD; r++)
			mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, RECORD, iv, 12, NULL, 0, in,
			                          out, 16, tag);
	t = (cpu() - t) / n;
	mbedtls_gcm_free(&g);
	return t;
}

static double mbed_chacha(int n)
{
	mbedtls_chachapoly_context c;
	double t;
	int i, r;

	mbedtls_chachapoly_init(&c);
	mbedtls_chachapoly_setkey(&c, key);
	t = cpu();
	for (i = 0; i < n; i++)
		for (r = 0; r < IMAGE / RECORD; r++)
			mbedtls_chachapoly_encrypt_and_tag(&c, RECORD, iv, NULL, 0, in, out, tag);
	t = (cpu() - t) / n;
	mbedtls_chachapoly_free(&c);
	return t;
}

static double ossl_seal(const EVP_CIPHER *cipher, int n)
{
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	double t;
	int i, r, len;

	t = cpu();
	for (i = 0; i < n; i++)
		for (r = 0; r < IMAGE / RECORD; r++) {
			EVP_EncryptInit_ex(e, cipher, NULL, key, iv);
			EVP_EncryptUpdate(e, out, &len, in, RECORD);
			EVP_EncryptFinal_ex(e, out + len, &len);
		}
	t = (cpu() - t) / n;
	EVP_CIPHER_CTX_free(e);
	return t;
}

static double mbed_handshake(int n)
{
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context d;
	mbedtls_ecdsa_context k;
	mbedtls_ecp_group g;
	mbedtls_ecp_point peer, q;
	mbedtls_mpi priv, z, peer_d;
	unsigned char hash[32] = { 1 }, sig[MBEDTLS_ECDSA_MAX_LEN];
	size_t sl;
	double t;
	int i;

	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&d);
	mbedtls_ctr_drbg_seed(&d, mbedtls_entropy_func, &ent, NULL, 0);
	mbedtls_ecdsa_init(&k);
	mbedtls_ecdsa_genkey(&k, MBEDTLS_ECP_DP_SECP256R1, mbedtls_ctr_drbg_random, &d);
	mbedtls_ecp_group_init(&g);
	mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1);
	mbedtls_ecp_point_init(&peer);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&priv);
	mbedtls_mpi_init(&z);
	mbedtls_mpi_init(&peer_d);
	mbedtls_ecdh_gen_public(&g, &peer_d, &peer, mbedtls_ctr_drbg_random, &d);
	t = cpu();
	for (i = 0; i < n; i++) {
		mbedtls_ecdsa_write_signature(&k, MBEDTLS_MD_SHA256, hash, 32, sig, &sl,
		                              mbedtls_ctr_drbg_random, &d);
		mbedtls_ecdh_gen_public(&g, &priv, &q, mbedtls_ctr_drbg_random, &d);
		mbedtls_ecdh_compute_shared(&g, &z, &peer, &priv, mbedtls_ctr_drbg_random, &d);
	}
	t = (cpu() - t) / n;
	mbedtls_mpi_free(&peer_d);
	mbedtls_mpi_free(&z);
	mbedtls_mpi_free(&priv);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_point_free(&peer);
	mbedtls_ecp_group_free(&g);
	mbedtls_ecdsa_free(&k);
	mbedtls_ctr_drbg_free(&d);
	mbedtls_entropy_free(&ent);
	return t;
}

static double ossl_handshake(int n)
{
	EVP_PKEY *k = EVP_EC_gen("P-256"), *peer = EVP_EC_gen("P-256");
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned char hash[32] = { 1 }, sig[128], secret[64];
	double t;
	int i;

	t = cpu();
	for (i = 0; i < n; i++) {
		EVP_PKEY *eph = EVP_EC_gen("P-256");
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(eph, NULL);
		size_t sl = sizeof sig, zl = sizeof secret;

		EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k);
		EVP_DigestSign(m, sig, &sl, hash, sizeof hash);
		EVP_PKEY_derive_init(c);
		EVP_PKEY_derive_set_peer(c, peer);
		EVP_PKEY_derive(c, secret, &zl);
		EVP_PKEY_CTX_free(c);
		EVP_PKEY_free(eph);
	}
	t = (cpu() - t) / n;
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(k);
	return t;
}

static void row(const char *what, double mbed, double ossl)
{
	printf("%-44s mbedTLS %8.1f us   OpenSSL %7.1f us   ratio %5.1f\n", what, mbed * 1e6,
	       ossl * 1e6, mbed / ossl);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 400;

	if (n < 1)
		n = 400;
	row("seal a 64 KB image, AES-128-GCM", mbed_gcm(n), ossl_seal(EVP_aes_128_gcm(), n));
	row("seal a 64 KB image, ChaCha20-Poly1305", mbed_chacha(n),
	    ossl_seal(EVP_chacha20_poly1305(), n));
	row("ECDHE-ECDSA P-256 handshake, server key work", mbed_handshake(n / 4 + 1),
	    ossl_handshake(n));
	return 0;
}
