/*
** index51.c - the main functions luac.cross (5.1 port) generates around its
** inputs (luac.c combine()): the module index of every LFS image and of -i
** (lfs-format.md §B3.4), and the plain sequence main of a .lc with several
** inputs. Both borrow the module mains of the image as their children.
*/
#include <string.h>
#include "lfsc_int.h"

/* Lua 5.1 opcodes and instruction fields (lopcodes.h) */
enum { OP_LOADK = 1, OP_NEWTABLE = 10, OP_JMP = 22, OP_EQ = 23, OP_CALL = 28,
       OP_RETURN = 30, OP_SETLIST = 34, OP_CLOSURE = 36 };
#define BITRK      256
#define MAXARG_sBx 131071

static uint32_t abc(int op, int a, int b, int c)
{
	return (uint32_t)op | (uint32_t)a << 6 | (uint32_t)c << 14 | (uint32_t)b << 23;
}

static uint32_t abx(int op, int a, unsigned int bx)
{
	return (uint32_t)op | (uint32_t)a << 6 | (uint32_t)bx << 14;
}

/* Lua 5.1's luaO_int2fb: the "floating point byte" of a table size */
static int int2fb(unsigned int x)
{
	int e = 0;

	while (x >= 16) {
		x = (x + 1) >> 1;
		e++;
	}
	return x < 8 ? (int)x : ((e + 1) << 3) | ((int)x - 8);
}

static struct proto *combined(struct image *im, int ncode, int nk)
{
	struct proto *f = proto_new(im->mem);

	if (!f)
		return NULL;
	f->source = strtab_intern(&im->strs, "=(luac)", 7);
	f->code = mem_calloc(im->mem, (size_t)ncode, sizeof *f->code);
	f->k = nk ? mem_calloc(im->mem, (size_t)nk, sizeof *f->k) : NULL;
	f->sizecode = ncode;
	f->sizek = nk;
	f->p = im->mains;
	f->sizep = im->nmodules;
	if (f->source < 0 || !f->code || (nk && !f->k)) {
		index51_free(im->mem, f);
		return NULL;
	}
	return f;
}

/* §B3.4: f(name) returns the module's main closure; f() returns the
** timestamp and the array of names */
void index51_code(int n, uint32_t *pc)
{
	int i;

	for (i = 0; i < n; i++) {
		*pc++ = abc(OP_EQ, 0, 0, i | BITRK);
		*pc++ = abx(OP_JMP, 0, MAXARG_sBx + 2);
		*pc++ = abx(OP_CLOSURE, 1, (unsigned int)i);
		*pc++ = abc(OP_RETURN, 1, 2, 0);
	}
	*pc++ = abx(OP_LOADK, 1, (unsigned int)n);
	*pc++ = abc(OP_NEWTABLE, 2, int2fb((unsigned int)n), 0);
	for (i = 0; i < n; i++)
		*pc++ = abx(OP_LOADK, i + 3, (unsigned int)i);
	*pc++ = abc(OP_SETLIST, 2, n, 1);
	*pc++ = abc(OP_RETURN, 1, 3, 0);
	*pc++ = abc(OP_RETURN, 0, 1, 0);
}

struct proto *index51_lookup(struct image *im)
{
	int i, n = im->nmodules;
	struct proto *f = combined(im, 5 * n + 5, n + 1);
	double ts = (double)im->timestamp;

	if (!f)
		return NULL;
	f->numparams = 1;
	f->maxstacksize = (uint8_t)(n + 3);
	for (i = 0; i < n; i++) {
		f->k[i].tag = K_STR;
		f->k[i].str = im->names[i];
	}
	f->k[n].tag = K_FLT;
	memcpy(&f->k[n].fbits, &ts, 8);
	index51_code(n, f->code);
	return f;
}

/* luac.c type 0: call every module main in order */
struct proto *index51_sequence(struct image *im)
{
	int i, n = im->nmodules;
	struct proto *f = combined(im, 2 * n + 1, 0);
	uint32_t *pc;

	if (!f)
		return NULL;
	f->maxstacksize = 1;
	for (i = 0, pc = f->code; i < n; i++) {
		*pc++ = abx(OP_CLOSURE, 0, (unsigned int)i);
		*pc++ = abc(OP_CALL, 0, 1, 1);
	}
	*pc++ = abc(OP_RETURN, 0, 1, 0);
	return f;
}

void index51_free(struct mem *m, struct proto *f)
{
	if (!f)
		return;
	f->p = NULL;           /* borrowed */
	f->sizep = 0;
	proto_free(m, f);
}
