/* The timeline of a record (see timeline.h): registered sources joined with UNION ALL,
 * newest first, keyset-paged; the built-in "audit" source; the HTTP route. */
#include "domain/timeline.h"
#include "domain/merge.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SOURCES = 16, MAX_OBJECTS = 8, TIMELINE_MAX_LIMIT = 200 };

/* audit rows of the object and of the cards merged into it; the object's visibility was
 * checked by timeline_list, and its audit rows are part of what a reader may see */
static void audit_select(ctx *c, const char *object, long long id, buf *sql, dbparams *p)
{
    (void)c;
    buf_adds(sql, "SELECT a.at, 'audit', a.id, json_object('action', a.action, 'user_id', a.user_id, 'user_name', u.name,"
                  " 'object', a.object, 'object_id', a.object_id, 'changes', json(a.changes), 'request_id', a.request_id)"
                  " FROM audit a LEFT JOIN users u ON u.id = a.user_id WHERE a.object = ? AND a.object_id IN (");
    dbp_text(p, object);
    merge_ids_sql(object, id, sql, p);
    buf_adds(sql, ")");
}

static const timeline_source audit_source = {"audit", audit_select};
static const timeline_source *g_sources[MAX_SOURCES] = {&audit_source};
static int g_nsources = 1;
static const resource *g_objects[MAX_OBJECTS];
static int g_nobjects;

void timeline_register(const timeline_source *s)
{
    if (g_nsources == MAX_SOURCES) abort();   /* a start-up mistake, not a runtime condition */
    g_sources[g_nsources++] = s;
}

static const resource *object_resource(const char *object)
{
    for (int i = 0; i < g_nobjects; i++)
        if (!strcmp(g_objects[i]->name, object)) return g_objects[i];
    return NULL;
}

static bool visible(ctx *c, const resource *res, long long id)
{
    if (resource_level(c, res, ACT_READ) == SCOPE_NONE) return false;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "SELECT 1 FROM %s t WHERE t.id = ?", res->table);
    dbp_int(&p, id);
    if (res->soft_delete) buf_adds(&sql, " AND t.deleted_at IS NULL");
    resource_scope_sql(c, res, ACT_READ, &sql, &p);
    bool ok = db_scalar(c->db, sql.data, &p, 0) == 1;
    buf_release(&sql);
    return ok;
}

/* cursor: base64url of "<at>\n<kind>\n<item_id>" of the last item written */
static const char *cursor_make(arena *a, const char *at, const char *kind, long long item)
{
    char *raw = arena_printf(a, "%s\n%s\n%lld", at, kind, item);
    size_t rl = strlen(raw);
    size_t el = sodium_base64_encoded_len(rl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *enc = arena_alloc(a, el);
    sodium_bin2base64(enc, el, (const unsigned char *)raw, rl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return enc;
}

static int cursor_parse(arena *a, const char *cur, const char **at, const char **kind, long long *item)
{
    size_t n = strlen(cur);
    if (n == 0 || n > 1024) return -1;
    char *raw = arena_alloc(a, n + 1);
    size_t rl;
    if (sodium_base642bin((unsigned char *)raw, n, cur, n, NULL, &rl, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) return -1;
    raw[rl] = 0;
    char *nl1 = strchr(raw, '\n');
    char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    if (!nl2) return -1;
    *nl1 = *nl2 = 0;
    char *end;
    *item = strtoll(nl2 + 1, &end, 10);
    if (*end || nl2[1] == 0) return -1;
    *at = raw;
    *kind = nl1 + 1;
    return 0;
}

int timeline_list(ctx *c, const char *object, long long id, int limit, const char *after, buf *out)
{
    const resource *res = object_resource(object);
    if (!res || !visible(c, res, id)) return 404;
    if (limit < 1 || limit > TIMELINE_MAX_LIMIT) limit = 50;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_adds(&sql, "WITH tl(at, kind, item_id, payload) AS (");
    size_t empty = sql.len;
    for (int i = 0; i < g_nsources; i++) {
        size_t before = sql.len;
        if (sql.len > empty) buf_adds(&sql, " UNION ALL ");
        size_t mark = sql.len;
        g_sources[i]->select_sql(c, object, id, &sql, &p);
        if (sql.len == mark) sql.len = before, sql.data[before] = 0;   /* nothing to say */
    }
    buf_adds(&sql, ") SELECT at, kind, item_id, payload FROM tl");
    if (after && *after) {
        const char *at, *kind;
        long long item;
        if (cursor_parse(c->a, after, &at, &kind, &item) != 0) { buf_release(&sql); return 422; }
        buf_adds(&sql, " WHERE (at < ? OR (at = ? AND (kind > ? OR (kind = ? AND item_id < ?))))");
        dbp_text(&p, at);
        dbp_text(&p, at);
        dbp_text(&p, kind);
        dbp_text(&p, kind);
        dbp_int(&p, item);
    }
    buf_printf(&sql, " ORDER BY at DESC, kind, item_id DESC LIMIT %d", limit + 1);
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return 500;
    jw w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    int rows = 0, rc;
    const char *next = NULL;
    while ((rc = db_step(cur)) == 1) {
        if (rows == limit) break;
        rows++;
        const char *at = db_col_text(cur, 0), *kind = db_col_text(cur, 1);
        const char *payload = db_col_text(cur, 3);
        jw_obj(&w);
        jw_kstr(&w, "at", at);
        jw_kstr(&w, "kind", kind);
        jw_kint(&w, "id", db_col_int(cur, 2));
        /* payload members go beside at/kind/id: splice the object's inside */
        size_t pl = payload ? strlen(payload) : 0;
        if (pl > 2 && payload[0] == '{' && payload[pl - 1] == '}') {
            buf_addc(out, ',');
            buf_add(out, payload + 1, pl - 2);
        }
        jw_obj_end(&w);
        if (rows == limit) next = cursor_make(c->a, at ? at : "", kind ? kind : "", db_col_int(cur, 2));
    }
    bool more = rc == 1;
    db_done(cur);
    if (rc < 0) return 500;
    jw_arr_end(&w);
    jw_kstr(&w, "next", more ? next : NULL);
    jw_obj_end(&w);
    return 200;
}

/* ---------- HTTP ---------- */

static int timeline_get(req *r, const void *data)
{
    const resource *res = data;
    long long id = req_param_id(r, 0);
    if (!id) return reply_problem(r, 404, "not_found", "no such %s", res->name);
    const char *ls = req_query(r, "limit");
    int limit = 50;
    if (ls) {
        char *end;
        long v = strtol(ls, &end, 10);
        if (*end || v < 1 || v > TIMELINE_MAX_LIMIT)
            return reply_problem(r, 422, "out_of_range", "'limit' must be between 1 and %d", TIMELINE_MAX_LIMIT);
        limit = (int)v;
    }
    ctx c = rest_ctx(r);
    int st = timeline_list(&c, res->name, id, limit, req_query(r, "after"), &r->out);
    if (st == 422) return reply_problem(r, 422, "invalid_cursor", "the cursor is not one this server gave out");
    return rest_status(r, res, st, NULL);
}

void timeline_route(const resource *res)
{
    if (g_nobjects == MAX_OBJECTS) abort();
    g_objects[g_nobjects++] = res;
    char path[96], doc[112];
    snprintf(path, sizeof path, "/api/v1/%s/{}/timeline", res->plural);
    snprintf(doc, sizeof doc, "/api/v1/%s/{id}/timeline", res->plural);
    router_add("GET", path, timeline_get, res, 0);   /* the router copies the segments */
    openapi_op("get", strdup(doc), "everything that happened with the record, newest first (?limit=, ?after=)", NULL,
               "{\"type\":\"object\",\"required\":[\"data\",\"next\"],\"properties\":{\"data\":{\"type\":\"array\",\"items\":"
               "{\"type\":\"object\",\"required\":[\"at\",\"kind\",\"id\"],\"properties\":{\"at\":{\"type\":\"string\",\"format\":\"date-time\"},"
               "\"kind\":{\"type\":\"string\"},\"id\":{\"type\":\"integer\"}}}},\"next\":{\"type\":\"string\",\"nullable\":true}}}");
}
