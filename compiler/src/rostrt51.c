/*
** rostrt51.c - the read-only string table of a 5.1 image (lfs-format.md
** §B3.2): Lua 5.1's string hash, the bucket count, and the order in which
** luac.cross allocates the string records. That order is the traversal order
** of the NodeMCU (eLua) Lua 5.1 table luac.cross collects the strings in, so
** this file emulates that table's insertion and in-place rehash (ltable.c of
** the port: newkey, getfreepos, resize_hashpart, move_node) on node indices.
*/
#include "lfsc_int.h"

uint32_t rostrt51_hash(const char *s, size_t len)
{
	uint32_t h = (uint32_t)len;
	size_t step = (len >> 5) + 1, l;

	for (l = len; l >= step; l -= step)
		h ^= (h << 5) + (h >> 2) + (uint8_t)s[l - 1];
	return h;
}

uint32_t rostrt51_size(uint32_t nuse)
{
	uint32_t n = 2;

	while (nuse >>= 1)
		n <<= 1;
	return n;          /* 2 << floor(log2(nuse)) */
}

struct table {                 /* the hash part; keys are string ids */
	struct mem *mem;
	const struct strtab *strs;
	uint32_t *hash;            /* by id */
	int32_t *key;              /* -1 = empty */
	int32_t *next;             /* -1 = end of chain */
	int size;                  /* 0 = the dummy node */
	int lastfree;
	int count;
};

static int mainpos(const struct table *t, int32_t id)
{
	return (int)(t->hash[id] & (uint32_t)(t->size - 1));
}

static int getfreepos(struct table *t)
{
	while (t->lastfree-- > 0)
		if (t->key[t->lastfree] < 0)
			return t->lastfree;
	return -1;
}

/* the node whose chain link is `node`, from mp on; -1 if none. A chain
** longer than the table (a cycle) counts as none: luac.cross would loop. */
static int find_prev(const struct table *t, int mp, int node)
{
	int prev = mp, steps = 0;

	while (prev >= 0 && t->next[prev] != node && steps++ <= t->size)
		prev = t->next[prev];
	return steps > t->size ? -1 : prev;
}

/* ltable.c move_node: returns 0 when `node` now holds a key to move again */
static int move_node(struct table *t, int node)
{
	int mp = mainpos(t, t->key[node]), other, prev;
	int32_t k, n;

	if (mp == node || find_prev(t, mp, node) >= 0)
		return 1;
	if (t->key[mp] >= 0) {
		other = mainpos(t, t->key[mp]);
		if (other != mp) {             /* swap the colliding node in */
			k = t->key[node];
			n = t->next[node];
			prev = find_prev(t, other, mp);
			if (prev >= 0)
				t->next[prev] = node;
			t->key[node] = t->key[mp];
			t->next[node] = t->next[mp];
			t->key[mp] = k;
			t->next[mp] = n;
			return prev >= 0;
		}
		t->next[node] = t->next[mp];   /* chain behind its main position */
		t->next[mp] = node;
	} else {                               /* main position free: move there */
		t->key[mp] = t->key[node];
		t->next[mp] = t->next[node];
		t->next[node] = -1;
		t->key[node] = -1;
	}
	return 1;
}

/* rehash to 2^ceil(log2(count + 1)) nodes, in place (resize_hashpart) */
static int grow(struct table *t)
{
	int old = t->size, size = 1, i;
	int32_t *key, *next;

	while (size < t->count + 1)
		size <<= 1;
	key = mem_realloc(t->mem, t->key, (size_t)old * sizeof *key, (size_t)size * sizeof *key);
	if (!key)
		return -1;
	t->key = key;
	next = mem_realloc(t->mem, t->next, (size_t)old * sizeof *next,
			   (size_t)size * sizeof *next);
	if (!next)
		return -1;
	t->next = next;
	for (i = old; i < size; i++)
		key[i] = next[i] = -1;
	for (i = 0; i < old; i++)
		next[i] = -1;
	t->size = size;
	t->lastfree = size;
	for (i = 0; i < size; i++) {
		int tries = 0;
		while (key[i] >= 0 && !move_node(t, i))
			if (++tries > size)
				return -2;     /* does not converge (never seen) */
	}
	return 0;
}

/* ltable.c newkey, for a key not yet present; -1: out of memory, -2: the
** chains are inconsistent */
static int insert(struct table *t, int32_t id)
{
	int mp, n, other;

	for (;;) {
		mp = t->size ? mainpos(t, id) : -1;
		if (mp >= 0 && t->key[mp] < 0)
			break;
		n = t->size ? getfreepos(t) : -1;
		if (n < 0) {
			int r = grow(t);
			if (r)
				return r;
			continue;
		}
		other = mainpos(t, t->key[mp]);
		if (other != mp) {             /* move the colliding node out */
			if ((other = find_prev(t, other, mp)) < 0)
				return -2;
			t->next[other] = n;
			t->key[n] = t->key[mp];
			t->next[n] = t->next[mp];
			t->next[mp] = -1;
		} else {                       /* the new key goes to the free node */
			t->next[n] = t->next[mp];
			t->next[mp] = n;
			mp = n;
		}
		break;
	}
	t->key[mp] = id;
	t->count++;
	return 0;
}

static int present(const struct table *t, int32_t id)
{
	int n = t->size ? mainpos(t, id) : -1, steps = 0;

	for (; n >= 0 && steps++ <= t->size; n = t->next[n])
		if (t->key[n] == id)
			return 1;
	return 0;
}

int rostrt51_order(struct mem *m, const struct strtab *strs, const int32_t *ids, int n,
		   int32_t *out)
{
	struct table t = { m, strs, NULL, NULL, NULL, 0, 0, 0 };
	int i, nout = -1;

	t.hash = mem_calloc(m, (size_t)strs->n + 1, sizeof *t.hash);
	if (!t.hash)
		goto out;
	for (i = 0; i < n; i++)
		t.hash[ids[i]] = rostrt51_hash(strs->str[ids[i]].s, strs->str[ids[i]].len);
	for (i = 0; i < n; i++) {
		int r = present(&t, ids[i]) ? 0 : insert(&t, ids[i]);
		if (r) {
			nout = r;
			goto out;
		}
	}
	nout = 0;
	for (i = 0; i < t.size; i++)       /* lua_next: node 0, 1, 2, ... */
		if (t.key[i] >= 0)
			out[nout++] = t.key[i];
out:
	mem_free(m, t.hash, ((size_t)strs->n + 1) * sizeof *t.hash);
	mem_free(m, t.key, (size_t)t.size * sizeof *t.key);
	mem_free(m, t.next, (size_t)t.size * sizeof *t.next);
	return nout;
}
