/*
** tls.c - mbedTLS client glue: pinned or CA-verified server certificates.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include "tls.h"

struct tls_client {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;        /* CA chain (empty without a CA file) */
	mbedtls_ssl_config conf;
	int has_ca;
	int has_pin;
	uint8_t pin[32];            /* SHA-256 of the server certificate (DER) */
};

struct tls_conn {
	struct tls_client *client;  /* borrowed */
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
};

static int tls_fail(struct dev_error *err, int rc, const char *what)
{
	char msg[128];

	mbedtls_strerror(rc, msg, sizeof msg);
	return dev_error_set(err, DEV_ERR_NET, "%s: %s (-0x%04x)", what, msg, (unsigned)-rc);
}

static int parse_pin(const char *hex, uint8_t pin[32])
{
	int n = 0;
	unsigned v;

	for (; *hex && n < 32; ) {
		if (*hex == ':') {
			hex++;
			continue;
		}
		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]) ||
		    sscanf(hex, "%2x", &v) != 1)
			return -1;
		pin[n++] = (uint8_t)v;
		hex += 2;
	}
	return n == 32 && !*hex ? 0 : -1;
}

int tls_client_new(const char *ca_file, const char *pin_hex, int timeout_ms,
		   struct tls_client **out, struct dev_error *err)
{
	int ret = DEV_ERR_NET, rc;
	struct tls_client *c = NULL;
	static const char pers[] = "lfs-device";

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	mbedtls_entropy_init(&c->entropy);
	mbedtls_ctr_drbg_init(&c->drbg);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_ssl_config_init(&c->conf);
	if (!ca_file && !pin_hex) {
		ret = dev_error_set(err, DEV_ERR_USAGE,
				    "need --pin-sha256 or --ca to authenticate the server");
		goto out;
	}
	if (pin_hex) {
		if (parse_pin(pin_hex, c->pin)) {
			ret = dev_error_set(err, DEV_ERR_USAGE,
					    "--pin-sha256 '%s' is not 64 hex digits", pin_hex);
			goto out;
		}
		c->has_pin = 1;
	}
	if (ca_file) {
		if ((rc = mbedtls_x509_crt_parse_file(&c->ca, ca_file))) {
			char what[300];
			snprintf(what, sizeof what, "cannot load CA file '%s'", ca_file);
			ret = tls_fail(err, rc, what);
			goto out;
		}
		c->has_ca = 1;
	}
	if ((rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
					(const uint8_t *)pers, sizeof pers - 1))) {
		ret = tls_fail(err, rc, "cannot seed the random generator");
		goto out;
	}
	if ((rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
					      MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT))) {
		ret = tls_fail(err, rc, "cannot set up TLS");
		goto out;
	}
	/* with a pin only, the pin check after the handshake is the authentication */
	mbedtls_ssl_conf_authmode(&c->conf, c->has_ca ? MBEDTLS_SSL_VERIFY_REQUIRED
						      : MBEDTLS_SSL_VERIFY_NONE);
	if (c->has_ca)
		mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
	mbedtls_ssl_conf_read_timeout(&c->conf, (uint32_t)timeout_ms);
	*out = c;
	c = NULL;
	ret = DEV_OK;
out:
	tls_client_free(c);
	return ret;
}

int tls_random(struct tls_client *c, void *buf, size_t n, struct dev_error *err)
{
	int rc = mbedtls_ctr_drbg_random(&c->drbg, buf, n);

	return rc ? tls_fail(err, rc, "no random bytes") : DEV_OK;
}

void tls_client_free(struct tls_client *c)
{
	if (!c)
		return;
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_entropy_free(&c->entropy);
	free(c);
}

static int check_pin(struct tls_conn *t, struct dev_error *err)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&t->ssl);
	uint8_t md[32];
	char got[65];
	int i;

	if (!crt)
		return dev_error_set(err, DEV_ERR_NET, "server sent no certificate");
	mbedtls_sha256_ret(crt->raw.p, crt->raw.len, md, 0);
	if (!memcmp(md, t->client->pin, 32))
		return DEV_OK;
	for (i = 0; i < 32; i++)
		snprintf(got + 2 * i, 3, "%02x", md[i]);
	return dev_error_set(err, DEV_ERR_NET,
			     "server certificate does not match the pin (sha256 %s)", got);
}

int tls_connect(struct tls_client *c, const char *host, const char *port,
		struct tls_conn **out, struct dev_error *err)
{
	int ret = DEV_ERR_NET, rc;
	struct tls_conn *t = NULL;
	char what[300];

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return dev_error_set(err, DEV_ERR_MEM, "out of memory");
	t->client = c;
	mbedtls_net_init(&t->net);
	mbedtls_ssl_init(&t->ssl);
	if ((rc = mbedtls_net_connect(&t->net, host, port, MBEDTLS_NET_PROTO_TCP))) {
		snprintf(what, sizeof what, "cannot connect to %s:%s", host, port);
		ret = tls_fail(err, rc, what);
		goto out;
	}
	if ((rc = mbedtls_ssl_setup(&t->ssl, &c->conf)) ||
	    (rc = mbedtls_ssl_set_hostname(&t->ssl, host))) {
		ret = tls_fail(err, rc, "cannot set up the TLS session");
		goto out;
	}
	mbedtls_ssl_set_bio(&t->ssl, &t->net, mbedtls_net_send, NULL,
			    mbedtls_net_recv_timeout);
	while ((rc = mbedtls_ssl_handshake(&t->ssl))) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
			char info[256];
			mbedtls_x509_crt_verify_info(info, sizeof info, "",
						     mbedtls_ssl_get_verify_result(&t->ssl));
			info[strcspn(info, "\n")] = '\0';
			ret = dev_error_set(err, DEV_ERR_NET,
					    "server certificate rejected by the CA file: %s", info);
			goto out;
		}
		snprintf(what, sizeof what, "TLS handshake with %s:%s failed", host, port);
		ret = tls_fail(err, rc, what);
		goto out;
	}
	if (c->has_pin && (ret = check_pin(t, err)))
		goto out;
	*out = t;
	t = NULL;
	ret = DEV_OK;
out:
	if (t) {
		mbedtls_ssl_free(&t->ssl);
		mbedtls_net_free(&t->net);
		free(t);
	}
	return ret;
}

int tls_write(struct tls_conn *t, const void *data, size_t len, struct dev_error *err)
{
	size_t done = 0;
	int rc;

	while (done < len) {
		rc = mbedtls_ssl_write(&t->ssl, (const uint8_t *)data + done, len - done);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc < 0)
			return tls_fail(err, rc, "TLS write failed");
		done += (size_t)rc;
	}
	return DEV_OK;
}

int tls_read(struct tls_conn *t, void *buf, size_t size, size_t *got,
	     struct dev_error *err)
{
	int rc;

	*got = 0;
	for (;;) {
		rc = mbedtls_ssl_read(&t->ssl, buf, size);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == 0)
			return DEV_OK;
		if (rc == MBEDTLS_ERR_SSL_TIMEOUT)
			return dev_error_set(err, DEV_ERR_NET, "read timed out");
		if (rc < 0)
			return tls_fail(err, rc, "connection lost");
		*got = (size_t)rc;
		return DEV_OK;
	}
}

void tls_close(struct tls_conn *t)
{
	if (!t)
		return;
	mbedtls_ssl_close_notify(&t->ssl);
	mbedtls_ssl_free(&t->ssl);
	mbedtls_net_free(&t->net);
	free(t);
}

int tls_cert_pin(const char *pem_file, char hex[65], struct dev_error *err)
{
	mbedtls_x509_crt crt;
	uint8_t md[32];
	char what[300];
	int rc, i;

	mbedtls_x509_crt_init(&crt);
	rc = mbedtls_x509_crt_parse_file(&crt, pem_file);
	if (rc) {
		mbedtls_x509_crt_free(&crt);
		snprintf(what, sizeof what, "cannot read certificate '%s'", pem_file);
		return tls_fail(err, rc, what);
	}
	mbedtls_sha256_ret(crt.raw.p, crt.raw.len, md, 0);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	mbedtls_x509_crt_free(&crt);
	return DEV_OK;
}
