/* log.c - lfsd's log lines: text or JSON, one write per line (log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

#define LINE_MAX_BYTES 4096

static enum log_format format = LOG_TEXT;   /* set once by log_setup() */
static int log_requests = 1;

void log_setup(enum log_format f, int access)
{
	format = f;
	log_requests = access;
}

/* "2026-11-29T01:02:03.456Z" into buf (at least 25 bytes). The date and
** time of day are formatted once per second per thread. */
static void now_iso(char buf[25])
{
	static __thread time_t sec = -1;
	static __thread char day[24];   /* "2026-11-29T01:02:03" of sec */
	struct timeval tv;
	struct tm tm;
	unsigned ms;
	size_t n;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != sec) {
		gmtime_r(&tv.tv_sec, &tm);
		if (!strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm))
			day[0] = '\0';
		sec = tv.tv_sec;
	}
	ms = (unsigned)(tv.tv_usec / 1000) % 1000u;
	n = strlen(day);
	memcpy(buf, day, n);
	buf[n++] = '.';
	buf[n++] = (char)('0' + ms / 100);
	buf[n++] = (char)('0' + ms / 10 % 10);
	buf[n++] = (char)('0' + ms % 10);
	buf[n++] = 'Z';
	buf[n] = '\0';
}

/* Lines a thread holds (log_hold) until log_flush(): at most PIPE_BUF bytes,
** so that one write of them to a pipe is not interleaved with another's. */
#define HOLD_MAX 4096
static __thread char held[HOLD_MAX];
static __thread size_t held_len;
static __thread int holding;

void log_hold(void)
{
	holding = 1;
}

void log_flush(void)
{
	ssize_t n;

	if (!held_len)
		return;
	n = write(STDERR_FILENO, held, held_len);
	(void)n;   /* nowhere left to report a failed log write */
	held_len = 0;
}

/* Writes line[0..len) plus a newline to stderr in one write(2), or adds it
** to the lines this thread holds; line must have room for len + 1 bytes. */
static void put(char *line, size_t len)
{
	ssize_t n;

	line[len++] = '\n';
	if (holding && len <= HOLD_MAX) {
		if (held_len + len > HOLD_MAX)
			log_flush();
		memcpy(held + held_len, line, len);
		held_len += len;
		return;
	}
	log_flush();   /* the lines held come first */
	n = write(STDERR_FILENO, line, len);
	(void)n;
}

/* Adds "time" and "level" in front of obj's fields, prints it, frees it. */
static void put_json(json_t *obj, const char *level)
{
	char t[32], *text;
	json_t *out = json_object();

	now_iso(t);
	json_object_set_new(out, "time", json_string(t));
	json_object_set_new(out, "level", json_string(level));
	json_object_update(out, obj);
	text = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text) {   /* put() needs one spare byte for the newline */
		size_t n = strlen(text);
		char *line = realloc(text, n + 1);

		if (line)
			put(line, n);
		free(line ? line : text);
	}
	json_decref(out);
	json_decref(obj);
}

/* An snprintf() result as the length actually in a buffer of size bytes. */
static size_t clamp(int n, size_t size)
{
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

static void message(const char *level, const char *fmt, va_list ap)
{
	char msg[LINE_MAX_BYTES / 2], line[LINE_MAX_BYTES], t[32];
	int n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (format == LOG_JSON) {
		put_json(json_pack("{s:s}", "msg", msg), level);
		return;
	}
	now_iso(t);
	n = snprintf(line, sizeof line - 1, "%s lfsd: %s", t, msg);
	put(line, clamp(n, sizeof line - 1));
}

int log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message("error", fmt, ap);
	va_end(ap);
	return -1;
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message("info", fmt, ap);
	va_end(ap);
}

/* Copies s into out, %XX-escaping control bytes, space, '"', '\\' and DEL, so a
** request cannot forge log lines or fields. */
static void escape(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	static const unsigned char plain[256] = {   /* 1: the byte stays as it is */
		['!'] = 1, ['#' ... '['] = 1, [']' ... '~'] = 1, [0x80 ... 0xff] = 1
	};
	size_t o = 0;

	for (; *s && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (!plain[c]) {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static int secret_name(const char *name, size_t len)
{
	static const char *const names[] = { "key", "token", "access_token", "secret",
	                                     "password", "auth", "authorization", NULL };
	int i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == len && !strncasecmp(names[i], name, len))
			return 1;
	return 0;
}

/* The query with the values of secret-looking arguments replaced by "-". */
static void redact(const char *q, char *out, size_t size)
{
	size_t o = 0;

	while (*q && o + 2 < size) {
		size_t nlen = strcspn(q, "=&"), vlen;

		if (o + nlen + 2 >= size)
			break;
		memcpy(out + o, q, nlen);
		o += nlen;
		q += nlen;
		if (*q != '=')
			goto next;
		vlen = strcspn(q + 1, "&");
		if (secret_name(q - nlen, nlen)) {
			memcpy(out + o, "=-", 2);
			o += 2;
		} else if (o + vlen + 1 < size) {
			memcpy(out + o, q, vlen + 1);
			o += vlen + 1;
		}
		q += vlen + 1;
next:
		if (*q == '&')
			out[o++] = *q++;
	}
	out[o] = '\0';
}

/* Copies at most size - 1 bytes of s and a NUL into out; returns the bytes copied. */
static size_t copy(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n > size - 1)
		n = size - 1;

	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

/* A line being built: appends are cut at its end (one byte stays for put()'s
** newline). */
struct line {
	char b[LINE_MAX_BYTES];
	size_t n;
};

static void add(struct line *l, const char *s)
{
	l->n += copy(l->b + l->n, sizeof l->b - 1 - l->n, s);
}

static void add_uint(struct line *l, unsigned long long v)
{
	char d[24];
	int i = (int)sizeof d - 1;

	d[i] = '\0';
	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	add(l, d + i);
}

/* The text access line, without printf (it runs for every request). */
static void access_text(const struct log_request *r, const char *path)
{
	struct line l;
	unsigned long long tenths = (unsigned long long)(r->ms * 10 + 0.5);
	char t[32], esc[2100];

	escape(path, esc, sizeof esc);
	now_iso(t);
	l.n = 0;
	l.b[0] = '\0';
	add(&l, t);
	add(&l, " lfsd: access ");
	add(&l, r->client ? r->client : "-");
	add(&l, " ");
	add(&l, r->method);
	add(&l, " ");
	add(&l, esc);
	add(&l, " ");
	add_uint(&l, (unsigned long long)(r->status > 0 ? r->status : 0));
	add(&l, " ");
	add_uint(&l, (unsigned long long)r->bytes);
	add(&l, "B ");
	add_uint(&l, tenths / 10);
	add(&l, ".");
	add_uint(&l, tenths % 10);
	add(&l, "ms");
	put(l.b, l.n);
}

void log_access(const struct log_request *r)
{
	char full[2100];
	size_t n;

	if (!log_requests)
		return;
	n = copy(full, 1024, r->path ? r->path : "");   /* the path: at most 1023 bytes */
	if (r->query && *r->query) {
		full[n] = '?';
		redact(r->query, full + n + 1, 1024);
		if (!full[n + 1])
			full[n] = '\0';
	}
	if (format == LOG_JSON) {
		put_json(json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:f}", "kind", "access",
		                   "client", r->client ? r->client : "-", "method", r->method,
		                   "path", full, "status", r->status, "bytes",
		                   (json_int_t)r->bytes, "ms", r->ms), "info");
		return;
	}
	access_text(r, full);
}

/* " k=v" for each field of obj; strings are escaped as in paths. */
static size_t fields_text(json_t *obj, char *out, size_t size)
{
	const char *k;
	json_t *v;
	size_t o = 0;

	json_object_foreach(obj, k, v) {
		char val[512], esc[1600];
		size_t n;

		if (json_is_string(v)) {
			snprintf(val, sizeof val, "%s", json_string_value(v));
		} else {
			n = json_dumpb(v, val, sizeof val - 1, JSON_COMPACT | JSON_ENCODE_ANY);
			val[n && n < sizeof val - 1 ? n : 0] = '\0';
		}
		escape(val, esc, sizeof esc);
		if (o < size)
			o += clamp(snprintf(out + o, size - o, " %s=%s", k, esc), size - o);
	}
	return o;
}

void log_event(const char *name, const char *fmt, ...)
{
	char line[LINE_MAX_BYTES], t[32];
	json_error_t e;
	json_t *obj;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	obj = json_vpack_ex(&e, 0, fmt, ap);
	va_end(ap);
	if (!obj) {
		log_error("event %s: cannot format its fields: %s", name, e.text);
		return;
	}
	if (format == LOG_JSON) {
		json_t *head = json_pack("{s:s,s:s}", "kind", "event", "event", name);

		json_object_update(head, obj);
		json_decref(obj);
		put_json(head, "info");
		return;
	}
	now_iso(t);
	n = clamp(snprintf(line, sizeof line - 1, "%s lfsd: event %s", t, name), sizeof line - 1);
	n += fields_text(obj, line + n, sizeof line - 1 - n);
	json_decref(obj);
	put(line, n);
}
