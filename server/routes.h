/* routes.h - the route table: method, path pattern, who may call, handler. */
#ifndef ROUTES_H
#define ROUTES_H

#include "http.h"

enum route_auth {
	ROUTE_ANYONE,   /* /healthz, /metrics, /ota/pubkey, dashboard files */
	ROUTE_ADMIN,    /* Authorization: Bearer <admin token> */
	ROUTE_DEVICE    /* HTTPS only; the handler checks the device key */
};

struct route {
	const char *method;      /* "GET" (also answers HEAD), "POST", "PATCH", "DELETE" */
	const char *pattern;     /* "/builds/{id}"; "*" as last char = prefix */
	enum route_auth auth;
	route_handler handler;
	const char *name;        /* metrics label */
};

/* The table, ending with a NULL-pattern sentinel. */
extern const struct route routes_table[];

/* Finds the route for method and path and copies the {..} segments into
** params. Returns the route, or NULL with *wrong_method = 1 if the path
** exists under another method. */
const struct route *routes_match(const char *method, const char *path,
                                 char params[][256], int *wrong_method);

#endif
