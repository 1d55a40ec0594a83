/* ident.c - validation of channel names and device ids. */
#include <string.h>

#include "ident.h"

int ident_valid(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789._:-") == n;
}
