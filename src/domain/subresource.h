/* subresource: records that live inside a parent record and are reached through it,
 * /api/v1/<parent>/{id}/<segment> and /api/v1/<parent>/{id}/<segment>/{id}: the stages
 * of a pipeline, the line items and payments of a deal.
 *
 * The child is an ordinary resource (fields, scope, audit trail, If-Match) whose `link`
 * field holds the parent id. The parent id comes from the path: a body may repeat it but
 * not contradict it. Reads need the parent readable, writes need it writable (scope of
 * the parent's own resource). Every write runs in one transaction together with the
 * object's hooks, so a failure changes nothing. */
#ifndef KT_SUBRESOURCE_H
#define KT_SUBRESOURCE_H
#include "domain/resource.h"
#include "http/req.h"

typedef struct subresource {
    const resource *parent;
    const resource *child;
    const char *segment;      /* path segment after the parent id: "items" */
    const char *link;         /* child field (and column) holding the parent id */
    /* after a successful create, update or delete, in the same transaction: derived
     * values on the parent. 0 goes on; anything else is an HTTP status (422/409 with
     * errors in e) and the whole request is rolled back. Optional. */
    int (*changed)(ctx *c, long long parent_id, errs *e);
    /* before a delete, in the same transaction (the request's query arguments are at
     * hand); same return convention as `changed`. Optional. */
    int (*deleting)(req *r, ctx *c, long long parent_id, long long id, errs *e);
} subresource;

/* adds the five routes and their OpenAPI descriptions; `s` must outlive the server */
void subresource_register(const subresource *s);
#endif
