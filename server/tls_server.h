/* tls_server.h - the TLS side of lfsd's HTTPS front end (OpenSSL): protocol
** versions, cipher suites, groups, the certificate, the session cache and
** session tickets with rotated keys. The one server file that configures
** OpenSSL's libssl; gate_tls.c drives the connections it makes.
** server/README.md ("TLS") says what is offered and why. */
#ifndef TLS_SERVER_H
#define TLS_SERVER_H

#include <stddef.h>

#include <openssl/ssl.h>

struct tls_server;

/* Makes the configuration from a PEM certificate chain (leaf first) and its
** PEM private key (both borrowed, copied). ticket_period: seconds between
** session-ticket key rotations (tls_tickets.h); sessions (cache and tickets)
** live less than two periods. Returns it (caller owns: tls_server_free()) or NULL with the reason
** in err. */
struct tls_server *tls_server_new(const char *cert_pem, const char *key_pem,
                                  long long ticket_period, char *err, size_t errsize);
/* Frees it; NULL is a no-op. Every SSL made from it must be freed first. */
void tls_server_free(struct tls_server *s);

/* A server-side SSL with this configuration and no BIO yet (the caller sets
** it). Returns it (caller owns: SSL_free()) or NULL. */
SSL *tls_server_ssl(struct tls_server *s);

/* Why the last OpenSSL call on this thread failed, into buf (for logs). */
void tls_server_error(char *buf, size_t size);

#endif
