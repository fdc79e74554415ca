/* Reassignment of records between users (see reassign.h): the registry, the endpoint,
 * and the targets of the client base (contacts, companies). */
#include "domain/reassign.h"
#include "domain/clients.h"
#include "domain/notification.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <stdlib.h>
#include <string.h>

enum { MAX_TARGETS = 16 };
static const reassign_target *g_targets[MAX_TARGETS];
static int g_ntargets;

void reassign_register(const reassign_target *t)
{
    if (g_ntargets == MAX_TARGETS) abort();   /* a start-up mistake */
    g_targets[g_ntargets++] = t;
}

int reassign_owned_rows(ctx *c, const char *table, const char *object, long long from, long long to, long long *moved)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, to);
    dbp_int(&p, from);
    dbp_text(&p, c->request_id);
    if (c->user->user_id) dbp_int(&p, c->user->user_id); else dbp_null(&p);
    dbp_text(&p, object);
    if (db_run(c->db, arena_printf(c->a, "INSERT INTO audit(user_id, request_id, object, object_id, action, owner_id, changes)"
                                         " SELECT ?4, ?3, ?5, id, 'reassign', ?1, json_object('owner_id', json_array(?2, ?1))"
                                         " FROM %s WHERE owner_id = ?2 AND deleted_at IS NULL", table), &p) < 0) return -1;
    dbparams q;   /* binds only ?1 and ?2 */
    dbparams_init(&q, c->a);
    dbp_int(&q, to);
    dbp_int(&q, from);
    long long n = db_run(c->db, arena_printf(c->a, "UPDATE %s SET owner_id = ?1, version = version + 1,"
                                                   " updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now')"
                                                   " WHERE owner_id = ?2 AND deleted_at IS NULL", table), &q);
    if (n < 0) return -1;
    *moved += n;
    return 0;
}

int reassign_rows(ctx *c, const char *object, const char *select_sql, const char *update_sql, long long from,
                  long long to, const char *changes, size_t *n)
{
    *n = 0;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, from);
    db_cursor *cur = db_query(c->db, select_sql, &p);
    if (!cur) return -1;
    size_t cap = 256;
    long long *ids = xmalloc(cap * sizeof *ids);
    while (db_step(cur) == 1) {
        if (*n == cap) ids = xrealloc(ids, (cap *= 2) * sizeof *ids);
        ids[(*n)++] = db_col_int(cur, 0);
    }
    db_done(cur);
    int rc = 0;
    for (size_t i = 0; i < *n && rc == 0; i++) {
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_int(&q, to);
        dbp_int(&q, ids[i]);
        if (db_run(c->db, update_sql, &q) < 0 || audit_record(c, object, ids[i], "reassign", to, changes) != 0) rc = -1;
    }
    free(ids);
    return rc;
}

/* moves the live cards of one kind, one audit row each */
static int move_cards(ctx *c, const client_kind *k, long long from, long long to, long long *moved)
{
    return reassign_owned_rows(c, k->res->table, k->object, from, to, moved);
}

static int move_contacts(ctx *c, long long from, long long to, long long *moved) { return move_cards(c, &client_contact, from, to, moved); }
static int move_companies(ctx *c, long long from, long long to, long long *moved) { return move_cards(c, &client_company, from, to, moved); }

static const reassign_target contacts_target = {"contacts", OBJ_CONTACTS, move_contacts};
static const reassign_target companies_target = {"companies", OBJ_COMPANIES, move_companies};

static const reassign_target *target_named(const char *name)
{
    for (int i = 0; i < g_ntargets; i++)
        if (!strcmp(g_targets[i]->name, name)) return g_targets[i];
    return NULL;
}

/* a user id member of the body that names an existing user; 0 with an error otherwise */
static long long user_member(ctx *c, json_t *body, const char *name, bool active, errs *e)
{
    json_t *v = json_object_get(body, name);
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        errs_add(e, name, v ? "invalid_type" : "required", "'%s' must be a user id", name);
        return 0;
    }
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, json_integer_value(v));
    long long disabled = db_scalar(c->db, "SELECT disabled FROM users WHERE id = ?", &p, -1);
    if (disabled < 0) { errs_add(e, name, "invalid_reference", "user %lld does not exist", (long long)json_integer_value(v)); return 0; }
    if (active && disabled) { errs_add(e, name, "user_disabled", "user %lld is disabled", (long long)json_integer_value(v)); return 0; }
    return json_integer_value(v);
}

static int reassign_post(req *r, const void *data)
{
    (void)data;
    if (!json_is_object(r->json)) return reply_problem(r, 400, "missing_body", "a JSON object body is required");
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    const char *key;
    json_t *v;
    json_object_foreach(r->json, key, v)
        if (strcmp(key, "from_user_id") && strcmp(key, "to_user_id") && strcmp(key, "objects"))
            errs_add(&e, key, "unknown_field", "unknown field '%s'", key);
    long long from = user_member(&c, r->json, "from_user_id", false, &e);
    long long to = user_member(&c, r->json, "to_user_id", true, &e);
    if (from && from == to) errs_add(&e, "to_user_id", "same_user", "'to_user_id' must differ from 'from_user_id'");
    const reassign_target *chosen[MAX_TARGETS];
    int n = 0;
    json_t *objects = json_object_get(r->json, "objects");
    if (objects && !json_is_null(objects)) {
        size_t i;
        json_t *o;
        if (!json_is_array(objects) || json_array_size(objects) == 0 || json_array_size(objects) > MAX_TARGETS)
            errs_add(&e, "objects", "invalid_type", "'objects' must be a non-empty list such as [\"contacts\", \"companies\"]");
        else json_array_foreach(objects, i, o) {
            const reassign_target *t = json_is_string(o) ? target_named(json_string_value(o)) : NULL;
            bool dup = false;
            for (int j = 0; j < n; j++) dup |= chosen[j] == t;
            if (!t) errs_add(&e, arena_printf(&r->a, "objects[%zu]", i), "invalid_choice", "nothing called that can be reassigned");
            else if (!dup) chosen[n++] = t;
        }
    } else {
        for (int i = 0; i < g_ntargets; i++) chosen[n++] = g_targets[i];
    }
    if (e.n) return reply_invalid(r, &e);
    for (int i = 0; i < n; i++)
        if (r->user.scope[chosen[i]->kind][ACT_WRITE] != SCOPE_ALL)
            return reply_forbidden(r, arena_printf(&r->a, "reassigning %s (it needs write scope 'all')", chosen[i]->name));

    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "moved");
    jw_obj(&w);
    buf counts;   /* "contacts: 2, deals: 1" for the confirmation */
    buf_init(&counts, 0);
    for (int i = 0; i < n; i++) {
        long long moved = 0;
        if (chosen[i]->move(&c, from, to, &moved) != 0) {
            buf_release(&counts);
            db_rollback(r->db);
            return reply_db_error(r);
        }
        jw_kint(&w, chosen[i]->name, moved);
        buf_printf(&counts, "%s%s: %lld", i ? ", " : "", chosen[i]->name, moved);
    }
    jw_obj_end(&w);
    jw_kstr(&w, "message", arena_printf(&r->a, "The clients and work of %s have been transferred to %s (%s).",
                                        notify_user_name(&c, from), notify_user_name(&c, to), counts.data));
    buf_release(&counts);
    jw_obj_end(&w);
    if (db_commit(r->db) != 0) return reply_db_error(r);
    return reply_json(r, 200);
}

void reassign_routes(void)
{
    reassign_register(&contacts_target);
    reassign_register(&companies_target);
    router_add("POST", "/api/v1/reassign", reassign_post, NULL, 0);
    openapi_op("post", "/api/v1/reassign", "hand every record of one user to another, in one transaction",
               "{\"type\":\"object\",\"required\":[\"from_user_id\",\"to_user_id\"],\"properties\":{"
               "\"from_user_id\":{\"type\":\"integer\"},\"to_user_id\":{\"type\":\"integer\"},"
               "\"objects\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}",
               "{\"type\":\"object\",\"required\":[\"moved\"],\"properties\":{\"moved\":{\"type\":\"object\","
               "\"additionalProperties\":{\"type\":\"integer\"}}}}");
}
