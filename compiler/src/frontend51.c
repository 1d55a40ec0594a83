/*
** frontend51.c - Lua source -> standard Lua 5.1 binary chunk, through the
** unmodified reference Lua 5.1.5 built as nodemcu-lua51 (mk/lua.mk: doubles,
** LUAI_MAXVARS 50, every symbol renamed l51_*), plus the fix-up history the
** 5.1 port's packed line info needs (lua51-frontend.md): while the parser
** runs, the hook51 observer records every luaK_fixline and every OP_NOT that
** a conditional jump drops. The only compiler file that includes the
** reference Lua 5.1 headers. One lua_State per compiler, created with our
** allocator; load and dump run under lua_pcall.
*/
#include <stdlib.h>
#include <string.h>
#include "lua.h"
#include "lobject.h"
#include "lstate.h"
#include "lopcodes.h"
#include "lparser.h"
#include "lcode.h"
#include "hook51.h"
#include "lfsc_int.h"

struct event {                 /* one fix, before Protos are numbered */
	const Proto *f;
	struct fix51 fx;
};

struct job {
	struct feed feed;           /* source in, chunk out */
	struct mem *mem;
	const char *chunkname;
	int load_status;            /* lua_load's result */
	struct event *ev;           /* the history, in the order it happened */
	int nev, cap;
	int oom;                    /* recording ran out of memory */
	int pending;                /* pc of an OP_NOT about to be dropped, or -1 */
	int32_t pending_line;
	const Proto **order;        /* Protos in pre-order (lua_dump's order) */
	int nproto;
};

static void record(struct job *j, const Proto *f, int pc, int from, int to)
{
	if (j->nev == j->cap) {
		int ncap = j->cap ? 2 * j->cap : 64;
		struct event *e = mem_realloc(j->mem, j->ev, (size_t)j->cap * sizeof *e,
					      (size_t)ncap * sizeof *e);
		if (!e) {
			j->oom = 1;
			return;
		}
		j->ev = e;
		j->cap = ncap;
	}
	j->ev[j->nev].f = f;
	j->ev[j->nev].fx.pc = pc;
	j->ev[j->nev].fx.from = from;
	j->ev[j->nev].fx.to = to;
	j->nev++;
}

/* hook51 observer: luaK_fixline moves the last instruction; luaK_goiftrue,
** and luaK_infix for `and`/`or`, drop a just-coded OP_NOT and code the test
** in its place (lcode.c jumponcond), which the port treats as a fixline */
static void observe(void *ctx, enum hook51_event ev, int after, void *fsp, int arg,
		    void *ep)
{
	struct job *j = ctx;
	FuncState *fs = fsp;
	expdesc *e = ep;

	if (fs->pc < 1)
		return;
	if (ev == HOOK51_FIXLINE) {
		if (!after)
			record(j, fs->f, fs->pc - 1, fs->f->lineinfo[fs->pc - 1], arg);
		return;
	}
	if (ev == HOOK51_INFIX && arg != OPR_AND && arg != OPR_OR)
		return;
	if (!after) {
		j->pending = -1;
		if (e->k == VRELOCABLE && GET_OPCODE(fs->f->code[e->u.s.info]) == OP_NOT) {
			j->pending = fs->pc - 1;
			j->pending_line = fs->f->lineinfo[fs->pc - 1];
		}
	} else if (j->pending >= 0) {
		record(j, fs->f, j->pending, j->pending_line, fs->f->lineinfo[j->pending]);
		j->pending = -1;
	}
}

static const char *reader(lua_State *L, void *ud, size_t *size)
{
	(void)L;
	return feed_read(ud, size);
}

static int writer(lua_State *L, const void *p, size_t sz, void *ud)
{
	(void)L;
	return feed_write(ud, p, sz);
}

/* lua_dump's order: a function, then its children depth first */
static void number(struct job *j, const Proto *f)
{
	int i;

	if (j->order)
		j->order[j->nproto] = f;
	j->nproto++;
	for (i = 0; i < f->sizep; i++)
		number(j, f->p[i]);
}

/* runs protected: load the text and dump it unstripped */
static int run(lua_State *L)
{
	struct job *j = lua_touserdata(L, 1);
	struct hook51 h = { observe, j };
	const struct hook51 *old = hook51_set(&h);
	const Proto *main;

	j->load_status = lua_load(L, reader, &j->feed, j->chunkname);
	hook51_set(old);
	if (j->load_status != 0)
		return lua_error(L);
	lua_dump(L, writer, &j->feed);
	main = clvalue(L->top - 1)->l.p;
	number(j, main);
	j->order = mem_calloc(j->mem, (size_t)j->nproto, sizeof *j->order);
	j->nproto = 0;
	if (j->order)
		number(j, main);
	else
		j->oom = 1;
	return 0;
}

struct slot {                  /* a Proto and its lua_dump index */
	const Proto *f;
	int index;
};

static int by_proto(const void *a, const void *b)
{
	const Proto *x = ((const struct slot *)a)->f, *y = ((const struct slot *)b)->f;

	return x < y ? -1 : x > y;
}

/* the events grouped by function in dump order, each group in the order
** the events happened (a counting sort, which is stable) */
static int group(struct job *j, struct history51 *h)
{
	struct slot *slots = NULL, key;
	int *func = NULL, *fill = NULL, i, ret = LFSC_ERR_MEM, n = j->nproto;

	h->start = mem_calloc(h->mem, (size_t)n + 1, sizeof *h->start);
	h->fix = mem_calloc(h->mem, (size_t)j->nev + 1, sizeof *h->fix);
	slots = mem_calloc(h->mem, (size_t)n + 1, sizeof *slots);
	func = mem_calloc(h->mem, (size_t)j->nev + 1, sizeof *func);
	fill = mem_calloc(h->mem, (size_t)n + 1, sizeof *fill);
	h->nfunc = n;
	h->nfix = j->nev;
	if (!h->start || !h->fix || !slots || !func || !fill)
		goto out;
	for (i = 0; i < n; i++) {
		slots[i].f = j->order[i];
		slots[i].index = i;
	}
	qsort(slots, (size_t)n, sizeof *slots, by_proto);
	for (i = 0; i < j->nev; i++) {
		const struct slot *hit;
		key.f = j->ev[i].f;
		hit = bsearch(&key, slots, (size_t)n, sizeof *slots, by_proto);
		func[i] = hit ? hit->index : -1;
		if (hit)
			h->start[hit->index + 1]++;
	}
	for (i = 0; i < n; i++)
		h->start[i + 1] += h->start[i];
	for (i = 0; i < j->nev; i++)
		if (func[i] >= 0)
			h->fix[h->start[func[i]] + fill[func[i]]++] = j->ev[i].fx;
	ret = 0;
out:
	mem_free(h->mem, slots, ((size_t)n + 1) * sizeof *slots);
	mem_free(h->mem, func, ((size_t)j->nev + 1) * sizeof *func);
	mem_free(h->mem, fill, ((size_t)n + 1) * sizeof *fill);
	return ret;
}

void *frontend51_open(struct mem *m)
{
	return lua_newstate(mem_lua_alloc, m);
}

void frontend51_close(void *L)
{
	if (L)
		lua_close(L);
}

int frontend51_compile(void *state, const char *chunkname, const char *src, size_t len,
		       struct lfsc_buffer *chunk, struct history51 *h,
		       struct lfsc_error *err)
{
	lua_State *L = state;
	struct job j;
	int ret, status;
	void *ud;

	memset(&j, 0, sizeof j);
	lua_getallocf(L, &ud);
	j.mem = ud;
	j.chunkname = chunkname;
	j.feed.mem = j.mem;
	j.feed.src = src;
	j.feed.len = len;
	j.feed.chunk = chunk;
	j.load_status = LUA_ERRMEM;
	j.pending = -1;
	h->mem = j.mem;
	history51_release(h);
	lua_settop(L, 0);
	status = lua_cpcall(L, run, &j);
	if (status == 0 && !j.feed.write_failed && !j.oom)
		ret = group(&j, h);
	else if (j.load_status == LUA_ERRSYNTAX && lua_isstring(L, -1))
		ret = error_set_lua(err, LFSC_ERR_SYNTAX, lua_tostring(L, -1));
	else
		ret = LFSC_ERR_MEM;
	if (ret == LFSC_ERR_MEM)
		error_set(err, ret, NULL, 0, "out of memory");
	lua_settop(L, 0);
	mem_free(j.mem, j.ev, (size_t)j.cap * sizeof *j.ev);
	mem_free(j.mem, j.order, (size_t)j.nproto * sizeof *j.order);
	return ret;
}
