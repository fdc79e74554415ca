/* Contacts: the resource, its hooks (lists, company links, indexes, duplicate warnings)
 * and every SQL statement over `contacts` and `contact_companies`. */
#include "domain/contact.h"
#include "domain/fts_queue.h"
#include "domain/card_fields.h"
#include "domain/clients.h"
#include "domain/duplicates.h"
#include "domain/email_index.h"
#include "domain/phone_index.h"
#include "domain/search.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const field_def contact_fields[] = {
    {"first_name", "first_name", FT_TEXT, 0, 200, NULL, NULL},
    {"last_name", "last_name", FT_TEXT, 0, 200, NULL, NULL},
    {"middle_name", "middle_name", FT_TEXT, 0, 200, NULL, NULL},
    {"position", "position", FT_TEXT, 0, 200, NULL, NULL},
    {"birthday", "birthday", FT_DATE, 0, 10, NULL, NULL},
    {"source", "source", FT_TEXT, 0, 100, NULL, NULL},
    {"notes", "notes", FT_TEXT, FF_NOSORT, 20000, NULL, NULL},
    {"consent_email", "consent_email", FT_BOOL, 0, 0, NULL, NULL},
    {"consent_sms", "consent_sms", FT_BOOL, 0, 0, NULL, NULL},
    {"owner_id", "owner_id", FT_REF, 0, 0, NULL, "users"},
    {"phones", "phones", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"emails", "emails", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"messengers", "messengers", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"tags", "tags", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"addresses", "addresses", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    /* links to companies, written either way: ids only (roles kept) or with roles */
    {"company_ids", NULL, FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"companies", NULL, FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {0},
};

enum { MAX_LINKS = 100 };

typedef struct link { long long company_id; const char *role; } link;

/* the company links asked for in the body: n = -1 when the body does not touch them */
static int links_parse(ctx *c, json_t *in, link *out, int *n, bool *with_roles, errs *e)
{
    json_t *ids = json_object_get(in, "company_ids"), *cos = json_object_get(in, "companies");
    *n = -1;
    if (!ids && !cos) return 0;
    if (ids && cos) { errs_add(e, "companies", "conflict", "send either 'company_ids' or 'companies', not both"); return -1; }
    const char *name = ids ? "company_ids" : "companies";
    json_t *list = ids ? ids : cos;
    *with_roles = cos != NULL;
    *n = 0;
    if (json_is_null(list)) return 0;
    if (!json_is_array(list) || json_array_size(list) > MAX_LINKS) {
        errs_add(e, name, "invalid_type", "'%s' must be a list of at most %d companies", name, MAX_LINKS);
        return -1;
    }
    size_t i;
    json_t *item;
    size_t before = e->n;
    json_array_foreach(list, i, item) {
        const char *path = arena_printf(c->a, "%s[%zu]", name, i);
        json_t *idv = item, *role = NULL;
        if (cos) {
            if (!json_is_object(item)) { errs_add(e, path, "invalid_type", "'%s' must be an object {\"id\", \"role\"}", path); continue; }
            idv = json_object_get(item, "id");
            role = json_object_get(item, "role");
            const char *k;
            json_t *m;
            json_object_foreach(item, k, m)
                if (strcmp(k, "id") && strcmp(k, "role") && strcmp(k, "name"))
                    errs_add(e, arena_printf(c->a, "%s.%s", path, k), "unknown_field", "unknown field '%s'", k);
            path = arena_printf(c->a, "%s.id", path);
        }
        if (!json_is_integer(idv) || json_integer_value(idv) <= 0) { errs_add(e, path, "invalid_type", "'%s' must be a company id", path); continue; }
        long long id = json_integer_value(idv);
        if (!company_alive(c, id)) { errs_add(e, path, "invalid_reference", "company %lld does not exist", id); continue; }
        const char *r = NULL;
        if (role && !json_is_null(role)) {
            const char *rpath = arena_printf(c->a, "%s[%zu].role", name, i);
            if (!json_is_string(role) || json_string_length(role) > 100 || strlen(json_string_value(role)) != json_string_length(role)) {
                errs_add(e, rpath, "invalid_type", "'%s' must be text of at most 100 characters", rpath);
                continue;
            }
            r = arena_strdup(c->a, json_string_value(role));
        }
        bool dup = false;
        for (int j = 0; j < *n && !dup; j++) dup = out[j].company_id == id;
        if (!dup) out[(*n)++] = (link){id, r};
    }
    return e->n > before ? -1 : 0;
}

static bool nonempty_text(json_t *v) { return json_is_string(v) && json_string_length(v) > 0; }
static bool nonempty_list(json_t *v) { return json_is_array(v) && json_array_size(v) > 0; }

static void contact_validate(ctx *c, write_set *w, errs *e)
{
    card_validate_lists(c, w, e);
    json_t *owner = json_object_get(w->in, "owner_id");
    if (owner && json_is_null(owner)) errs_add(e, "owner_id", "required", "a contact needs an owner");
    link links[MAX_LINKS];
    int n;
    bool roles;
    links_parse(c, w->in, links, &n, &roles, e);
    if (!nonempty_text(card_value(w, "first_name")) && !nonempty_text(card_value(w, "last_name")) &&
        !nonempty_list(card_value(w, "phones")) && !nonempty_list(card_value(w, "emails")))
        errs_add(e, "first_name", "required", "a contact needs a first or last name, a phone or an email");
    if (!w->old || json_object_get(w->in, "first_name") || json_object_get(w->in, "last_name") ||
        json_object_get(w->in, "middle_name")) {
        const char *parts[3] = {"first_name", "middle_name", "last_name"};
        buf b;
        buf_init(&b, 0);
        for (int i = 0; i < 3; i++) {
            const char *s = json_string_value(card_value(w, parts[i]));
            if (s) { buf_adds(&b, s); buf_addc(&b, ' '); }
        }
        card_put_column(w, "name_key", card_name_key(c->a, b.data));
        buf_release(&b);
    }
}

static int link_insert(ctx *c, long long id, const link *l, bool with_roles)
{
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, id);
    dbp_int(&q, l->company_id);
    dbp_text(&q, l->role);
    const char *sql = with_roles
        ? "INSERT INTO contact_companies(contact_id, company_id, role) VALUES(?, ?, ?)"
          " ON CONFLICT(contact_id, company_id) DO UPDATE SET role = excluded.role"
        : "INSERT INTO contact_companies(contact_id, company_id, role) VALUES(?, ?, ?)"
          " ON CONFLICT(contact_id, company_id) DO NOTHING";
    return db_run(c->db, sql, &q) < 0 ? -1 : 0;
}

static int links_write(ctx *c, long long id, const link *links, int n, bool with_roles)
{
    json_t *keep = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(keep, json_integer(links[i].company_id));
    char *ks = json_dumps(keep, JSON_COMPACT);
    json_decref(keep);
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    dbp_text(&p, arena_strdup(c->a, ks));
    free(ks);
    if (db_run(c->db, "DELETE FROM contact_companies WHERE contact_id = ? AND company_id NOT IN (SELECT value FROM json_each(?))", &p) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (link_insert(c, id, &links[i], with_roles) != 0) return -1;
    return 0;
}

static int contact_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    link links[MAX_LINKS];
    int n;
    bool roles = false;
    if (links_parse(c, w->in, links, &n, &roles, e) != 0) return -1;
    if (n >= 0 && links_write(c, id, links, n, roles) != 0) return -1;
    static const char *const indexed[] = {"first_name", "middle_name", "last_name", "position", "notes", "phones", "emails", NULL};
    bool touched = !w->old || n >= 0;
    for (const char *const *f = indexed; *f && !touched; f++) touched = json_object_get(w->in, *f) != NULL;
    return touched ? contact_reindex(c, id) : 0;
}

/* the search text of a contact: its names, position and notes, then the names of its
 * companies (client_index_write adds the emails and numbers); the stored columns in
 * the order contact_reindex_except reads them */
static const char *const text_columns[] = {"first_name", "middle_name", "last_name", "position", "notes"};

void contact_index_prepare(ctx *c, const write_set *w, card_index *ix)
{
    card_index_prepare(c, w, text_columns, sizeof text_columns / sizeof *text_columns, ix);
}

int contact_index_created(ctx *c, long long id, const card_index *ix, long long company_id, const char *company_name)
{
    if (company_id && link_insert(c, id, &(link){company_id, NULL}, false) != 0) return -1;
    return card_index_write(c, "contact", id, ix, company_id ? company_name : NULL);
}

void contact_links_audit(jw *w, long long company_id, const char *company_name)
{
    jw_key(w, "companies");
    jw_arr(w);
    jw_null(w);
    jw_arr(w);
    if (company_id) {
        jw_obj(w);
        jw_kint(w, "id", company_id);
        jw_kstr(w, "name", company_name);
        jw_kstr(w, "role", NULL);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_arr_end(w);
    jw_key(w, "company_ids");
    jw_arr(w);
    jw_null(w);
    jw_arr(w);
    if (company_id) jw_int(w, company_id);
    jw_arr_end(w);
    jw_arr_end(w);
}

/* the name of company `t` where the principal may read it, else NULL (a link to a company
 * beyond sight shows its id only) */
static void readable_company_name(ctx *c, buf *sql, dbparams *p)
{
    buf_adds(sql, "CASE WHEN 1");
    resource_scope_sql(c, &company_resource, ACT_READ, sql, p);
    buf_adds(sql, " THEN t.name END");
}

/* the links of contact `id`, or of every contact when id is 0: contact_id, company_id,
 * role and the company's name where the caller may read it, in contact and company order */
static db_cursor *links_query(ctx *c, long long id)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_adds(&sql, "SELECT l.contact_id, l.company_id, l.role, ");
    readable_company_name(c, &sql, &p);
    buf_adds(&sql, " FROM contact_companies l JOIN companies t ON t.id = l.company_id WHERE t.deleted_at IS NULL");
    if (id) {
        buf_adds(&sql, " AND l.contact_id = ?");
        dbp_int(&p, id);
    }
    buf_adds(&sql, " ORDER BY l.contact_id, l.company_id");
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    return cur;
}

db_cursor *contact_links_scan(ctx *c) { return links_query(c, 0); }

/* the names table: slot i holds company i (ids are rowids, so a base whose ids stay below
 * NAMES_MAX is read into it whole); its size is fixed, not the export's */
enum { NAMES_MAX = 1 << 18, NAMES_TEXT = 8 << 20, NAME_NONE = -2, NAME_HIDDEN = -1 };
struct contact_names {
    int32_t len[NAMES_MAX];      /* NAME_NONE: no such live company; NAME_HIDDEN: not readable */
    uint32_t off[NAMES_MAX];
    char *text;
    size_t used;
};

contact_names *contact_names_load(ctx *c)
{
    if (db_scalar(c->db, "SELECT coalesce(max(id), 0) FROM companies", NULL, -1) >= NAMES_MAX) return NULL;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_adds(&sql, "SELECT t.id, ");
    readable_company_name(c, &sql, &p);
    buf_adds(&sql, " FROM companies t WHERE t.deleted_at IS NULL");
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return NULL;
    contact_names *n = xmalloc(sizeof *n);
    for (size_t i = 0; i < NAMES_MAX; i++) n->len[i] = NAME_NONE;
    n->text = xmalloc(NAMES_TEXT);
    n->used = 0;
    int rc;
    while ((rc = db_step(cur)) == 1) {
        long long id = db_col_int(cur, 0);
        const char *name = db_col_text(cur, 1);
        size_t len = name ? strlen(name) : 0;
        if (id < 0 || id >= NAMES_MAX || n->used + len + 1 > NAMES_TEXT) { rc = -1; break; }   /* does not fit */
        n->len[id] = name ? (int32_t)len : NAME_HIDDEN;
        n->off[id] = (uint32_t)n->used;
        memcpy(n->text + n->used, name ? name : "", len + 1);
        n->used += len + 1;
    }
    db_done(cur);
    if (rc != 0) { contact_names_free(n); return NULL; }
    return n;
}

void contact_names_free(contact_names *n)
{
    if (!n) return;
    free(n->text);
    free(n);
}

db_cursor *contact_links_scan_bare(ctx *c)
{
    return db_query(c->db, "SELECT contact_id, company_id, role FROM contact_companies ORDER BY contact_id, company_id", NULL);
}

bool contact_links_at_named(db_cursor *cur, int *at, long long id, const contact_names *n, contact_link *l)
{
    if (*at == 2) *at = cur ? db_step(cur) : 0;
    while (*at == 1 && db_col_int(cur, 0) < id) *at = db_step(cur);
    for (; *at == 1 && db_col_int(cur, 0) == id; *at = db_step(cur)) {
        long long co = db_col_int(cur, 1);
        if (co < 0 || co >= NAMES_MAX || n->len[co] == NAME_NONE) continue;   /* deleted: as the join */
        *l = (contact_link){co, n->len[co] == NAME_HIDDEN ? NULL : n->text + n->off[co], db_col_text(cur, 2)};
        return true;
    }
    return false;
}

bool contact_links_at(db_cursor *cur, int *at, long long id, contact_link *l)
{
    if (*at == 2) *at = cur ? db_step(cur) : 0;
    while (*at == 1 && db_col_int(cur, 0) < id) *at = db_step(cur);
    if (*at != 1 || db_col_int(cur, 0) != id) return false;
    *l = (contact_link){db_col_int(cur, 1), db_col_text(cur, 3), db_col_text(cur, 2)};
    return true;
}

void contact_link_json(jw *w, const contact_link *l)
{
    jw_obj(w);
    jw_kint(w, "id", l->company_id);
    jw_kstr(w, "name", l->name);
    jw_kstr(w, "role", l->role);
    jw_obj_end(w);
}

void contact_links_write(db_cursor *cur, int *at, long long id, jw *w)
{
    buf ids;
    buf_init(&ids, 0);
    buf_addc(&ids, '[');
    jw_key(w, "companies");
    jw_arr(w);
    for (contact_link l; contact_links_at(cur, at, id, &l); *at = db_step(cur)) {
        if (ids.len > 1) buf_addc(&ids, ',');
        buf_printf(&ids, "%lld", l.company_id);
        contact_link_json(w, &l);
    }
    jw_arr_end(w);
    buf_addc(&ids, ']');
    jw_key(w, "company_ids");
    jw_raw(w, ids.data);
    buf_release(&ids);
}

static void contact_write_extra(ctx *c, long long id, jw *w)
{
    db_cursor *cur = links_query(c, id);
    int at = 2;
    contact_links_write(cur, &at, id, w);
    db_done(cur);
}

static int contact_before_delete(ctx *c, long long id, errs *e)
{
    (void)e;
    if (phone_index_set(c, "contact", id, NULL) != 0 || email_index_set(c, "contact", id, NULL) != 0 ||
        search_index_set(c, "contact", id, NULL) != 0)
        return -1;
    return 0;
}

static void contact_warnings(ctx *c, long long id, write_set *w, jw *out)
{
    (void)w;
    duplicates_warn(c, &client_contact, id, out);
}

const resource contact_resource = {
    .name = "contact", .plural = "contacts", .table = "contacts", .kind = OBJ_CONTACTS, .fields = contact_fields,
    .owner_sql = "t.owner_id IN ({users})", .owner_column = "owner_id",
    .soft_delete = true, .custom_fields = true, .default_sort = "-id",
    .search_sql = FTS_SEARCH_SQL("contacts_fts"),
    .validate = contact_validate, .after_save = contact_after_save, .write_extra = contact_write_extra,
    .before_delete = contact_before_delete, .warnings = contact_warnings,
};

/* ---------- indexes ---------- */

int contact_reindex(ctx *c, long long id) { return contact_reindex_except(c, id, 0); }

int contact_reindex_except(ctx *c, long long id, long long skip_company)
{
    const char *phones, *emails;
    buf text;
    buf_init(&text, 0);
    int rc = client_index_read(c, "SELECT first_name, middle_name, last_name, position, notes, phones, emails"
                                  " FROM contacts WHERE id = ? AND deleted_at IS NULL", id, &text, &phones, &emails);
    if (rc < 0) { buf_release(&text); return -1; }
    if (rc == 1) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, id);
        dbp_int(&p, skip_company);
        db_cursor *cur = db_query(c->db, "SELECT t.name FROM contact_companies l JOIN companies t ON t.id = l.company_id"
                                         " WHERE l.contact_id = ? AND t.deleted_at IS NULL AND t.id <> ?", &p);
        while (cur && db_step(cur) == 1) { buf_adds(&text, db_col_text(cur, 0)); buf_addc(&text, ' '); }
        db_done(cur);
    }
    int r = client_index_write(c, "contact", id, rc == 1, &text, phones, emails);
    buf_release(&text);
    return r;
}

void contact_same_name_in_company(ctx *c, long long id, int max, void (*found)(void *cls, long long id), void *cls)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    dbp_int(&p, id);
    dbp_int(&p, max);
    db_cursor *cur = db_query(c->db,
        /* CROSS JOIN keeps this order: the card's few companies, their people, then the name.
         * Left to itself SQLite starts from everyone with the same name (dozens at 1M) */
        "SELECT DISTINCT o.id FROM contacts me CROSS JOIN contact_companies ml CROSS JOIN contact_companies ol"
        " CROSS JOIN contacts o WHERE me.id = ? AND me.name_key <> '' AND ml.contact_id = me.id"
        " AND ol.company_id = ml.company_id AND ol.contact_id <> me.id AND o.id = ol.contact_id"
        " AND o.name_key = me.name_key AND o.deleted_at IS NULL AND o.id <> ? LIMIT ?", &p);
    while (cur && db_step(cur) == 1) found(cls, db_col_int(cur, 0));
    db_done(cur);
}

/* the SQL of each side of a link: the new links (live cards only), the copy, the removal */
static const struct {
    const char *added, *copy, *remove;
} link_sql[] = {
    [LINKS_OF_CONTACT] = {
        "SELECT l.company_id FROM contact_companies l JOIN companies t ON t.id = l.company_id"
        " WHERE l.contact_id = ? AND t.deleted_at IS NULL"
        " AND l.company_id NOT IN (SELECT company_id FROM contact_companies WHERE contact_id = ?)",
        "INSERT OR IGNORE INTO contact_companies(contact_id, company_id, role)"
        " SELECT ?, company_id, role FROM contact_companies WHERE contact_id = ?",
        "DELETE FROM contact_companies WHERE contact_id = ? AND company_id IN (SELECT value FROM json_each(?))",
    },
    [LINKS_OF_COMPANY] = {
        "SELECT l.contact_id FROM contact_companies l JOIN contacts t ON t.id = l.contact_id"
        " WHERE l.company_id = ? AND t.deleted_at IS NULL"
        " AND l.contact_id NOT IN (SELECT contact_id FROM contact_companies WHERE company_id = ?)",
        "INSERT OR IGNORE INTO contact_companies(contact_id, company_id, role)"
        " SELECT contact_id, ?, role FROM contact_companies WHERE company_id = ?",
        "DELETE FROM contact_companies WHERE company_id = ? AND contact_id IN (SELECT value FROM json_each(?))",
    },
};

int contact_links_copy(ctx *c, contact_link_side side, long long from, long long into, json_t *added)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, from);
    dbp_int(&p, into);
    db_cursor *cur = db_query(c->db, link_sql[side].added, &p);
    if (!cur) return -1;
    while (db_step(cur) == 1) json_array_append_new(added, json_integer(db_col_int(cur, 0)));
    db_done(cur);
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, into);
    dbp_int(&q, from);
    return db_run(c->db, link_sql[side].copy, &q) < 0 ? -1 : 0;
}

int contact_links_remove(ctx *c, contact_link_side side, long long into, json_t *ids)
{
    char *s = json_dumps(ids, JSON_COMPACT);
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, into);
    dbp_text(&p, arena_strdup(c->a, s));
    free(s);
    return db_run(c->db, link_sql[side].remove, &p) < 0 ? -1 : 0;
}

int contact_copy_links(ctx *c, long long from, long long into, json_t *added)
{
    if (contact_links_copy(c, LINKS_OF_CONTACT, from, into, added) != 0) return -1;
    return contact_reindex(c, into);
}

int contact_unlink(ctx *c, long long into, json_t *ids)
{
    if (contact_links_remove(c, LINKS_OF_CONTACT, into, ids) != 0) return -1;
    return contact_reindex(c, into);
}

/* ---------- routes ---------- */

/* list filters beyond the generic ones: company_id=N, tag=T */
static int list_filters(req *r, list_query *q)
{
    const char *company = req_query(r, "company_id"), *tag = req_query(r, "tag");
    if (!company && !tag) return 0;
    dbparams *p = arena_alloc(&r->a, sizeof *p);
    dbparams_init(p, &r->a);
    buf sql;
    buf_init(&sql, 0);
    buf_adds(&sql, "1");
    if (company) {
        char *end;
        long long id = strtoll(company, &end, 10);
        if (*end || id <= 0) { buf_release(&sql); return reply_problem(r, 422, "invalid_filter", "'company_id' must be a company id"), -1; }
        buf_adds(&sql, " AND t.id IN (SELECT contact_id FROM contact_companies WHERE company_id = ?)");
        dbp_int(p, id);
    }
    if (tag) {
        buf_adds(&sql, " AND EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = ?)");
        dbp_text(p, tag);
    }
    q->extra_sql = arena_strdup(&r->a, sql.data);
    q->extra_params = p;
    buf_release(&sql);
    return 0;
}

static int contacts_list(req *r, const void *data)
{
    const resource *res = data;
    list_query q;
    if (rest_list_query(r, res, &q) != 0) return 422;
    if (list_filters(r, &q) != 0) return 422;
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, res, resource_list(&c, res, &q, &r->out, &e), &e);
}

/* GET /api/v1/companies/{id}/contacts: the company's contact persons the caller may read */
static int company_contacts(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0);
    ctx c = rest_ctx(r);
    if (!id || client_in_scope(&c, &client_company, id, ACT_READ) != 1) return reply_problem(r, 404, "not_found", "no such company");
    list_query q;
    if (rest_list_query(r, &contact_resource, &q) != 0) return 422;
    dbparams *p = arena_alloc(&r->a, sizeof *p);
    dbparams_init(p, &r->a);
    dbp_int(p, id);
    q.extra_sql = "t.id IN (SELECT contact_id FROM contact_companies WHERE company_id = ?)";
    q.extra_params = p;
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, &contact_resource, resource_list(&c, &contact_resource, &q, &r->out, &e), &e);
}

void contact_routes(void)
{
    const resource *res = &contact_resource;
    router_add("GET", "/api/v1/contacts", contacts_list, res, 0);
    router_add("POST", "/api/v1/contacts", rest_create, res, 0);
    router_add("GET", "/api/v1/contacts/{}", rest_get, res, 0);
    router_add("PATCH", "/api/v1/contacts/{}", rest_update, res, 0);
    router_add("PUT", "/api/v1/contacts/{}", rest_update, res, 0);
    router_add("DELETE", "/api/v1/contacts/{}", rest_delete, res, 0);
    openapi_resource(res);
    router_add("GET", "/api/v1/companies/{}/contacts", company_contacts, NULL, 0);
    openapi_op("get", "/api/v1/companies/{id}/contacts", "contact persons of a company (list arguments as /contacts)",
               NULL, "#/components/schemas/contact_list");
}
