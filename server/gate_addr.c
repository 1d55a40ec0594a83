/* gate_addr.c - connections per client address: chained hash table of
** 16-byte keys (IPv4 as ::ffff:a.b.c.d, IPv6 cut to its /64). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "gate_addr.h"

struct gate_addr_node {
	struct gate_addr_node *next;
	unsigned char key[16];
	int count;
};

static void key_of(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 8);
	}
}

/* FNV-1a over the key, started from the table's random seed */
static size_t slot(const struct gate_addrs *a, const unsigned char key[16])
{
	uint64_t h = 14695981039346656037ull ^ a->seed;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)(h % a->nbuckets);
}

static struct gate_addr_node **find(const struct gate_addrs *a, const unsigned char key[16])
{
	struct gate_addr_node **p = &a->buckets[slot(a, key)];

	while (*p && memcmp((*p)->key, key, 16))
		p = &(*p)->next;
	return p;
}

int gate_addrs_init(struct gate_addrs *a, size_t n)
{
	a->nbuckets = n < 64 ? 64 : n;
	a->buckets = calloc(a->nbuckets, sizeof *a->buckets);
	if (RAND_bytes((unsigned char *)&a->seed, sizeof a->seed) != 1)
		a->seed = (uint64_t)(uintptr_t)a;
	return a->buckets ? 0 : -1;
}

void gate_addrs_release(struct gate_addrs *a)
{
	size_t i;

	for (i = 0; a->buckets && i < a->nbuckets; i++)
		while (a->buckets[i]) {
			struct gate_addr_node *n = a->buckets[i];

			a->buckets[i] = n->next;
			free(n);
		}
	free(a->buckets);
	a->buckets = NULL;
}

int gate_addrs_take(struct gate_addrs *a, const struct sockaddr *sa, int max)
{
	unsigned char key[16];
	struct gate_addr_node **p, *n;

	key_of(sa, key);
	p = find(a, key);
	if (*p) {
		if ((*p)->count >= max)
			return 1;
		(*p)->count++;
		return 0;
	}
	n = malloc(sizeof *n);
	if (!n)
		return -1;
	memcpy(n->key, key, 16);
	n->count = 1;
	n->next = NULL;
	*p = n;
	return 0;
}

void gate_addrs_drop(struct gate_addrs *a, const struct sockaddr *sa)
{
	unsigned char key[16];
	struct gate_addr_node **p, *n;

	key_of(sa, key);
	p = find(a, key);
	if (!*p || --(*p)->count > 0)
		return;
	n = *p;
	*p = n->next;
	free(n);
}

int gate_addrs_count(const struct gate_addrs *a, const struct sockaddr *sa)
{
	unsigned char key[16];
	struct gate_addr_node **p;

	key_of(sa, key);
	p = find(a, key);
	return *p ? (*p)->count : 0;
}
