/* router: maps METHOD + path to a handler.
 *
 * Patterns are literal segments and `{}` placeholders (captured, in order, into
 * req.params): "/api/v1/contacts/{}/timeline". Literal segments win over placeholders, so
 * "/api/v1/contacts/merge" can sit beside "/api/v1/contacts/{}". Modules add their routes
 * at start-up (routes_register_all); the table is read-only while serving. */
#ifndef KT_ROUTER_H
#define KT_ROUTER_H
#include "http/req.h"

typedef int (*handler_fn)(req *r, const void *data);

enum {
    ROUTE_PUBLIC = 1,      /* no authentication */
    ROUTE_RAW_BODY = 2,    /* body is not JSON (uploads): not parsed */
};

void router_add(const char *method, const char *pattern, handler_fn fn, const void *data, unsigned flags);
/* finds the route; fills r->params. Returns NULL and sets *method_mismatch when the path
 * exists under another method (405 rather than 404). HEAD finds the GET route. */
typedef struct route route;
const route *router_match(req *r, const char *method, const char *path, int *method_mismatch);
handler_fn route_handler(const route *rt);
const void *route_data(const route *rt);
unsigned route_flags(const route *rt);
void routes_register_all(void);   /* routes.c: every module's routes */
#endif
