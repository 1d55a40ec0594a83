/* dirlock.h - one lfsd per data directory: an exclusive flock(2) on
** DIR/lfsd.lock, held for the life of the process, with the holder's pid in
** the file so that a second lfsd can say who has the directory. */
#ifndef DIRLOCK_H
#define DIRLOCK_H

#include <stddef.h>

/* Takes the lock of data directory dir (which must exist). Returns the open
** lock file descriptor (>= 0; the caller keeps it open until exit: closing it
** releases the lock; it is close-on-exec, so build children never hold it).
** Returns -1 with a message in err when another process holds the lock
** ("data directory 'DIR' is in use by pid N (lock file 'DIR/lfsd.lock')") or
** the lock file cannot be opened or locked. dir borrowed. */
int dirlock_take(const char *dir, char *err, size_t errsize);

#endif
