/*
** tls.h - TLS client connections with mbedTLS 2.28: the server certificate is
** either pinned (SHA-256 of its DER encoding) or verified against a CA file
** (or both). The only device file that calls the mbedTLS ssl/net/x509 API;
** mbedTLS codes become messages here.
*/
#ifndef DEVICE_TLS_H
#define DEVICE_TLS_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct tls_client;   /* shared settings: RNG, CA chain, pin; one per agent */
struct tls_conn;     /* one connection */

/*
** Creates the client. ca_file (PEM, may be NULL) and pin_hex (64 hex digits,
** colons allowed, may be NULL) are borrowed for the call; at least one must be
** given. timeout_ms bounds every read. *out: caller owns; tls_client_free().
*/
int tls_client_new(const char *ca_file, const char *pin_hex, int timeout_ms,
		   struct tls_client **out, struct dev_error *err);
void tls_client_free(struct tls_client *c);   /* NULL is a no-op */

/* Connects to host:port and completes the handshake, then checks the pin.
** *out: caller owns; tls_close(). */
int tls_connect(struct tls_client *c, const char *host, const char *port,
		struct tls_conn **out, struct dev_error *err);
/* Writes all of data (borrowed). */
int tls_write(struct tls_conn *t, const void *data, size_t len, struct dev_error *err);
/* Reads up to size bytes into buf; *got = 0 means the peer closed. */
int tls_read(struct tls_conn *t, void *buf, size_t size, size_t *got,
	     struct dev_error *err);
void tls_close(struct tls_conn *t);   /* sends close_notify; NULL is a no-op */

/* n random bytes from the client's generator (mbedTLS ctr_drbg) into buf:
** the nonces of polls. */
int tls_random(struct tls_client *c, void *buf, size_t n, struct dev_error *err);

/* The pin of the first certificate in a PEM file: SHA-256 of its DER bytes
** as 64 lowercase hex digits into hex (caller's, 65 bytes). */
int tls_cert_pin(const char *pem_file, char hex[65], struct dev_error *err);

#endif
