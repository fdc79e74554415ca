/* Handlers for records reached through their parent: see subresource.h. */
#include "domain/subresource.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <stdio.h>
#include <string.h>

/* 0 when the parent is within the principal's scope for `act`; else 404 (not visible) or
 * 403 (visible but not writable) */
static int parent_check(ctx *c, const resource *parent, long long pid, scope_action act)
{
    if (resource_level(c, parent, act) == SCOPE_NONE) return resource_level(c, parent, ACT_READ) == SCOPE_NONE ? 404 : 403;
    for (int pass = 0; pass < 2; pass++) {
        scope_action a = pass ? ACT_READ : act;
        buf sql;
        buf_init(&sql, 0);
        dbparams p;
        dbparams_init(&p, c->a);
        buf_printf(&sql, "SELECT 1 FROM %s t WHERE t.id = ?", parent->table);
        dbp_int(&p, pid);
        if (parent->soft_delete) buf_adds(&sql, " AND t.deleted_at IS NULL");
        resource_scope_sql(c, parent, a, &sql, &p);
        long long found = db_scalar(c->db, sql.data, &p, 0);
        buf_release(&sql);
        if (found < 0) return 500;
        if (found == 1) return pass ? 403 : 0;
        if (act == ACT_READ) break;
    }
    return 404;
}

/* whether child `id` hangs off parent `pid` */
static bool belongs(ctx *c, const subresource *s, long long pid, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    dbp_int(&p, pid);
    const char *sql = arena_printf(c->a, "SELECT 1 FROM %s WHERE id = ? AND %s = ?", s->child->table,
                                   resource_field(s->child, s->link)->column);
    return db_scalar(c->db, sql, &p, 0) == 1;
}

static int parent_status(req *r, const subresource *s, int st)
{
    if (st == 404) return reply_problem(r, 404, "not_found", "no such %s", s->parent->name);
    return rest_status(r, s->parent, st, NULL);
}

static int sub_list(req *r, const void *data)
{
    const subresource *s = data;
    ctx c = rest_ctx(r);
    long long pid = req_param_id(r, 0);
    int st = pid ? parent_check(&c, s->parent, pid, ACT_READ) : 404;
    if (st) return parent_status(r, s, st);
    list_query q;
    if (rest_list_query(r, s->child, &q) != 0) return 422;
    dbparams *xp = arena_alloc(&r->a, sizeof *xp);
    dbparams_init(xp, &r->a);
    dbp_int(xp, pid);
    q.extra_sql = arena_printf(&r->a, "t.%s = ?", resource_field(s->child, s->link)->column);
    q.extra_params = xp;
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, s->child, resource_list(&c, s->child, &q, &r->out, &e), &e);
}

static int sub_get(req *r, const void *data)
{
    const subresource *s = data;
    ctx c = rest_ctx(r);
    long long pid = req_param_id(r, 0), id = req_param_id(r, 1);
    int st = pid ? parent_check(&c, s->parent, pid, ACT_READ) : 404;
    if (st) return parent_status(r, s, st);
    if (!id || !belongs(&c, s, pid, id)) return rest_status(r, s->child, 404, NULL);
    return rest_status(r, s->child, resource_get(&c, s->child, id, req_query(r, "fields"), &r->out), NULL);
}

/* finishes a write begun with db_begin: the hook, then commit or roll back */
static int finish(req *r, const subresource *s, ctx *c, long long pid, int st, int ok, errs *e)
{
    if (st == ok && s->changed) {
        int h = s->changed(c, pid, e);
        if (h) st = h;
    }
    if (st != ok) {
        db_rollback(r->db);
        buf_reset(&r->out);
        return rest_status(r, s->child, st, e);
    }
    rest_status(r, s->child, st, e);
    if (ok == 201) idempotency_store(r);
    if (db_commit(r->db) != 0) return reply_db_error(r);
    return st;
}

static int sub_create(req *r, const void *data)
{
    const subresource *s = data;
    if (!r->json) return reply_problem(r, 400, "missing_body", "a JSON object body is required");
    long long pid = req_param_id(r, 0);
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    if (idempotency_begin(r) != 0) { db_rollback(r->db); return r->status; }
    ctx c = rest_ctx(r);
    int st = pid ? parent_check(&c, s->parent, pid, ACT_WRITE) : 404;
    if (st) { db_rollback(r->db); return parent_status(r, s, st); }
    errs e;
    errs_init(&e, &r->a);
    json_t *in = r->json;
    if (json_is_object(in)) {
        json_t *given = json_object_get(in, s->link);
        if (given && !(json_is_integer(given) && json_integer_value(given) == pid)) {
            errs_add(&e, s->link, "invalid_reference", "'%s' must be the %s of the path", s->link, s->parent->name);
            db_rollback(r->db);
            return reply_invalid(r, &e);
        }
        in = json_copy(r->json);
        json_object_set_new(in, s->link, json_integer(pid));
    }
    long long id = 0;
    st = resource_create(&c, s->child, in, &id, &r->out, &e);
    if (in != r->json) json_decref(in);
    if (st == 201)
        req_add_header(r, "Location", arena_printf(&r->a, "/api/v1/%s/%lld/%s/%lld", s->parent->plural, pid, s->segment, id));
    return finish(r, s, &c, pid, st, 201, &e);
}

static int sub_update(req *r, const void *data)
{
    const subresource *s = data;
    long long pid = req_param_id(r, 0), id = req_param_id(r, 1);
    long long ver = rest_if_match(r);
    if (ver < 0) return 400;
    if (!r->json) return reply_problem(r, 400, "missing_body", "a JSON object body is required");
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    ctx c = rest_ctx(r);
    int st = pid ? parent_check(&c, s->parent, pid, ACT_WRITE) : 404;
    if (st) { db_rollback(r->db); return parent_status(r, s, st); }
    if (!id || !belongs(&c, s, pid, id)) { db_rollback(r->db); return rest_status(r, s->child, 404, NULL); }
    errs e;
    errs_init(&e, &r->a);
    st = resource_update(&c, s->child, id, r->json, ver, &r->out, &e);
    return finish(r, s, &c, pid, st, 200, &e);
}

static int sub_delete(req *r, const void *data)
{
    const subresource *s = data;
    long long pid = req_param_id(r, 0), id = req_param_id(r, 1);
    long long ver = rest_if_match(r);
    if (ver < 0) return 400;
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    ctx c = rest_ctx(r);
    int st = pid ? parent_check(&c, s->parent, pid, ACT_WRITE) : 404;
    if (st) { db_rollback(r->db); return parent_status(r, s, st); }
    if (!id || !belongs(&c, s, pid, id)) { db_rollback(r->db); return rest_status(r, s->child, 404, NULL); }
    errs e;
    errs_init(&e, &r->a);
    st = s->deleting ? s->deleting(r, &c, pid, id, &e) : 0;
    if (!st) st = resource_delete(&c, s->child, id, ver, &e);
    return finish(r, s, &c, pid, st, 204, &e);
}

void subresource_register(const subresource *s)
{
    char list[128], one[128];
    snprintf(list, sizeof list, "/api/v1/%s/{}/%s", s->parent->plural, s->segment);
    snprintf(one, sizeof one, "/api/v1/%s/{}/%s/{}", s->parent->plural, s->segment);
    router_add("GET", list, sub_list, s, 0);
    router_add("POST", list, sub_create, s, 0);
    router_add("GET", one, sub_get, s, 0);
    router_add("PATCH", one, sub_update, s, 0);
    router_add("PUT", one, sub_update, s, 0);
    router_add("DELETE", one, sub_delete, s, 0);

    /* the OpenAPI document keeps the pointers: copies live as long as the process */
    char path[160], sum[160];
    snprintf(path, sizeof path, "/api/v1/%s/{id}/%s", s->parent->plural, s->segment);
    const char *lp = xstrdup(path);
    snprintf(path, sizeof path, "/api/v1/%s/{id}/%s/{%s_id}", s->parent->plural, s->segment, s->child->name);
    const char *op = xstrdup(path);
    static const char *const obj = "{\"type\":\"object\",\"required\":[\"id\",\"version\"]}";
    snprintf(sum, sizeof sum, "list the %s of a %s", s->segment, s->parent->name);
    openapi_op("get", lp, xstrdup(sum), NULL, "{\"type\":\"object\",\"required\":[\"data\",\"next\"]}");
    snprintf(sum, sizeof sum, "add a %s to a %s", s->child->name, s->parent->name);
    openapi_op_status("post", lp, xstrdup(sum), obj, 201, obj);
    snprintf(sum, sizeof sum, "read a %s", s->child->name);
    openapi_op("get", op, xstrdup(sum), NULL, obj);
    snprintf(sum, sizeof sum, "update a %s (If-Match: version)", s->child->name);
    openapi_op("patch", op, xstrdup(sum), obj, obj);
    openapi_op("put", op, xstrdup(sum), obj, obj);
    snprintf(sum, sizeof sum, "delete a %s", s->child->name);
    openapi_op_status("delete", op, xstrdup(sum), NULL, 204, NULL);
}
