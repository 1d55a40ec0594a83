/* serve.h - answering with a blob: strong ETag, If-None-Match, Range, If-Range. */
#ifndef SERVE_H
#define SERVE_H

#include "http.h"

enum serve_flags {
	SERVE_ATTACHMENT = 1 << 0,   /* Content-Disposition: attachment; filename="lfs.img" */
	SERVE_STRICT_RANGE = 1 << 1  /* a malformed Range is 416, never a 200 */
};

/* Serves blob sha (ETag "<sha>") as application/octet-stream, honouring
** If-None-Match (304), Range/If-Range (206, 416). sha comes from a row, so a
** missing, damaged or unreadable blob is a 500 (blob_check logs it and
** reports it to /healthz), never a 404 or wrong bytes. sha borrowed. */
struct response serve_blob(struct req *r, const char *sha, unsigned flags);

/* Parses a Range header against size: 0 with [*first, *last] for one
** satisfiable range, 1 if unsatisfiable or several ranges (416), -1 if
** malformed. Exposed for tests. */
int serve_parse_range(const char *h, long long size, long long *first, long long *last);

#endif
