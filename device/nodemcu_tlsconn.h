/*
** nodemcu_tlsconn.h - the TLS client of the NodeMCU firmware as mbedTLS 2.28
** on a non-blocking host socket, with the firmware's profile
** (nodemcu-api.md §2, app/include/user_mbedtls.h): TLS 1.2 only; DHE-RSA,
** ECDHE-RSA and ECDHE-ECDSA with AES or Camellia; curves secp256r1/384r1,
** secp256k1, bp256r1/384r1; no MD5; max-fragment-length 4096 requested and
** records over 4 KB refused; the certificate message at most 4 KB; RSA keys up
** to 4096 bits, EC up to 384; at most 3 intermediate CAs; no SNI and no name
** check; no clock, so certificate dates are not checked. Lua-free.
*/
#ifndef DEVICE_NODEMCU_TLSCONN_H
#define DEVICE_NODEMCU_TLSCONN_H

#include <stddef.h>
#include <stdint.h>

#define TLSCONN_RECORD 4096   /* SSL_BUFFER_SIZE, user_config.h:131-132 */

struct tlsconn;

/* Return values of the I/O functions besides byte counts */
#define TLSCONN_WANT   (-1)     /* would block: poll and call again */
#define TLSCONN_CLOSED (-2)     /* close_notify or EOF from the peer */
#define TLSCONN_ERROR  (-3)     /* handshake, certificate or record failure */

/*
** Starts a client session on the connected socket fd (borrowed; the caller
** closes it). verify: check the server's chain against the nca certificates
** ca[i] (DER or PEM, ca_len[i] bytes; borrowed for the call); verify with no
** certificate fails every handshake. *out: caller owns; tlsconn_free().
** Returns 0 or -1 (msg, caller's 128 bytes, says why).
*/
int tlsconn_new(int fd, int verify, const uint8_t *const *ca, const size_t *ca_len,
		int nca, struct tlsconn **out, char msg[128]);
void tlsconn_free(struct tlsconn *t);   /* no close_notify; NULL is a no-op */

/* Advances the handshake: 0 done, TLSCONN_WANT, or TLSCONN_ERROR. */
int tlsconn_handshake(struct tlsconn *t);
/* Decrypted bytes (> 0), TLSCONN_WANT, TLSCONN_CLOSED or TLSCONN_ERROR. */
int tlsconn_read(struct tlsconn *t, uint8_t *buf, size_t n);
/* Bytes of one record written (> 0), TLSCONN_WANT or TLSCONN_ERROR. */
int tlsconn_write(struct tlsconn *t, const uint8_t *data, size_t n);
/* Decrypted bytes buffered inside (readable without polling). */
size_t tlsconn_pending(const struct tlsconn *t);
/* Sends close_notify (best effort). */
void tlsconn_close_notify(struct tlsconn *t);
/* The last failure, for the console (the Lua side sees only reasons). */
const char *tlsconn_error(const struct tlsconn *t);

#endif
