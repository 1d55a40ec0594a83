/*
** listing.c - luac-style listing of an image's functions (lfsc -l): each
** module main, then its nested functions depth-first; instructions with
** their source lines decoded from LCD; -l -l adds constants, locals and
** upvalues. Works on the image model (numbered for 5.3, string ids for 5.1),
** so the listing of a compile and of the same image read back are comparable
** line for line.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "lfsc_int.h"

static const char *const opnames[] = {
	"MOVE", "LOADK", "LOADKX", "LOADBOOL", "LOADNIL", "GETUPVAL", "GETTABUP",
	"GETTABLE", "SETTABUP", "SETUPVAL", "SETTABLE", "NEWTABLE", "SELF", "ADD",
	"SUB", "MUL", "MOD", "POW", "DIV", "IDIV", "BAND", "BOR", "BXOR", "SHL",
	"SHR", "UNM", "BNOT", "NOT", "LEN", "CONCAT", "JMP", "EQ", "LT", "LE",
	"TEST", "TESTSET", "CALL", "TAILCALL", "RETURN", "FORLOOP", "FORPREP",
	"TFORCALL", "TFORLOOP", "SETLIST", "CLOSURE", "VARARG", "EXTRAARG"
};
static const char *const opnames51[] = {
	"MOVE", "LOADK", "LOADBOOL", "LOADNIL", "GETUPVAL", "GETGLOBAL", "GETTABLE",
	"SETGLOBAL", "SETUPVAL", "SETTABLE", "NEWTABLE", "SELF", "ADD", "SUB", "MUL",
	"DIV", "MOD", "POW", "UNM", "NOT", "LEN", "CONCAT", "JMP", "EQ", "LT", "LE",
	"TEST", "TESTSET", "CALL", "TAILCALL", "RETURN", "FORLOOP", "FORPREP",
	"TFORLOOP", "SETLIST", "CLOSE", "CLOSURE", "VARARG"
};

enum { ABC, ABX, ASBX, AX };

struct lister {
	const struct image *im;
	struct buf w;
	int level;
	int lua51;
};

static const char *opname(const struct lister *l, int op)
{
	if (l->lua51)
		return op < (int)(sizeof opnames51 / sizeof *opnames51) ? opnames51[op] : "?";
	return op < (int)(sizeof opnames / sizeof *opnames) ? opnames[op] : "?";
}

static int opmode(const struct lister *l, int op)
{
	if (l->lua51) {
		switch (op) {
		case 1: case 5: case 7: case 36: return ABX;   /* LOADK GET/SETGLOBAL CLOSURE */
		case 22: case 31: case 32: return ASBX;        /* JMP FORLOOP FORPREP */
		default: return ABC;
		}
	}
	switch (op) {
	case 1: case 2: case 44: return ABX;          /* LOADK LOADKX CLOSURE */
	case 30: case 39: case 40: case 42: return ASBX;  /* JMP FORLOOP FORPREP TFORLOOP */
	case 46: return AX;                           /* EXTRAARG */
	default: return ABC;
	}
}

/* a string field: a reference (5.3, numbered) or an id (5.1); NULL if absent */
static const struct lstr *str(const struct lister *l, int32_t x)
{
	const struct strtab *t = &l->im->strs;

	if (l->im->numbered)
		return strtab_ref(t, x);
	return x >= 0 && x < t->n ? &t->str[x] : NULL;
}

static void out(struct lister *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct lister *l, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(&l->w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void quoted(struct lister *l, const struct lstr *s)
{
	uint32_t i;

	buf_byte(&l->w, '"');
	for (i = 0; s && i < s->len; i++) {
		unsigned char c = (unsigned char)s->s[i];
		switch (c) {
		case '"': out(l, "\\\""); break;
		case '\\': out(l, "\\\\"); break;
		case '\n': out(l, "\\n"); break;
		case '\r': out(l, "\\r"); break;
		case '\t': out(l, "\\t"); break;
		default:
			if (c < 32 || c >= 127)
				out(l, "\\%03u", c);
			else
				buf_byte(&l->w, c);
		}
	}
	buf_byte(&l->w, '"');
}

static void constant(struct lister *l, const struct konst *k)
{
	switch (k->tag) {
	case K_NIL: out(l, "nil"); break;
	case K_BOOL: out(l, k->b ? "true" : "false"); break;
	case K_INT: out(l, "%lld", (long long)k->i); break;
	case K_FLT:
		if (image_num_size(l->im->target) == 4) {
			uint32_t b = (uint32_t)k->fbits;
			float f;
			memcpy(&f, &b, 4);
			out(l, "%.7g", (double)f);
		} else {
			double d;
			memcpy(&d, &k->fbits, 8);
			out(l, "%.14g", d);
		}
		break;
	default: quoted(l, str(l, k->str)); break;
	}
}

static const char *srcname(const struct lister *l, int32_t ref)
{
	const struct lstr *s = str(l, ref);

	return s ? s->s : "?";
}

static void function(struct lister *l, const struct proto *f, int32_t source, int ismain)
{
	int pc, i, lines_ok, *lines, nups = l->lua51 ? f->nups : f->sizeupvalues;

	if (str(l, f->source))
		source = f->source;
	lines = mem_calloc(l->im->mem, (size_t)f->sizecode + 1, sizeof *lines);
	if (!lines) {
		l->w.failed = 1;
		return;
	}
	lines_ok = proto_lines(f, lines) == 0;
	out(l, "\n%s <%s:%d,%d> (%d instruction%s)\n", ismain ? "main" : "function",
	    srcname(l, source), f->linedefined, f->lastlinedefined, f->sizecode,
	    f->sizecode == 1 ? "" : "s");
	out(l, "%d%s param%s, %d slot%s, %d upvalue%s, %d local%s, %d constant%s, "
	    "%d function%s\n", f->numparams, f->is_vararg ? "+" : "",
	    f->numparams == 1 ? "" : "s", f->maxstacksize, f->maxstacksize == 1 ? "" : "s",
	    nups, nups == 1 ? "" : "s", f->sizelocvars,
	    f->sizelocvars == 1 ? "" : "s", f->sizek, f->sizek == 1 ? "" : "s",
	    f->sizep, f->sizep == 1 ? "" : "s");
	for (pc = 0; pc < f->sizecode; pc++) {
		uint32_t in = f->code[pc];
		int op = in & 0x3f, a = (in >> 6) & 0xff, c = (in >> 14) & 0x1ff;
		int b = (in >> 23) & 0x1ff, bx = (int)(in >> 14), sbx = bx - 131071;
		out(l, "\t%d\t", pc + 1);
		if (lines_ok)
			out(l, "[%d]\t", lines[pc]);
		else
			out(l, "[-]\t");
		out(l, "%-9s\t", opname(l, op));
		switch (opmode(l, op)) {
		case ABC:
			out(l, "%d %d %d", a, b & 0x100 ? -1 - (b & 0xff) : b,
			    c & 0x100 ? -1 - (c & 0xff) : c);
			break;
		case ABX:
			out(l, "%d %d", a, op == 1 ? -1 - bx : bx);
			if (op == 1 && bx < f->sizek) {
				out(l, "\t; ");
				constant(l, &f->k[bx]);
			}
			break;
		case ASBX:
			out(l, "%d %d\t; to %d", a, sbx, pc + sbx + 2);
			break;
		default:
			out(l, "%d", (int)(in >> 6));
		}
		out(l, "\n");
	}
	mem_free(l->im->mem, lines, ((size_t)f->sizecode + 1) * sizeof *lines);
	if (l->level > 1) {
		out(l, "constants (%d):\n", f->sizek);
		for (i = 0; i < f->sizek; i++) {
			out(l, "\t%d\t", i + 1);
			constant(l, &f->k[i]);
			out(l, "\n");
		}
		out(l, "locals (%d):\n", f->sizelocvars);
		for (i = 0; i < f->sizelocvars; i++)
			out(l, "\t%d\t%s\t%d\t%d\n", i, srcname(l, f->locvars[i].name),
			    f->locvars[i].startpc + 1, f->locvars[i].endpc + 1);
		out(l, "upvalues (%d):\n", f->sizeupvalues);
		for (i = 0; i < f->sizeupvalues; i++)
			out(l, "\t%d\t%s\t%d\t%d\n", i,
			    str(l, f->upvalues[i].name) ? srcname(l, f->upvalues[i].name) : "-",
			    f->upvalues[i].instack, f->upvalues[i].idx);
	}
	for (i = 0; i < f->sizep; i++)
		function(l, f->p[i], source, 0);
}

int listing_write(const struct image *im, int level, struct lfsc_buffer *outb)
{
	struct lister l = { im, { im->mem, outb, 0 }, level, im->target == LFSC_TARGET_LUA51 };
	int i;

	for (i = 0; i < im->nmodules; i++) {
		out(&l, "%smodule %s\n", i ? "\n" : "", srcname(&l, im->names[i]));
		function(&l, im->mains[i], 0, 1);
	}
	return l.w.failed ? LFSC_ERR_MEM : 0;
}
