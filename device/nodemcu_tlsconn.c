/*
** nodemcu_tlsconn.c - the firmware's TLS client profile on mbedTLS 2.28; see
** nodemcu_tlsconn.h. The receive side counts TLS record headers so that a
** record the firmware's 4 KB buffers could not hold fails the connection.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>
#include "nodemcu_tlsconn.h"

/* the largest record body a 4096-byte buffer takes: content + IV + MAC + padding */
#define MAX_RECORD_BODY (TLSCONN_RECORD + 16 + 48 + 256)
#define MAX_SUITES 64

struct tlsconn {
	int fd;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca;
	int suites[MAX_SUITES + 1];
	uint8_t hdr[5];           /* record header being read */
	size_t hdr_len;
	size_t body_left;         /* bytes of the current record still to come */
	char error[200];
};

static const mbedtls_ecp_group_id curves[] = {
	MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_SECP256K1,
	MBEDTLS_ECP_DP_BP256R1, MBEDTLS_ECP_DP_BP384R1, MBEDTLS_ECP_DP_NONE
};
static const int hashes[] = {
	MBEDTLS_MD_SHA512, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA224,
	MBEDTLS_MD_SHA1, MBEDTLS_MD_NONE
};

/* user_mbedtls.h:96-106: no static RSA, no PSK; AES and Camellia only */
static void pick_suites(struct tlsconn *t)
{
	const int *id;
	int n = 0;

	for (id = mbedtls_ssl_list_ciphersuites(); *id && n < MAX_SUITES; id++) {
		const char *name = mbedtls_ssl_get_ciphersuite_name(*id);
		if ((strncmp(name, "TLS-ECDHE-ECDSA-", 16) && strncmp(name, "TLS-ECDHE-RSA-", 14) &&
		     strncmp(name, "TLS-DHE-RSA-", 12)) ||
		    (!strstr(name, "-AES-") && !strstr(name, "-CAMELLIA-")))
			continue;
		t->suites[n++] = *id;
	}
	t->suites[n] = 0;
}

/* Counts record headers in what arrives; a record over the firmware's
** buffer fails the connection like the device's mbedTLS would. */
static int scan(struct tlsconn *t, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k;
		if (t->body_left) {
			k = n < t->body_left ? n : t->body_left;
			t->body_left -= k;
			p += k;
			n -= k;
			continue;
		}
		t->hdr[t->hdr_len++] = *p++;
		n--;
		if (t->hdr_len < 5)
			continue;
		t->hdr_len = 0;
		t->body_left = (size_t)t->hdr[3] << 8 | t->hdr[4];
		if (t->body_left > MAX_RECORD_BODY) {
			snprintf(t->error, sizeof t->error, "a %zu-byte TLS record exceeds the "
				 "4 KB buffer (nodemcu-api.md §2)", t->body_left);
			return -1;
		}
	}
	return 0;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tlsconn *t = ctx;
	ssize_t r = read(t->fd, buf, len);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ
							  : MBEDTLS_ERR_NET_RECV_FAILED;
	if (r > 0 && scan(t, buf, (size_t)r))
		return MBEDTLS_ERR_SSL_INVALID_RECORD;
	return (int)r;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tlsconn *t = ctx;
	ssize_t w = write(t->fd, buf, len);

	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_WRITE
							  : MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)w;
}

/* Chain only (§2): no dates (no clock), at most 3 intermediates, key sizes. */
static int check_cert(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	size_t bits = mbedtls_pk_get_bitlen(&crt->pk);

	(void)ctx;
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
			      MBEDTLS_X509_BADCERT_CN_MISMATCH);
	if (depth > 4)
		*flags |= MBEDTLS_X509_BADCERT_OTHER;
	if ((mbedtls_pk_get_type(&crt->pk) == MBEDTLS_PK_RSA && bits > 4096) ||
	    (mbedtls_pk_can_do(&crt->pk, MBEDTLS_PK_ECKEY) && bits > 384))
		*flags |= MBEDTLS_X509_BADCERT_BAD_KEY;
	return 0;
}

/* one certificate, DER or PEM (mbedtls_x509_crt_parse wants a PEM's NUL) */
static int add_ca(struct tlsconn *t, const uint8_t *der, size_t len)
{
	uint8_t *copy = malloc(len + 1);
	int rc;

	if (!copy)
		return MBEDTLS_ERR_X509_ALLOC_FAILED;
	memcpy(copy, der, len);
	copy[len] = '\0';
	rc = mbedtls_x509_crt_parse(&t->ca, copy, len + (len && der[0] == '-'));
	free(copy);
	return rc < 0 ? rc : 0;
}

static int setup(struct tlsconn *t, int verify, const uint8_t *const *ca,
		 const size_t *ca_len, int nca)
{
	static const char pers[] = "lfs-device nodemcu tls";
	int rc, i;

	if ((rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
					(const unsigned char *)pers, sizeof pers - 1)) ||
	    (rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
					      MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT)))
		return rc;
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	mbedtls_ssl_conf_min_version(&t->conf, 3, 3);   /* TLS 1.2 only */
	mbedtls_ssl_conf_max_version(&t->conf, 3, 3);
	pick_suites(t);
	mbedtls_ssl_conf_ciphersuites(&t->conf, t->suites);
	mbedtls_ssl_conf_curves(&t->conf, curves);
	mbedtls_ssl_conf_sig_hashes(&t->conf, hashes);
	mbedtls_ssl_conf_max_frag_len(&t->conf, MBEDTLS_SSL_MAX_FRAG_LEN_4096);
	mbedtls_ssl_conf_renegotiation(&t->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	mbedtls_ssl_conf_verify(&t->conf, check_cert, t);
	for (i = 0; verify && i < nca; i++)
		if ((rc = add_ca(t, ca[i], ca_len[i])))
			return rc;
	/* §13 Q3, the harsher answer: verification with no certificate fails */
	mbedtls_ssl_conf_authmode(&t->conf, verify ? MBEDTLS_SSL_VERIFY_REQUIRED
						   : MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	if ((rc = mbedtls_ssl_setup(&t->ssl, &t->conf)))
		return rc;
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);   /* no SNI, no name */
	return 0;
}

int tlsconn_new(int fd, int verify, const uint8_t *const *ca, const size_t *ca_len,
		int nca, struct tlsconn **out, char msg[128])
{
	struct tlsconn *t = calloc(1, sizeof *t);
	int rc;

	*out = NULL;
	if (!t) {
		snprintf(msg, 128, "out of memory");
		return -1;
	}
	t->fd = fd;
	mbedtls_entropy_init(&t->entropy);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ssl_init(&t->ssl);
	mbedtls_x509_crt_init(&t->ca);
	if ((rc = setup(t, verify, ca, ca_len, nca))) {
		mbedtls_strerror(rc, msg, 128);
		tlsconn_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void tlsconn_free(struct tlsconn *t)
{
	if (!t)
		return;
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
	free(t);
}

static int failed(struct tlsconn *t, int rc, const char *what)
{
	char m[64];

	if (!t->error[0]) {
		mbedtls_strerror(rc, m, sizeof m);
		snprintf(t->error, sizeof t->error, "%s: %s (-0x%04x)", what, m, (unsigned)-rc);
	}
	return TLSCONN_ERROR;
}

/* The certificate message must fit one 4 KB handshake buffer (§2). */
static int chain_fits(struct tlsconn *t)
{
	const mbedtls_x509_crt *c = mbedtls_ssl_get_peer_cert(&t->ssl);
	size_t n = 4 + 3;   /* handshake header + certificate_list length */

	for (; c && c->raw.len; c = c->next)
		n += 3 + c->raw.len;
	if (n <= TLSCONN_RECORD)
		return 1;
	snprintf(t->error, sizeof t->error, "the server's certificate message (%zu bytes) "
		 "exceeds the 4 KB handshake buffer", n);
	return 0;
}

int tlsconn_handshake(struct tlsconn *t)
{
	int rc = mbedtls_ssl_handshake(&t->ssl);

	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLSCONN_WANT;
	if (rc)
		return failed(t, rc, "SSL handshake failed");
	return chain_fits(t) ? 0 : TLSCONN_ERROR;
}

int tlsconn_read(struct tlsconn *t, uint8_t *buf, size_t n)
{
	int rc = mbedtls_ssl_read(&t->ssl, buf, n);

	if (rc > 0)
		return rc;
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLSCONN_WANT;
	if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF)
		return TLSCONN_CLOSED;
	return failed(t, rc, "TLS read failed");
}

int tlsconn_write(struct tlsconn *t, const uint8_t *data, size_t n)
{
	int rc = mbedtls_ssl_write(&t->ssl, data, n);

	if (rc > 0)
		return rc;
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLSCONN_WANT;
	return failed(t, rc, "TLS write failed");
}

size_t tlsconn_pending(const struct tlsconn *t)
{
	return mbedtls_ssl_get_bytes_avail(&t->ssl);
}

void tlsconn_close_notify(struct tlsconn *t)
{
	mbedtls_ssl_close_notify(&t->ssl);
}

const char *tlsconn_error(const struct tlsconn *t)
{
	return t->error[0] ? t->error : "unknown TLS failure";
}
