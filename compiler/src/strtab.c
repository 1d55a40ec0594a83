/*
** strtab.c - the strings of one image: interned by content, then numbered as
** the image numbers them (lfs-format.md §A3.4-A3.5), and the fixed strings
** every loader creates itself (Appendix 1).
*/
#include <string.h>
#include "lfsc_int.h"

/* Appendix 1, loader order: 37 tokens, "not enough memory", "_ENV", 24
** metamethods, then the type names with only the second "nil" and
** "function" suppressed, so "userdata" occurs twice (positions 66 and 70). */
static const char *const loader_fixed[LFSC_NFIXED_LOADER] = {
	"and", "break", "do", "else", "elseif", "end", "false", "for",
	"function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
	"return", "then", "true", "until", "while",
	"//", "..", "...", "==", ">=", "<=", "~=", "<<", ">>", "::", "<eof>",
	"<number>", "<integer>", "<name>", "<string>",
	"not enough memory", "_ENV",
	"__index", "__newindex", "__gc", "__mode", "__len", "__eq", "__add",
	"__sub", "__mul", "__mod", "__pow", "__div", "__idiv", "__band", "__bor",
	"__bxor", "__shl", "__shr", "__unm", "__bnot", "__lt", "__le",
	"__concat", "__call",
	"no value", "boolean", "userdata", "number", "string", "table",
	"userdata", "thread", "proto"
};

const char *strtab_fixed_loader(int j)
{
	return j >= 1 && j <= LFSC_NFIXED_LOADER ? loader_fixed[j - 1] : NULL;
}

static uint32_t hash_bytes(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int rehash(struct strtab *t, int ncap)
{
	int *h = mem_calloc(t->mem, (size_t)ncap, sizeof *h);
	int i, j;

	if (!h)
		return -1;
	for (i = 0; i < t->n; i++) {
		j = hash_bytes(t->str[i].s, t->str[i].len) & (ncap - 1);
		while (h[j])
			j = (j + 1) & (ncap - 1);
		h[j] = i + 1;
	}
	mem_free(t->mem, t->hash, (size_t)t->hcap * sizeof *t->hash);
	t->hash = h;
	t->hcap = ncap;
	return 0;
}

int strtab_init(struct strtab *t, struct mem *m, int fixed)
{
	int j;

	memset(t, 0, sizeof *t);
	t->mem = m;
	for (j = 0; fixed && j < LFSC_NFIXED_LOADER; j++) {
		t->fixed_id[j] = strtab_intern(t, loader_fixed[j], strlen(loader_fixed[j]));
		if (t->fixed_id[j] < 0)
			return -1;
	}
	return 0;
}

/* A block starts with this header, then the string copies, each with its NUL. */
struct block {
	char *prev;           /* the block before, or NULL */
	size_t size;          /* bytes of the block, header included */
};
#define BLOCK_BYTES 4096

/* room for n bytes that live until strtab_release(); NULL: out of memory */
static char *room(struct strtab *t, size_t n)
{
	struct block *h;
	char *p;

	if (!t->block || n > t->size - t->used) {    /* a long string: a block of its own */
		size_t size = sizeof *h + (n > BLOCK_BYTES / 4 ? n : BLOCK_BYTES);
		if (!(p = mem_alloc(t->mem, size)))
			return NULL;
		h = (struct block *)p;
		h->prev = t->block;
		h->size = size;
		t->block = p;
		t->size = size;
		t->used = sizeof *h;
	}
	p = t->block + t->used;
	t->used += n;
	return p;
}

void strtab_release(struct strtab *t)
{
	while (t->block) {
		struct block *h = (struct block *)t->block;
		t->block = h->prev;
		mem_free(t->mem, h, h->size);
	}
	mem_free(t->mem, t->str, (size_t)t->cap * sizeof *t->str);
	mem_free(t->mem, t->hash, (size_t)t->hcap * sizeof *t->hash);
	mem_free(t->mem, t->vec, (size_t)t->vcap * sizeof *t->vec);
	mem_free(t->mem, t->ref_of, (size_t)t->vcap * sizeof *t->ref_of);
	memset(t, 0, sizeof *t);
}

int strtab_intern(struct strtab *t, const char *s, size_t len)
{
	int j, id;
	char *copy;

	if (len > UINT32_MAX - 1)
		return -1;
	if (t->hcap && t->n * 2 < t->hcap) {
		j = hash_bytes(s, len) & (t->hcap - 1);
		while (t->hash[j]) {
			id = t->hash[j] - 1;
			if (t->str[id].len == len && !memcmp(t->str[id].s, s, len))
				return id;
			j = (j + 1) & (t->hcap - 1);
		}
	} else {
		if (rehash(t, t->hcap ? t->hcap * 2 : 256))
			return -1;
		return strtab_intern(t, s, len);
	}
	if (t->n == t->cap) {
		int ncap = t->cap ? t->cap * 2 : 128;
		struct lstr *ns = mem_realloc(t->mem, t->str, (size_t)t->cap * sizeof *ns,
					      (size_t)ncap * sizeof *ns);
		if (!ns)
			return -1;
		t->str = ns;
		t->cap = ncap;
	}
	copy = room(t, len + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, len);
	copy[len] = 0;
	t->str[t->n].s = copy;
	t->str[t->n].len = (uint32_t)len;
	t->hash[j] = t->n + 1;
	return t->n++;
}

const struct lstr *strtab_ref(const struct strtab *t, int ref)
{
	if (ref >= 1 && ref <= t->nvec)
		return &t->str[t->vec[ref - 1]];
	if (ref > t->nvec && ref <= t->nvec + LFSC_NFIXED_LOADER)
		return &t->str[t->fixed_id[ref - t->nvec - 1]];
	return NULL;
}
