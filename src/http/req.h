/* req: one HTTP request and its answer, as handlers see it.
 *
 * Everything a handler allocates comes from `a`, released in one call when libmicrohttpd
 * reports the request complete: handlers never free. The answer is built in `out` (a JSON
 * body most of the time) with `status` and `content_type`; http/reply.h has the helpers. */
#ifndef KT_REQ_H
#define KT_REQ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "core/arena.h"
#include "core/buf.h"
#include "store/db.h"
#include "domain/principal.h"

struct MHD_Connection;

enum { REQ_MAX_PARAMS = 6, REQ_MAX_HEADERS = 8 };

/* how request bodies are parsed (jansson flags), shared with the fuzz target: a key twice
 * is an error rather than last-one-wins; \u0000 is kept so validation can refuse it */
#define REQ_JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

typedef struct req {
    arena a;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char id[24];                 /* request id: logs, X-Request-Id, audit */
    const char *remote;          /* client address as text */
    long long started_us;

    buf body;
    bool body_too_large;
    json_t *json;                /* parsed body, owned by the arena */

    const struct route *route;   /* matched once on arrival; NULL when none */
    bool route_method_mismatch;  /* the path exists under another method */
    const char *params[REQ_MAX_PARAMS];   /* {id} segments of the route, in order */
    int nparams;

    principal user;              /* valid when authed */
    bool authed;
    bool via_cookie;
    db *db;

    int status;
    const char *content_type;
    buf out;
    const char *hdr_name[REQ_MAX_HEADERS];
    const char *hdr_value[REQ_MAX_HEADERS];
    int nhdr;
    /* streaming answers (SSE, large exports) set a reader instead of filling `out` */
    ssize_t (*stream)(void *cls, uint64_t pos, char *buf, size_t max);
    void *stream_cls;
    void (*stream_free)(void *cls);
} req;

const char *req_query(req *r, const char *name);     /* query argument or NULL */
const char *req_header(req *r, const char *name);
const char *req_cookie(req *r, const char *name);
void req_add_header(req *r, const char *name, const char *value);
long long req_param_id(req *r, int i);              /* path {id} as positive integer, 0 if not */
#endif
