/* ident.h - validation of channel names and device ids. */
#ifndef IDENT_H
#define IDENT_H

/* 1 if s is 1-64 characters of [A-Za-z0-9._:-], else 0. NULL gives 0. */
int ident_valid(const char *s);

#endif
