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

/* "2026-11-29T01:02:03.456Z" into buf (at least 25 bytes). */
static void now_iso(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03uZ", (unsigned)(tv.tv_usec / 1000) % 1000u);
}

/* Writes line[0..len) plus a newline to stderr in one write(2); line must
** have room for len + 1 bytes. */
static void put(char *line, size_t len)
{
	ssize_t n;

	line[len++] = '\n';
	n = write(STDERR_FILENO, line, len);
	(void)n;   /* nowhere left to report a failed log write */
}

/* Adds "time" and "level" in front of obj's fields, prints it, frees it. */
static void put_json(json_t *obj, const char *level)
{
	char t[32], *text;
	json_t *out = json_object();

	now_iso(t, sizeof t);
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
	now_iso(t, sizeof t);
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
	size_t o = 0;

	for (; *s && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, size - o, "%%%02X", c);
		else
			out[o++] = (char)c;
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

void log_access(const struct log_request *r)
{
	char path[1024], query[1024] = "", full[2100], esc[2100], line[LINE_MAX_BYTES], t[32];
	int n;

	if (!log_requests)
		return;
	snprintf(path, sizeof path, "%s", r->path ? r->path : "");
	if (r->query && *r->query)
		redact(r->query, query, sizeof query);
	snprintf(full, sizeof full, "%s%s%s", path, query[0] ? "?" : "", query);
	if (format == LOG_JSON) {
		put_json(json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:f}", "kind", "access",
		                   "client", r->client ? r->client : "-", "method", r->method,
		                   "path", full, "status", r->status, "bytes",
		                   (json_int_t)r->bytes, "ms", r->ms), "info");
		return;
	}
	escape(full, esc, sizeof esc);
	now_iso(t, sizeof t);
	n = snprintf(line, sizeof line - 1, "%s lfsd: access %s %s %s %d %lluB %.1fms", t,
	             r->client ? r->client : "-", r->method, esc, r->status,
	             (unsigned long long)r->bytes, r->ms);
	put(line, clamp(n, sizeof line - 1));
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
	now_iso(t, sizeof t);
	n = clamp(snprintf(line, sizeof line - 1, "%s lfsd: event %s", t, name), sizeof line - 1);
	n += fields_text(obj, line + n, sizeof line - 1 - n);
	json_decref(obj);
	put(line, n);
}
