/* tls_tickets.c - session-ticket keys: current and previous, rotated every
** period seconds, checked lazily whenever a ticket is sealed or opened. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tls_tickets.h"

static int fresh(struct tls_ticket_key *k)
{
	return RAND_bytes((unsigned char *)k, sizeof *k) == 1 ? 0 : -1;
}

/* Called with t->mu held. A key is demoted once; after two periods without
** a rotation (no TLS traffic) the previous key is dropped as well. */
static int rotate(struct tls_tickets *t, long long now)
{
	struct tls_ticket_key k;

	if (now < t->next)
		return 0;
	if (fresh(&k))
		return -1;
	t->have_prev = now < t->next + t->period;
	if (t->have_prev)
		t->prev = t->cur;
	t->cur = k;
	t->next = now + t->period;
	OPENSSL_cleanse(&k, sizeof k);
	return 0;
}

int tls_tickets_init(struct tls_tickets *t, long long period, long long now)
{
	memset(t, 0, sizeof *t);
	if (fresh(&t->cur))
		return -1;
	t->period = period < 1 ? 1 : period;
	t->next = now + t->period;
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
