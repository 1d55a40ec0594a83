/*
** image_read.c - reads and validates a relocatable LFS image, format 11
** (lfs-format.md §A3), into the image model; the mirror of image_write.c,
** field by field. The header checks come first, in the loader's order and
** with the loader's words (§A6.2); then what the firmware leaves unchecked
** (Known defect 12): string-vector counts and tags, maxlen, references in
** range, constant tags, line info, the module-index count and names. No read
** goes past the end of the input; each rejection has its own message and the
** byte offset in err->column. The same Proto reader reads .lc files (format
** 10, §A4: strings inline) given to lfsc as inputs, as luac.cross accepts them.
*/
#include <stdio.h>
#include <string.h>
#include "lfsc_int.h"

struct rd {
	struct image *im;
	const uint8_t *start, *p, *end;
	struct lfsc_error *err;
	int ret;
	int nsz;
	int format;            /* 11: strings by reference; 10: inline (.lc) */
	int32_t absent;        /* an absent string: 0 (reference) or -1 (id) */
};

static int fail(struct rd *r, int code, const char *what)
{
	if (!r->ret) {
		r->ret = error_set(r->err, code, NULL, 0, "%s", what);
		if (r->err)
			r->err->column = (int)(r->p - r->start);
	}
	return r->ret;
}

/* a §A6.2 loader check: "<reason> precompiled chunk" */
static int loader_fail(struct rd *r, const char *reason)
{
	char msg[80];

	snprintf(msg, sizeof msg, "%s precompiled chunk", reason);
	return fail(r, LFSC_ERR_FORMAT, msg);
}

static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *q = r->p;

	if (r->ret)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		loader_fail(r, "truncated");
		return NULL;
	}
	r->p += n;
	return q;
}

static int byte(struct rd *r)
{
	const uint8_t *q = take(r, 1);

	return q ? *q : 0;
}

static size_t left(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

/* An MBI. per > 0: a count of items of at least per bytes each, so more than
** the remaining bytes can hold means the image is truncated (the loader would
** run off its end); per == 0: a value that must fit in 31 bits. */
static int mbi(struct rd *r, int per, const char *what)
{
	uint64_t v = 0;

	if (r->ret)
		return 0;
	if (varint_read_mbi(&r->p, r->end, &v)) {
		loader_fail(r, "truncated");
		return 0;
	}
	if (per && v > left(r) / (uint64_t)per) {
		loader_fail(r, "truncated");
		return 0;
	}
	if (v > INT32_MAX) {
		char msg[80];
		snprintf(msg, sizeof msg, "%s out of range", what);
		fail(r, LFSC_ERR_FORMAT, msg);
		return 0;
	}
	return (int)v;
}

static int tt(struct rd *r, int *tag, int64_t *v)
{
	if (r->ret)
		return -1;
	if (varint_read_tt(&r->p, r->end, tag, v)) {
		loader_fail(r, "truncated");
		return -1;
	}
	return 0;
}

/* §A2.4 string reference: 0 = absent; the tag must match the string's kind */
static int32_t strref(struct rd *r, int allow_absent)
{
	const uint8_t *at = r->p;
	const struct lstr *s;
	int tag;
	int64_t v;

	if (tt(r, &tag, &v))
		return r->absent;
	if (tag != 5 && tag != 6) {
		r->p = at;
		fail(r, LFSC_ERR_FORMAT, "bad string reference tag");
		return r->absent;
	}
	if (v == 0 && tag == 5 && allow_absent)
		return r->absent;
	if (r->format == LFSC_FORMAT_LC) {          /* §A4: inline, value = len+1 */
		const uint8_t *q;
		int id;
		if (v < 1 || (uint64_t)(v - 1) > left(r)) {
			r->p = at;
			loader_fail(r, "truncated");
			return r->absent;
		}
		if ((tag == 6) != (v - 1 > LFSC_MAXSHORTLEN)) {
			r->p = at;
			fail(r, LFSC_ERR_FORMAT, "string tag does not match its length");
			return r->absent;
		}
		q = take(r, (size_t)(v - 1));
		id = strtab_intern(&r->im->strs, (const char *)q, (size_t)(v - 1));
		if (id < 0)
			fail(r, LFSC_ERR_MEM, "out of memory");
		return id < 0 ? r->absent : id;
	}
	s = strtab_ref(&r->im->strs, (int)(v > INT32_MAX ? 0 : v));
	if (!s) {
		r->p = at;
		fail(r, LFSC_ERR_FORMAT, v == 0 ? "absent string where one is required"
						 : "string reference out of range");
		return 0;
	}
	if ((tag == 6) != (s->len > LFSC_MAXSHORTLEN)) {
		r->p = at;
		fail(r, LFSC_ERR_FORMAT, "string reference tag does not match the string");
		return 0;
	}
	return (int32_t)v;
}

static void *array(struct rd *r, int n, size_t size)
{
	void *a;

	if (r->ret || n == 0)
		return NULL;
	a = mem_calloc(r->im->mem, (size_t)n, size);
	if (!a)
		fail(r, LFSC_ERR_MEM, "out of memory");
	return a;
}

static void constants(struct rd *r, struct proto *f)
{
	int i, n = mbi(r, 1, "constant count");
	const uint8_t *q;

	f->k = array(r, n, sizeof *f->k);
	if (!f->k)
		return;
	f->sizek = n;
	for (i = 0; i < n && !r->ret; i++) {
		struct konst *k = &f->k[i];
		const uint8_t *at = r->p;
		int tag = (r->p < r->end ? *r->p >> 4 : 0) & 7, t2;
		int64_t v;
		switch (tag) {
		case 0: k->tag = K_NIL; byte(r); break;
		case 1: k->tag = K_BOOL; k->b = (byte(r) & 0x0f) != 0; break;
		case 2:
			k->tag = K_FLT;
			byte(r);
			if ((q = take(r, (size_t)r->nsz))) {
				int j;
				for (j = r->nsz - 1; j >= 0; j--)
					k->fbits = (k->fbits << 8) | q[j];
			}
			break;
		case 3: case 4:
			k->tag = K_INT;
			if (!tt(r, &t2, &v))
				k->i = v;
			if (!r->ret && r->nsz == 4 && (k->i > INT32_MAX || k->i < INT32_MIN))
				fail(r, LFSC_ERR_FORMAT, "integer constant too large for the target");
			break;
		case 5: case 6:
			k->tag = K_STR;
			k->str = strref(r, 0);
			break;
		default:
			r->p = at;
			fail(r, LFSC_ERR_FORMAT, "bad constant tag");
		}
	}
}

static struct proto *proto(struct rd *r, int depth)
{
	struct proto *f;
	const uint8_t *q;
	int i, n;

	if (depth > LFSC_MAX_DEPTH) {
		fail(r, LFSC_ERR_FORMAT, "functions nested too deep");
		return NULL;
	}
	if (!(f = proto_new(r->im->mem))) {
		fail(r, LFSC_ERR_MEM, "out of memory");
		return NULL;
	}
	f->source = strref(r, 1);                                  /* 1 */
	f->linedefined = mbi(r, 0, "linedefined");         /* 2 */
	f->lastlinedefined = mbi(r, 0, "lastlinedefined"); /* 3 */
	f->numparams = byte(r);                                    /* 4 */
	f->is_vararg = byte(r);                                    /* 5 */
	f->maxstacksize = byte(r);                                 /* 6 */
	n = mbi(r, 1, "function count");                     /* 7 */
	f->p = array(r, n, sizeof *f->p);
	if (f->p) {                                                /* 8 */
		for (i = 0; i < n && !r->ret; i++) {
			f->p[i] = proto(r, depth + 1);
			f->sizep = i + (f->p[i] != NULL);
		}
	}
	n = mbi(r, 4, "instruction count");             /* 9 */
	f->code = array(r, n, 4);
	if (f->code) {                                             /* 10 */
		f->sizecode = n;
		for (i = 0; i < n && (q = take(r, 4)); i++)
			f->code[i] = (uint32_t)q[0] | (uint32_t)q[1] << 8 |
				     (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
	} else if (!r->ret && n == 0) {
		fail(r, LFSC_ERR_FORMAT, "function without instructions");
	}
	constants(r, f);                                           /* 11, 12 */
	f->names_flag = byte(r);                                   /* 13 */
	if (!r->ret && f->names_flag > 1)
		fail(r, LFSC_ERR_FORMAT, "bad upvalue-names flag");
	n = mbi(r, 2, "upvalue count");                  /* 14 */
	f->upvalues = array(r, n, sizeof *f->upvalues);
	if (f->upvalues) {                                         /* 15 */
		f->sizeupvalues = n;
		for (i = 0; i < n && !r->ret; i++) {
			f->upvalues[i].name = f->names_flag ? strref(r, 1) : r->absent;
			f->upvalues[i].instack = byte(r);
			f->upvalues[i].idx = byte(r);
		}
	}
	n = mbi(r, 1, "line info size");                     /* 16 */
	f->lineinfo = array(r, n, 1);
	if (f->lineinfo && (q = take(r, (size_t)n))) {             /* 17 */
		int *lines = array(r, f->sizecode + 1, sizeof *lines);
		f->sizelineinfo = n;
		memcpy(f->lineinfo, q, (size_t)n);
		if (lines && lineinfo_unpack(f->lineinfo, n, lines, f->sizecode))
			fail(r, LFSC_ERR_FORMAT, "line info does not match the instructions");
		mem_free(r->im->mem, lines, ((size_t)f->sizecode + 1) * sizeof *lines);
	}
	n = mbi(r, 3, "local count");                    /* 18 */
	f->locvars = array(r, n, sizeof *f->locvars);
	if (f->locvars) {                                          /* 19 */
		f->sizelocvars = n;
		for (i = 0; i < n && !r->ret; i++) {
			f->locvars[i].name = strref(r, 1);
			f->locvars[i].startpc = mbi(r, 0, "local start");
			f->locvars[i].endpc = mbi(r, 0, "local end");
		}
	}
	if (r->ret) {
		proto_free(r->im->mem, f);
		return NULL;
	}
	return f;
}

/* §A2.6 in the loader's order (§A6.2); sets the target from the sizes */
static void header(struct rd *r)
{
	const uint8_t *q;
	static const uint8_t num32[4] = { 0x00, 0x40, 0xb9, 0x43 };
	static const uint8_t num64[8] = { 0, 0, 0, 0, 0, 0x28, 0x77, 0x40 };
	int isz;

	if (byte(r) != 0x1b && !r->ret) {
		r->p--;
		loader_fail(r, "invalid header in");
		return;
	}
	if ((q = take(r, 3)) && memcmp(q, "Lua", 3))
		loader_fail(r, "not a");
	if (byte(r) != LFSC_VERSION && !r->ret)
		loader_fail(r, "version mismatch in");
	if (byte(r) != r->format && !r->ret)
		loader_fail(r, "format mismatch in");
	if ((q = take(r, 6)) && memcmp(q, LFSC_CHECK_BYTES, 6))
		loader_fail(r, "corrupted");
	if (byte(r) != 4 && !r->ret)
		loader_fail(r, "int size mismatch in");
	if (byte(r) != 4 && !r->ret)
		loader_fail(r, "Instruction size mismatch in");
	isz = byte(r);
	if (isz != 4 && isz != 8 && !r->ret)
		loader_fail(r, "lua_Integer size mismatch in");
	r->nsz = byte(r);
	if (r->nsz != isz && !r->ret)
		loader_fail(r, "lua_Number size mismatch in");
	byte(r);                                   /* float tag, skipped */
	if ((q = take(r, (size_t)r->nsz)) && memcmp(q, r->nsz == 4 ? num32 : num64,
						     (size_t)r->nsz))
		loader_fail(r, "float format mismatch in");
	r->im->target = isz == 8 ? LFSC_TARGET_LUA53_64 : LFSC_TARGET_LUA53;
}

static void strings(struct rd *r)
{
	struct strtab *t = &r->im->strs;
	const uint8_t *q;
	int i, n, nshort = 0, nlong = 0;

	if ((q = take(r, 3)) && memcmp(q, LFSC_MARK_STRINGS, 3)) {
		r->p -= 3;
		loader_fail(r, "no string vector");
		return;
	}
	r->im->maxlen = mbi(r, 0, "maxlen");
	r->im->ns = mbi(r, 0, "short string count");
	r->im->nl = mbi(r, 0, "long string count");
	n = mbi(r, 1, "string count");
	if (r->ret)
		return;
	if ((int64_t)n != (int64_t)r->im->ns + r->im->nl - LFSC_NFIXED || r->im->ns < LFSC_NFIXED)
		fail(r, LFSC_ERR_FORMAT, "string vector counts do not add up");
	t->vec = array(r, n, sizeof *t->vec);
	if (!t->vec)
		return;
	t->vcap = n;
	for (i = 0; i < n && !r->ret; i++) {
		const uint8_t *at = r->p;
		int tag, id;
		int64_t v;
		if (tt(r, &tag, &v))
			break;
		if ((tag != 5 && tag != 6) || v < 1 || (uint64_t)(v - 1) > left(r)) {
			r->p = at;
			if (v < 1 || tag < 5 || tag > 6)
				fail(r, LFSC_ERR_FORMAT, "bad string tag");
			else
				loader_fail(r, "truncated");
			break;
		}
		if ((tag == 6) != (v - 1 > LFSC_MAXSHORTLEN)) {
			r->p = at;
			fail(r, LFSC_ERR_FORMAT, "string tag does not match its length");
			break;
		}
		if (v - 1 > r->im->maxlen) {
			r->p = at;
			fail(r, LFSC_ERR_FORMAT, "string longer than maxlen");
			break;
		}
		q = take(r, (size_t)(v - 1));
		id = strtab_intern(t, (const char *)q, (size_t)(v - 1));
		if (id < 0) {
			fail(r, LFSC_ERR_MEM, "out of memory");
			break;
		}
		t->vec[t->nvec++] = id;
		if (tag == 5)
			nshort++;
		else
			nlong++;
	}
	if (!r->ret && (nshort != r->im->ns - LFSC_NFIXED || nlong != r->im->nl))
		fail(r, LFSC_ERR_FORMAT, "string vector counts do not match its strings");
	if (!r->ret && r->im->maxlen < 17)
		fail(r, LFSC_ERR_FORMAT, "maxlen smaller than the fixed strings");
}

int image_parse(struct image *im, const uint8_t *data, size_t len, size_t *used,
		struct lfsc_error *err)
{
	struct rd r = { im, data, data, data + len, err, 0, 4, LFSC_FORMAT_IMAGE, 0 };
	const uint8_t *q;
	int i, j, n, tag;
	int64_t v;

	header(&r);
	if (!r.ret && !tt(&r, &tag, &v)) {                    /* §A3.2 seed */
		if ((tag != 3 && tag != 4) || v > UINT32_MAX || v < INT32_MIN)
			fail(&r, LFSC_ERR_FORMAT, "bad hash seed");
		im->seed = (uint32_t)v;
	}
	strings(&r);
	if ((q = take(&r, 3)) && memcmp(q, LFSC_MARK_PROTOS, 3)) {
		r.p -= 3;
		loader_fail(&r, "no Proto vector");
	}
	n = mbi(&r, 1, "module count");
	im->mains = array(&r, n, sizeof *im->mains);
	im->names = array(&r, n, sizeof *im->names);
	im->cap = n;
	for (i = 0; i < n && !r.ret; i++) {
		im->mains[i] = proto(&r, 0);
		if (im->mains[i])
			im->nmodules = i + 1;
		if (!r.ret && im->mains[i]->source == 0)
			fail(&r, LFSC_ERR_FORMAT, "module main without a source name");
	}
	if (!r.ret && mbi(&r, 0, "module index count") != n + 1)
		fail(&r, LFSC_ERR_FORMAT, "module index count is not the module count + 1");
	for (i = 0; i < n && !r.ret; i++) {
		const uint8_t *at = r.p;
		im->names[i] = strref(&r, 0);
		if (r.ret)
			break;
		for (j = 0; j < i && !r.ret; j++)
			if (strtab_ref(&im->strs, im->names[j]) ==
			    strtab_ref(&im->strs, im->names[i]) ||
			    !strcmp(strtab_ref(&im->strs, im->names[j])->s,
				    strtab_ref(&im->strs, im->names[i])->s)) {
				r.p = at;
				fail(&r, LFSC_ERR_FORMAT, "duplicate module name");
			}
	}
	if (!r.ret && !tt(&r, &tag, &v)) {                    /* §A3.11 timestamp */
		if (tag != 3 && tag != 4)
			fail(&r, LFSC_ERR_FORMAT, "bad timestamp");
		im->timestamp = v;
	}
	if (!r.ret && n > 255)
		fail(&r, LFSC_ERR_FORMAT, "more than 255 modules: the firmware cannot index them");
	im->numbered = 1;
	*used = (size_t)(r.p - r.start);
	return r.ret;
}

int lc_parse(struct image *im, const uint8_t *data, size_t len, struct proto **out,
	     struct lfsc_error *err)
{
	struct rd r = { im, data, data, data + len, err, 0, 4, LFSC_FORMAT_LC, -1 };
	enum lfsc_target t = im->target;

	*out = NULL;
	header(&r);
	if (!r.ret && im->target != t)
		loader_fail(&r, "lua_Integer size mismatch in");
	im->target = t;
	byte(&r);                          /* upvalues of the main function */
	if (!r.ret)
		*out = proto(&r, 0);
	if (!r.ret && (*out)->source < 0)
		fail(&r, LFSC_ERR_FORMAT, "precompiled chunk without a source name");
	if (!r.ret && r.p != r.end)
		fail(&r, LFSC_ERR_FORMAT, "trailing bytes after the precompiled chunk");
	if (r.ret) {
		proto_free(im->mem, *out);
		*out = NULL;
	}
	return r.ret;
}
