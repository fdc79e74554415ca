/* The leads inbox: intake with matching against the client base, qualification into
 * contact + company + deal, disqualification, and how leads follow client cards
 * (timeline, merges, reassignment). All SQL over `leads` and `leads_fts` lives here;
 * the matching reads the caller-ID and email indexes of the clients module, whose
 * layout phone_index.h and email_index.h document. */
#include "domain/lead.h"
#include "domain/fts_queue.h"
#include "domain/clients.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "domain/deal.h"
#include "domain/merge.h"
#include "domain/reassign.h"
#include "domain/search.h"
#include "domain/timeline.h"
#include "core/clock.h"
#include "core/config.h"
#include "http/openapi.h"
#include "http/rest.h"
#include "util/phone.h"
#include <stdlib.h>
#include <string.h>

static const char *const channels[] = {"call", "form", "email", "messenger", "import", "api", "other", NULL};
static const char *const statuses[] = {"new", "qualified", "disqualified", NULL};

static const field_def lead_fields[] = {
    {"channel", "channel", FT_ENUM, FF_REQUIRED, 0, channels, NULL},
    {"source", "source", FT_TEXT, 0, 200, NULL, NULL},
    {"campaign", "campaign", FT_TEXT, 0, 200, NULL, NULL},
    {"name", "name", FT_TEXT, 0, 300, NULL, NULL},
    {"phone", "phone", FT_TEXT, 0, 100, NULL, NULL},
    {"phone_e164", "phone_e164", FT_TEXT, FF_READONLY, 32, NULL, NULL},
    {"email", "email", FT_TEXT, 0, 254, NULL, NULL},
    {"company_name", "company_name", FT_TEXT, 0, 300, NULL, NULL},
    {"message", "message", FT_TEXT, FF_NOSORT, 20000, NULL, NULL},
    {"payload", "payload", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"status", "status", FT_ENUM, FF_READONLY, 0, statuses, NULL},
    {"reason", "reason", FT_TEXT, FF_READONLY, 1000, NULL, NULL},
    {"owner_id", "owner_id", FT_REF, 0, 0, NULL, "users"},
    {"contact_id", "contact_id", FT_REF, 0, 0, NULL, "contacts"},
    {"company_id", "company_id", FT_REF, 0, 0, NULL, "companies"},
    {"deal_id", "deal_id", FT_REF, FF_READONLY, 0, NULL, "deals"},
    {"closed_at", "closed_at", FT_TIME, FF_READONLY, 0, NULL, NULL},
    {0},
};

/* ---------- intake ---------- */

static json_t *value(write_set *w, const char *k)
{
    json_t *v = json_object_get(w->in, k);
    return v ? v : w->old ? json_object_get(w->old, k) : NULL;
}

static bool has_text(json_t *v)
{
    if (!json_is_string(v)) return false;
    for (const char *s = json_string_value(v); *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return true;
    return false;
}

/* lower-cased copy (arena): email_index keeps addresses in ASCII lower case */
static const char *lower(arena *a, const char *s)
{
    char *r = arena_strdup(a, s);
    for (char *p = r; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return r;
}

typedef struct match { const char *object; long long id; } match;

/* the live client card with this phone (digits of its E.164 form) or email: contacts
 * before companies, the oldest first */
static match match_card(ctx *c, const char *digits, const char *email)
{
    match m = {NULL, 0};
    size_t n = digits ? strlen(digits) : 0;
    char *rev = arena_alloc(c->a, n + 1);
    for (size_t i = 0; i < n; i++) rev[i] = digits[n - 1 - i];
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, n ? rev : NULL);
    dbp_text(&p, email ? lower(c->a, email) : NULL);
    db_cursor *cur = db_query(c->db,
        "SELECT m.object, m.object_id FROM (SELECT object, object_id FROM phone_index WHERE rev = ?1"
        " UNION ALL SELECT object, object_id FROM email_index WHERE email = ?2) m"
        " WHERE (m.object = 'contact' AND EXISTS (SELECT 1 FROM contacts k WHERE k.id = m.object_id AND k.deleted_at IS NULL))"
        "    OR (m.object = 'company' AND EXISTS (SELECT 1 FROM companies k WHERE k.id = m.object_id AND k.deleted_at IS NULL))"
        " ORDER BY m.object = 'contact' DESC, m.object_id LIMIT 1", &p);
    if (cur && db_step(cur) == 1) {
        m.object = !strcmp(db_col_text(cur, 0), "contact") ? "contact" : "company";
        m.id = db_col_int(cur, 1);
    }
    db_done(cur);
    return m;
}

static void put(write_set *w, const char *col, long long v)
{
    w->cols[w->n++] = col;
    dbp_int(&w->vals, v);
}

static void lead_validate(ctx *c, write_set *w, errs *e)
{
    json_t *in = w->in;
    if (json_is_null(json_object_get(in, "channel"))) errs_add(e, "channel", "required", "'channel' cannot be null");
    static const char *const carried[] = {"name", "phone", "email", "company_name", "message", NULL};
    bool any = false;
    for (const char *const *k = carried; *k; k++) any |= has_text(value(w, *k));
    if (!any) errs_add(e, "name", "required", "a lead needs a name, phone, email, company name or message");
    static const client_kind *const kinds[] = {&client_contact, &client_company};
    static const char *const links[] = {"contact_id", "company_id"};
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(in, links[i]);
        if (json_is_integer(v) && client_in_scope(c, kinds[i], json_integer_value(v), ACT_READ) != 1)
            errs_add(e, links[i], "invalid_reference", "no such %s", kinds[i]->object);
    }
    if (e->n) return;

    json_t *phone = json_object_get(in, "phone");
    phone_result pr = {0};
    bool parsed = false;
    if (phone) {
        const char *s = json_string_value(phone);
        parsed = s && phone_parse(s, strlen(s), config_region(), &pr) == 0 && pr.possible;
        w->cols[w->n++] = "phone_e164";
        dbp_text(&w->vals, parsed ? arena_strdup(c->a, pr.e164) : NULL);
    }
    if (w->old || json_object_get(in, "contact_id") || json_object_get(in, "company_id")) return;

    /* a known client: link the card and route the lead to its owner */
    const char *email = json_string_value(json_object_get(in, "email"));
    match m = match_card(c, parsed ? pr.digits : NULL, has_text(json_object_get(in, "email")) ? email : NULL);
    if (!m.id) return;
    const client_kind *k = client_kind_of(m.object);
    if (k == &client_contact) {
        put(w, "contact_id", m.id);
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, m.id);
        long long co = db_scalar(c->db, "SELECT l.company_id FROM contact_companies l JOIN companies k ON k.id = l.company_id"
                                        " AND k.deleted_at IS NULL WHERE l.contact_id = ? ORDER BY l.created_at, l.company_id LIMIT 1", &p, 0);
        if (co > 0) put(w, "company_id", co);
    } else {
        put(w, "company_id", m.id);
    }
    long long owner = client_owner(c, k, m.id);
    if (owner && !json_object_get(in, "owner_id")) put(w, "owner_id", owner);
}

static int lead_reindex(ctx *c, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    char *text = db_scalar_text(c->db, c->a, "SELECT coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' '"
                                             " || coalesce(phone_e164, '') || ' ' || coalesce(company_name, '') || ' ' || coalesce(source, '')"
                                             " || ' ' || coalesce(campaign, '')"
                                             " FROM leads WHERE id = ?", &p);
    return search_fts_set(c, "leads_fts", id, text);
}

static int lead_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    (void)w;
    (void)e;
    return lead_reindex(c, id);
}

static int lead_before_delete(ctx *c, long long id, errs *e)
{
    (void)e;
    return search_fts_set(c, "leads_fts", id, NULL);
}

const resource lead_resource = {
    .name = "lead", .plural = "leads", .table = "leads", .kind = OBJ_LEADS, .fields = lead_fields,
    /* whoever took the request in keeps sight of it after it is routed to the owner */
    .owner_sql = "t.owner_id IN ({users}) OR t.created_by IN ({users})", .owner_column = "owner_id",
    .soft_delete = true, .custom_fields = true, .default_sort = "-id",
    .search_sql = FTS_SEARCH_SQL("leads_fts"),
    .validate = lead_validate, .after_save = lead_after_save, .before_delete = lead_before_delete,
};

/* ---------- qualification ---------- */

/* errors of a nested create, renamed "contact.first_name" and so on */
static void prefix_errors(ctx *c, errs *e, size_t from, const char *prefix)
{
    for (size_t i = from; i < e->n; i++)
        e->v[i].field = e->v[i].field ? arena_printf(c->a, "%s.%s", prefix, e->v[i].field) : prefix;
}

/* creates one record through its resource, discarding the answer; the id or 0 */
static long long create(ctx *c, const resource *res, json_t *in, const char *prefix, int *status, errs *e)
{
    buf out;
    buf_init(&out, 0);
    long long id = 0;
    size_t mark = e->n;
    int st = resource_create(c, res, in, &id, &out, e);
    buf_release(&out);
    json_decref(in);
    if (st != 201) {
        if (prefix) prefix_errors(c, e, mark, prefix);
        *status = st;
        return 0;
    }
    return id;
}

static const char *text_of(json_t *lead, const char *k)
{
    json_t *v = json_object_get(lead, k);
    return has_text(v) ? json_string_value(v) : NULL;
}

/* "Jan Maria Kowalski": first name "Jan Maria", last name "Kowalski" */
static json_t *contact_body(ctx *c, json_t *lead, long long company, long long owner)
{
    json_t *in = json_object();
    const char *name = text_of(lead, "name");
    if (name) {
        while (*name == ' ') name++;
        const char *sp = strrchr(name, ' ');
        while (sp && sp[1] == 0) {   /* trailing spaces */
            const char *end = sp;
            while (end > name && end[-1] == ' ') end--;
            name = arena_strndup(c->a, name, (size_t)(end - name));
            sp = strrchr(name, ' ');
        }
        if (sp) {
            json_object_set_new(in, "first_name", json_stringn(name, (size_t)(sp - name)));
            json_object_set_new(in, "last_name", json_string(sp + 1));
        } else {
            json_object_set_new(in, "first_name", json_string(name));
        }
    }
    if (text_of(lead, "phone")) json_object_set_new(in, "phones", json_pack("[s]", text_of(lead, "phone")));
    if (text_of(lead, "email")) json_object_set_new(in, "emails", json_pack("[s]", text_of(lead, "email")));
    if (company) json_object_set_new(in, "company_ids", json_pack("[I]", (json_int_t)company));
    if (owner) json_object_set_new(in, "owner_id", json_integer(owner));
    const char *source = text_of(lead, "source");
    if (source && strlen(source) <= 100) json_object_set_new(in, "source", json_string(source));
    return in;
}

static const char *const qualify_keys[] = {"pipeline_id", "stage_id", "title", "amount", "currency", "owner_id",
                                           "contact_id", "company_id", "version", NULL};

/* 0, or an HTTP status with e filled where that helps */
static int qualify(ctx *c, long long id, json_t *body, long long ver, long long out[3], errs *e)
{
    json_t *lead = resource_load(c, &lead_resource, id, ACT_WRITE);
    if (!lead) return resource_load(c, &lead_resource, id, ACT_READ) ? 403 : 404;
    if (!ver && json_is_integer(json_object_get(body, "version"))) ver = json_integer_value(json_object_get(body, "version"));
    if (ver && ver != json_integer_value(json_object_get(lead, "version"))) return 412;
    const char *status = json_string_value(json_object_get(lead, "status"));
    if (strcmp(status, "new")) {
        errs_add(e, NULL, "lead_closed", "the lead is already %s", status);
        return 409;
    }
    static const client_kind *const kinds[] = {&client_contact, &client_company};
    static const char *const links[] = {"contact_id", "company_id"};
    long long ids[2];
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(body, links[i]);
        if (v && !json_is_null(v) && (!json_is_integer(v) || client_in_scope(c, kinds[i], json_integer_value(v), ACT_READ) != 1))
            errs_add(e, links[i], "invalid_reference", "no such %s", kinds[i]->object);
        ids[i] = json_is_integer(v) ? json_integer_value(v) : v ? 0 : json_integer_value(json_object_get(lead, links[i]));
    }
    json_t *ov = json_object_get(body, "owner_id");
    long long owner = json_is_integer(ov) ? json_integer_value(ov) : json_integer_value(json_object_get(lead, "owner_id"));
    if (!owner) owner = c->user->user_id;
    if (e->n) return 422;

    int st = 0;
    long long company = ids[1], contact = ids[0];
    if (!company && text_of(lead, "company_name")) {
        json_t *in = json_pack("{s:s}", "name", text_of(lead, "company_name"));
        if (owner) json_object_set_new(in, "owner_id", json_integer(owner));
        company = create(c, &company_resource, in, "company", &st, e);
        if (!company) return st;
    }
    if (!contact && (text_of(lead, "name") || text_of(lead, "phone") || text_of(lead, "email"))) {
        contact = create(c, &contact_resource, contact_body(c, lead, company, owner), "contact", &st, e);
        if (!contact) return st;
    }
    json_t *deal = json_object();
    static const char *const passed[] = {"pipeline_id", "stage_id", "title", "amount", "currency", NULL};
    for (const char *const *k = passed; *k; k++)
        if (json_object_get(body, *k)) json_object_set(deal, *k, json_object_get(body, *k));
    if (!json_object_get(deal, "title")) {
        const char *t = text_of(lead, "company_name");
        if (!t) t = text_of(lead, "name");
        json_object_set_new(deal, "title", json_string(t ? t : arena_printf(c->a, "lead %lld", id)));
    }
    if (owner) json_object_set_new(deal, "owner_id", json_integer(owner));
    if (company) json_object_set_new(deal, "company_id", json_integer(company));
    if (contact) json_object_set_new(deal, "contact_ids", json_pack("[I]", (json_int_t)contact));
    const char *source = text_of(lead, "source");
    json_object_set_new(deal, "source", json_string(source ? source : json_string_value(json_object_get(lead, "channel"))));
    long long deal_id = create(c, &deal_resource, deal, NULL, &st, e);
    if (!deal_id) return st;
    if (deal_set_lead(c, deal_id, id) != 0) return 500;

    dbparams p;
    dbparams_init(&p, c->a);
    if (contact) dbp_int(&p, contact); else dbp_null(&p);
    if (company) dbp_int(&p, company); else dbp_null(&p);
    dbp_int(&p, deal_id);
    dbp_int(&p, id);
    if (db_run(c->db, "UPDATE leads SET status = 'qualified', contact_id = ?, company_id = ?, deal_id = ?,"
                      " closed_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), version = version + 1,"
                      " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", &p) < 0) return 500;
    json_t *changes = json_pack("{s:[s,s], s:[O,o], s:[O,o], s:[n,I]}", "status", "new", "qualified",
                                "contact_id", json_object_get(lead, "contact_id"), contact ? json_integer(contact) : json_null(),
                                "company_id", json_object_get(lead, "company_id"), company ? json_integer(company) : json_null(),
                                "deal_id", (json_int_t)deal_id);
    char *cj = json_dumps(changes, JSON_COMPACT);
    json_decref(changes);
    int rc = audit_record(c, "lead", id, "qualify", owner, arena_strdup(c->a, cj));
    free(cj);
    if (rc != 0) return 500;
    out[0] = contact;
    out[1] = company;
    out[2] = deal_id;
    return 0;
}

static int lead_qualify(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0);
    long long ver = rest_if_match(r);
    if (ver < 0) return 400;
    if (r->json && !json_is_object(r->json)) return reply_problem(r, 400, "invalid_body", "the body must be a JSON object");
    errs e;
    errs_init(&e, &r->a);
    const char *k;
    json_t *v;
    if (r->json) json_object_foreach(r->json, k, v) {
        bool known = false;
        for (const char *const *q = qualify_keys; *q && !known; q++) known = !strcmp(*q, k);
        if (!known) errs_add(&e, k, "unknown_field", "unknown field '%s'", k);
    }
    if (e.n) return reply_invalid(r, &e);
    if (!id) return rest_status(r, &lead_resource, 404, NULL);
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    /* an integration retrying with the same Idempotency-Key gets the first answer back */
    if (idempotency_begin(r) != 0) { db_rollback(r->db); return r->status; }
    ctx c = rest_ctx(r);
    long long ids[3];
    int st = qualify(&c, id, r->json, ver, ids, &e);
    if (st) {
        db_rollback(r->db);
        buf_reset(&r->out);
        if (st == 409) return reply_problem(r, 409, "lead_closed", "%s", e.v[0].message);
        return rest_status(r, &lead_resource, st, &e);
    }
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kint(&w, "lead_id", id);
    static const char *const names[] = {"contact_id", "company_id", "deal_id"};
    for (int i = 0; i < 3; i++) {
        if (ids[i]) jw_kint(&w, names[i], ids[i]);
        else jw_knull(&w, names[i]);
    }
    jw_obj_end(&w);
    reply_json(r, 200);
    idempotency_store(r);
    if (db_commit(r->db) != 0) return reply_db_error(r);
    return 200;
}

static int lead_disqualify(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0);
    long long ver = rest_if_match(r);
    if (ver < 0) return 400;
    if (!json_is_object(r->json)) return reply_problem(r, 400, "missing_body", "a JSON object body with 'reason' is required");
    errs e;
    errs_init(&e, &r->a);
    const char *k;
    json_t *v;
    json_object_foreach(r->json, k, v)
        if (strcmp(k, "reason") && strcmp(k, "version")) errs_add(&e, k, "unknown_field", "unknown field '%s'", k);
    json_t *reason = json_object_get(r->json, "reason");
    if (!has_text(reason) || json_string_length(reason) > 1000 || strlen(json_string_value(reason)) != json_string_length(reason))
        errs_add(&e, "reason", "required", "'reason' must say in 1 to 1000 characters why the lead is dropped");
    if (e.n) return reply_invalid(r, &e);
    if (!id) return rest_status(r, &lead_resource, 404, NULL);
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    ctx c = rest_ctx(r);
    int st = 0;
    json_t *lead = resource_load(&c, &lead_resource, id, ACT_WRITE);
    if (!ver && json_is_integer(json_object_get(r->json, "version"))) ver = json_integer_value(json_object_get(r->json, "version"));
    const char *status = lead ? json_string_value(json_object_get(lead, "status")) : NULL;
    if (!lead) st = resource_load(&c, &lead_resource, id, ACT_READ) ? 403 : 404;
    else if (ver && ver != json_integer_value(json_object_get(lead, "version"))) st = 412;
    else if (strcmp(status, "new")) {
        db_rollback(r->db);
        return reply_problem(r, 409, "lead_closed", "the lead is already %s", status);
    }
    if (!st) {
        dbparams p;
        dbparams_init(&p, &r->a);
        dbp_text(&p, json_string_value(reason));
        dbp_int(&p, id);
        json_t *changes = json_pack("{s:[s,s], s:[n,O]}", "status", "new", "disqualified", "reason", reason);
        char *cj = json_dumps(changes, JSON_COMPACT);
        json_decref(changes);
        if (db_run(r->db, "UPDATE leads SET status = 'disqualified', reason = ?, closed_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                          " version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", &p) < 0 ||
            audit_record(&c, "lead", id, "disqualify", json_integer_value(json_object_get(lead, "owner_id")), arena_strdup(&r->a, cj)) != 0)
            st = 500;
        free(cj);
    }
    if (st) { db_rollback(r->db); return rest_status(r, &lead_resource, st, NULL); }
    if (db_commit(r->db) != 0) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    resource_write_record(&c, &lead_resource, id, NULL, &w);
    return reply_json(r, 200);
}

/* ---------- leads on client cards ---------- */

/* the leads of a contact or company (and of the cards merged into it), and the lead a
 * deal was qualified from */
static void lead_timeline(ctx *c, const char *object, long long id, buf *sql, dbparams *p)
{
    const char *link = !strcmp(object, "contact") ? "contact_id" : !strcmp(object, "company") ? "company_id"
                     : !strcmp(object, "deal") ? "deal_id" : NULL;
    if (!link) return;
    buf_printf(sql, "SELECT t.created_at, 'lead', t.id, json_object('lead_id', t.id, 'channel', t.channel, 'source', t.source,"
                    " 'campaign', t.campaign, 'status', t.status, 'name', t.name, 'message', substr(t.message, 1, 500),"
                    " 'reason', t.reason, 'deal_id', t.deal_id) FROM leads t WHERE t.deleted_at IS NULL AND t.%s ", link);
    if (strcmp(object, "deal")) {
        buf_adds(sql, "IN (");
        merge_ids_sql(object, id, sql, p);
        buf_adds(sql, ")");
    } else {
        buf_adds(sql, "= ?");
        dbp_int(p, id);
    }
    resource_scope_sql(c, &lead_resource, ACT_READ, sql, p);
}

static const timeline_source lead_source = {"lead", lead_timeline};

/* a merged card's leads follow it to the surviving card; `moved` lists their ids */
static int lead_merge_move(ctx *c, const char *object, long long from, long long into, json_t *moved)
{
    return merge_move_rows(c, "leads", object, from, into, moved);
}

static int lead_merge_undo(ctx *c, const char *object, long long from, long long into, json_t *moved)
{
    return merge_undo_rows(c, "leads", object, from, into, moved);
}

static const merge_hook lead_merge = {"leads", lead_merge_move, lead_merge_undo};

/* reassignment: the live leads of one user, one audit row each */
static int lead_reassign(ctx *c, long long from, long long to, long long *moved)
{
    return reassign_owned_rows(c, "leads", "lead", from, to, moved);
}

static const reassign_target lead_target = {"leads", OBJ_LEADS, lead_reassign};

void lead_routes(void)
{
    rest_register(&lead_resource);
    router_add("POST", "/api/v1/leads/{}/qualify", lead_qualify, NULL, 0);
    openapi_op("post", "/api/v1/leads/{id}/qualify",
               "qualify a lead: create or link its contact and company and create a deal, in one transaction",
               "{\"type\":\"object\",\"properties\":{\"pipeline_id\":{\"type\":\"integer\"},\"stage_id\":{\"type\":\"integer\"},"
               "\"title\":{\"type\":\"string\"},\"amount\":{\"type\":\"integer\"},\"currency\":{\"type\":\"string\"},"
               "\"owner_id\":{\"type\":\"integer\"},\"contact_id\":{\"type\":\"integer\"},\"company_id\":{\"type\":\"integer\"}}}",
               "{\"type\":\"object\",\"required\":[\"contact_id\",\"company_id\",\"deal_id\"],\"properties\":{"
               "\"lead_id\":{\"type\":\"integer\"},\"contact_id\":{\"type\":\"integer\",\"nullable\":true},"
               "\"company_id\":{\"type\":\"integer\",\"nullable\":true},\"deal_id\":{\"type\":\"integer\"}}}");
    router_add("POST", "/api/v1/leads/{}/disqualify", lead_disqualify, NULL, 0);
    openapi_op("post", "/api/v1/leads/{id}/disqualify", "disqualify a lead with a reason; the lead is kept",
               "{\"type\":\"object\",\"required\":[\"reason\"],\"properties\":{\"reason\":{\"type\":\"string\"}}}",
               "#/components/schemas/lead");
    timeline_register(&lead_source);
    merge_register(&lead_merge);
    reassign_register(&lead_target);
}
