/* tls_tickets.c - session-ticket keys: one per period, the current and the
** previous period's; a new period's key is made when a ticket is first sealed
** or opened in it. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tls_tickets.h"

static int fresh(struct tls_ticket_key *k)
{
	return RAND_bytes((unsigned char *)k, sizeof *k) == 1 ? 0 : -1;
}

/* Called with t->mu held: moves to now's period. The current key becomes the
** previous one only when now is in the very next period; after a quiet spell
** of a whole period or more, its tickets are too old and it goes as well. */
static int rotate(struct tls_tickets *t, long long now)
{
	long long e = now > t->start ? (now - t->start) / t->period : 0;
	struct tls_ticket_key k;

	if (e <= t->epoch)
		return 0;
	if (fresh(&k))
		return -1;
	t->have_prev = e == t->epoch + 1;
	if (t->have_prev)
		t->prev = t->cur;
	t->cur = k;
	t->epoch = e;
	OPENSSL_cleanse(&k, sizeof k);
	return 0;
}

int tls_tickets_init(struct tls_tickets *t, long long period, long long now)
{
	memset(t, 0, sizeof *t);
	if (fresh(&t->cur))
		return -1;
	t->period = period < 1 ? 1 : period;
	t->start = now;
	pthread_mutex_init(&t->mu, NULL);
	return 0;
}

void tls_tickets_release(struct tls_tickets *t)
{
	pthread_mutex_destroy(&t->mu);
	OPENSSL_cleanse(&t->cur, sizeof t->cur);
	OPENSSL_cleanse(&t->prev, sizeof t->prev);
}

int tls_tickets_current(struct tls_tickets *t, long long now, struct tls_ticket_key *out)
{
	int ret;

	pthread_mutex_lock(&t->mu);
	ret = rotate(t, now);
	*out = t->cur;
	pthread_mutex_unlock(&t->mu);
	return ret;
}

int tls_tickets_find(struct tls_tickets *t, long long now, const unsigned char name[16],
                     struct tls_ticket_key *out)
{
	int found = 0;

	pthread_mutex_lock(&t->mu);
	rotate(t, now);   /* on failure the old keys stay: still correct */
	if (!memcmp(name, t->cur.name, sizeof t->cur.name)) {
		*out = t->cur;
		found = 1;
	} else if (t->have_prev && !memcmp(name, t->prev.name, sizeof t->prev.name)) {
		*out = t->prev;
		found = 2;
	}
	pthread_mutex_unlock(&t->mu);
	return found;
}
