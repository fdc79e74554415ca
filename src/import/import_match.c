/* Duplicate lookups of imports over the client base's indexes. See import_match.h. */
#include "import/import_match.h"
#include "domain/company.h"
#include "util/phone.h"
#include <ctype.h>
#include <string.h>

/* SELECT of the first live, readable card id matching `where` (with its own params), in
 * the order of `order_by`: t.id, or an index column equal to it that spares SQLite a
 * temporary b-tree for the ORDER BY (x.object_id of the phone and email indexes). The
 * text is head, then the card's table and tail when given (no printf: a lookup per row) */
static long long first_id(ctx *c, const resource *res, const char *head, const char *tail, const char *order_by, dbparams *p)
{
    buf sql;
    buf_init(&sql, 0);
    buf_adds(&sql, head);
    if (tail) {
        buf_adds(&sql, res->table);
        buf_adds(&sql, tail);
    }
    if (res->soft_delete) buf_adds(&sql, " AND t.deleted_at IS NULL");
    resource_scope_sql(c, res, ACT_READ, &sql, p);
    buf_adds(&sql, " ORDER BY ");
    buf_adds(&sql, order_by);
    buf_adds(&sql, " LIMIT 1");
    long long id = db_scalar(c->db, sql.data, p, 0);
    buf_release(&sql);
    return id;
}

long long match_phone(ctx *c, const resource *res, const char *object, const char *e164)
{
    const char *d = e164[0] == '+' ? e164 + 1 : e164;
    size_t n = strlen(d);
    if (n < 5) return 0;
    char *rev = arena_alloc(c->a, n + 1);
    for (size_t i = 0; i < n; i++) rev[i] = d[n - 1 - i];
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, rev);
    dbp_text(&p, object);
    return first_id(c, res, "SELECT t.id FROM phone_index x JOIN ", " t ON t.id = x.object_id WHERE x.rev = ? AND x.object = ?",
                    "x.object_id", &p);
}

long long match_email(ctx *c, const resource *res, const char *object, const char *email)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, email);
    dbp_text(&p, object);
    return first_id(c, res, "SELECT t.id FROM email_index x JOIN ", " t ON t.id = x.object_id WHERE x.email = ? AND x.object = ?",
                    "x.object_id", &p);
}

long long match_tax_id(ctx *c, const char *tax_id)
{
    const char *key = company_tax_key(c->a, tax_id);
    if (!*key) return 0;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, key);
    return first_id(c, &company_resource, "SELECT t.id FROM companies t WHERE t.tax_key = ?", NULL, "t.id", &p);
}

long long match_company_name(ctx *c, const char *name)
{
    /* the companies' own name key: "ООО «Ромашка»" and "Ромашка" are one firm */
    return match_company_key(c, company_name_match_key(c->a, name), name);
}

long long match_company_key(ctx *c, const char *key, const char *name)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, *key ? key : name);
    return first_id(c, &company_resource, *key ? "SELECT t.id FROM companies t WHERE t.name_key = ?"
                                                : "SELECT t.id FROM companies t WHERE t.name = ? COLLATE NOCASE", NULL, "t.id", &p);
}

long long match_field(ctx *c, const resource *res, const char *path, const char *value)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, value);
    const char *sql;
    if (!strncmp(path, "custom_fields.", 14)) {
        /* custom field names are [a-z0-9_] (custom_field.c), safe inside the path literal */
        for (const char *q = path + 14; *q; q++)
            if (!(islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '_')) return 0;
        sql = arena_printf(c->a, "SELECT t.id FROM %s t WHERE json_extract(t.custom, '$.%s') = ?", res->table, path + 14);
    } else {
        const field_def *f = resource_field(res, path);
        if (!f || !f->column) return 0;
        sql = arena_printf(c->a, "SELECT t.id FROM %s t WHERE t.%s = ?", res->table, f->column);
    }
    return first_id(c, res, sql, NULL, "t.id", &p);
}

long long match_user(ctx *c, const char *text)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, text);
    dbp_text(&p, text);
    return db_scalar(c->db, "SELECT id FROM users WHERE disabled = 0 AND (email = ? COLLATE NOCASE OR name = ?)"
                            " ORDER BY id LIMIT 1", &p, 0);
}

long long match_pipeline(ctx *c, const char *name)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, name);
    dbp_text(&p, name);
    return db_scalar(c->db, "SELECT id FROM pipelines WHERE deleted_at IS NULL AND name = ? COLLATE NOCASE"
                            " ORDER BY name = ? DESC, position, id LIMIT 1", &p, 0);
}

long long match_stage(ctx *c, long long pipeline_id, const char *name)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pipeline_id);
    dbp_text(&p, name);
    dbp_text(&p, name);
    return db_scalar(c->db, "SELECT id FROM stages WHERE pipeline_id = ? AND name = ? COLLATE NOCASE"
                            " ORDER BY name = ? DESC, position LIMIT 1", &p, 0);
}
