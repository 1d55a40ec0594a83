/* tls_tickets.h - the session-ticket keys of the HTTPS front end (RFC 5077).
** Time is cut into periods of `period` seconds from the start. A fresh random
** key seals the tickets of each period; the previous period's key still opens
** tickets (the client then gets a new one); older keys are gone. A ticket is
** thus accepted until the end of the period after the one it was sealed in:
** for at least one period and less than two. Keys live in memory only: after
** a restart every client makes one full handshake. Thread-safe. */
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
	struct tls_ticket_key cur;     /* seals the tickets of period `epoch` */
	struct tls_ticket_key prev;    /* the key of period epoch - 1, when have_prev */
	int have_prev;
	long long period;              /* seconds, >= 1 */
	long long start;               /* when period 0 began (seconds) */
	long long epoch;               /* the period cur belongs to */
};

/* Makes the key of the period that starts at now (seconds on any clock the
** caller keeps using). Returns 0, or -1 when the random generator fails
** (nothing to release then). */
int tls_tickets_init(struct tls_tickets *t, long long period, long long now);
/* Wipes the keys. */
void tls_tickets_release(struct tls_tickets *t);

/* The key that seals a ticket issued at now (making the period's key first if
** it is new). Returns 0, or -1 when a new key needed random bytes and could
** not get them. */
int tls_tickets_current(struct tls_tickets *t, long long now, struct tls_ticket_key *out);
/* The key named name at now: 1 the current period's key, 2 the previous
** period's (the caller should issue a new ticket), 0 none (full handshake). */
int tls_tickets_find(struct tls_tickets *t, long long now, const unsigned char name[16],
                     struct tls_ticket_key *out);

#endif
