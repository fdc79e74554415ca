/* The clients module (order 10): schema of the client base and the routes of every file
 * that serves it. What each table holds, for anyone who writes rows straight into them
 * (benchmark generators, importers):
 *
 *   contacts    standard resource columns (id, version, created_at, updated_at,
 *               created_by, deleted_at = soft delete, custom = custom field values as a
 *               JSON object, owner_id) + names, position, birthday (YYYY-MM-DD), source,
 *               notes, consent flags, and JSON lists phones/emails/messengers/tags/
 *               addresses in their stored form (card_fields.h); name_key =
 *               card_name_key(first middle last), used for duplicate names.
 *   companies   the same standard columns + name, legal_name, tax_id, registration_no,
 *               website, industry, legal/actual address, bank (JSON object), director,
 *               source, notes, JSON lists phones/emails/messengers/tags; tax_key = tax_id
 *               upper-cased alphanumerics without a country prefix; name_key = folded
 *               name without its legal form.
 *   contact_companies (contact_id, company_id, role): links, both directions indexed.
 *   phone_index (rev, object, object_id): reversed digits of every number (phone_index.h)
 *   email_index (email, object, object_id): lower-cased addresses
 *   contacts_fts, companies_fts: FTS5, rowid = card id, body = text_fold(names, company
 *               names, emails, E.164 numbers, notes) (search.h)
 *   merges: one row per merge, with what it moved, for undo (merge.h)
 * A generator that fills contacts/companies directly must fill the three index tables
 * too, or call contact_reindex/company_reindex for each card. */
#include "domain/clients.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "domain/email_index.h"
#include "domain/merge.h"
#include "domain/phone_index.h"
#include "domain/reassign.h"
#include "domain/search.h"
#include "domain/timeline.h"
#include "core/module.h"
#include <string.h>

#define TS "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
#define FTS "USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"

static const char *const steps[] = {
    "CREATE TABLE contacts(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_at " TS ", updated_at " TS ","
    " created_by INTEGER, deleted_at TEXT, owner_id INTEGER REFERENCES users(id),"
    " first_name TEXT, last_name TEXT, middle_name TEXT, position TEXT, birthday TEXT, source TEXT, notes TEXT,"
    " consent_email INTEGER DEFAULT 0, consent_sms INTEGER DEFAULT 0,"
    " phones TEXT NOT NULL DEFAULT '[]', emails TEXT NOT NULL DEFAULT '[]', messengers TEXT NOT NULL DEFAULT '[]',"
    " tags TEXT NOT NULL DEFAULT '[]', addresses TEXT NOT NULL DEFAULT '[]',"
    " name_key TEXT NOT NULL DEFAULT '', custom TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX contacts_owner ON contacts(owner_id);"
    "CREATE INDEX contacts_name_key ON contacts(name_key);"
    "CREATE INDEX contacts_last_name ON contacts(last_name);"
    "CREATE TABLE companies(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_at " TS ", updated_at " TS ","
    " created_by INTEGER, deleted_at TEXT, owner_id INTEGER REFERENCES users(id),"
    " name TEXT NOT NULL, legal_name TEXT, tax_id TEXT, registration_no TEXT, website TEXT, industry TEXT,"
    " legal_address TEXT, actual_address TEXT, bank TEXT, director TEXT, source TEXT, notes TEXT,"
    " phones TEXT NOT NULL DEFAULT '[]', emails TEXT NOT NULL DEFAULT '[]', messengers TEXT NOT NULL DEFAULT '[]',"
    " tags TEXT NOT NULL DEFAULT '[]', name_key TEXT NOT NULL DEFAULT '', tax_key TEXT,"
    " custom TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX companies_owner ON companies(owner_id);"
    "CREATE INDEX companies_name_key ON companies(name_key);"
    "CREATE INDEX companies_tax_key ON companies(tax_key) WHERE tax_key IS NOT NULL;"
    "CREATE INDEX companies_name ON companies(name);"
    "CREATE TABLE contact_companies(contact_id INTEGER NOT NULL REFERENCES contacts(id),"
    " company_id INTEGER NOT NULL REFERENCES companies(id), role TEXT, created_at " TS ","
    " PRIMARY KEY(contact_id, company_id)) WITHOUT ROWID;"
    "CREATE INDEX contact_companies_company ON contact_companies(company_id, contact_id);"
    "CREATE TABLE phone_index(rev TEXT NOT NULL, object TEXT NOT NULL, object_id INTEGER NOT NULL,"
    " PRIMARY KEY(rev, object, object_id)) WITHOUT ROWID;"
    "CREATE INDEX phone_index_object ON phone_index(object, object_id);"
    "CREATE TABLE email_index(email TEXT NOT NULL, object TEXT NOT NULL, object_id INTEGER NOT NULL,"
    " PRIMARY KEY(email, object, object_id)) WITHOUT ROWID;"
    "CREATE INDEX email_index_object ON email_index(object, object_id);"
    "CREATE VIRTUAL TABLE contacts_fts " FTS ";"
    "CREATE VIRTUAL TABLE companies_fts " FTS ";"
    "CREATE TABLE merges(id INTEGER PRIMARY KEY, object TEXT NOT NULL, into_id INTEGER NOT NULL, from_id INTEGER NOT NULL,"
    " user_id INTEGER, created_at " TS ", snapshot TEXT NOT NULL, undone_at TEXT, undone_by INTEGER);"
    "CREATE INDEX merges_into ON merges(object, into_id);",
    /* the owner of each card, in few pages: a scoped typeahead checks its matches here
     * before it reads any card (search.c) */
    "CREATE INDEX contacts_id_owner ON contacts(id, owner_id);"
    "CREATE INDEX companies_id_owner ON companies(id, owner_id);",
    NULL,
};

/* ---------- the two kinds of card ---------- */

const client_kind client_contact = {
    .object = "contact", .res = &contact_resource,
    .name_sql = "trim(coalesce(t.first_name, '') || ' ' || coalesce(t.last_name, ''))",
    .reindex = contact_reindex, .copy_links = contact_copy_links, .unlink = contact_unlink,
};

const client_kind client_company = {
    .object = "company", .res = &company_resource, .name_sql = "t.name",
    .reindex = company_reindex, .copy_links = company_copy_links, .unlink = company_unlink,
};

const client_kind *client_kind_of(const char *object)
{
    if (!object) return NULL;
    if (!strcmp(object, "contact")) return &client_contact;
    if (!strcmp(object, "company")) return &client_company;
    return NULL;
}

int client_in_scope(ctx *c, const client_kind *k, long long id, scope_action act)
{
    if (resource_level(c, k->res, act) == SCOPE_NONE) return 0;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "SELECT 1 FROM %s t WHERE t.id = ? AND t.deleted_at IS NULL", k->res->table);
    dbp_int(&p, id);
    resource_scope_sql(c, k->res, act, &sql, &p);
    long long r = db_scalar(c->db, sql.data, &p, 0);
    buf_release(&sql);
    return r < 0 ? -1 : r == 1;
}

const char *client_name(ctx *c, const client_kind *k, long long id)
{
    if (resource_level(c, k->res, ACT_READ) == SCOPE_NONE) return NULL;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "SELECT %s FROM %s t WHERE t.id = ? AND t.deleted_at IS NULL", k->name_sql, k->res->table);
    dbp_int(&p, id);
    resource_scope_sql(c, k->res, ACT_READ, &sql, &p);
    const char *r = db_scalar_text(c->db, c->a, sql.data, &p);
    buf_release(&sql);
    return r;
}

long long client_owner(ctx *c, const client_kind *k, long long id)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT owner_id FROM %s WHERE id = ?", k->res->table);
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    long long o = db_scalar(c->db, sql, &p, 0);
    return o > 0 ? o : 0;
}

int client_index_read(ctx *c, const char *sql, long long id, buf *text, const char **phones, const char **emails)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, sql, &p);
    if (!cur) return -1;
    *phones = *emails = NULL;
    int rc = db_step(cur);
    if (rc == 1) {
        for (int i = 0; i < 5; i++)
            if (!db_col_null(cur, i)) { buf_adds(text, db_col_text(cur, i)); buf_addc(text, ' '); }
        *phones = db_col_null(cur, 5) ? "[]" : arena_strdup(c->a, db_col_text(cur, 5));
        *emails = db_col_null(cur, 6) ? "[]" : arena_strdup(c->a, db_col_text(cur, 6));
    }
    db_done(cur);
    return rc;
}

int client_index_write(ctx *c, const char *object, long long id, bool found, buf *text, const char *phones,
                       const char *emails)
{
    if (found) {
        search_text_add_list(text, emails, "value");
        search_text_add_list(text, phones, "e164");
    }
    int r = phone_index_set(c, object, id, phones) | email_index_set(c, object, id, emails) |
            search_index_set(c, object, id, found ? text->data : NULL);
    return r ? -1 : 0;
}

int client_keys_set(ctx *c, const char *delete_sql, const char *insert_sql, const char *object, long long id,
                    const char *list_json, client_key_fn key)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    dbp_int(&p, id);
    if (db_run(c->db, delete_sql, &p) < 0) return -1;
    if (!list_json) return 0;
    json_t *list = json_loads(list_json, 0, NULL);
    size_t i;
    json_t *item;
    int rc = 0;
    json_array_foreach(list, i, item) {
        const char *k = key(c, item);
        if (k && client_key_add(c, insert_sql, object, id, k) != 0) { rc = -1; break; }
    }
    json_decref(list);
    return rc;
}

int client_key_add(ctx *c, const char *insert_sql, const char *object, long long id, const char *key)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, key);
    dbp_text(&p, object);
    dbp_int(&p, id);
    return db_run(c->db, insert_sql, &p) < 0 ? -1 : 0;
}

void client_keys_same(ctx *c, const char *sql, const char *object, long long id, int max,
                      void (*found)(void *cls, const char *object, long long id), void *cls)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    dbp_int(&p, id);
    dbp_int(&p, max);
    db_cursor *cur = db_query(c->db, sql, &p);
    while (cur && db_step(cur) == 1) found(cls, db_col_text(cur, 0), db_col_int(cur, 1));
    db_done(cur);
}

static void clients_routes(void)
{
    contact_routes();
    company_routes();
    phone_lookup_routes();
    search_routes();
    timeline_route(&contact_resource);
    timeline_route(&company_resource);
    merge_routes();
    reassign_routes();
}

static module clients = {.name = "clients", .order = 10, .schema = steps, .routes = clients_routes};
MODULE_REGISTER(clients)
