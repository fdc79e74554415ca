/* Custom field definitions (a resource of their own) and the validation of values. */
#include "domain/custom_field.h"
#include "domain/resource.h"
#include "http/rest.h"
#include "core/clock.h"
#include "util/phone.h"
#include "core/config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cf_types[] = {"text", "number", "money", "date", "bool", "enum", "multi-enum",
                                       "phone", "email", "url", "user", NULL};
static const char *const cf_objects[] = {"contact", "company", "lead", "deal", "product", "activity", NULL};

static const field_def cf_fields[] = {
    {"object", "object", FT_ENUM, FF_REQUIRED | FF_CREATEONLY, 0, cf_objects, NULL},
    {"name", "name", FT_TEXT, FF_REQUIRED | FF_CREATEONLY, 64, NULL, NULL},
    {"label", "label", FT_TEXT, 0, 200, NULL, NULL},
    {"type", "type", FT_ENUM, FF_REQUIRED | FF_CREATEONLY, 0, cf_types, NULL},
    {"required", "required", FT_BOOL, FF_NOTNULL, 0, NULL, NULL},
    {"options", "options", FT_JSON, 0, 0, NULL, NULL},
    {"position", "position", FT_INT, FF_NOTNULL, 100000, NULL, NULL},
    {0},
};

static void cf_validate(ctx *c, write_set *w, errs *e)
{
    (void)c;
    json_t *name = json_object_get(w->in, "name");
    if (json_is_string(name)) {
        const char *s = json_string_value(name);
        bool ok = *s && ((*s >= 'a' && *s <= 'z') || *s == '_');
        for (const char *p = s; *p && ok; p++) ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
        if (!ok) errs_add(e, "name", "invalid_name", "'name' must be lower-case letters, digits and _ and start with a letter");
    }
    const char *type = json_string_value(json_object_get(w->in, "type"));
    if (!type && w->old) type = json_string_value(json_object_get(w->old, "type"));
    json_t *opts = json_object_get(w->in, "options");
    bool needs = type && (!strcmp(type, "enum") || !strcmp(type, "multi-enum"));
    if (needs && !w->old && !opts) errs_add(e, "options", "required", "an enum field needs 'options': a list of choices");
    if (opts && !json_is_null(opts)) {
        size_t i;
        json_t *o;
        if (!json_is_array(opts) || json_array_size(opts) > 500) { errs_add(e, "options", "invalid_type", "'options' must be a list of up to 500 strings"); return; }
        json_array_foreach(opts, i, o)
            if (!json_is_string(o) || json_string_length(o) == 0 || json_string_length(o) > 200)
                errs_add(e, arena_printf(c->a, "options[%zu]", i), "invalid_type", "each option must be a string of 1 to 200 characters");
    }
}

const resource custom_field_resource = {
    .name = "custom_field", .plural = "custom-fields", .table = "custom_fields", .kind = OBJ_CUSTOM_FIELDS,
    .fields = cf_fields, .default_sort = "position", .validate = cf_validate,
};

void custom_field_routes(void) { rest_register(&custom_field_resource); }

typedef custom_field_def cf_def;

static void json_decref_cb(void *p) { json_decref(p); }

/* definitions of one object kind, from the database (small table, indexed by object);
 * *ok false when the database failed on the way (what was read is given all the same) */
static cf_def *load_defs(ctx *c, const char *object, size_t *n, bool *ok)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    db_cursor *cur = db_query(c->db, "SELECT name, type, required, options, label FROM custom_fields WHERE object = ? ORDER BY id", &p);
    size_t cap = 16;
    cf_def *v = arena_alloc(c->a, cap * sizeof *v);
    *n = 0;
    int rc = -1;
    while (cur && (rc = db_step(cur)) == 1) {
        if (*n == cap) {
            cf_def *w = arena_alloc(c->a, cap * 2 * sizeof *w);
            memcpy(w, v, cap * sizeof *v);
            v = w;
            cap *= 2;
        }
        cf_def *d = &v[(*n)++];
        d->name = arena_strdup(c->a, db_col_text(cur, 0));
        d->type = arena_strdup(c->a, db_col_text(cur, 1));
        d->required = db_col_int(cur, 2) != 0;
        d->options = db_col_null(cur, 3) ? NULL : json_loads(db_col_text(cur, 3), 0, NULL);
        if (d->options) arena_defer(c->a, json_decref_cb, d->options);
        d->label = db_col_null(cur, 4) ? NULL : arena_strdup(c->a, db_col_text(cur, 4));
    }
    db_done(cur);
    *ok = rc == 0;
    return v;
}

const custom_field_def *custom_field_defs(ctx *c, const char *object, size_t *n)
{
    bool ok;
    return load_defs(c, object, n, &ok);
}

/* The definitions of each object kind, kept between custom_field_memo_begin and _end on a
 * thread while the database has not changed (db_data_version: any commit, of any
 * connection, moves it). Only outside a transaction: inside one, writes not yet committed
 * (this connection's, or those of the group it writes with) do not show in the version. */
typedef struct defs_memo {
    db *d;
    long long version;
    const char *object;
    arena a;             /* the definitions, their options */
    const cf_def *defs;
    size_t n;
    struct defs_memo *next;
} defs_memo;

static _Thread_local bool t_memo_on;
static _Thread_local defs_memo *t_memo;

void custom_field_memo_begin(void) { t_memo_on = true; }

void custom_field_memo_end(void)
{
    for (defs_memo *m = t_memo, *next; m; m = next) {
        next = m->next;
        arena_release(&m->a);
        free(m);
    }
    t_memo = NULL;
    t_memo_on = false;
}

static const cf_def *memo_defs(ctx *c, const char *object, size_t *n)
{
    bool ok;
    long long version = !t_memo_on || db_in_tx(c->db) ? -1 : db_data_version(c->db);
    if (version < 0) return load_defs(c, object, n, &ok);
    defs_memo *m = t_memo;
    while (m && (m->d != c->db || strcmp(m->object, object))) m = m->next;
    if (!m) {
        m = calloc(1, sizeof *m);
        if (!m) return load_defs(c, object, n, &ok);
        arena_init(&m->a);
        m->d = c->db;
        m->object = arena_strdup(&m->a, object);
        m->version = -1;
        m->next = t_memo;
        t_memo = m;
    }
    if (m->version != version) {
        arena_release(&m->a);
        arena_init(&m->a);
        m->object = arena_strdup(&m->a, object);
        ctx mc = *c;
        mc.a = &m->a;
        m->defs = load_defs(&mc, object, &m->n, &ok);
        m->version = ok ? version : -1;   /* a failed read is not kept */
    }
    *n = m->n;
    return m->defs;
}

static bool in_options(json_t *opts, const char *s)
{
    size_t i;
    json_t *o;
    json_array_foreach(opts, i, o) if (json_is_string(o) && !strcmp(json_string_value(o), s)) return true;
    return false;
}

/* checks one value; may replace it with its normal form (phones) */
static void check_value(ctx *c, const cf_def *d, const char *path, json_t *obj, json_t *v, errs *e)
{
    static const field_def as_text = {"", "", FT_TEXT, 0, 10000, NULL, NULL};
    static const field_def as_email = {"", "", FT_EMAIL, 0, 254, NULL, NULL};
    static const field_def as_url = {"", "", FT_URL, 0, 2048, NULL, NULL};
    static const field_def as_date = {"", "", FT_DATE, 0, 10, NULL, NULL};
    dbparams scratch;
    dbparams_init(&scratch, c->a);
    const char *t = d->type;
    if (!strcmp(t, "text")) field_bind(c, &as_text, path, v, &scratch, e);
    else if (!strcmp(t, "email")) field_bind(c, &as_email, path, v, &scratch, e);
    else if (!strcmp(t, "url")) field_bind(c, &as_url, path, v, &scratch, e);
    else if (!strcmp(t, "date")) field_bind(c, &as_date, path, v, &scratch, e);
    else if (!strcmp(t, "number")) {
        if (!json_is_number(v)) errs_add(e, path, "invalid_type", "'%s' must be a number", path);
    } else if (!strcmp(t, "money")) {
        if (!json_is_integer(v)) errs_add(e, path, "invalid_type", "'%s' must be an integer amount in minor units", path);
    } else if (!strcmp(t, "bool")) {
        if (!json_is_boolean(v)) errs_add(e, path, "invalid_type", "'%s' must be true or false", path);
    } else if (!strcmp(t, "user")) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, json_integer_value(v));
        if (!json_is_integer(v) || db_scalar(c->db, "SELECT 1 FROM users WHERE id = ?", &p, 0) != 1)
            errs_add(e, path, "invalid_reference", "'%s' must be the id of a user", path);
    } else if (!strcmp(t, "enum")) {
        if (!json_is_string(v) || !d->options || !in_options(d->options, json_string_value(v)))
            errs_add(e, path, "invalid_choice", "'%s' must be one of its options", path);
    } else if (!strcmp(t, "multi-enum")) {
        size_t i;
        json_t *x;
        if (!json_is_array(v)) { errs_add(e, path, "invalid_type", "'%s' must be a list of options", path); return; }
        json_array_foreach(v, i, x)
            if (!json_is_string(x) || !d->options || !in_options(d->options, json_string_value(x)))
                errs_add(e, path, "invalid_choice", "'%s' holds a value that is not one of its options", path);
    } else if (!strcmp(t, "phone")) {
        if (!json_is_string(v) || json_string_length(v) > 256) { errs_add(e, path, "invalid_phone", "'%s' must be a phone number", path); return; }
        phone_result pr;
        if (phone_parse(json_string_value(v), json_string_length(v), config_region(), &pr) != 0 || !pr.valid)
            errs_add(e, path, "invalid_phone", "'%s' is not a valid phone number", path);
        else json_object_set_new(obj, d->name, json_string(pr.e164));
    }
}

const char *custom_fields_merge(ctx *c, const char *object, json_t *in, json_t *old, errs *e)
{
    if (in && !json_is_null(in) && !json_is_object(in)) {
        errs_add(e, "custom_fields", "invalid_type", "'custom_fields' must be an object");
        return NULL;
    }
    size_t n;
    const cf_def *defs = memo_defs(c, object, &n);
    json_t *merged = old && json_is_object(old) ? json_deep_copy(old) : json_object();
    arena_defer(c->a, json_decref_cb, merged);
    size_t before = e->n;
    if (in && json_is_object(in)) {
        const char *k;
        json_t *v;
        json_object_foreach(in, k, v) {
            const cf_def *d = NULL;
            for (size_t i = 0; i < n && !d; i++) if (!strcmp(defs[i].name, k)) d = &defs[i];
            const char *path = arena_printf(c->a, "custom_fields.%s", k);
            if (!d) { errs_add(e, path, "unknown_field", "unknown custom field '%s'", k); continue; }
            if (json_is_null(v)) { json_object_del(merged, k); continue; }
            json_object_set(merged, k, v);
            check_value(c, d, path, merged, v, e);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (defs[i].required && !json_object_get(merged, defs[i].name))
            errs_add(e, arena_printf(c->a, "custom_fields.%s", defs[i].name), "required", "custom field '%s' is required", defs[i].name);
    if (e->n > before) return NULL;
    char *s = json_dumps(merged, JSON_COMPACT | JSON_SORT_KEYS);
    const char *r = arena_strdup(c->a, s);
    free(s);
    return r;
}

int custom_field_resolve(ctx *c, const char *object, const char *name, filter_field *out)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    dbp_text(&p, name);
    const char *type = db_scalar_text(c->db, c->a, "SELECT type FROM custom_fields WHERE object = ? AND name = ?", &p);
    if (!type) return -1;
    /* names are restricted to [a-z0-9_] at definition time, so quoting them is safe */
    out->sql = arena_printf(c->a, "json_extract(t.custom, '$.%s')", name);
    if (!strcmp(type, "number")) out->type = FILTER_REAL;
    else if (!strcmp(type, "money") || !strcmp(type, "user")) out->type = FILTER_INT;
    else if (!strcmp(type, "bool")) out->type = FILTER_BOOL;
    else if (!strcmp(type, "date")) out->type = FILTER_DATE;
    else out->type = FILTER_TEXT;
    return 0;
}
