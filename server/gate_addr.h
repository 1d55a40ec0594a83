/* gate_addr.h - connections per client address, for the gate's per-address
** limit: a chained hash table keyed by the IPv4 address or the IPv6 /64 (one
** IPv6 host owns a whole /64, so counting single IPv6 addresses would limit
** nothing). Not thread-safe: the gate holds its lock around every call. */
#ifndef GATE_ADDR_H
#define GATE_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct gate_addr_node;

struct gate_addrs {
	struct gate_addr_node **buckets;   /* owned */
	size_t nbuckets;
	uint64_t seed;                     /* random: chains an attacker cannot aim at */
};

/* Sizes the table for about n addresses. Returns 0 or -1 (no memory). */
int gate_addrs_init(struct gate_addrs *a, size_t n);
/* Frees every node and the table. */
void gate_addrs_release(struct gate_addrs *a);

/* Counts one more connection from sa (borrowed) unless it has max already.
** Returns 0 counted, 1 at the limit (not counted), -1 no memory. */
int gate_addrs_take(struct gate_addrs *a, const struct sockaddr *sa, int max);
/* Counts one connection from sa less (after a 0 from gate_addrs_take). */
void gate_addrs_drop(struct gate_addrs *a, const struct sockaddr *sa);
/* Connections counted for sa now. */
int gate_addrs_count(const struct gate_addrs *a, const struct sockaddr *sa);

#endif
