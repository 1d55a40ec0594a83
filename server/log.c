/* log.c - lfsd's diagnostics: one line per message on stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static void emit(const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof line, fmt, ap);
	fprintf(stderr, "lfsd: %s\n", line);   /* one write per line keeps threads apart */
}

int log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
	return -1;
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}
