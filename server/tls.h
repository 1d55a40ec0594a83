/* tls.h - mbedTLS: the HTTPS certificate and random bytes (lfsd's signing
** keys are keystore.h's). */
#ifndef TLS_H
#define TLS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

struct tls_keys {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	char *cert_pem;                 /* owned; HTTPS certificate chain, PEM */
	char *key_pem;                  /* owned; HTTPS private key, PEM */
	pthread_mutex_t mu;             /* guards drbg use */
};

/* Seeds the generator. Returns 0 or -1 (logged). */
int tls_init(struct tls_keys *k);
/* Frees everything; safe after a failed tls_init. */
void tls_release(struct tls_keys *k);

/* Loads cert_file/key_file when given (both non-empty), else dir/cert.pem and
** dir/key.pem, generating a self-signed ECDSA P-256 certificate for
** localhost/127.0.0.1 there on first use. Returns 0 or -1 (logged). */
int tls_load_cert(struct tls_keys *k, const char *dir, const char *cert_file,
                  const char *key_file);
/* Fills buf with n random bytes. Returns 0 or -1. Thread-safe. */
int tls_random(struct tls_keys *k, uint8_t *buf, size_t n);

#endif
