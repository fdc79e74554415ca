/* Linear route table matched segment by segment; literal segments beat placeholders. */
#include "http/router.h"
#include <stdlib.h>
#include <string.h>

enum { MAX_ROUTES = 1024, MAX_SEGS = 8 };

struct route {
    const char *method;
    const char *segs[MAX_SEGS];   /* NULL entry = placeholder */
    size_t seglen[MAX_SEGS];
    int nsegs;
    int literal_count;
    handler_fn fn;
    const void *data;
    unsigned flags;
};

static route g_routes[MAX_ROUTES];
static int g_nroutes;

void router_add(const char *method, const char *pattern, handler_fn fn, const void *data, unsigned flags)
{
    if (g_nroutes == MAX_ROUTES) abort();
    route *rt = &g_routes[g_nroutes++];
    rt->method = method;
    rt->fn = fn;
    rt->data = data;
    rt->flags = flags;
    const char *p = pattern;
    while (*p == '/') p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (rt->nsegs == MAX_SEGS) abort();
        if (n == 2 && p[0] == '{' && p[1] == '}') rt->segs[rt->nsegs++] = NULL;
        else { rt->seglen[rt->nsegs] = n; rt->segs[rt->nsegs++] = strndup(p, n); rt->literal_count++; }
        p += n;
        while (*p == '/') p++;
    }
}

const route *router_match(req *r, const char *method, const char *path, int *method_mismatch)
{
    const char *segs[MAX_SEGS];
    size_t lens[MAX_SEGS];
    int n = 0;
    *method_mismatch = 0;
    const char *p = path;
    while (*p == '/') p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == MAX_SEGS) return NULL;
        segs[n] = p;
        lens[n++] = len;
        p += len;
        while (*p == '/') p++;
    }
    const route *best = NULL;
    /* HEAD is GET without the body (libmicrohttpd leaves the body out): health checks
     * and link checkers send it */
    if (!strcmp(method, "HEAD")) method = "GET";
    for (int i = 0; i < g_nroutes; i++) {
        const route *rt = &g_routes[i];
        if (rt->nsegs != n) continue;
        int ok = 1;
        /* last segments first: every route starts with api/v1, they differ at the end */
        for (int s = n - 1; s >= 0 && ok; s--)
            if (rt->segs[s] && (rt->seglen[s] != lens[s] || memcmp(rt->segs[s], segs[s], lens[s]) != 0)) ok = 0;
        if (!ok) continue;
        if (strcmp(rt->method, method) != 0) { *method_mismatch = 1; continue; }
        if (!best || rt->literal_count > best->literal_count) best = rt;
    }
    if (!best) return NULL;
    r->nparams = 0;
    for (int s = 0; s < n; s++)
        if (!best->segs[s] && r->nparams < REQ_MAX_PARAMS)
            r->params[r->nparams++] = arena_strndup(&r->a, segs[s], lens[s]);
    return best;
}

handler_fn route_handler(const route *rt) { return rt->fn; }
const void *route_data(const route *rt) { return rt->data; }
unsigned route_flags(const route *rt) { return rt->flags; }
