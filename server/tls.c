/* tls.c - mbedTLS glue: certificate and key generation (x509write), random
** bytes. The one server file that calls mbedTLS (besides hash.c's digest)
** and maps its error codes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "fsutil.h"
#include "log.h"
#include "tls.h"

static int fail(int rc, const char *what)
{
	char msg[160];

	mbedtls_strerror(rc, msg, sizeof msg);
	return log_error("%s: %s (-0x%04x)", what, msg, (unsigned)-rc);
}

int tls_init(struct tls_keys *k)
{
	static const char pers[] = "lfsd";
	int rc;

	memset(k, 0, sizeof *k);
	pthread_mutex_init(&k->mu, NULL);
	mbedtls_entropy_init(&k->entropy);
	mbedtls_ctr_drbg_init(&k->drbg);
	rc = mbedtls_ctr_drbg_seed(&k->drbg, mbedtls_entropy_func, &k->entropy,
	                           (const unsigned char *)pers, sizeof pers - 1);
	if (rc)
		return fail(rc, "cannot seed random generator");
	return 0;
}

void tls_release(struct tls_keys *k)
{
	mbedtls_ctr_drbg_free(&k->drbg);
	mbedtls_entropy_free(&k->entropy);
	free(k->cert_pem);
	free(k->key_pem);
	k->cert_pem = k->key_pem = NULL;
}

int tls_random(struct tls_keys *k, uint8_t *buf, size_t n)
{
	int rc;

	pthread_mutex_lock(&k->mu);
	rc = mbedtls_ctr_drbg_random(&k->drbg, buf, n);
	pthread_mutex_unlock(&k->mu);
	return rc ? fail(rc, "random") : 0;
}

static int gen_ec_key(struct tls_keys *k, mbedtls_pk_context *pk)
{
	int rc = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

	if (rc)
		return fail(rc, "pk setup");
	pthread_mutex_lock(&k->mu);
	rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk),
	                         mbedtls_ctr_drbg_random, &k->drbg);
	pthread_mutex_unlock(&k->mu);
	return rc ? fail(rc, "cannot generate P-256 key") : 0;
}

/* subjectAltName: SEQUENCE { dNSName "localhost", iPAddress 127.0.0.1 } */
static const unsigned char san_der[] = {
	0x30, 0x11, 0x82, 0x09, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
	0x87, 0x04, 127, 0, 0, 1
};

static int gen_cert(struct tls_keys *k, const char *certfile, const char *keyfile)
{
	mbedtls_pk_context pk;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	unsigned char buf[4096];
	char from[16], to[16];
	time_t now = time(NULL) - 86400;
	struct tm tm;
	uint8_t rnd[16];
	int rc, ret = -1;

	mbedtls_pk_init(&pk);
	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	if (gen_ec_key(k, &pk) || tls_random(k, rnd, sizeof rnd))
		goto out;
	rnd[0] &= 0x7f;
	gmtime_r(&now, &tm);
	strftime(from, sizeof from, "%Y%m%d%H%M%S", &tm);
	now += 10L * 366 * 86400;
	gmtime_r(&now, &tm);
	strftime(to, sizeof to, "%Y%m%d%H%M%S", &tm);
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, &pk);
	mbedtls_x509write_crt_set_issuer_key(&crt, &pk);
	if ((rc = mbedtls_mpi_read_binary(&serial, rnd, sizeof rnd)) ||
	    (rc = mbedtls_x509write_crt_set_serial(&crt, &serial)) ||
	    (rc = mbedtls_x509write_crt_set_subject_name(&crt, "CN=localhost,O=lfsd")) ||
	    (rc = mbedtls_x509write_crt_set_issuer_name(&crt, "CN=localhost,O=lfsd")) ||
	    (rc = mbedtls_x509write_crt_set_validity(&crt, from, to)) ||
	    (rc = mbedtls_x509write_crt_set_basic_constraints(&crt, 1, 0)) ||
	    (rc = mbedtls_x509write_crt_set_subject_key_identifier(&crt)) ||
	    (rc = mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
	            MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san_der,
	            sizeof san_der))) {
		fail(rc, "cannot build certificate");
		goto out;
	}
	pthread_mutex_lock(&k->mu);
	rc = mbedtls_x509write_crt_pem(&crt, buf, sizeof buf, mbedtls_ctr_drbg_random,
	                               &k->drbg);
	pthread_mutex_unlock(&k->mu);
	if (rc) {
		fail(rc, "cannot write certificate");
		goto out;
	}
	if (fsutil_write_durable(certfile, (char *)buf, strlen((char *)buf), 0644))
		goto out;
	if ((rc = mbedtls_pk_write_key_pem(&pk, buf, sizeof buf))) {
		fail(rc, "cannot write key");
		goto out;
	}
	if (fsutil_write_durable(keyfile, (char *)buf, strlen((char *)buf), 0600))
		goto out;
	log_info("generated self-signed TLS certificate '%s'", certfile);
	ret = 0;
out:
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	mbedtls_pk_free(&pk);
	return ret;
}

int tls_load_cert(struct tls_keys *k, const char *dir, const char *cert_file,
                  const char *key_file)
{
	char cert[700], key[700];

	if (cert_file[0]) {
		snprintf(cert, sizeof cert, "%s", cert_file);
		snprintf(key, sizeof key, "%s", key_file);
	} else {
		if (fsutil_mkdir_p(dir, 0700))
			return -1;
		snprintf(cert, sizeof cert, "%s/cert.pem", dir);
		snprintf(key, sizeof key, "%s/key.pem", dir);
		if (access(cert, R_OK) || access(key, R_OK))
			if (gen_cert(k, cert, key))
				return -1;
	}
	if (fsutil_read_file(cert, 1 << 20, &k->cert_pem, NULL) ||
	    fsutil_read_file(key, 1 << 20, &k->key_pem, NULL))
		return log_error("cannot read TLS certificate '%s' or key '%s'", cert, key);
	return 0;
}
