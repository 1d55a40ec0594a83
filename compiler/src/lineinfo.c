/*
** lineinfo.c - NodeMCU's packed line information "LCD" (lfs-format.md §A3.10):
** (optional line delta, instruction count) pairs ending in 0. Packing is the
** canonical run-length form (rules 2a-2c) of the final per-instruction lines
** that the reference Lua records; luac.cross's undo quirk (Known defect 1)
** lives inside its code generator and is not reproduced (compiler/README.md).
*/
#include "lfsc_int.h"

/* §A3.10 2c: delta d != 1 -> sign bit, low 6 bits first, then 7-bit groups */
static void delta(struct buf *w, int d)
{
	uint32_t mag = d <= 0 ? (uint32_t)(-(int64_t)d) : (uint32_t)(d - 2);

	buf_byte(w, 0x80 | (d <= 0 ? 0x40 : 0) | (mag & 0x3f));
	for (mag >>= 6; mag; mag >>= 7)
		buf_byte(w, 0x80 | (mag & 0x7f));
}

void lineinfo_pack(struct buf *w, const int *lines, int n)
{
	int last_line = 0, count = 0, pc;

	for (pc = 0; pc < n; pc++) {
		if (count && lines[pc] == last_line && count < 127) {
			count++;
			continue;
		}
		if (count)
			buf_byte(w, count);
		if (count && lines[pc] == last_line)
			buf_byte(w, 0xc0);          /* 2b: "-0", same line */
		else if (lines[pc] - last_line != 1)
			delta(w, lines[pc] - last_line);
		last_line = lines[pc];
		count = 1;
	}
	if (count)
		buf_byte(w, count);
	buf_byte(w, 0);
}

int lineinfo_unpack(const uint8_t *lcd, int size, int *lines, int n)
{
	int i = 0, pc = 0, line = 0;

	if (size == 0) {               /* no line information at all */
		for (pc = 0; pc < n; pc++)
			lines[pc] = 0;
		return 0;
	}
	while (i < size && lcd[i]) {
		int d = 1;
		if (lcd[i] & 0x80) {
			uint32_t mag = lcd[i] & 0x3f;
			int neg = lcd[i] & 0x40, shift = 6;
			for (i++; i < size && (lcd[i] & 0x80); i++, shift += 7) {
				if (shift > 24)
					return -1;
				mag |= (uint32_t)(lcd[i] & 0x7f) << shift;
			}
			if (mag > 0x3fffffff)
				return -1;
			d = neg ? -(int)mag : (int)mag + 2;
			if (i >= size || lcd[i] == 0)
				return -1;            /* a delta always precedes a count */
		}
		line += d;
		if (lcd[i] > n - pc)
			return -1;
		for (int c = lcd[i]; c > 0; c--)
			lines[pc++] = line;
		i++;
	}
	if (i != size - 1 || pc != n)
		return -1;
	return 0;
}
