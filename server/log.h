/* log.h - lfsd's diagnostics on stderr, one line per message. */
#ifndef LOG_H
#define LOG_H

/* Prints "lfsd: <message>" and returns -1, so callers can write
** `ret = log_error("cannot open '%s'", path); goto out;`. */
int log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "lfsd: <message>". */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
