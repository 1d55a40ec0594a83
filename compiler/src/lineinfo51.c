/*
** lineinfo51.c - the packed line info of NodeMCU's Lua 5.1 port (lfs-format.md
** §B3.3, lua51-frontend.md): the same delta/count pairs as §A3.10, runs of at
** most 126, NUL-terminated. The port builds it while generating code, so the
** bytes depend on the history of re-attributions, not only on the final
** lines: this file replays that history on the port's algorithm (luaK_code
** appends, luaK_fixline undoes the last entry and appends again), including
** its "same line" entries and its wrong decoding of multi-byte deltas.
*/
#include "lfsc_int.h"

#define FILL      0x7f      /* the port's INFO_FILL_BYTE: a removed byte */
#define MAXCOUNT  126       /* INFO_MAX_LINECNT */

/* The bytes are built in place at the end of the output buffer, from
** b->data + base on; a failed replay leaves the buffer as it was. */
struct packer {
	struct buf *w;          /* the output; grown through its seam */
	size_t base;
	int len;                /* bytes written (top + 1 after each entry) */
	int top;                /* lastlineOffset: index of the last count, -1 = none */
	int lastline;
	int failed;
};

static uint8_t *at(struct packer *k, int i)
{
	return k->w->b->data + k->base + i;
}

static void put(struct packer *k, int i, int v)
{
	if (k->failed)
		return;
	if (k->base + (size_t)i >= k->w->b->cap &&
	    buf_grow(k->w, k->base + (size_t)i + 1 - k->w->b->len)) {
		k->failed = 1;
		return;
	}
	*at(k, i) = (uint8_t)v;
	if (i >= k->len)
		k->len = i + 1;
}

/* the port's generateInfoDeltaLine: a new entry for `line` after the top */
static void entry(struct packer *k, int line)
{
	int at = k->top + 1, delta = line - k->lastline - 1;

	if (delta) {
		unsigned int mag = delta < 0 ? (unsigned int)(-delta - 1) : (unsigned int)(delta - 1);
		put(k, at++, 0x80 | (delta < 0 ? 0x40 : 0) | (mag & 0x3f));
		for (mag >>= 6; mag; mag >>= 7)
			put(k, at++, 0x80 | (mag & 0x7f));
	}
	put(k, at, 1);
	k->lastline = line;
	k->top = at;
	k->len = at + 1;
}

static int byte_at(struct packer *k, int i)
{
	/* luac.cross reads the byte before the vector when it undoes the first
	** entry; with glibc's allocator that byte is 0 (the 5.1 twin of Open
	** question 5), which ends the walk */
	return i >= 0 && i < k->len && !k->failed ? *at(k, i) : 0;
}

/* the port's luaK_fixline: move the last instruction to `line` */
static void fix(struct packer *k, int line, int *defects)
{
	int p = k->top, delta = 0, code, wrong = 0;

	if (line == k->lastline || k->failed)
		return;
	if (*at(k, p) > 1) {
		(*at(k, p))--;
		entry(k, line);
		return;
	}
	/* the first instruction of its line: remove the entry, walking back over
	** its delta bytes; lfs-format.md Known defect 14: each continuation
	** group is added shifted by 7, whatever its position */
	put(k, p--, FILL);
	while ((code = byte_at(k, p)) & 0x80) {
		put(k, p--, FILL);
		if (byte_at(k, p) & 0x80) {
			delta += (code & 0x7f) << 7;
			wrong |= (code & 0x7f) != 0;
		} else {
			delta += (code & 0x3f) + 1;
			if (code & 0x40)
				delta = -delta;
		}
	}
	*defects += wrong;
	k->lastline -= delta + 1;
	k->top = p;
	entry(k, line);
}

/* the port's luaK_code for a new instruction on `line` */
static void emit(struct packer *k, int line)
{
	if (k->top >= 0 && !k->failed && line == k->lastline && *at(k, k->top) < MAXCOUNT)
		(*at(k, k->top))++;
	else
		entry(k, line);
}

int lineinfo51_pack(struct buf *w, const int *lines, int n, const struct fix51 *fx,
		    int nfix, int *defects)
{
	struct packer k = { w, w->b->len, 0, -1, 0, 0 };
	int pc, j = 0, line;

	if (w->failed)
		return 0;

	for (pc = 0; pc < n; pc++) {
		line = j < nfix && fx[j].pc == pc ? fx[j].from : lines[pc];
		emit(&k, line);
		for (; j < nfix && fx[j].pc == pc; j++) {
			fix(&k, fx[j].to, defects);
			line = fx[j].to;
		}
		if (line != lines[pc] || (j < nfix && fx[j].pc < pc))
			return -1;
	}
	if (j != nfix)
		return -1;
	w->failed |= k.failed;
	if (!k.failed) {
		w->b->len = k.base + (size_t)(k.top + 1);
		buf_byte(w, 0);
	}
	return 0;
}

void history51_release(struct history51 *h)
{
	mem_free(h->mem, h->fix, ((size_t)h->nfix + 1) * sizeof *h->fix);
	mem_free(h->mem, h->start, ((size_t)h->nfunc + 1) * sizeof *h->start);
	h->fix = NULL;
	h->start = NULL;
	h->nfix = h->nfunc = 0;
}
