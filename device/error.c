/*
** error.c - fills struct dev_error; the first error wins.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "error.h"

int dev_error_set(struct dev_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->code)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	return code;
}

void dev_error_clear(struct dev_error *e)
{
	if (!e)
		return;
	e->code = 0;
	e->text[0] = '\0';
}
