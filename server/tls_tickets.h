/* tls_tickets.h - the session-ticket keys of the HTTPS front end (RFC 5077):
** a current key that seals new tickets and the previous one, which still
** opens tickets (the client then gets a new one). Every `period` seconds the
** current key becomes the previous one and a fresh key is made, so a ticket is
** accepted for at most two periods. Keys are random and live in memory only:
** after a restart every client makes one full handshake. Thread-safe. */
#ifndef TLS_TICKETS_H
#define TLS_TICKETS_H

#include <pthread.h>

/* One key, in the layout OpenSSL's ticket callback takes: the 16-byte name
** sent in the ticket, an AES-256-CBC key and an HMAC-SHA256 key. */
struct tls_ticket_key {
	unsigned char name[16];
	unsigned char aes[32];
	unsigned char hmac[32];
};

struct tls_tickets {
	pthread_mutex_t mu;            /* guards everything below */
	struct tls_ticket_key cur;     /* seals new tickets */
	struct tls_ticket_key prev;    /* still opens tickets when have_prev */
	int have_prev;
	long long period;              /* seconds between rotations, >= 1 */
	long long next;                /* when the next rotation is due (seconds) */
};

/* Makes a random current key, due for rotation at now + period (seconds on
** any clock the caller keeps using). Returns 0, or -1 when the random
** generator fails (nothing to release then). */
int tls_tickets_init(struct tls_tickets *t, long long period, long long now);
/* Wipes the keys. */
void tls_tickets_release(struct tls_tickets *t);

/* The key that seals a ticket issued at now (rotating first if due). Returns
** 0, or -1 when a rotation needed random bytes and could not get them. */
int tls_tickets_current(struct tls_tickets *t, long long now, struct tls_ticket_key *out);
/* The key named name at now (rotating first if due): 1 the current key, 2 the
** previous one (the caller should issue a new ticket), 0 none (full
** handshake). */
int tls_tickets_find(struct tls_tickets *t, long long now, const unsigned char name[16],
                     struct tls_ticket_key *out);

#endif
