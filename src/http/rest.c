/* Standard REST handlers over the generic resource machinery. */
#include "http/rest.h"
#include "http/openapi.h"
#include "core/log.h"
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ctx rest_ctx(req *r)
{
    ctx c = {&r->a, r->db, &r->user, r->id};
    return c;
}

int rest_status(req *r, const resource *res, int status, const errs *e)
{
    switch (status) {
    case 200: case 201: return reply_json(r, status);
    case 204: return reply_no_content(r);
    case 403:
        if (e && e->n) {
            size_t i = 0;   /* the error that forbids, rather than one found beside it */
            while (i + 1 < e->n && strncmp(e->v[i].code, "forbidden", 9) != 0) i++;
            return reply_problem(r, 403, "forbidden", "%s", e->v[i].message);
        }
        return reply_forbidden(r, arena_printf(&r->a, "this action on %s", res->plural));
    case 404: return reply_problem(r, 404, "not_found", "no such %s", res->name);
    case 409:
        if (e && e->n) return reply_problem(r, 409, "conflict", "%s", e->v[0].message);
        return reply_db_error(r);
    case 412: return reply_problem(r, 412, "version_mismatch",
                                   "the %s was changed by someone else; reload it and apply your change again", res->name);
    case 422: return reply_invalid(r, e);
    case 503: return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    default: return reply_db_error(r);
    }
}

long long rest_if_match(req *r)
{
    const char *h = req_header(r, "If-Match");
    if (!h) return 0;
    while (*h == ' ') h++;
    if (!strcmp(h, "*")) return 0;   /* RFC 9110: any current version */
    if (!strncmp(h, "W/", 2)) h += 2;
    if (*h == '"') h++;
    char *end;
    long long v = strtoll(h, &end, 10);
    if (end == h || v <= 0 || (*end && *end != '"')) {
        reply_problem(r, 400, "invalid_if_match", "If-Match must be a record version such as \"3\"");
        return -1;
    }
    return v;
}

static bool known_arg(const char *k)
{
    static const char *const reserved[] = {"limit", "after", "sort", "q", "filter", "fields", "count", NULL};
    for (const char *const *p = reserved; *p; p++) if (!strcmp(*p, k)) return true;
    return false;
}

typedef struct eq_collect {
    req *r;
    const resource *res;
    const char **names, **values;
    int n, cap;
    errs *e;
} eq_collect;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    eq_collect *ec = cls;
    if (known_arg(key) || !value) return MHD_YES;
    if (ec->n == ec->cap) {
        errs_add(ec->e, key, "too_many_filters", "at most %d field filters are allowed", ec->cap);
        return MHD_NO;
    }
    ec->names[ec->n] = key;
    ec->values[ec->n++] = value;
    return MHD_YES;
}

int rest_list_query(req *r, const resource *res, list_query *q)
{
    memset(q, 0, sizeof *q);
    errs e;
    errs_init(&e, &r->a);
    const char *limit = req_query(r, "limit");
    q->limit = 50;
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (*end || v < 1 || v > 500) errs_add(&e, "limit", "out_of_range", "'limit' must be between 1 and 500");
        else q->limit = (int)v;
    }
    q->after = req_query(r, "after");
    q->sort = req_query(r, "sort");
    q->q = req_query(r, "q");
    q->filter = req_query(r, "filter");
    q->fields = req_query(r, "fields");
    const char *count = req_query(r, "count");
    q->count = count && (!strcmp(count, "true") || !strcmp(count, "1"));
    eq_collect ec = {r, res, arena_alloc(&r->a, 16 * sizeof(char *)), arena_alloc(&r->a, 16 * sizeof(char *)), 0, 16, &e};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &ec);
    q->eq_names = ec.names;
    q->eq_values = ec.values;
    q->neq = ec.n;
    if (e.n) { reply_invalid(r, &e); return -1; }
    return 0;
}

int rest_list(req *r, const void *data)
{
    const resource *res = data;
    list_query q;
    if (rest_list_query(r, res, &q) != 0) return 422;
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, res, resource_list(&c, res, &q, &r->out, &e), &e);
}

/* A record is written as {"id":N,"version":M,... (the version when selected), so only that
 * exact opening is read: searching the body could find a "version" key inside a JSON field
 * or a custom field when `fields=` leaves the version out. 0 when absent. */
static long long record_head(const char *s, long long *version)
{
    *version = 0;
    if (strncmp(s, "{\"id\":", 6) != 0) return 0;
    long long id = strtoll(s + 6, NULL, 10);
    s += 6;
    while (*s >= '0' && *s <= '9') s++;
    if (strncmp(s, ",\"version\":", 11) == 0) *version = strtoll(s + 11, NULL, 10);
    return id;
}

/* ETag is the record's version, the value If-Match takes */
static void add_etag(req *r)
{
    long long version;
    record_head(r->out.data, &version);
    if (version > 0) req_add_header(r, "ETag", arena_printf(&r->a, "\"%lld\"", version));
}

/* Location of a created record; also for a replayed create, whose stored answer is the record */
static void add_location(req *r, const resource *res)
{
    long long version, id = record_head(r->out.data, &version);
    if (id > 0) req_add_header(r, "Location", arena_printf(&r->a, "/api/v1/%s/%lld", res->plural, id));
}

int rest_get(req *r, const void *data)
{
    const resource *res = data;
    long long id = req_param_id(r, 0);
    if (!id) return reply_problem(r, 404, "not_found", "no such %s", res->name);
    ctx c = rest_ctx(r);
    int st = resource_get(&c, res, id, req_query(r, "fields"), &r->out);
    if (st == 200) add_etag(r);
    return rest_status(r, res, st, NULL);
}

int rest_create(req *r, const void *data)
{
    const resource *res = data;
    if (!r->json) return reply_problem(r, 400, "missing_body", "a JSON object body is required");
    /* with an Idempotency-Key, the key is checked and stored under the write lock, so two
     * concurrent retries cannot both create. Without one, resource_create takes the lock
     * itself, after validating: writers queue for the lock, so the less a create does
     * under it the more creates a second */
    bool keyed = req_header(r, "Idempotency-Key") != NULL;
    if (keyed && db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    int replay = keyed ? idempotency_begin(r) : 0;
    if (replay != 0) {
        db_rollback(r->db);
        if (replay == 1 && r->status == 201) { add_location(r, res); add_etag(r); }
        return r->status;
    }
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    long long id = 0;
    int st = resource_create(&c, res, r->json, &id, &r->out, &e);
    if (st != 201) {
        if (keyed) db_rollback(r->db);
        return rest_status(r, res, st, &e);
    }
    add_location(r, res);
    add_etag(r);
    rest_status(r, res, st, &e);
    if (!keyed) return 201;
    idempotency_store(r);
    if (db_commit(r->db) != 0) return reply_db_error(r);
    return 201;
}

int rest_update(req *r, const void *data)
{
    const resource *res = data;
    long long id = req_param_id(r, 0);
    if (!id) return reply_problem(r, 404, "not_found", "no such %s", res->name);
    long long ver = rest_if_match(r);
    if (ver < 0) return 400;
    if (!r->json) return reply_problem(r, 400, "missing_body", "a JSON object body is required");
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    int st = resource_update(&c, res, id, r->json, ver, &r->out, &e);
    if (st == 200) add_etag(r);
    return rest_status(r, res, st, &e);
}

int rest_delete(req *r, const void *data)
{
    const resource *res = data;
    long long id = req_param_id(r, 0);
    if (!id) return reply_problem(r, 404, "not_found", "no such %s", res->name);
    long long ver = rest_if_match(r);
    if (ver < 0) return 400;
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, res, resource_delete(&c, res, id, ver, &e), &e);
}

void rest_register(const resource *res)
{
    char list[96], one[96];
    snprintf(list, sizeof list, "/api/v1/%s", res->plural);
    snprintf(one, sizeof one, "/api/v1/%s/{}", res->plural);
    router_add("GET", list, rest_list, res, 0);
    router_add("POST", list, rest_create, res, 0);
    router_add("GET", one, rest_get, res, 0);
    router_add("PATCH", one, rest_update, res, 0);
    router_add("PUT", one, rest_update, res, 0);
    router_add("DELETE", one, rest_delete, res, 0);
    openapi_resource(res);
}

/* ---------- idempotency ---------- */

static const char *body_hash(req *r)
{
    unsigned char h[crypto_generichash_BYTES];
    crypto_generichash(h, sizeof h, (const unsigned char *)r->body.data, r->body.len, NULL, 0);
    char *hex = arena_alloc(&r->a, sizeof h * 2 + 1);
    sodium_bin2hex(hex, sizeof h * 2 + 1, h, sizeof h);
    return hex;
}

int idempotency_begin(req *r)
{
    const char *key = req_header(r, "Idempotency-Key");
    if (!key) return 0;
    if (!*key || strlen(key) > 200) {
        reply_problem(r, 400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 200 characters");
        return -1;
    }
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    dbp_text(&p, key);
    db_cursor *cur = db_query(r->db, "SELECT method, path, body_hash, status, response FROM idempotency"
                                     " WHERE user_id = ? AND key = ?", &p);
    if (!cur) { reply_db_error(r); return -1; }
    int rc = 0;
    if (db_step(cur) == 1) {
        if (strcmp(db_col_text(cur, 0), r->method) || strcmp(db_col_text(cur, 1), r->path) ||
            strcmp(db_col_text(cur, 2), body_hash(r))) {
            reply_problem(r, 422, "idempotency_key_reused", "this Idempotency-Key was used for a different request");
            rc = -1;
        } else {
            buf_reset(&r->out);
            buf_add(&r->out, db_col_text(cur, 4), db_col_len(cur, 4));
            r->status = (int)db_col_int(cur, 3);
            r->content_type = "application/json";
            req_add_header(r, "Idempotent-Replayed", "true");
            rc = 1;
        }
    }
    db_done(cur);
    return rc;
}

void idempotency_store(req *r)
{
    const char *key = req_header(r, "Idempotency-Key");
    if (!key) return;
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    dbp_text(&p, key);
    dbp_text(&p, r->method);
    dbp_text(&p, r->path);
    dbp_text(&p, body_hash(r));
    dbp_int(&p, r->status);
    dbp_textn(&p, r->out.data, r->out.len);
    if (db_run(r->db, "INSERT OR REPLACE INTO idempotency(user_id, key, method, path, body_hash, status, response)"
                      " VALUES(?,?,?,?,?,?,?)", &p) < 0)
        log_error(r->id, "cannot store idempotency key: %s", db_errmsg(r->db));
    /* a retry comes within minutes; keys live a day, so the table does not grow forever */
    dbparams q;
    dbparams_init(&q, &r->a);
    dbp_int(&q, r->user.user_id);
    db_run(r->db, "DELETE FROM idempotency WHERE user_id = ?"
                  " AND created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')", &q);
}
