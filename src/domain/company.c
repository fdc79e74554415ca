/* Companies: the resource, its hooks (requisites, lists, indexes, duplicate warnings) and
 * every SQL statement over `companies` (links are read here from the company's side). */
#include "domain/company.h"
#include "domain/fts_queue.h"
#include "domain/card_fields.h"
#include "domain/clients.h"
#include "domain/contact.h"
#include "domain/duplicates.h"
#include "domain/email_index.h"
#include "domain/phone_index.h"
#include "domain/search.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const field_def company_fields[] = {
    {"name", "name", FT_TEXT, FF_REQUIRED, 300, NULL, NULL},
    {"legal_name", "legal_name", FT_TEXT, 0, 500, NULL, NULL},
    {"tax_id", "tax_id", FT_TEXT, 0, 64, NULL, NULL},
    {"registration_no", "registration_no", FT_TEXT, 0, 64, NULL, NULL},
    {"website", "website", FT_URL, 0, 2048, NULL, NULL},
    {"industry", "industry", FT_TEXT, 0, 200, NULL, NULL},
    {"legal_address", "legal_address", FT_TEXT, 0, 1000, NULL, NULL},
    {"actual_address", "actual_address", FT_TEXT, 0, 1000, NULL, NULL},
    {"bank", "bank", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"director", "director", FT_TEXT, 0, 300, NULL, NULL},
    {"source", "source", FT_TEXT, 0, 100, NULL, NULL},
    {"notes", "notes", FT_TEXT, FF_NOSORT, 20000, NULL, NULL},
    {"owner_id", "owner_id", FT_REF, 0, 0, NULL, "users"},
    {"phones", "phones", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"emails", "emails", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"messengers", "messengers", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"tags", "tags", FT_JSON, FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {0},
};

/* tax ids are compared without spaces, dashes, dots and a leading country code:
 * "PL 123-456-78-90" and "1234567890" are the same NIP */
const char *company_tax_key(arena *a, const char *s)
{
    char *k = arena_alloc(a, strlen(s) + 1);
    size_t n = 0;
    for (const char *p = s; *p; p++)
        if (isalnum((unsigned char)*p)) k[n++] = (char)toupper((unsigned char)*p);
    k[n] = 0;
    if (n > 2 && isalpha((unsigned char)k[0]) && isalpha((unsigned char)k[1]) && isdigit((unsigned char)k[2])) return k + 2;
    return k;
}

/* a name key without the legal form, so "OOO Romashka" and "Romashka LLC" meet */
const char *company_name_match_key(arena *a, const char *name)
{
    static const char *const forms[] = {
        "ooo", "zao", "oao", "pao", "ao", "ip", "llc", "inc", "ltd", "limited", "corp", "co", "gmbh", "ag", "kg",
        "sp", "zoo", "spa", "sa", "srl", "sro", "as", "bv", "nv", "plc", "oy", "ab", "kft", "doo", "tov",
        "ооо", "зао", "оао", "пао", "ао", "ип", "тов", NULL,
    };
    const char *key = card_name_key(a, name);
    buf b;
    buf_init(&b, 0);
    for (const char *p = key; *p;) {
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        bool drop = n == 1;
        for (const char *const *f = forms; *f && !drop; f++) drop = strlen(*f) == n && !memcmp(*f, p, n);
        if (!drop) {
            if (b.len) buf_addc(&b, ' ');
            buf_add(&b, p, n);
        }
        p += n;
        while (*p == ' ') p++;
    }
    const char *r = arena_strdup(a, b.data);
    buf_release(&b);
    return r;
}

static void company_validate(ctx *c, write_set *w, errs *e)
{
    static const char *const bank_keys[] = {"bank_name", "bic", "account", "corr_account", "iban", "swift", NULL};
    card_validate_lists(c, w, e);
    json_t *owner = json_object_get(w->in, "owner_id");
    if (owner && json_is_null(owner)) errs_add(e, "owner_id", "required", "a company needs an owner");
    json_t *bank = json_object_get(w->in, "bank");
    if (bank) {
        const char *s = json_is_null(bank) ? NULL : card_string_object(c, bank, "bank", bank_keys, e);
        if (s || json_is_null(bank)) card_set_column(w, "bank", s);
    }
    json_t *name = json_object_get(w->in, "name");
    if (json_is_string(name)) {
        if (!*json_string_value(name)) errs_add(e, "name", "required", "'name' must not be empty");
        card_put_column(w, "name_key", company_name_match_key(c->a, json_string_value(name)));
    }
    json_t *tax = json_object_get(w->in, "tax_id");
    if (tax) card_put_column(w, "tax_key", json_is_string(tax) ? company_tax_key(c->a, json_string_value(tax)) : NULL);
}

/* contacts whose search text holds this company's name; with `gone` the name leaves it */
static int refresh_contacts(ctx *c, long long id, bool gone)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, "SELECT contact_id FROM contact_companies WHERE company_id = ?", &p);
    if (!cur) return -1;
    size_t n = 0, cap = 64;
    long long *ids = arena_alloc(c->a, cap * sizeof *ids);
    while (db_step(cur) == 1) {
        if (n == cap) {
            long long *more = arena_alloc(c->a, cap * 2 * sizeof *more);
            memcpy(more, ids, n * sizeof *ids);
            ids = more;
            cap *= 2;
        }
        ids[n++] = db_col_int(cur, 0);
    }
    db_done(cur);
    for (size_t i = 0; i < n; i++)
        if (contact_reindex_except(c, ids[i], gone ? id : 0) != 0) return -1;
    return 0;
}

static int company_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    (void)e;
    static const char *const indexed[] = {"name", "legal_name", "tax_id", "notes", "phones", "emails", NULL};
    bool touched = !w->old;
    for (const char *const *f = indexed; *f && !touched; f++) touched = json_object_get(w->in, *f) != NULL;
    if (touched && company_reindex(c, id) != 0) return -1;
    json_t *name = json_object_get(w->in, "name");
    if (w->old && name && !json_equal(name, json_object_get(w->old, "name"))) return refresh_contacts(c, id, false);
    return 0;
}

static int company_before_delete(ctx *c, long long id, errs *e)
{
    (void)e;
    if (phone_index_set(c, "company", id, NULL) != 0 || email_index_set(c, "company", id, NULL) != 0 ||
        search_index_set(c, "company", id, NULL) != 0)
        return -1;
    return refresh_contacts(c, id, true);
}

static void company_warnings(ctx *c, long long id, write_set *w, jw *out)
{
    (void)w;
    duplicates_warn(c, &client_company, id, out);
}

const resource company_resource = {
    .name = "company", .plural = "companies", .table = "companies", .kind = OBJ_COMPANIES, .fields = company_fields,
    .owner_sql = "t.owner_id IN ({users})", .owner_column = "owner_id",
    .soft_delete = true, .custom_fields = true, .default_sort = "-id",
    .search_sql = FTS_SEARCH_SQL("companies_fts"),
    .validate = company_validate, .after_save = company_after_save,
    .before_delete = company_before_delete, .warnings = company_warnings,
};

/* ---------- indexes ---------- */

bool company_alive(ctx *c, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    return db_scalar(c->db, "SELECT 1 FROM companies WHERE id = ? AND deleted_at IS NULL", &p, 0) == 1;
}

int company_reindex(ctx *c, long long id)
{
    const char *phones, *emails;
    buf text;
    buf_init(&text, 0);
    /* tax_key too: a tax id is found typed with or without its dashes */
    int rc = client_index_read(c, "SELECT name, legal_name, tax_id, notes, tax_key, phones, emails"
                                  " FROM companies WHERE id = ? AND deleted_at IS NULL", id, &text, &phones, &emails);
    int r = rc < 0 ? -1 : client_index_write(c, "company", id, rc == 1, &text, phones, emails);
    buf_release(&text);
    return r;
}

void company_index_prepare(ctx *c, const write_set *w, card_index *ix)
{
    /* the columns company_reindex reads, in its order */
    static const char *const columns[] = {"name", "legal_name", "tax_id", "notes", "tax_key"};
    card_index_prepare(c, w, columns, sizeof columns / sizeof *columns, ix);
}

int company_index_created(ctx *c, long long id, const card_index *ix) { return card_index_write(c, "company", id, ix, NULL); }

void company_same_key(ctx *c, long long id, bool tax_id, int max, void (*found)(void *cls, long long id), void *cls)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    dbp_int(&p, max);
    const char *sql = tax_id
        ? "SELECT o.id FROM companies me JOIN companies o ON o.tax_key = me.tax_key"
          " WHERE me.id = ? AND me.tax_key <> '' AND o.id <> me.id AND o.deleted_at IS NULL LIMIT ?"
        : "SELECT o.id FROM companies me JOIN companies o ON o.name_key = me.name_key"
          " WHERE me.id = ? AND me.name_key <> '' AND o.id <> me.id AND o.deleted_at IS NULL LIMIT ?";
    db_cursor *cur = db_query(c->db, sql, &p);
    while (cur && db_step(cur) == 1) found(cls, db_col_int(cur, 0));
    db_done(cur);
}

int company_copy_links(ctx *c, long long from, long long into, json_t *added)
{
    if (contact_links_copy(c, LINKS_OF_COMPANY, from, into, added) != 0) return -1;
    return refresh_contacts(c, into, false);
}

int company_unlink(ctx *c, long long into, json_t *contact_ids)
{
    if (contact_links_remove(c, LINKS_OF_COMPANY, into, contact_ids) != 0) return -1;
    size_t i;
    json_t *v;
    json_array_foreach(contact_ids, i, v)
        if (contact_reindex(c, json_integer_value(v)) != 0) return -1;
    return 0;
}

/* ---------- routes ---------- */

static int companies_list(req *r, const void *data)
{
    const resource *res = data;
    list_query q;
    if (rest_list_query(r, res, &q) != 0) return 422;
    const char *tag = req_query(r, "tag");
    if (tag) {
        dbparams *p = arena_alloc(&r->a, sizeof *p);
        dbparams_init(p, &r->a);
        dbp_text(p, tag);
        q.extra_sql = "EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = ?)";
        q.extra_params = p;
    }
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, res, resource_list(&c, res, &q, &r->out, &e), &e);
}

void company_routes(void)
{
    const resource *res = &company_resource;
    router_add("GET", "/api/v1/companies", companies_list, res, 0);
    router_add("POST", "/api/v1/companies", rest_create, res, 0);
    router_add("GET", "/api/v1/companies/{}", rest_get, res, 0);
    router_add("PATCH", "/api/v1/companies/{}", rest_update, res, 0);
    router_add("PUT", "/api/v1/companies/{}", rest_update, res, 0);
    router_add("DELETE", "/api/v1/companies/{}", rest_delete, res, 0);
    openapi_resource(res);
}
