/*
** error.c - fills struct lfsc_error: the first error wins, and a long source
** name loses its left end so the file name survives (as jansson's error.c).
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lfsc_int.h"

void error_clear(struct lfsc_error *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}

int error_set(struct lfsc_error *e, int code, const char *source, int line,
	      const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e || e->text[0])
		return code;
	if (source) {
		n = strlen(source);
		if (n < sizeof e->source)
			memcpy(e->source, source, n + 1);
		else
			snprintf(e->source, sizeof e->source, "...%s",
				 source + n - (sizeof e->source - 4));
	}
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	if (!e->text[0])
		snprintf(e->text, sizeof e->text, "error %d", code);
	return code;
}

int error_set_lua(struct lfsc_error *e, int code, const char *msg)
{
	const char *p, *best = NULL;
	char source[sizeof e->source];
	size_t n;

	/* the source part may itself contain ':'; take the first ":<digits>: " */
	for (p = msg; (p = strchr(p, ':')) != NULL; p++) {
		const char *q = p + 1;
		if (*q < '0' || *q > '9')
			continue;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q[0] == ':' && q[1] == ' ') {
			best = p;
			break;
		}
	}
	if (!best)
		return error_set(e, code, NULL, 0, "%s", msg);
	n = (size_t)(best - msg);
	if (n >= sizeof source)
		n = sizeof source - 1;
	memcpy(source, msg, n);
	source[n] = 0;
	return error_set(e, code, source, atoi(best + 1), "%s", strchr(best + 1, ':') + 2);
}

LFSC_API void lfsc_error_format(const struct lfsc_error *e, char *buf, size_t size)
{
	if (!size)
		return;
	if (e->source[0] && e->line > 0)
		snprintf(buf, size, "%s:%d: %s", e->source, e->line, e->text);
	else if (e->source[0])
		snprintf(buf, size, "%s: %s", e->source, e->text);
	else
		snprintf(buf, size, "%s", e->text);
}
