/* Deals: fields, the stage-move rules, co-owners, contacts with roles, checklists, the
 * stage history, flags (no next step, stuck) and search. All SQL over `deals`,
 * `deal_owners`, `deal_contacts`, `deal_checklist`, `stage_history` and `deals_fts`
 * lives here; see deal.h for the rules and funnel.c for the schema. */
#include "domain/deal.h"
#include "domain/fts_queue.h"
#include "domain/clients.h"
#include "domain/pipeline.h"
#include "domain/search.h"
#include "core/clock.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CO_OWNERS = 20, MAX_CONTACTS = 100, MAX_TAGS = 20 };

static const char *const deal_statuses[] = {"open", "won", "lost", NULL};

static const field_def deal_fields[] = {
    {"title", "title", FT_TEXT, FF_REQUIRED, 500, NULL, NULL},
    {"amount", "amount", FT_INT, 0, DEAL_AMOUNT_MAX, NULL, NULL},
    {"currency", "currency", FT_CURRENCY, 0, 3, NULL, NULL},
    {"pipeline_id", "pipeline_id", FT_REF, 0, 0, NULL, "pipelines"},
    {"stage_id", "stage_id", FT_REF, 0, 0, NULL, "stages"},
    {"status", "status", FT_ENUM, FF_READONLY, 0, deal_statuses, NULL},
    {"probability", NULL, FT_INT, FF_READONLY | FF_NOAUDIT, 0, NULL, NULL},
    {"owner_id", "owner_id", FT_REF, 0, 0, NULL, "users"},
    {"co_owner_ids", NULL, FT_JSON, 0, 0, NULL, NULL},
    {"company_id", "company_id", FT_REF, 0, 0, NULL, "companies"},
    {"contact_ids", NULL, FT_JSON, 0, 0, NULL, NULL},
    {"contacts", NULL, FT_JSON, 0, 0, NULL, NULL},
    {"lead_id", "lead_id", FT_REF, FF_READONLY, 0, NULL, "leads"},
    {"expected_close", "expected_close", FT_DATE, 0, 0, NULL, NULL},
    {"source", "source", FT_TEXT, 0, 200, NULL, NULL},
    {"lost_reason", "lost_reason", FT_TEXT, 0, 1000, NULL, NULL},
    {"tags", "tags", FT_JSON, 0, 0, NULL, NULL},
    {"checklist", NULL, FT_JSON, 0, 0, NULL, NULL},
    {"stage_entered_at", "stage_entered_at", FT_TIME, FF_READONLY, 0, NULL, NULL},
    {"stuck_at", "stuck_at", FT_TIME, FF_READONLY | FF_NOAUDIT, 0, NULL, NULL},
    {"closed_at", "closed_at", FT_TIME, FF_READONLY, 0, NULL, NULL},
    /* derived on every read (write_extra), not history of their own */
    {"items_count", NULL, FT_INT, FF_READONLY | FF_NOAUDIT, 0, NULL, NULL},
    {"paid", NULL, FT_INT, FF_READONLY | FF_NOAUDIT, 0, NULL, NULL},
    {"planned", NULL, FT_INT, FF_READONLY | FF_NOAUDIT, 0, NULL, NULL},
    {"owed", NULL, FT_INT, FF_READONLY | FF_NOAUDIT, 0, NULL, NULL},
    {0},
};

/* deal fields a stage may require to be filled before a deal leaves it */
static const char *const requirable[] = {
    "title", "amount", "currency", "owner_id", "co_owner_ids", "company_id", "contact_ids",
    "expected_close", "source", "lost_reason", "tags", NULL,
};

bool deal_field_requirable(ctx *c, const char *name)
{
    for (const char *const *r = requirable; *r; r++)
        if (!strcmp(*r, name)) return true;
    if (strncmp(name, "custom_fields.", 14)) return false;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, name + 14);
    return db_scalar(c->db, "SELECT 1 FROM custom_fields WHERE object = 'deal' AND name = ?", &p, 0) == 1;
}

/* ---------- small helpers ---------- */

static long long jint(json_t *o, const char *k)
{
    json_t *v = o ? json_object_get(o, k) : NULL;
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* the value this write gives column `col` (the write set holds one per column, in
 * order), NULL when it leaves the column alone */
static const dbv *ws_value(const write_set *w, const char *col)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->cols[i], col)) return &w->vals.v[i];
    return NULL;
}

static bool ws_has(const write_set *w, const char *col) { return ws_value(w, col) != NULL; }

/* the value a field will have after this write: the body's, else the stored one */
static json_t *merged(write_set *w, const char *name)
{
    if (!strncmp(name, "custom_fields.", 14)) {
        json_t *in = json_object_get(w->in, "custom_fields");
        json_t *v = in ? json_object_get(in, name + 14) : NULL;
        if (v) return v;
        return w->old ? json_object_get(json_object_get(w->old, "custom_fields"), name + 14) : NULL;
    }
    if (!strcmp(name, "contact_ids") && !json_object_get(w->in, "contact_ids") && json_object_get(w->in, "contacts"))
        return json_object_get(w->in, "contacts");
    json_t *v = json_object_get(w->in, name);
    if (v) return v;
    return w->old ? json_object_get(w->old, name) : NULL;
}

static bool filled(json_t *v)
{
    if (!v || json_is_null(v)) return false;
    if (json_is_string(v)) {
        for (const char *s = json_string_value(v); *s; s++)
            if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return true;
        return false;
    }
    if (json_is_array(v)) return json_array_size(v) > 0;
    if (json_is_object(v)) return json_object_size(v) > 0;
    return true;
}

static bool exists(ctx *c, const char *sql, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    return db_scalar(c->db, sql, &p, 0) == 1;
}

/* ---------- validation ---------- */

static void tags_check(ctx *c, json_t *v, errs *e)
{
    if (!v || json_is_null(v)) return;
    if (!json_is_array(v) || json_array_size(v) > MAX_TAGS) {
        errs_add(e, "tags", "invalid_type", "'tags' must be a list of at most %d texts", MAX_TAGS);
        return;
    }
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(v, i, x) {
        const char *path = arena_printf(c->a, "tags[%zu]", i);
        if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 100 ||
            strlen(json_string_value(x)) != json_string_length(x))
            errs_add(e, path, "invalid_type", "each tag must be a text of 1 to 100 characters");
        else json_array_foreach(v, j, y) {
            if (j >= i) break;
            if (json_equal(x, y)) errs_add(e, path, "duplicate", "tag '%s' is listed twice", json_string_value(x));
        }
    }
}

static void co_owners_check(ctx *c, json_t *v, errs *e)
{
    if (!v || json_is_null(v)) return;
    if (!json_is_array(v) || json_array_size(v) > MAX_CO_OWNERS) {
        errs_add(e, "co_owner_ids", "invalid_type", "'co_owner_ids' must be a list of at most %d user ids", MAX_CO_OWNERS);
        return;
    }
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
        if (!json_is_integer(x) || !exists(c, "SELECT 1 FROM users WHERE id = ? AND disabled = 0", json_integer_value(x)))
            errs_add(e, arena_printf(c->a, "co_owner_ids[%zu]", i), "invalid_reference", "no such active user");
}

/* contact_ids: [id...]; contacts: [{"id", "role"}]; one of them per request */
static void contacts_check(ctx *c, json_t *in, errs *e)
{
    json_t *ids = json_object_get(in, "contact_ids"), *list = json_object_get(in, "contacts");
    if (ids && list) { errs_add(e, "contacts", "conflict", "send either 'contact_ids' or 'contacts', not both"); return; }
    const char *name = ids ? "contact_ids" : "contacts";
    json_t *v = ids ? ids : list;
    if (!v || json_is_null(v)) return;
    if (!json_is_array(v) || json_array_size(v) > MAX_CONTACTS) {
        errs_add(e, name, "invalid_type", "'%s' must be a list of at most %d entries", name, MAX_CONTACTS);
        return;
    }
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        const char *path = arena_printf(c->a, "%s[%zu]", name, i);
        json_t *id = x;
        if (list) {
            json_t *role = json_object_get(x, "role");
            size_t known = (json_object_get(x, "id") != NULL) + (role != NULL);
            if (!json_is_object(x) || json_object_size(x) != known) {
                errs_add(e, path, "invalid_type", "each contact must be an object {\"id\", \"role\"}");
                continue;
            }
            if (role && !json_is_null(role) && (!json_is_string(role) || json_string_length(role) > 100)) {
                errs_add(e, arena_printf(c->a, "%s.role", path), "invalid_type", "'role' must be a text of at most 100 characters");
                continue;
            }
            id = json_object_get(x, "id");
        }
        if (!json_is_integer(id) || client_in_scope(c, &client_contact, json_integer_value(id), ACT_READ) != 1)
            errs_add(e, path, "invalid_reference", "no such contact");
    }
}

/* whether item `name` is done on the deal for `stage`, counting the body's checklist */
static bool item_done(ctx *c, write_set *w, long long deal_id, long long stage, const char *name)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(w->in, "checklist"), i, x)
        if (!strcmp(json_string_value(json_object_get(x, "item")), name)) return json_is_true(json_object_get(x, "done"));
    if (!deal_id) return false;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, deal_id);
    dbp_int(&p, stage);
    dbp_text(&p, name);
    return db_scalar(c->db, "SELECT 1 FROM deal_checklist WHERE deal_id = ? AND stage_id = ? AND item = ?", &p, 0) == 1;
}

/* checklist in a body: [{"item", "done"}] over the items of `stage` */
static void checklist_check(ctx *c, json_t *v, const stage_info *stage, errs *e)
{
    if (!v) return;
    if (!json_is_array(v) || json_array_size(v) > 30) {
        errs_add(e, "checklist", "invalid_type", "'checklist' must be a list of {\"item\", \"done\"}");
        return;
    }
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(v, i, x) {
        const char *path = arena_printf(c->a, "checklist[%zu]", i);
        json_t *item = json_object_get(x, "item"), *done = json_object_get(x, "done");
        if (!json_is_object(x) || json_object_size(x) != 2 || !json_is_string(item) || !json_is_boolean(done)) {
            errs_add(e, path, "invalid_type", "each checklist entry must be {\"item\": text, \"done\": true|false}");
            continue;
        }
        bool known = false;
        json_array_foreach(stage->checklist, j, y) known |= json_equal(y, item);
        if (!known)
            errs_add(e, path, "unknown_item", "stage '%s' has no checklist item '%s'", stage->name, json_string_value(item));
    }
}

/* the results stage `from` expects before the deal moves on */
static void requirements_check(ctx *c, write_set *w, long long deal_id, const stage_info *from, errs *e)
{
    size_t i;
    json_t *x;
    json_array_foreach(from->checklist, i, x)
        if (!item_done(c, w, deal_id, from->id, json_string_value(x)))
            errs_add(e, "checklist", "checklist_incomplete", "'%s' must be done before the deal leaves stage '%s'",
                     json_string_value(x), from->name);
    json_array_foreach(from->required_fields, i, x) {
        const char *name = json_string_value(x);
        if (!filled(merged(w, name)))
            errs_add(e, name, "required_for_stage", "'%s' must be filled before the deal leaves stage '%s'", name, from->name);
    }
}

static void deal_validate(ctx *c, write_set *w, errs *e)
{
    json_t *in = w->in, *old = w->old;
    long long id = jint(old, "id");
    static const char *const not_null[] = {"pipeline_id", "stage_id", "currency", "owner_id", NULL};
    for (const char *const *k = not_null; *k; k++)
        if (json_is_null(json_object_get(in, *k))) errs_add(e, *k, "required", "'%s' cannot be null", *k);
    if (jint(in, "amount") < 0) errs_add(e, "amount", "out_of_range", "'amount' cannot be negative");
    tags_check(c, json_object_get(in, "tags"), e);
    co_owners_check(c, json_object_get(in, "co_owner_ids"), e);
    contacts_check(c, in, e);
    json_t *co = json_object_get(in, "company_id");   /* a live company the caller may read */
    if (json_is_integer(co) && client_in_scope(c, &client_company, json_integer_value(co), ACT_READ) != 1)
        errs_add(e, "company_id", "invalid_reference", "no such company");
    if (e->n) return;

    /* where the deal goes: the named stage (which must belong to the named pipeline, or
     * to the deal's own one), else the first stage of a newly named pipeline */
    long long in_p = jint(in, "pipeline_id"), in_s = jint(in, "stage_id");
    long long cur_p = jint(old, "pipeline_id"), cur_s = jint(old, "stage_id");
    long long to_p = cur_p, to_s = cur_s;
    if (in_p && !pipeline_live(c, in_p)) { errs_add(e, "pipeline_id", "invalid_reference", "no such pipeline"); return; }
    stage_info to;
    if (in_s) {
        if (stage_get(c, in_s, &to) != 1) { errs_add(e, "stage_id", "invalid_reference", "no such stage"); return; }
        long long want = in_p ? in_p : old ? cur_p : to.pipeline_id;
        if (to.pipeline_id != want) {
            errs_add(e, "stage_id", "stage_not_in_pipeline", "stage %lld belongs to another pipeline than %lld", in_s, want);
            return;
        }
        to_p = want;
        to_s = in_s;
    } else if ((in_p && in_p != cur_p) || !old) {
        to_p = in_p ? in_p : pipeline_default(c);
        to_s = pipeline_first_stage(c, to_p);
        if (!to_s) { errs_add(e, "pipeline_id", "invalid_reference", "the pipeline has no stage to put the deal in"); return; }
    }
    if (to_p != cur_p && !ws_has(w, "pipeline_id")) { w->cols[w->n++] = "pipeline_id"; dbp_int(&w->vals, to_p); }
    if (to_s != cur_s && !ws_has(w, "stage_id")) { w->cols[w->n++] = "stage_id"; dbp_int(&w->vals, to_s); }

    if (!old && !json_object_get(in, "currency")) {
        w->cols[w->n++] = "currency";
        dbp_text(&w->vals, pipeline_currency(c, to_p));
    }
    /* line items and payments lock the amount and the currency: counted only when the body
     * changes either (a stage move does not) */
    json_t *cur = json_object_get(in, "currency");
    bool currency_change = old && cur && !json_equal(cur, json_object_get(old, "currency"));
    bool amount_change = old && json_object_get(in, "amount");
    if (amount_change || currency_change) {
        long long items = deal_item_count(c, id);
        if (amount_change && items > 0)
            errs_add(e, "amount", "amount_from_items", "the amount is the sum of the deal's line items; change those instead");
        if (currency_change && (items > 0 || deal_payment_count(c, id) > 0))
            errs_add(e, "currency", "currency_locked", "the deal has line items or payments in %s; remove them before changing the currency",
                     json_string_value(json_object_get(old, "currency")));
    }

    /* the checklist in the body is about the stage the deal is in before this change */
    stage_info here;
    long long here_id = old ? cur_s : to_s;
    if (stage_get(c, here_id, &here) != 1) { errs_add(e, "stage_id", "invalid_reference", "no such stage"); return; }
    checklist_check(c, json_object_get(in, "checklist"), &here, e);
    if (e->n || to_s == cur_s) return;

    if (!in_s && stage_get(c, to_s, &to) != 1) { errs_add(e, "stage_id", "invalid_reference", "no such stage"); return; }
    /* a deal may be lost from anywhere; going forward (or winning) needs the results */
    if (old && to.pipeline_id == here.pipeline_id && strcmp(to.kind, "lost") &&
        (to.position > here.position || (!strcmp(to.kind, "won") && strcmp(here.kind, "won"))))
        requirements_check(c, w, id, &here, e);
    if (!strcmp(to.kind, "lost") && !filled(merged(w, "lost_reason")))
        errs_add(e, "lost_reason", "required_for_stage", "a deal needs 'lost_reason' to enter stage '%s'", to.name);
    char now[32], stuck[32];
    time_t t = time(NULL);
    clock_format(t, now);
    clock_format(t + (time_t)to.time_limit_days * 86400, stuck);
    w->cols[w->n++] = "status";
    dbp_text(&w->vals, to.kind);
    w->cols[w->n++] = "stage_entered_at";
    dbp_text(&w->vals, arena_strdup(c->a, now));
    w->cols[w->n++] = "stuck_at";
    if (to.time_limit_days) dbp_text(&w->vals, arena_strdup(c->a, stuck));
    else dbp_null(&w->vals);
    w->cols[w->n++] = "closed_at";
    if (!strcmp(to.kind, "open")) dbp_null(&w->vals);
    else dbp_text(&w->vals, arena_strdup(c->a, now));
}

/* ---------- saving ---------- */

static int save_co_owners(ctx *c, long long id, json_t *v)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_run(c->db, "DELETE FROM deal_owners WHERE deal_id = ? AND is_primary = 0", &p) < 0) return -1;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {   /* the owner stays the owner when listed again */
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_int(&q, id);
        dbp_int(&q, json_integer_value(x));
        if (db_run(c->db, "INSERT OR IGNORE INTO deal_owners(deal_id, user_id, is_primary) VALUES(?, ?, 0)", &q) < 0) return -1;
    }
    return 0;
}

static int save_contacts(ctx *c, long long id, json_t *in)
{
    json_t *ids = json_object_get(in, "contact_ids"), *list = json_object_get(in, "contacts");
    if (!ids && !list) return 0;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_run(c->db, "DELETE FROM deal_contacts WHERE deal_id = ?", &p) < 0) return -1;
    size_t i;
    json_t *x;
    json_array_foreach(ids ? ids : list, i, x) {
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_int(&q, id);
        dbp_int(&q, json_integer_value(ids ? x : json_object_get(x, "id")));
        dbp_text(&q, ids ? NULL : json_string_value(json_object_get(x, "role")));
        if (db_run(c->db, "INSERT INTO deal_contacts(deal_id, contact_id, role) VALUES(?, ?, ?)"
                          " ON CONFLICT(deal_id, contact_id) DO UPDATE SET role = excluded.role", &q) < 0) return -1;
    }
    return 0;
}

static int save_checklist(ctx *c, long long id, long long stage, json_t *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, id);
        dbp_int(&p, stage);
        dbp_text(&p, json_string_value(json_object_get(x, "item")));
        if (json_is_true(json_object_get(x, "done"))) {
            if (c->user->user_id) dbp_int(&p, c->user->user_id); else dbp_null(&p);
            if (db_run(c->db, "INSERT OR IGNORE INTO deal_checklist(deal_id, stage_id, item, user_id) VALUES(?, ?, ?, ?)", &p) < 0) return -1;
        } else if (db_run(c->db, "DELETE FROM deal_checklist WHERE deal_id = ? AND stage_id = ? AND item = ?", &p) < 0) {
            return -1;
        }
    }
    return 0;
}

/* A deal that entered a stage with this write gets its history row. What it entered and
 * when is in the write set (deal_validate put stage_id, pipeline_id and stage_entered_at
 * there), so the deal is not read again */
static int save_history(ctx *c, long long id, const write_set *w)
{
    const dbv *stage = ws_value(w, "stage_id"), *pipe = ws_value(w, "pipeline_id"), *at = ws_value(w, "stage_entered_at");
    long long was = jint(w->old, "stage_id");
    if (!stage || stage->i == was) return 0;
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, id);
    dbp_int(&q, pipe ? pipe->i : jint(w->old, "pipeline_id"));
    if (was) dbp_int(&q, was); else dbp_null(&q);
    dbp_int(&q, stage->i);
    if (c->user->user_id) dbp_int(&q, c->user->user_id); else dbp_null(&q);
    dbp_text(&q, at ? at->s : NULL);
    dbp_text(&q, w->old ? json_string_value(json_object_get(w->old, "stage_entered_at")) : NULL);
    return db_run(c->db, "INSERT INTO stage_history(deal_id, pipeline_id, from_stage_id, to_stage_id, user_id, at, seconds)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, coalesce(?6, strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
                         " CAST(strftime('%s', ?6) AS INTEGER) - CAST(strftime('%s', ?7) AS INTEGER))", &q) < 0 ? -1 : 0;
}

static int save_search(ctx *c, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    char *text = db_scalar_text(c->db, c->a, "SELECT title || ' ' || coalesce((SELECT group_concat(value, ' ')"
                                             " FROM json_each(tags)), '') FROM deals WHERE id = ?", &p);
    if (!text) return -1;
    return search_fts_set(c, "deals_fts", id, text);
}

static int deal_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    (void)e;
    json_t *in = w->in;
    if (json_object_get(in, "co_owner_ids") && save_co_owners(c, id, json_object_get(in, "co_owner_ids")) != 0) return -1;
    if (save_contacts(c, id, in) != 0) return -1;
    json_t *cl = json_object_get(in, "checklist");
    if (cl) {   /* about the stage the deal was in: a new deal's is in the write set */
        const dbv *first = ws_value(w, "stage_id");
        if (save_checklist(c, id, w->old ? jint(w->old, "stage_id") : first ? first->i : 0, cl) != 0) return -1;
    }
    if (save_history(c, id, w) != 0) return -1;
    if ((!w->old || json_object_get(in, "title") || json_object_get(in, "tags")) && save_search(c, id) != 0) return -1;
    return 0;
}

/* ---------- reading ---------- */

static void write_checklist(jw *w, const char *items_json, const char *done_json)
{
    json_t *items = items_json ? json_loads(items_json, 0, NULL) : NULL;
    json_t *done = done_json ? json_loads(done_json, 0, NULL) : NULL;
    jw_key(w, "checklist");
    jw_arr(w);
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(items, i, x) {
        bool d = false;
        json_array_foreach(done, j, y) d |= json_equal(x, y);
        jw_obj(w);
        jw_kstr(w, "item", json_string_value(x));
        jw_kbool(w, "done", d);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    json_decref(items);
    json_decref(done);
}

static void deal_write_extra(ctx *c, long long id, jw *w)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db,
        "SELECT s.probability,"
        " (SELECT json_group_array(user_id) FROM (SELECT user_id FROM deal_owners WHERE deal_id = d.id AND is_primary = 0 ORDER BY user_id)),"
        " (SELECT json_group_array(contact_id) FROM (SELECT contact_id FROM deal_contacts WHERE deal_id = d.id ORDER BY contact_id)),"
        " (SELECT json_group_array(json_object('id', contact_id, 'role', role)) FROM"
        "   (SELECT contact_id, role FROM deal_contacts WHERE deal_id = d.id ORDER BY contact_id)),"
        " s.checklist, (SELECT json_group_array(item) FROM deal_checklist WHERE deal_id = d.id AND stage_id = d.stage_id),"
        " (SELECT count(*) FROM deal_items WHERE deal_id = d.id),"
        " (SELECT coalesce(sum(amount), 0) FROM deal_payments WHERE deal_id = d.id AND kind = 'received'),"
        " (SELECT coalesce(sum(amount), 0) FROM deal_payments WHERE deal_id = d.id AND kind = 'planned'),"
        " d.amount"
        " FROM deals d JOIN stages s ON s.id = d.stage_id WHERE d.id = ?", &p);
    if (cur && db_step(cur) == 1) {
        jw_kint(w, "probability", db_col_int(cur, 0));
        jw_kraw(w, "co_owner_ids", db_col_text(cur, 1));
        jw_kraw(w, "contact_ids", db_col_text(cur, 2));
        jw_kraw(w, "contacts", db_col_text(cur, 3));
        write_checklist(w, db_col_text(cur, 4), db_col_text(cur, 5));
        jw_kint(w, "items_count", db_col_int(cur, 6));
        long long paid = db_col_int(cur, 7);
        jw_kint(w, "paid", paid);
        jw_kint(w, "planned", db_col_int(cur, 8));
        if (db_col_null(cur, 9)) jw_knull(w, "owed");
        else jw_kint(w, "owed", db_col_int(cur, 9) - paid);
    }
    db_done(cur);
}

static int deal_before_delete(ctx *c, long long id, errs *e)
{
    (void)e;
    return search_fts_set(c, "deals_fts", id, NULL);
}

/* the deal resource with its scope predicate `scope` (two forms, below) */
#define DEAL_RESOURCE(scope)                                                                          \
    {                                                                                                 \
        .name = "deal", .plural = "deals", .table = "deals", .kind = OBJ_DEALS, .fields = deal_fields,  \
        .owner_sql = scope, .owner_column = "owner_id", .soft_delete = true, .custom_fields = true,    \
        .default_sort = "-id", .search_sql = FTS_SEARCH_SQL("deals_fts"), \
        .validate = deal_validate, .after_save = deal_after_save, .write_extra = deal_write_extra,     \
        .before_delete = deal_before_delete,                                                           \
    }

/* deal_owners holds the owner too (triggers), so one indexed set serves both */
const resource deal_resource = DEAL_RESOURCE("t.id IN (SELECT o.deal_id FROM deal_owners o WHERE o.user_id IN ({users}))");
/* The same rule checked on each row: SQLite collects the set above (every deal of the
 * caller's team, thousands of ids) once per statement, which a query already narrowed to
 * a few rows by other means (the board's pages) would spend most of its time on. "+"
 * reads the deal's one or two owner rows instead of seeking each user of the set */
const resource deal_card_resource =
    DEAL_RESOURCE("EXISTS (SELECT 1 FROM deal_owners o WHERE o.deal_id = t.id AND +o.user_id IN ({users}))");

/* ---------- what other parts of the funnel ask ---------- */

long long deal_count_in_stage(ctx *c, long long stage_id, bool with_deleted)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, stage_id);
    return db_scalar(c->db, with_deleted ? "SELECT count(*) FROM deals WHERE stage_id = ?"
                                         : "SELECT count(*) FROM deals WHERE stage_id = ? AND deleted_at IS NULL", &p, -1);
}

long long deal_count_in_pipeline(ctx *c, long long pipeline_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pipeline_id);
    return db_scalar(c->db, "SELECT count(*) FROM deals WHERE pipeline_id = ? AND deleted_at IS NULL", &p, -1);
}

int deal_move_stage(ctx *c, long long from, long long to)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, to);
    if (c->user->user_id) dbp_int(&p, c->user->user_id); else dbp_null(&p);
    dbp_text(&p, c->request_id);
    dbp_int(&p, from);
    /* history and audit for the live deals, then the move itself (deleted ones too, so
     * the stage can go) */
    if (db_run(c->db, "INSERT INTO stage_history(deal_id, pipeline_id, from_stage_id, to_stage_id, user_id, seconds)"
                      " SELECT id, pipeline_id, stage_id, ?1, ?2,"
                      " CAST(strftime('%s','now') AS INTEGER) - CAST(strftime('%s', stage_entered_at) AS INTEGER)"
                      " FROM deals WHERE stage_id = ?4 AND deleted_at IS NULL", &p) < 0) return -1;
    if (db_run(c->db, "INSERT INTO audit(user_id, request_id, object, object_id, action, owner_id, changes)"
                      " SELECT ?2, ?3, 'deal', id, 'update', owner_id, json_object('stage_id', json_array(stage_id, ?1))"
                      " FROM deals WHERE stage_id = ?4 AND deleted_at IS NULL", &p) < 0) return -1;
    return db_run(c->db, "UPDATE deals SET stage_id = ?1, status = (SELECT kind FROM stages WHERE id = ?1),"
                         " stage_entered_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                         " stuck_at = (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+' || time_limit_days || ' days') FROM stages WHERE id = ?1),"
                         " closed_at = CASE (SELECT kind FROM stages WHERE id = ?1) WHEN 'open' THEN NULL"
                         "   ELSE coalesce(closed_at, strftime('%Y-%m-%dT%H:%M:%SZ','now')) END,"
                         " version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                         " WHERE stage_id = ?4", &p) < 0 ? -1 : 0;
}

int deal_stage_kind_changed(ctx *c, long long stage_id, const char *kind)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, kind);
    dbp_int(&p, stage_id);
    return db_run(c->db, "UPDATE deals SET status = ?1, closed_at = CASE ?1 WHEN 'open' THEN NULL"
                         " ELSE coalesce(closed_at, strftime('%Y-%m-%dT%H:%M:%SZ','now')) END,"
                         " version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                         " WHERE stage_id = ?2", &p) < 0 ? -1 : 0;
}

int deal_stage_limit_changed(ctx *c, long long stage_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, stage_id);
    return db_run(c->db, "UPDATE deals SET stuck_at = (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', deals.stage_entered_at,"
                         " '+' || time_limit_days || ' days') FROM stages WHERE id = ?1) WHERE stage_id = ?1", &p) < 0 ? -1 : 0;
}

int deal_set_amount(ctx *c, long long deal_id, long long amount)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, deal_id);
    long long before = db_scalar(c->db, "SELECT coalesce(amount, -1) FROM deals WHERE id = ?", &p, -1);
    if (before == amount) return 0;
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, amount);
    dbp_int(&q, deal_id);
    if (db_run(c->db, "UPDATE deals SET amount = ?, version = version + 1,"
                      " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", &q) < 0) return -1;
    char *changes = before < 0 ? arena_printf(c->a, "{\"amount\":[null,%lld]}", amount)
                               : arena_printf(c->a, "{\"amount\":[%lld,%lld]}", before, amount);
    return audit_record(c, "deal", deal_id, "update", db_scalar(c->db, "SELECT owner_id FROM deals WHERE id = ?", &p, 0), changes);
}

int deal_set_lead(ctx *c, long long deal_id, long long lead_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, lead_id);
    dbp_int(&p, deal_id);
    return db_run(c->db, "UPDATE deals SET lead_id = ? WHERE id = ?", &p) < 0 ? -1 : 0;
}

/* ---------- the list, with flags ---------- */

/* "no next step": an open deal without a planned activity. The activities module is
 * built beside this one; its table is looked up at query time so either can ship first:
 * while there is no such table no deal has a planned activity. "Planned" is status
 * 'planned' where the table has a status, else not done; deleted ones do not count. */
static const char *no_next_step_sql(ctx *c)
{
    long long cols = db_scalar(c->db, "SELECT coalesce(sum(CASE name WHEN 'deal_id' THEN 1 WHEN 'done_at' THEN 2"
                                      " WHEN 'deleted_at' THEN 4 WHEN 'status' THEN 8 ELSE 0 END), 0)"
                                      " FROM pragma_table_info('activities')", NULL, 0);
    if (cols < 0 || !(cols & 1) || !(cols & (2 | 8))) return "t.status = 'open'";
    return arena_printf(c->a, "t.status = 'open' AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.deal_id = t.id AND %s%s)",
                        cols & 8 ? "a.status = 'planned'" : "a.done_at IS NULL", cols & 4 ? " AND a.deleted_at IS NULL" : "");
}

/* past the stage's time limit (stuck_at and status as written: deals_stuck serves it) */
static const char stuck_sql[] = "t.status = 'open' AND t.stuck_at < strftime('%Y-%m-%dT%H:%M:%SZ','now')";

static bool positive_id(const char *s, long long *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0) return false;
    *out = v;
    return true;
}

int deal_list_query(req *r, list_query *q)
{
    if (rest_list_query(r, &deal_resource, q) != 0) return -1;
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    buf sql;
    buf_init(&sql, 0);
    dbparams *xp = arena_alloc(&r->a, sizeof *xp);
    dbparams_init(xp, &r->a);
    const char *flag = req_query(r, "flag");
    if (flag) {
        for (const char *f = flag; *f;) {
            size_t n = strcspn(f, ",");
            const char *pred = NULL;
            if (n == 12 && !strncmp(f, "no_next_step", n)) pred = no_next_step_sql(&c);
            else if (n == 5 && !strncmp(f, "stuck", n)) pred = stuck_sql;
            if (!pred) { errs_add(&e, "flag", "invalid_choice", "'flag' must be no_next_step or stuck"); break; }
            buf_printf(&sql, "%s(%s)", sql.len ? " AND " : "", pred);
            f += n;
            if (*f) f++;
        }
    }
    const char *tag = req_query(r, "tag");
    if (tag) {
        buf_printf(&sql, "%sEXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = ?)", sql.len ? " AND " : "");
        dbp_text(xp, tag);
    }
    long long id = 0;
    const char *v = req_query(r, "contact_id");
    if (v) {
        if (!positive_id(v, &id)) errs_add(&e, "contact_id", "invalid_type", "'contact_id' must be an id");
        buf_printf(&sql, "%st.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id = ?)", sql.len ? " AND " : "");
        dbp_int(xp, id);
    }
    v = req_query(r, "co_owner_id");
    if (v) {
        if (!positive_id(v, &id)) errs_add(&e, "co_owner_id", "invalid_type", "'co_owner_id' must be an id");
        buf_printf(&sql, "%st.id IN (SELECT deal_id FROM deal_owners WHERE user_id = ? AND is_primary = 0)", sql.len ? " AND " : "");
        dbp_int(xp, id);
    }
    if (sql.len) {
        q->extra_sql = arena_strdup(&r->a, sql.data);
        q->extra_params = xp;
    }
    buf_release(&sql);
    if (e.n) { reply_invalid(r, &e); return -1; }
    return 0;
}

static int deal_list(req *r, const void *data)
{
    (void)data;
    list_query q;
    if (deal_list_query(r, &q) != 0) return 422;
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, &deal_resource, resource_list(&c, &deal_resource, &q, &r->out, &e), &e);
}

int deal_page_args(req *r, long long limit_default, long long max_limit, long long *id, long long *limit, long long *after)
{
    ctx c = rest_ctx(r);
    *id = req_param_id(r, 0);
    if (!*id || !resource_load(&c, &deal_resource, *id, ACT_READ)) return rest_status(r, &deal_resource, 404, NULL);
    *limit = limit_default;
    *after = 0;
    const char *ls = req_query(r, "limit"), *as = req_query(r, "after");
    if (ls && (!positive_id(ls, limit) || *limit > max_limit))
        return reply_problem(r, 422, "out_of_range", "'limit' must be between 1 and %lld", max_limit);
    if (as && !positive_id(as, after)) return reply_problem(r, 422, "invalid_cursor", "the cursor is not one this server gave out");
    return 0;
}

int deal_page_reply(req *r, db_cursor *cur, long long limit, void (*row)(jw *w, db_cursor *cur))
{
    if (!cur) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    int rc;
    long long n = 0, last = 0;
    while ((rc = db_step(cur)) == 1 && n < limit) {
        n++;
        last = db_col_int(cur, 0);
        jw_obj(&w);
        row(&w, cur);
        jw_obj_end(&w);
    }
    db_done(cur);
    if (rc < 0) { buf_reset(&r->out); return reply_db_error(r); }
    jw_arr_end(&w);
    jw_kstr(&w, "next", rc == 1 ? arena_printf(&r->a, "%lld", last) : NULL);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

static void history_row(jw *w, db_cursor *cur)
{
    jw_kint(w, "id", db_col_int(cur, 0));
    jw_kstr(w, "at", db_col_text(cur, 1));
    if (db_col_null(cur, 2)) jw_knull(w, "user_id"); else jw_kint(w, "user_id", db_col_int(cur, 2));
    jw_kint(w, "pipeline_id", db_col_int(cur, 3));
    if (db_col_null(cur, 4)) jw_knull(w, "from_stage_id"); else jw_kint(w, "from_stage_id", db_col_int(cur, 4));
    jw_kstr(w, "from_stage", db_col_text(cur, 5));
    jw_kint(w, "to_stage_id", db_col_int(cur, 6));
    jw_kstr(w, "to_stage", db_col_text(cur, 7));
    if (db_col_null(cur, 8)) jw_knull(w, "seconds"); else jw_kint(w, "seconds", db_col_int(cur, 8));
}

/* GET /api/v1/deals/{id}/stage-history: oldest first, ?limit= (1..500, 100), ?after=
 * the id of the last row seen */
static int deal_history(req *r, const void *data)
{
    (void)data;
    long long id, limit, after;
    int st = deal_page_args(r, 100, 500, &id, &limit, &after);
    if (st) return st;
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, id);
    dbp_int(&p, after);
    dbp_int(&p, limit + 1);
    db_cursor *cur = db_query(r->db, "SELECT h.id, h.at, h.user_id, h.pipeline_id, h.from_stage_id, f.name, h.to_stage_id, s.name, h.seconds"
                                     " FROM stage_history h LEFT JOIN stages f ON f.id = h.from_stage_id"
                                     " LEFT JOIN stages s ON s.id = h.to_stage_id WHERE h.deal_id = ?1 AND h.id > ?2"
                                     " ORDER BY h.id LIMIT ?3", &p);
    return deal_page_reply(r, cur, limit, history_row);
}

void deal_routes(void)
{
    router_add("GET", "/api/v1/deals", deal_list, NULL, 0);
    router_add("POST", "/api/v1/deals", rest_create, &deal_resource, 0);
    router_add("GET", "/api/v1/deals/{}", rest_get, &deal_resource, 0);
    router_add("PATCH", "/api/v1/deals/{}", rest_update, &deal_resource, 0);
    router_add("PUT", "/api/v1/deals/{}", rest_update, &deal_resource, 0);
    router_add("DELETE", "/api/v1/deals/{}", rest_delete, &deal_resource, 0);
    openapi_resource(&deal_resource);
    router_add("GET", "/api/v1/deals/{}/stage-history", deal_history, NULL, 0);
    openapi_op("get", "/api/v1/deals/{id}/stage-history", "a deal's stage changes: who, when, from, to, seconds spent",
               NULL, "{\"type\":\"object\",\"required\":[\"data\",\"next\"]}");
    deal_item_routes();
    deal_payment_routes();
    deal_links_routes();
}
