/* Merging client cards and undoing merges (see merge.h); all SQL over `merges`. */
#include "domain/merge.h"
#include "domain/clients.h"
#include "domain/resource.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_HOOKS = 16 };
static const merge_hook *g_hooks[MAX_HOOKS];
static int g_nhooks;

void merge_register(const merge_hook *h)
{
    if (g_nhooks == MAX_HOOKS) abort();   /* a start-up mistake */
    g_hooks[g_nhooks++] = h;
}

/* the column a row uses to point at a client card of `object` */
static const char *card_column(const char *object)
{
    return !strcmp(object, "contact") ? "contact_id" : !strcmp(object, "company") ? "company_id" : NULL;
}

int merge_move_rows(ctx *c, const char *table, const char *object, long long from, long long into, json_t *moved)
{
    const char *col = card_column(object);
    if (!col) return 0;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, from);
    db_cursor *cur = db_query(c->db, arena_printf(c->a, "SELECT id FROM %s WHERE %s = ? ORDER BY id", table, col), &p);
    if (!cur) return -1;
    int rc;
    while ((rc = db_step(cur)) == 1) json_array_append_new(moved, json_integer(db_col_int(cur, 0)));
    db_done(cur);
    if (rc < 0) return -1;
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, into);
    dbp_int(&q, from);
    return db_run(c->db, arena_printf(c->a, "UPDATE %s SET %s = ? WHERE %s = ?", table, col, col), &q) < 0 ? -1 : 0;
}

int merge_undo_rows(ctx *c, const char *table, const char *object, long long from, long long into, json_t *moved)
{
    const char *col = card_column(object);
    if (!col) return 0;
    const char *sql = arena_printf(c->a, "UPDATE %s SET %s = ? WHERE id = ? AND %s = ?", table, col, col);
    size_t i;
    json_t *id;
    json_array_foreach(moved, i, id) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, from);
        dbp_int(&p, json_integer_value(id));
        dbp_int(&p, into);
        if (db_run(c->db, sql, &p) < 0) return -1;
    }
    return 0;
}

void merge_ids_sql(const char *object, long long id, buf *sql, dbparams *p)
{
    buf_adds(sql, "WITH RECURSIVE mids(id) AS (SELECT ? UNION SELECT g.from_id FROM merges g JOIN mids ON g.into_id = mids.id"
                  " WHERE g.object = ? AND g.undone_at IS NULL) SELECT id FROM mids");
    dbp_int(p, id);
    dbp_text(p, object);
}

/* ---------- building the change ---------- */

static bool is_list_field(const char *name)
{
    static const char *const lists[] = {"phones", "emails", "messengers", "tags", "addresses", NULL};
    for (const char *const *l = lists; *l; l++) if (!strcmp(*l, name)) return true;
    return false;
}

/* what makes two list entries the same: the E.164 form of a phone (or what was typed),
 * an email in lower case, a messenger handle with its service, a tag, a whole address */
static char *entry_key(const char *field, json_t *entry)
{
    if (json_is_string(entry)) return strdup(json_string_value(entry));
    if (!strcmp(field, "phones")) {
        json_t *e = json_object_get(entry, "e164");
        if (json_is_string(e)) return strdup(json_string_value(e));
    }
    if (!strcmp(field, "emails") || !strcmp(field, "messengers") || !strcmp(field, "phones")) {
        const char *v = json_string_value(json_object_get(entry, "value"));
        const char *l = !strcmp(field, "messengers") ? json_string_value(json_object_get(entry, "label")) : NULL;
        char *k = NULL;
        if (asprintf(&k, "%s|%s", v ? v : "", l ? l : "") < 0) abort();
        for (char *s = k; *s; s++) *s = (char)tolower((unsigned char)*s);
        return k;
    }
    return json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);
}

static bool list_has(const char *field, json_t *list, json_t *entry)
{
    char *k = entry_key(field, entry);
    bool found = false;
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        char *xk = entry_key(field, x);
        found = !strcmp(k, xk);
        free(xk);
        if (found) break;
    }
    free(k);
    return found;
}

static bool empty_value(json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
           (json_is_object(v) && json_object_size(v) == 0);
}

/* the update that gives `into` what `from` has and it lacks; `before` gets into's old
 * values of the members the patch sets */
static json_t *merge_patch(const resource *res, json_t *into, json_t *from, json_t *before)
{
    json_t *patch = json_object();
    for (const field_def *f = res->fields; f->name; f++) {
        if (!f->column || (f->flags & (FF_READONLY | FF_CREATEONLY)) || !strcmp(f->name, "owner_id")) continue;
        json_t *iv = json_object_get(into, f->name), *fv = json_object_get(from, f->name);
        if (is_list_field(f->name)) {
            if (!json_is_array(fv) || !json_array_size(fv)) continue;
            json_t *merged = json_is_array(iv) ? json_deep_copy(iv) : json_array();
            size_t i;
            json_t *x;
            bool grew = false;
            json_array_foreach(fv, i, x)
                if (!list_has(f->name, merged, x)) { json_array_append(merged, x); grew = true; }
            if (grew) {
                json_object_set_new(patch, f->name, merged);
                json_object_set(before, f->name, iv ? iv : json_null());
            } else {
                json_decref(merged);
            }
        } else if (empty_value(iv) && !empty_value(fv)) {
            json_object_set(patch, f->name, fv);
            json_object_set(before, f->name, iv ? iv : json_null());
        }
    }
    json_t *icf = json_object_get(into, "custom_fields"), *fcf = json_object_get(from, "custom_fields");
    if (json_is_object(fcf)) {
        json_t *cf = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(fcf, k, v)
            if (!json_object_get(icf, k) && !json_is_null(v)) json_object_set(cf, k, v);
        if (json_object_size(cf)) json_object_set_new(patch, "custom_fields", cf);
        else json_decref(cf);
    }
    return patch;
}

/* the update that takes a merge back, leaving alone what was edited since */
static json_t *undo_patch(const resource *res, json_t *now, json_t *patch, json_t *before)
{
    json_t *undo = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(patch, k, v) {
        json_t *cur = json_object_get(now, k), *old = json_object_get(before, k);
        if (!strcmp(k, "custom_fields")) {
            json_t *cf = json_object();
            const char *ck;
            json_t *cv;
            json_object_foreach(v, ck, cv)
                if (json_equal(json_object_get(json_object_get(now, "custom_fields"), ck), cv)) json_object_set_new(cf, ck, json_null());
            if (json_object_size(cf)) json_object_set_new(undo, k, cf);
            else json_decref(cf);
        } else if (is_list_field(k) && resource_field(res, k)) {
            /* drop the entries the merge added; keep everything else the card holds now */
            json_t *kept = json_array();
            size_t i;
            json_t *x;
            bool shrank = false;
            json_array_foreach(cur, i, x) {
                bool added = list_has(k, v, x) && !(json_is_array(old) && list_has(k, old, x));
                if (added) shrank = true;
                else json_array_append(kept, x);
            }
            if (shrank) json_object_set_new(undo, k, kept);
            else json_decref(kept);
        } else if (resource_field(res, k) && json_equal(cur, v)) {
            json_object_set(undo, k, old ? old : json_null());
        }
    }
    return undo;
}

/* ---------- SQL of merges ---------- */

static int set_deleted(ctx *c, const resource *res, long long id, bool deleted)
{
    char sql[200];
    snprintf(sql, sizeof sql, deleted
             ? "UPDATE %s SET deleted_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now'), version = version + 1 WHERE id = ?"
             : "UPDATE %s SET deleted_at = NULL, version = version + 1,"
               " updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now') WHERE id = ?", res->table);
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    return db_run(c->db, sql, &p) < 0 ? -1 : 0;
}

static const char *dump(arena *a, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    const char *r = arena_strdup(a, s);
    free(s);
    return r;
}

static void json_decref_cb(void *p) { json_decref(p); }
static json_t *owned(arena *a, json_t *j) { arena_defer(a, json_decref_cb, j); return j; }

/* writes the merge record {id, object, into_id, from_id, user_id, created_at, undo_until,
 * undone_at, record} */
static int write_merge(ctx *c, long long mid, jw *w)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, MERGE_UNDO_DAYS);
    dbp_int(&p, mid);
    db_cursor *cur = db_query(c->db, "SELECT object, into_id, from_id, user_id, created_at,"
                                     " strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+' || ? || ' days'), undone_at"
                                     " FROM merges WHERE id = ?", &p);
    if (!cur || db_step(cur) != 1) { db_done(cur); return -1; }
    const client_kind *k = client_kind_of(db_col_text(cur, 0));
    long long into = db_col_int(cur, 1);
    jw_obj(w);
    jw_kint(w, "id", mid);
    jw_kstr(w, "object", db_col_text(cur, 0));
    jw_kint(w, "into_id", into);
    jw_kint(w, "from_id", db_col_int(cur, 2));
    if (db_col_null(cur, 3)) jw_knull(w, "user_id"); else jw_kint(w, "user_id", db_col_int(cur, 3));
    jw_kstr(w, "created_at", db_col_text(cur, 4));
    jw_kstr(w, "undo_until", db_col_text(cur, 5));
    jw_kstr(w, "undone_at", db_col_text(cur, 6));
    db_done(cur);
    jw_key(w, "record");
    if (k) resource_write_record(c, k->res, into, NULL, w); else jw_null(w);
    jw_obj_end(w);
    return 0;
}

/* ---------- merge ---------- */

/* loads a card for writing: the record, or NULL with the status to answer in *st */
static json_t *load_for_write(ctx *c, const client_kind *k, long long id, const char *field, int *st, errs *e)
{
    json_t *rec = resource_load(c, k->res, id, ACT_WRITE);
    if (rec) return rec;
    if (resource_load(c, k->res, id, ACT_READ)) {
        errs_add(e, field, "forbidden", "your role does not allow changing %s %lld", k->object, id);
        *st = 403;
    } else if (field) {
        errs_add(e, field, "invalid_reference", "%s %lld does not exist or was deleted", k->object, id);
        *st = 422;
    } else {
        *st = 404;
    }
    return NULL;
}

static int do_merge(ctx *c, const client_kind *k, long long into, long long from, long long expected_version,
                    long long *mid, errs *e)
{
    const resource *res = k->res;
    int st = 500;
    json_t *irec = load_for_write(c, k, into, NULL, &st, e);
    if (!irec) return st;
    if (expected_version && json_integer_value(json_object_get(irec, "version")) != expected_version) return 412;
    json_t *frec = load_for_write(c, k, from, "from_id", &st, e);
    if (!frec) return st;

    json_t *before = owned(c->a, json_object());
    json_t *patch = owned(c->a, merge_patch(res, irec, frec, before));
    if (json_object_size(patch)) {
        buf scratch;
        buf_init(&scratch, 0);
        st = resource_update(c, res, into, patch, 0, &scratch, e);
        buf_release(&scratch);
        if (st != 200) return st;
    }
    json_t *links = owned(c->a, json_array());
    if (k->copy_links(c, from, into, links) != 0) return 500;
    json_t *hooks = owned(c->a, json_object());
    for (int i = 0; i < g_nhooks; i++) {
        json_t *moved = json_array();
        json_object_set_new(hooks, g_hooks[i]->name, moved);
        if (g_hooks[i]->move(c, k->object, from, into, moved) != 0) return 500;
    }
    if (set_deleted(c, res, from, true) != 0 || k->reindex(c, from) != 0) return 500;

    json_t *snap = owned(c->a, json_pack("{sOsOsOsO}", "patch", patch, "before", before, "links", links, "hooks", hooks));
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, k->object);
    dbp_int(&p, into);
    dbp_int(&p, from);
    if (c->user->user_id) dbp_int(&p, c->user->user_id); else dbp_null(&p);
    dbp_text(&p, dump(c->a, snap));
    if (db_run(c->db, "INSERT INTO merges(object, into_id, from_id, user_id, snapshot) VALUES(?, ?, ?, ?, ?)", &p) < 0) return 500;
    *mid = db_last_id(c->db);
    long long owner_into = client_owner(c, k, into), owner_from = client_owner(c, k, from);
    if (audit_record(c, k->object, into, "merge", owner_into,
                     arena_printf(c->a, "{\"merged_from\":[null,%lld],\"merge_id\":[null,%lld]}", from, *mid)) != 0 ||
        audit_record(c, k->object, from, "merged", owner_from,
                     arena_printf(c->a, "{\"merged_into\":[null,%lld],\"merge_id\":[null,%lld]}", into, *mid)) != 0)
        return 500;
    return 200;
}

static int merge_post(req *r, const void *data)
{
    const client_kind *k = data;
    long long into = req_param_id(r, 0);
    if (!into) return reply_problem(r, 404, "not_found", "no such %s", k->object);
    long long ver = rest_if_match(r);
    if (ver < 0) return 400;
    if (!json_is_object(r->json)) return reply_problem(r, 400, "missing_body", "a JSON object body {\"from_id\": ...} is required");
    errs e;
    errs_init(&e, &r->a);
    const char *key;
    json_t *v;
    json_object_foreach(r->json, key, v)
        if (strcmp(key, "from_id")) errs_add(&e, key, "unknown_field", "unknown field '%s'", key);
    json_t *fv = json_object_get(r->json, "from_id");
    if (!json_is_integer(fv) || json_integer_value(fv) <= 0)
        errs_add(&e, "from_id", fv ? "invalid_type" : "required", "'from_id' must be the id of the %s to merge in", k->object);
    else if (json_integer_value(fv) == into)
        errs_add(&e, "from_id", "merge_into_itself", "a %s cannot be merged into itself", k->object);
    if (e.n) return reply_invalid(r, &e);

    ctx c = rest_ctx(r);
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    long long mid = 0;
    int st = do_merge(&c, k, into, json_integer_value(fv), ver, &mid, &e);
    if (st != 200) {
        db_rollback(r->db);
        return rest_status(r, k->res, st, &e);
    }
    if (db_commit(r->db) != 0) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    write_merge(&c, mid, &w);
    return reply_json(r, 200);
}

/* ---------- undo ---------- */

static int do_undo(ctx *c, long long mid, errs *e)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, MERGE_UNDO_DAYS);
    dbp_int(&p, mid);
    db_cursor *cur = db_query(c->db, "SELECT object, into_id, from_id, snapshot, undone_at IS NOT NULL,"
                                     " created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ? || ' days')"
                                     " FROM merges WHERE id = ?", &p);
    if (!cur) return 500;
    if (db_step(cur) != 1) { db_done(cur); return 404; }
    const client_kind *k = client_kind_of(db_col_text(cur, 0));
    long long into = db_col_int(cur, 1), from = db_col_int(cur, 2);
    json_t *snap = json_loads(db_col_text(cur, 3), 0, NULL);
    bool undone = db_col_int(cur, 4) != 0, old = db_col_int(cur, 5) != 0;
    db_done(cur);
    if (!snap || !k) { json_decref(snap); return 500; }
    owned(c->a, snap);
    if (undone) { errs_add(e, NULL, "already_undone", "this merge was already undone"); return 409; }
    if (old) { errs_add(e, NULL, "too_late", "a merge can be undone within %d days only", MERGE_UNDO_DAYS); return 409; }
    json_t *now = resource_load(c, k->res, into, ACT_WRITE);
    if (!now) { errs_add(e, NULL, "target_gone", "the %s this merge went into is deleted; restore it first", k->object); return 409; }

    json_t *undo = owned(c->a, undo_patch(k->res, now, json_object_get(snap, "patch"), json_object_get(snap, "before")));
    if (json_object_size(undo)) {
        buf scratch;
        buf_init(&scratch, 0);
        int st = resource_update(c, k->res, into, undo, 0, &scratch, e);
        buf_release(&scratch);
        if (st != 200) return st;
    }
    json_t *links = json_object_get(snap, "links");
    if (json_array_size(links) && k->unlink(c, into, links) != 0) return 500;
    json_t *hooks = json_object_get(snap, "hooks");
    for (int i = g_nhooks - 1; i >= 0; i--) {
        json_t *moved = json_object_get(hooks, g_hooks[i]->name);
        if (moved && g_hooks[i]->undo(c, k->object, from, into, moved) != 0) return 500;
    }
    if (set_deleted(c, k->res, from, false) != 0 || k->reindex(c, from) != 0) return 500;
    dbparams u;
    dbparams_init(&u, c->a);
    if (c->user->user_id) dbp_int(&u, c->user->user_id); else dbp_null(&u);
    dbp_int(&u, mid);
    if (db_run(c->db, "UPDATE merges SET undone_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), undone_by = ? WHERE id = ?", &u) < 0)
        return 500;
    if (audit_record(c, k->object, into, "unmerge", client_owner(c, k, into),
                     arena_printf(c->a, "{\"merged_from\":[%lld,null],\"merge_id\":[%lld,null]}", from, mid)) != 0 ||
        audit_record(c, k->object, from, "restore", client_owner(c, k, from),
                     arena_printf(c->a, "{\"merged_into\":[%lld,null],\"deleted\":[true,false]}", into)) != 0)
        return 500;
    return 200;
}

static bool is_admin(const req *r) { return !strcmp(r->user.role, "admin"); }

static int undo_post(req *r, const void *data)
{
    (void)data;
    long long mid = req_param_id(r, 0);
    if (!is_admin(r)) return reply_forbidden(r, "undoing a merge (admins only)");
    if (!mid) return reply_problem(r, 404, "not_found", "no such merge");
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    int st = do_undo(&c, mid, &e);
    if (st != 200) {
        db_rollback(r->db);
        if (st == 404) return reply_problem(r, 404, "not_found", "no such merge");
        if (st == 409 && e.n) return reply_problem(r, 409, e.v[0].code, "%s", e.v[0].message);
        return rest_status(r, client_contact.res, st, &e);
    }
    if (db_commit(r->db) != 0) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    write_merge(&c, mid, &w);
    return reply_json(r, 200);
}

/* GET /api/v1/merges/{id}: for admins and whoever may read the card it went into */
static int merge_get(req *r, const void *data)
{
    (void)data;
    long long mid = req_param_id(r, 0);
    ctx c = rest_ctx(r);
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, mid);
    db_cursor *cur = db_query(r->db, "SELECT object, into_id FROM merges WHERE id = ?", &p);
    const client_kind *k = NULL;
    long long into = 0;
    if (cur && db_step(cur) == 1) { k = client_kind_of(db_col_text(cur, 0)); into = db_col_int(cur, 1); }
    db_done(cur);
    if (!k || (!is_admin(r) && client_in_scope(&c, k, into, ACT_READ) != 1)) return reply_problem(r, 404, "not_found", "no such merge");
    jw w;
    jw_init(&w, &r->out);
    if (write_merge(&c, mid, &w) != 0) return reply_db_error(r);
    return reply_json(r, 200);
}

void merge_routes(void)
{
    static const char *const merge_schema =
        "{\"type\":\"object\",\"required\":[\"id\",\"object\",\"into_id\",\"from_id\"],\"properties\":{"
        "\"id\":{\"type\":\"integer\"},\"object\":{\"type\":\"string\",\"enum\":[\"contact\",\"company\"]},"
        "\"into_id\":{\"type\":\"integer\"},\"from_id\":{\"type\":\"integer\"},\"user_id\":{\"type\":\"integer\",\"nullable\":true},"
        "\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"},\"undo_until\":{\"type\":\"string\",\"format\":\"date-time\"},"
        "\"undone_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true},\"record\":{\"type\":\"object\"}}}";
    static const char *const body = "{\"type\":\"object\",\"required\":[\"from_id\"],\"properties\":{\"from_id\":{\"type\":\"integer\"}}}";
    router_add("POST", "/api/v1/contacts/{}/merge", merge_post, &client_contact, 0);
    openapi_op("post", "/api/v1/contacts/{id}/merge", "merge contact from_id into this one (If-Match: version of this one)", body, merge_schema);
    router_add("POST", "/api/v1/companies/{}/merge", merge_post, &client_company, 0);
    openapi_op("post", "/api/v1/companies/{id}/merge", "merge company from_id into this one (If-Match: version of this one)", body, merge_schema);
    router_add("GET", "/api/v1/merges/{}", merge_get, NULL, 0);
    openapi_op("get", "/api/v1/merges/{id}", "a merge and the card it went into", NULL, merge_schema);
    router_add("POST", "/api/v1/merges/{}/undo", undo_post, NULL, 0);
    openapi_op("post", "/api/v1/merges/{id}/undo", "undo a merge (admins, within 30 days)", NULL, merge_schema);
}
