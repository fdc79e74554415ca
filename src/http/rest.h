/* rest: HTTP handlers that expose a resource (domain/resource.h) under /api/v1/<plural>
 * with the API conventions: query arguments to list_query, If-Match/ETag, Idempotency-Key
 * replay, Location on create, problem+json on every failure.
 *
 * rest_register() adds the five standard routes; objects add their own extra routes
 * beside them and can reuse rest_ctx/rest_status to answer the same way. */
#ifndef KT_REST_H
#define KT_REST_H
#include "domain/resource.h"
#include "http/reply.h"
#include "http/router.h"

void rest_register(const resource *res);
ctx rest_ctx(req *r);
/* turns a status from the resource layer into the answer (out already filled on success) */
int rest_status(req *r, const resource *res, int status, const errs *e);
/* list_query from the request's query arguments (limit, after, sort, q, filter, fields,
 * count, and field=value equality shorthands); -1 after replying 422 */
int rest_list_query(req *r, const resource *res, list_query *q);
/* If-Match as a version number: 0 when absent, -1 after replying 400 when malformed */
long long rest_if_match(req *r);
int rest_get(req *r, const void *res);
int rest_list(req *r, const void *res);
int rest_create(req *r, const void *res);
int rest_update(req *r, const void *res);
int rest_delete(req *r, const void *res);
/* Idempotency-Key: returns 1 when a stored answer was replayed, 0 to go on, <0 replied */
int idempotency_begin(req *r);
void idempotency_store(req *r);
#endif
