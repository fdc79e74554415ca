/* timeline: the whole history of a client (contact or company) or a deal, in time order,
 * merged from every module that has something to say about it.
 *
 * A module contributes a source: a function that appends one SQL SELECT producing the
 * columns (at TEXT /RFC 3339 UTC/, kind TEXT, item_id INTEGER, payload TEXT /JSON object/)
 * for the events of `object` ("contact", "company", "deal") with id `id`, already limited
 * to what the principal may read (use resource_scope_sql on the source's own table).
 * A source that has nothing for that object appends nothing. The timeline endpoint joins
 * the sources with UNION ALL, orders by at DESC, kind, item_id DESC and pages with a
 * cursor, so a source must be cheap with an index on (its link to the client, at).
 *
 * Register sources from the module's routes() function (run once at start-up). The
 * "audit" source (timeline.c) is always there: every audit row of the object, and of
 * the cards merged into it (merge.h), payload {action, user_id, user_name, object,
 * object_id, changes, request_id}. */
#ifndef KT_TIMELINE_H
#define KT_TIMELINE_H
#include "core/buf.h"
#include "domain/ctx.h"
#include "domain/resource.h"

typedef struct timeline_source {
    const char *name;   /* "audit", "activity", "deal", "stage_change" ... */
    void (*select_sql)(ctx *c, const char *object, long long id, buf *sql, dbparams *p);
} timeline_source;

void timeline_register(const timeline_source *s);
/* makes `res` an object with a timeline: GET /api/v1/<plural>/{id}/timeline (?limit=
 * 1..200, ?after=cursor) answers timeline_list for it, and timeline_list checks the
 * caller's read scope on its records. Call it from routes(). timeline_list answers 404
 * for an object name that was never registered. */
void timeline_route(const resource *res);
/* writes {"data": [{"at", "kind", "id", ...payload members}], "next"} for the object;
 * status 200, 404 when the object is not visible, 422 on a bad cursor */
int timeline_list(ctx *c, const char *object, long long id, int limit, const char *after, buf *out);
#endif
