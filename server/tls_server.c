/* tls_server.c - OpenSSL configuration of the HTTPS front end: TLS 1.2 and
** 1.3 only, ECDHE suites an ESP8266 speaks (AES-GCM and AES-CBC with ECDSA or
** RSA certificates), max_fragment_length honoured (RFC 6066 §4: OpenSSL
** obeys a client's request), a server-side session cache and session tickets
** whose keys tls_tickets.c rotates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "tls_server.h"
#include "tls_tickets.h"

/* TLS 1.2 suites, in the server's order of preference. ECDHE only (forward
** secrecy; NodeMCU's mbedTLS has no static-RSA or PSK exchange,
** nodemcu-api.md §2); AES-128-GCM first: AES-NI makes it the cheapest here,
** and the ESP8266 TLS stacks (NodeMCU's mbedTLS, BearSSL) offer
** it. The CBC suites stay for clients built without GCM. The
** ECDSA or the RSA half applies, by the certificate's key. TLS 1.3 keeps
** OpenSSL's three AEAD suites. */
static const char suites12[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:"
	"ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:"
	"ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
	"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-RSA-CHACHA20-POLY1305:"
	"ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:"
	"ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA";
/* key exchange groups: the ESP8266's mbedTLS has secp256r1 and secp384r1 */
static const char groups[] = "X25519:P-256:P-384";
/* sessions kept for resumption by session id (TLS 1.2 clients without tickets) */
#define CACHE_SIZE 20480

struct tls_server {
	SSL_CTX *ctx;                 /* owned */
	struct tls_tickets tickets;   /* the ticket keys */
};

void tls_server_error(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "unknown error");
	ERR_clear_error();
}

static long long mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/* OpenSSL's ticket callback (SSL_CTX_set_tlsext_ticket_key_evp_cb): seal
** with the current key; open with the key the ticket names. Returns 1, 2
** (opened with the previous key: issue a new ticket), 0 (no ticket / unknown
** key: full handshake) or -1 (error). */
static int ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
                     EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct tls_server *s = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	struct tls_ticket_key k;
	OSSL_PARAM params[3];
	int ret = 1;

	if (enc) {
		if (tls_tickets_current(&s->tickets, mono_seconds(), &k) ||
		    RAND_bytes(iv, EVP_CIPHER_iv_length(EVP_aes_256_cbc())) != 1)
			return 0;
		memcpy(name, k.name, sizeof k.name);
		if (!EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv))
			ret = -1;
	} else {
		ret = tls_tickets_find(&s->tickets, mono_seconds(), name, &k);
		if (ret && !EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv))
			ret = -1;
	}
	if (ret > 0) {
		params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac,
		                                              sizeof k.hmac);
		params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		                                             (char *)"SHA256", 0);
		params[2] = OSSL_PARAM_construct_end();
		if (!EVP_MAC_CTX_set_params(hctx, params))
			ret = -1;
	}
	OPENSSL_cleanse(&k, sizeof k);
	return ret;
}

/* The chain (leaf first) and the key from PEM text. Returns 0 or -1. */
static int load_identity(SSL_CTX *ctx, const char *cert_pem, const char *key_pem)
{
	BIO *b = BIO_new_mem_buf(cert_pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	EVP_PKEY *pk = NULL;
	int ret = -1;

	if (!x || SSL_CTX_use_certificate(ctx, x) != 1)
		goto out;
	X509_free(x);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1)   /* takes x on success */
			goto out;
	ERR_clear_error();   /* the end of the PEM text */
	BIO_free(b);
	b = BIO_new_mem_buf(key_pem, -1);
	pk = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	if (pk && SSL_CTX_use_PrivateKey(ctx, pk) == 1 && SSL_CTX_check_private_key(ctx) == 1)
		ret = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	BIO_free(b);
	return ret;
}

/* Versions, suites, groups, modes, cache and tickets. Returns 0 or -1. */
static int configure(struct tls_server *s, long long ticket_period)
{
	SSL_CTX *ctx = s->ctx;
	static const unsigned char sid_ctx[] = "lfsd";

	SSL_CTX_set_app_data(ctx, s);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
	                    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* buffers released while a connection is idle */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* read what the socket has, not a record header and then its body */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, CACHE_SIZE);
	SSL_CTX_set_timeout(ctx, (long)(2 * ticket_period));
	SSL_CTX_set_num_tickets(ctx, 1);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, suites12) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, groups) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1) != 1 ||
	    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb) != 1)
		return -1;
	return 0;
}

struct tls_server *tls_server_new(const char *cert_pem, const char *key_pem,
                                  long long ticket_period, char *err, size_t errsize)
{
	struct tls_server *s = calloc(1, sizeof *s);
	char why[200];

	if (!s) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	if (tls_tickets_init(&s->tickets, ticket_period, mono_seconds())) {
		free(s);
		snprintf(err, errsize, "cannot make session-ticket keys");
		return NULL;
	}
	s->ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ctx || configure(s, ticket_period)) {
		tls_server_error(why, sizeof why);
		snprintf(err, errsize, "cannot configure TLS: %s", why);
		tls_server_free(s);
		return NULL;
	}
	if (load_identity(s->ctx, cert_pem, key_pem)) {
		tls_server_error(why, sizeof why);
		snprintf(err, errsize, "cannot use the TLS certificate or key: %s", why);
		tls_server_free(s);
		return NULL;
	}
	return s;
}

void tls_server_free(struct tls_server *s)
{
	if (!s)
		return;
	SSL_CTX_free(s->ctx);
	tls_tickets_release(&s->tickets);
	free(s);
}

SSL *tls_server_ssl(struct tls_server *s)
{
	SSL *ssl = SSL_new(s->ctx);

	if (ssl)
		SSL_set_accept_state(ssl);
	return ssl;
}
