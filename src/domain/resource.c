/* The generic object machinery behind every resource: see resource.h. */
#include "domain/resource.h"
#include "domain/resource_internal.h"
#include "domain/custom_field.h"
#include "core/clock.h"
#include "core/currency.h"
#include "core/json_members.h"
#include "core/utf8.h"
#include "http/filter.h"
#include "util/fold.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const server_fields[] = {"id", "version", "created_at", "updated_at", NULL};

const field_def *resource_field(const resource *res, const char *name)
{
    for (const field_def *f = res->fields; f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

/* ---------- scopes ---------- */

scope_level resource_level(ctx *c, const resource *res, scope_action act)
{
    return (scope_level)c->user->scope[res->kind][act];
}

void scope_users_sql(ctx *c, scope_level lvl, buf *sql, dbparams *p)
{
    if (lvl == SCOPE_OWN) {
        buf_adds(sql, "?");
        dbp_int(p, c->user->user_id);
    } else {
        buf_adds(sql, "SELECT m2.user_id FROM team_members m1 JOIN team_members m2 ON m2.team_id = m1.team_id"
                      " WHERE m1.user_id = ? UNION SELECT ?");
        dbp_int(p, c->user->user_id);
        dbp_int(p, c->user->user_id);
    }
}

void resource_scope_sql(ctx *c, const resource *res, scope_action act, buf *sql, dbparams *p)
{
    scope_level lvl = resource_level(c, res, act);
    if (lvl == SCOPE_ALL) return;
    if (lvl == SCOPE_NONE) { buf_adds(sql, " AND 0"); return; }
    if (!res->owner_sql) return;   /* ownerless objects: own/team read as all */
    buf_adds(sql, " AND (");
    for (const char *s = res->owner_sql; *s;) {
        const char *hole = strstr(s, "{users}");
        if (!hole) { buf_adds(sql, s); break; }
        buf_add(sql, s, (size_t)(hole - s));
        scope_users_sql(c, lvl, sql, p);
        s = hole + 7;
    }
    buf_adds(sql, ")");
}

/* ---------- writing records ---------- */

typedef struct selection {
    bool all;
    const char *list;   /* comma-separated names */
} selection;

static bool selected(const selection *s, const char *name)
{
    if (s->all) return true;
    size_t n = strlen(name);
    for (const char *p = s->list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

/* the column list every read uses: fixed columns first, then one per stored field */
void resource_select_columns(const resource *res, buf *sql)
{
    buf_adds(sql, "SELECT t.id, t.version, t.created_at, t.updated_at");
    buf_adds(sql, res->custom_fields ? ", t.custom" : ", NULL");
    for (const field_def *f = res->fields; f->name; f++)
        if (f->column) { buf_adds(sql, ", t."); buf_adds(sql, f->column); }
}

static void write_value(jw *w, const field_def *f, db_cursor *cur, int col)
{
    if (db_col_null(cur, col)) { jw_null(w); return; }
    switch (f->type) {
    case FT_INT: case FT_REF: jw_int(w, db_col_int(cur, col)); break;
    case FT_REAL: jw_double(w, db_col_real(cur, col)); break;
    case FT_BOOL: jw_bool(w, db_col_int(cur, col) != 0); break;
    case FT_JSON: jw_raw(w, db_col_text(cur, col)); break;
    default: jw_str(w, db_col_text(cur, col)); break;
    }
}

static void write_row(ctx *c, const resource *res, db_cursor *cur, const selection *sel, jw *w)
{
    long long id = db_col_int(cur, 0);
    jw_obj(w);
    /* id and version always: a selection still names the record and what If-Match needs */
    jw_kint(w, "id", id);
    jw_kint(w, "version", db_col_int(cur, 1));
    if (selected(sel, "created_at")) jw_kstr(w, "created_at", db_col_text(cur, 2));
    if (selected(sel, "updated_at")) jw_kstr(w, "updated_at", db_col_text(cur, 3));
    int col = 5;
    for (const field_def *f = res->fields; f->name; f++) {
        if (!f->column) continue;
        if (!(f->flags & FF_WRITEONLY) && selected(sel, f->name)) {
            jw_key(w, f->name);
            write_value(w, f, cur, col);
        }
        col++;
    }
    if (res->custom_fields && selected(sel, "custom_fields"))
        jw_kraw(w, "custom_fields", db_col_null(cur, 4) ? "{}" : db_col_text(cur, 4));
    if (res->write_extra && sel->all) res->write_extra(c, id, w);
    jw_obj_end(w);
}

void resource_write_row(ctx *c, const resource *res, db_cursor *cur, const char *fields, jw *w)
{
    selection sel = {fields == NULL, fields};
    write_row(c, res, cur, &sel, w);
}

static void row_sql(ctx *c, const resource *res, scope_action act, long long id, buf *sql, dbparams *p)
{
    resource_select_columns(res, sql);
    buf_printf(sql, " FROM %s t WHERE t.id = ?", res->table);
    dbp_int(p, id);
    if (res->soft_delete) buf_adds(sql, " AND t.deleted_at IS NULL");
    resource_scope_sql(c, res, act, sql, p);
}

/* 1 written, 0 not visible, -1 db error */
static int write_one(ctx *c, const resource *res, long long id, scope_action act, const selection *sel, jw *w)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    row_sql(c, res, act, id, &sql, &p);
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return -1;
    int rc = db_step(cur);
    if (rc == 1) write_row(c, res, cur, sel, w);
    db_done(cur);
    return rc;
}

void resource_write_record(ctx *c, const resource *res, long long id, const char *fields, jw *w)
{
    selection sel = {fields == NULL, fields};
    if (write_one(c, res, id, ACT_READ, &sel, w) != 1) jw_null(w);
}

int resource_get(ctx *c, const resource *res, long long id, const char *fields, buf *out)
{
    if (resource_level(c, res, ACT_READ) == SCOPE_NONE) return 403;
    selection sel = {fields == NULL || !*fields, fields};
    jw w;
    jw_init(&w, out);
    int rc = write_one(c, res, id, ACT_READ, &sel, &w);
    return rc == 1 ? 200 : rc == 0 ? 404 : 500;
}

static void json_decref_cb(void *p) { json_decref(p); }

/* a stored record as written (the same bytes a GET gives) in the arena; NULL when missing
 * or out of the principal's reach for `act` */
typedef struct record_text { const char *s; size_t len; } record_text;

static bool load_text(ctx *c, const resource *res, long long id, scope_action act, record_text *t)
{
    buf b;
    buf_init(&b, 0);
    jw w;
    jw_init(&w, &b);
    selection all = {true, NULL};
    bool found = write_one(c, res, id, act, &all, &w) == 1;
    if (found) *t = (record_text){arena_strndup(c->a, b.data, b.len), b.len};
    buf_release(&b);
    return found;
}

static json_t *parsed(ctx *c, const record_text *t)
{
    json_t *j = json_loadb(t->s, t->len, 0, NULL);
    if (j) arena_defer(c->a, json_decref_cb, j);
    return j;
}

json_t *resource_load(ctx *c, const resource *res, long long id, scope_action act)
{
    record_text t;
    return load_text(c, res, id, act, &t) ? parsed(c, &t) : NULL;
}

/* ---------- validation ---------- */

static bool valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !at[1] || strlen(s) > 254) return false;
    const char *dot = strrchr(at, '.');
    if (!dot || dot == at + 1 || !dot[1]) return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == ',' || *p == '<' || *p == '>' || *p == '"') return false;
    return true;
}

static bool valid_url(const char *s)
{
    if (strlen(s) > 2048) return false;
    if (strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0) return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>') return false;
    return true;
}

/* ---------- references ---------- */

enum { MAX_RESOURCES = 128 };
static const resource *g_resources[MAX_RESOURCES];
static int g_nresources;

void resource_register(const resource *res)
{
    for (int i = 0; i < g_nresources; i++) if (g_resources[i] == res) return;
    if (g_nresources == MAX_RESOURCES) { fprintf(stderr, "fatal: more than %d resources\n", MAX_RESOURCES); abort(); }
    g_resources[g_nresources++] = res;
}

const resource *resource_at(int i) { return i >= 0 && i < g_nresources ? g_resources[i] : NULL; }

/* A reference must name a live record the principal may read: otherwise an id probe
 * would tell a manager which records exist beyond their sight. Tables that are no
 * registered resource (internal ones) are only checked for existence. */
bool resource_ref_visible(ctx *c, const char *table, long long id)
{
    const resource *res = NULL;
    for (int i = 0; i < g_nresources && !res; i++)
        if (!strcmp(g_resources[i]->table, table)) res = g_resources[i];
    buf sql;
    buf_init(&sql, 0);
    dbparams q;
    dbparams_init(&q, c->a);
    buf_printf(&sql, "SELECT 1 FROM %s t WHERE t.id = ?", table);
    dbp_int(&q, id);
    if (res) {
        if (res->soft_delete) buf_adds(&sql, " AND t.deleted_at IS NULL");
        resource_scope_sql(c, res, ACT_READ, &sql, &q);
    }
    bool ok = db_scalar(c->db, sql.data, &q, 0) == 1;
    buf_release(&sql);
    return ok;
}

bool field_bind(ctx *c, const field_def *f, const char *path, json_t *v, dbparams *p, errs *e)
{
    if (json_is_null(v)) {
        if (f->flags & (FF_REQUIRED | FF_NOTNULL)) { errs_add(e, path, "required", "'%s' cannot be null", path); return false; }
        dbp_null(p);
        return true;
    }
    switch (f->type) {
    case FT_INT: case FT_REF: {
        if (!json_is_integer(v)) { errs_add(e, path, "invalid_type", "'%s' must be an integer", path); return false; }
        long long x = json_integer_value(v);
        if (f->type == FT_REF) {
            if (x <= 0) { errs_add(e, path, "invalid_reference", "'%s' must be a positive id", path); return false; }
            if (!resource_ref_visible(c, f->ref, x)) {
                errs_add(e, path, "invalid_reference", "'%s' refers to %s %lld, which does not exist", path, f->ref, x);
                return false;
            }
        } else if (f->max && (x > f->max || x < -f->max)) {
            errs_add(e, path, "out_of_range", "'%s' must be between %lld and %lld", path, -f->max, f->max);
            return false;
        }
        dbp_int(p, x);
        return true;
    }
    case FT_REAL:
        if (!json_is_number(v)) { errs_add(e, path, "invalid_type", "'%s' must be a number", path); return false; }
        dbp_real(p, json_number_value(v));
        return true;
    case FT_BOOL:
        if (!json_is_boolean(v)) { errs_add(e, path, "invalid_type", "'%s' must be true or false", path); return false; }
        dbp_int(p, json_is_true(v));
        return true;
    case FT_JSON: {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        dbp_text(p, arena_strdup(c->a, s));
        free(s);
        return true;
    }
    default: break;
    }
    if (!json_is_string(v)) { errs_add(e, path, "invalid_type", "'%s' must be a string", path); return false; }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len) { errs_add(e, path, "invalid_text", "'%s' contains a NUL character", path); return false; }
    long long max = f->max ? f->max : 1000;
    if ((long long)utf8_length(s, len) > max) {
        errs_add(e, path, "too_long", "'%s' is longer than %lld characters", path, max);
        return false;
    }
    char norm[32];
    switch (f->type) {
    case FT_TIME:
        if (!clock_parse_rfc3339(s, norm, NULL)) {
            errs_add(e, path, "invalid_time", "'%s' must be an RFC 3339 time such as 2026-05-01T09:30:00Z", path);
            return false;
        }
        dbp_text(p, arena_strdup(c->a, norm));
        return true;
    case FT_DATE:
        if (!clock_parse_date(s)) { errs_add(e, path, "invalid_date", "'%s' must be a date YYYY-MM-DD", path); return false; }
        break;
    case FT_ENUM: {
        bool ok = false;
        for (const char *const *x = f->values; *x && !ok; x++) ok = strcmp(*x, s) == 0;
        if (!ok) { errs_add(e, path, "invalid_choice", "'%s' must be one of the allowed values, not '%s'", path, s); return false; }
        break;
    }
    case FT_EMAIL:
        if (!valid_email(s)) { errs_add(e, path, "invalid_email", "'%s' is not an email address", path); return false; }
        break;
    case FT_URL:
        if (!valid_url(s)) { errs_add(e, path, "invalid_url", "'%s' must be an http or https URL", path); return false; }
        break;
    case FT_CURRENCY:
        if (!currency_known(s)) { errs_add(e, path, "invalid_currency", "'%s' is not an ISO 4217 currency code", path); return false; }
        break;
    default: break;
    }
    dbp_textn(p, s, len);
    return true;
}

/* 403 when a hook found the principal may not make this change, else 422 */
static int invalid_status(const errs *e)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->v[i].code, "forbidden")) return 403;
    return 422;
}

static void write_set_init(write_set *w, ctx *c, json_t *in, json_t *old, size_t nfields)
{
    memset(w, 0, sizeof *w);
    w->in = in;
    w->old = old;
    w->cols = arena_alloc(c->a, (nfields + 4) * sizeof *w->cols);
    dbparams_init(&w->vals, c->a);
}

/* checks the body against the definition and collects the columns to write */
static void build_write_set(ctx *c, const resource *res, json_t *in, json_t *old, write_set *w, errs *e)
{
    size_t nfields = 0;
    for (const field_def *f = res->fields; f->name; f++) nfields++;
    write_set_init(w, c, in, old, nfields);
    if (!json_is_object(in)) { errs_add(e, NULL, "invalid_body", "the body must be a JSON object"); return; }

    const char *key;
    json_t *v;
    json_object_foreach(in, key, v) {
        if (res->custom_fields && strcmp(key, "custom_fields") == 0) continue;
        const field_def *f = resource_field(res, key);
        bool server = false;
        for (const char *const *s = server_fields; *s; s++) server |= strcmp(*s, key) == 0;
        if (server && strcmp(key, "version") == 0 && old) continue;   /* a version in the body is checked by the caller */
        if (!f) {
            if (server) errs_add(e, key, "read_only", "'%s' is set by the server", key);
            else errs_add(e, key, "unknown_field", "unknown field '%s'", key);
            continue;
        }
        if (f->flags & FF_READONLY) { errs_add(e, key, "read_only", "'%s' is set by the server", key); continue; }
        if ((f->flags & FF_CREATEONLY) && old) { errs_add(e, key, "read_only", "'%s' cannot be changed after creation", key); continue; }
        if (!f->column) {   /* virtual: the object's hooks check it, but nulls of required ones here */
            if (json_is_null(v) && (f->flags & FF_REQUIRED)) errs_add(e, key, "required", "'%s' is required", key);
            continue;
        }
        if (field_bind(c, f, key, v, &w->vals, e)) w->cols[w->n++] = f->column;
    }
    if (!old)
        for (const field_def *f = res->fields; f->name; f++)
            if ((f->flags & FF_REQUIRED) && !json_object_get(in, f->name))
                errs_add(e, f->name, "required", "'%s' is required", f->name);
    if (res->custom_fields) {
        json_t *cf = json_object_get(in, "custom_fields");
        json_t *old_cf = old ? json_object_get(old, "custom_fields") : NULL;
        if (cf || !old) w->custom_json = custom_fields_merge(c, res->name, cf, old_cf, e);
    }
    if (e->n == 0 && res->validate) res->validate(c, w, e);
}

/* ---------- audit ---------- */

int audit_record(ctx *c, const char *object, long long object_id, const char *action, long long owner_id, const char *changes)
{
    dbparams p;
    dbparams_init(&p, c->a);
    if (c->user->user_id) dbp_int(&p, c->user->user_id); else dbp_null(&p);
    dbp_text(&p, c->request_id);
    dbp_text(&p, object);
    dbp_int(&p, object_id);
    dbp_text(&p, action);
    if (owner_id) dbp_int(&p, owner_id); else dbp_null(&p);
    dbp_text(&p, changes);
    return db_run(c->db, "INSERT INTO audit(user_id, request_id, object, object_id, action, owner_id, changes)"
                         " VALUES(?,?,?,?,?,?,?)", &p) < 0 ? -1 : 0;
}

/* server bookkeeping (id, version, timestamps) and secrets stay out of the changes */
static bool audited(const resource *res, const char *key)
{
    for (const char *const *s = server_fields; *s; s++)
        if (!strcmp(*s, key)) return false;
    const field_def *f = resource_field(res, key);
    return !(f && (f->flags & (FF_NOAUDIT | FF_WRITEONLY)));
}

static bool is_null(const json_member *m) { return m->value_len == 4 && !memcmp(m->value, "null", 4); }

/* the same value, written the same way, or (lists and objects only) the same once parsed:
 * a custom field set again lands at the end of its object */
static bool same_value(const json_member *a, const json_member *b)
{
    if (a->value_len == b->value_len && !memcmp(a->value, b->value, a->value_len)) return true;
    if ((a->value[0] != '{' && a->value[0] != '[') || a->value[0] != b->value[0]) return false;
    json_t *x = json_loadb(a->value, a->value_len, 0, NULL), *y = json_loadb(b->value, b->value_len, 0, NULL);
    bool same = x && y && json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

static bool member_audited(ctx *c, const resource *res, const json_member *m)
{
    return audited(res, arena_strndup(c->a, m->key, m->key_len));
}

/* the member of `t` with m's key; *hint, where the last one was found, is looked at first:
 * both writings of a record list their members in the same order */
static bool counterpart(const record_text *t, const json_member *m, size_t *hint, json_member *out)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = pass ? 0 : *hint;
        while (json_members_next(t->s, t->len, &pos, out))
            if (out->key_len == m->key_len && !memcmp(out->key, m->key, m->key_len)) { *hint = pos; return true; }
    }
    return false;
}

static void diff_entry(buf *d, const json_member *m, const char *old, size_t old_len, const char *now, size_t now_len)
{
    buf_adds(d, d->len ? "," : "{");
    buf_addc(d, '"');
    buf_add(d, m->key, m->key_len);
    buf_adds(d, "\":[");
    buf_add(d, old, old_len);
    buf_addc(d, ',');
    buf_add(d, now, now_len);
    buf_addc(d, ']');
}

/* {"field": [old, new]} for every audited member that differs between the record as it was
 * (`before`, NULL for a create) and as it is, each value copied as written; NULL when
 * nothing changed */
static char *diff_records(ctx *c, const resource *res, const record_text *before, const record_text *after)
{
    buf d;
    buf_init(&d, 0);
    json_member m, o;
    size_t pos = 0, hint = 0;
    while (json_members_next(after->s, after->len, &pos, &m)) {
        bool had = before && counterpart(before, &m, &hint, &o);
        if ((had && same_value(&o, &m)) || (!before && is_null(&m)) || !member_audited(c, res, &m)) continue;
        diff_entry(&d, &m, had ? o.value : "null", had ? o.value_len : 4, m.value, m.value_len);
    }
    for (pos = 0, hint = 0; before && json_members_next(before->s, before->len, &pos, &o);)
        if (!is_null(&o) && !counterpart(after, &o, &hint, &m) && member_audited(c, res, &o))
            diff_entry(&d, &o, o.value, o.value_len, "null", 4);
    if (d.len) buf_addc(&d, '}');
    char *r = d.len ? arena_strndup(c->a, d.data, d.len) : NULL;
    buf_release(&d);
    return r;
}

static long long owner_of(const resource *res, const record_text *rec)
{
    long long owner;
    return res->owner_column && json_members_int(rec->s, rec->len, res->owner_column, &owner) ? owner : 0;
}

/* ---------- create / update / delete ---------- */

/* `before` is the record as it was (NULL for a create); the audit row compares it with the
 * record as written now, text with text (diff_records), and the answer is that same text */
static int finish_write(ctx *c, const resource *res, long long id, const record_text *before, write_set *w,
                        const char *action, buf *out, errs *e, bool own_tx)
{
    if (res->after_save && res->after_save(c, id, w, e) != 0) return e->n ? 422 : 500;
    record_text after;
    bool in_reach = load_text(c, res, id, ACT_WRITE, &after);   /* only then may the answer show it */
    if (!in_reach && !before) {   /* created outside the principal's own reach */
        errs_add(e, res->owner_column, "forbidden_owner", "your role only allows %s you own or your team owns", res->plural);
        return 403;
    }
    if (!in_reach) {
        /* handed over beyond the principal's sight: the audit still needs the record as it
         * now is, or every field would read as erased */
        principal sys;
        principal_system(&sys);
        ctx unscoped = *c;
        unscoped.user = &sys;
        if (!load_text(&unscoped, res, id, ACT_READ, &after))
            after = (record_text){"{}", 2};   /* removed by its own hook: nothing left to compare with */
    }
    char *changes = diff_records(c, res, before, &after);
    if ((changes || !before) && audit_record(c, res->name, id, action, owner_of(res, &after), changes) != 0) return 500;
    if (!out) return own_tx && db_commit(c->db) != 0 ? 500 : 0;   /* no answer wanted (imports): no dump, no warnings */
    jw jo;
    jw_init(&jo, out);
    if (in_reach) {   /* the record just loaded is the answer: no second read */
        buf_add(out, after.s, after.len);
    } else {
        resource_write_record(c, res, id, NULL, &jo);
    }
    /* the warnings are looked up before the commit: inside the transaction every read goes
     * to the writer's connection, whose page cache the commit keeps; after it, this
     * thread's own connection would find its cache dropped and read each page again */
    if (res->warnings && out->len && out->data[out->len - 1] == '}') {
        /* the record, then its warnings, as one object: splice before the closing brace */
        out->len--;
        buf_adds(out, ",\"warnings\":");
        jw ww;
        jw_init(&ww, out);
        jw_arr(&ww);
        res->warnings(c, id, w, &ww);
        jw_arr_end(&ww);
        buf_addc(out, '}');
    }
    if (own_tx && db_commit(c->db) != 0) return 500;
    return 0;
}

/* the INSERT of a checked write set (resource_create and resource_insert) */
static void insert_sql(ctx *c, const resource *res, const write_set *w, buf *sql, dbparams *p)
{
    buf_adds(sql, "INSERT INTO ");
    buf_adds(sql, res->table);
    buf_adds(sql, "(version, created_by");
    dbp_int(p, 1);
    if (c->user->user_id) dbp_int(p, c->user->user_id); else dbp_null(p);
    bool owner_given = false;
    for (size_t i = 0; i < w->n; i++) {
        buf_adds(sql, ", ");
        buf_adds(sql, w->cols[i]);
        owner_given |= res->owner_column && strcmp(w->cols[i], res->owner_column) == 0;
    }
    dbp_append(p, &w->vals);
    if (res->owner_column && !owner_given && c->user->user_id) {
        buf_adds(sql, ", ");
        buf_adds(sql, res->owner_column);
        dbp_int(p, c->user->user_id);
    }
    if (res->custom_fields) {
        buf_adds(sql, ", custom");
        dbp_text(p, w->custom_json ? w->custom_json : "{}");
    }
    buf_adds(sql, ") VALUES(?");
    for (size_t i = 1; i < p->n; i++) buf_adds(sql, ",?");
    buf_adds(sql, ")");
}

/* runs it: 0, 409 when a constraint refuses the row, 500 */
static int insert_row(ctx *c, const resource *res, const write_set *w)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    insert_sql(c, res, w, &sql, &p);
    long long rc = db_run(c->db, sql.data, &p);
    buf_release(&sql);
    return rc >= 0 ? 0 : db_err_constraint(c->db) ? 409 : 500;
}

int resource_check_create(ctx *c, const resource *res, json_t *in, write_set *w, errs *e)
{
    if (resource_level(c, res, ACT_WRITE) == SCOPE_NONE) return 403;
    build_write_set(c, res, in, NULL, w, e);
    return e->n ? invalid_status(e) : 0;
}

int resource_create(ctx *c, const resource *res, json_t *in, long long *id, buf *out, errs *e)
{
    write_set w;
    int checked = resource_check_create(c, res, in, &w, e);
    if (checked) return checked;

    bool own_tx = !db_in_tx(c->db);
    if (own_tx && db_begin(c->db) != 0) return 503;
    int status = insert_row(c, res, &w);
    if (status) goto fail;
    *id = db_last_id(c->db);
    status = finish_write(c, res, *id, NULL, &w, "create", out, e, own_tx);
    if (status) goto fail;
    return 201;
fail:
    if (own_tx) db_rollback(c->db);
    return status;
}

/* ---------- the audit of an insert, told by its write set ---------- */

/* Per stored field of a resource, what the column holds after an INSERT that leaves it
 * out: its declared DEFAULT, when that is a literal. Learnt once per process from the
 * table's schema. A field whose stored value the write set cannot tell (its default is an
 * expression, it is generated, a trigger on the table may change the row) is `unknown`:
 * a row that leaves it out is read back after its insert, as before. */
enum { AFF_TEXT, AFF_NUMERIC, AFF_INTEGER, AFF_REAL, AFF_BLOB };

typedef struct field_plan {
    int affinity;
    bool unknown;        /* no default the write set could stand for */
    bool audited;
    bool owner;          /* the resource's owner column */
    dbv dflt;
} field_plan;

typedef struct insert_plan {
    const resource *res;
    size_t nfields;
    field_plan *f;       /* per entry of res->fields */
    struct insert_plan *next;
} insert_plan;

static pthread_mutex_t g_plan_mu = PTHREAD_MUTEX_INITIALIZER;
static insert_plan *g_plans;

/* the affinity of a declared column type, by SQLite's rules (datatype3.html, 3.1) */
static int type_affinity(const char *t)
{
    char up[64];
    size_t n = 0;
    for (; t && t[n] && n < sizeof up - 1; n++) up[n] = (char)(t[n] >= 'a' && t[n] <= 'z' ? t[n] - 32 : t[n]);
    up[n] = 0;
    if (strstr(up, "INT")) return AFF_INTEGER;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT")) return AFF_TEXT;
    if (!n || strstr(up, "BLOB")) return AFF_BLOB;
    if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB")) return AFF_REAL;
    return AFF_NUMERIC;
}

/* a DEFAULT clause's text as a value: NULL, an integer or a quoted string; false otherwise */
static bool literal_value(const char *s, dbv *v)
{
    memset(v, 0, sizeof *v);
    if (!s || !strcasecmp(s, "NULL")) { v->type = DBV_NULL; return true; }
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
        char *t = malloc(n), *o = t;
        if (!t) return false;
        for (size_t i = 1; i < n - 1; i++) {
            if (s[i] == '\'' && s[++i] != '\'') { free(t); return false; }
            *o++ = s[i];
        }
        *o = 0;
        *v = (dbv){.type = DBV_TEXT, .s = t, .n = (size_t)(o - t)};
        return true;
    }
    const char *d = s + (*s == '-');
    size_t digits = strspn(d, "0123456789");
    if (!digits || d[digits] || digits > 18) return false;
    *v = (dbv){.type = DBV_INT, .i = strtoll(s, NULL, 10)};
    return true;
}

/* true when field f, bound v into a column of affinity aff, reads back (write_value) as
 * v writes: integers into integer columns, texts into text columns, nulls. Anything else
 * (a number in a text column, a real) is left to a reading back */
static bool stored_as_bound(const field_def *f, int aff, const dbv *v)
{
    if (v->type == DBV_NULL) return true;
    bool integral = f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL;
    if (v->type == DBV_INT) return integral && (aff == AFF_INTEGER || aff == AFF_NUMERIC || aff == AFF_BLOB);
    if (v->type == DBV_TEXT) return !integral && f->type != FT_REAL && (aff == AFF_TEXT || aff == AFF_BLOB);
    return false;
}

static insert_plan *plan_learn(ctx *c, const resource *res)
{
    size_t nf = 0;
    for (const field_def *f = res->fields; f->name; f++) nf++;
    insert_plan *pl = calloc(1, sizeof *pl);
    field_plan *fp = calloc(nf ? nf : 1, sizeof *fp);
    if (!pl || !fp) abort();
    pl->res = res;
    pl->nfields = nf;
    pl->f = fp;
    for (size_t i = 0; i < nf; i++) {
        const field_def *f = &res->fields[i];
        fp[i].unknown = true;
        fp[i].audited = audited(res, f->name);
        fp[i].owner = f->column && res->owner_column && !strcmp(f->column, res->owner_column);
    }
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, res->table);
    long long triggers = db_scalar(c->db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", &p, 0);
    db_cursor *cur = triggers == 0 ? db_query(c->db, "SELECT name, type, dflt_value, hidden FROM pragma_table_xinfo(?)", &p) : NULL;
    while (cur && db_step(cur) == 1) {
        const char *name = db_col_text(cur, 0);
        for (size_t i = 0; i < nf; i++) {
            const field_def *f = &res->fields[i];
            if (!f->column || strcmp(f->column, name)) continue;
            fp[i].affinity = type_affinity(db_col_text(cur, 1));
            dbv d;
            if (db_col_int(cur, 3) != 0 || !literal_value(db_col_text(cur, 2), &d)) continue;
            if (stored_as_bound(f, fp[i].affinity, &d)) { fp[i].dflt = d; fp[i].unknown = false; }
            else if (d.type == DBV_TEXT) free((char *)d.s);
        }
    }
    db_done(cur);
    return pl;
}

/* the plan of res, learnt on first use */
static const insert_plan *insert_plan_of(ctx *c, const resource *res)
{
    pthread_mutex_lock(&g_plan_mu);
    insert_plan *pl = g_plans;
    while (pl && pl->res != res) pl = pl->next;
    if (!pl) {
        pl = plan_learn(c, res);
        pl->next = g_plans;
        g_plans = pl;
    }
    pthread_mutex_unlock(&g_plan_mu);
    return pl;
}

/* one audited member {"name": [null, value]} */
static void create_entry(jw *w, const char *name)
{
    jw_key(w, name);
    jw_arr(w);
    jw_null(w);
}

/* the changes of a create as resource_create's diff writes them (every audited member
 * that is not null, in the order of write_row), from the write set and the defaults of
 * the columns it leaves out; false, with nothing written, when some column's stored
 * value is not known so */
static bool changes_from_set(ctx *c, const resource *res, const write_set *w, jw *out, long long *owner)
{
    if (w->vals.n != w->n) return false;
    const insert_plan *pl = insert_plan_of(c, res);
    const field_def *f = res->fields;
    /* each written column's field: the set names columns by their field's own string */
    const dbv **stored = arena_alloc(c->a, (pl->nfields + 1) * sizeof *stored);
    for (size_t k = 0; k < w->n; k++) {
        bool named = false;
        for (size_t i = 0; i < pl->nfields; i++)
            if (f[i].column == w->cols[k]) { stored[i] = &w->vals.v[k]; named = true; }
        for (size_t i = 0; i < pl->nfields && !named; i++)
            if (f[i].column && !strcmp(f[i].column, w->cols[k])) stored[i] = &w->vals.v[k];
    }
    /* first what each column holds now: bound, stamped or defaulted, or not known */
    const dbv user = {.type = DBV_INT, .i = c->user->user_id};
    for (size_t i = 0; i < pl->nfields; i++) {
        if (!f[i].column) continue;
        if (!stored[i] && pl->f[i].owner && user.i) stored[i] = &user;   /* insert_sql stamps the creator */
        if (stored[i] ? !stored_as_bound(&f[i], pl->f[i].affinity, stored[i]) : pl->f[i].unknown) return false;
        if (!stored[i]) stored[i] = &pl->f[i].dflt;
    }
    for (size_t i = 0; i < pl->nfields; i++) {
        const dbv *v = stored[i];
        if (!f[i].column || v->type == DBV_NULL) continue;
        if (pl->f[i].owner) *owner = v->i;
        if (!pl->f[i].audited) continue;
        create_entry(out, f[i].name);
        if (v->type == DBV_INT) {
            if (f[i].type == FT_BOOL) jw_bool(out, v->i != 0); else jw_int(out, v->i);
        } else {
            const char *s = arena_strndup(c->a, v->s, v->n);
            if (f[i].type == FT_JSON) jw_raw(out, s); else jw_str(out, s);
        }
        jw_arr_end(out);
    }
    return true;
}

/* the same changes from the row as stored, read back by its rowid (the page just written),
 * in the column order of every read so write_value reads it. (An INSERT ... RETURNING
 * gives the same row but costs SQLite a temporary table per statement.) */
static int changes_read_back(ctx *c, const resource *res, long long id, jw *out, long long *owner)
{
    buf sql;
    buf_init(&sql, 0);
    resource_select_columns(res, &sql);
    buf_adds(&sql, " FROM ");
    buf_adds(&sql, res->table);
    buf_adds(&sql, " t WHERE t.id = ?");
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return -1;
    if (db_step(cur) != 1) {
        db_done(cur);
        return -1;
    }
    int col = 5;
    for (const field_def *f = res->fields; f->name; f++) {
        if (!f->column) continue;
        if (res->owner_column && !strcmp(f->column, res->owner_column) && !db_col_null(cur, col)) *owner = db_col_int(cur, col);
        if (!db_col_null(cur, col) && audited(res, f->name)) {
            create_entry(out, f->name);
            write_value(out, f, cur, col);
            jw_arr_end(out);
        }
        col++;
    }
    db_done(cur);
    return 0;
}

int resource_insert(ctx *c, const resource *res, const write_set *w, void (*extra)(void *cls, long long id, jw *out),
                    void *cls, long long *id)
{
    int inserted = insert_row(c, res, w);
    if (inserted) return inserted;
    *id = db_last_id(c->db);
    long long owner = 0;
    buf changes;
    buf_init(&changes, 0);
    jw w2;
    jw_init(&w2, &changes);
    jw_obj(&w2);
    if (!changes_from_set(c, res, w, &w2, &owner) && changes_read_back(c, res, *id, &w2, &owner) != 0) {
        buf_release(&changes);
        return 500;
    }
    if (res->custom_fields) {
        create_entry(&w2, "custom_fields");
        jw_raw(&w2, w->custom_json ? w->custom_json : "{}");
        jw_arr_end(&w2);
    }
    if (extra) extra(cls, *id, &w2);
    jw_obj_end(&w2);
    int rc = audit_record(c, res->name, *id, "create", owner, changes.data);
    buf_release(&changes);
    return rc ? 500 : 0;
}

int resource_update(ctx *c, const resource *res, long long id, json_t *in, long long expected_version, buf *out, errs *e)
{
    if (resource_level(c, res, ACT_WRITE) == SCOPE_NONE) return 403;
    bool own_tx = !db_in_tx(c->db);
    if (own_tx && db_begin(c->db) != 0) return 503;
    int status;
    record_text was;
    json_t *before = load_text(c, res, id, ACT_WRITE, &was) ? parsed(c, &was) : NULL;
    if (!before) { status = load_text(c, res, id, ACT_READ, &was) ? 403 : 404; goto fail; }
    long long version = json_integer_value(json_object_get(before, "version"));
    json_t *bv = json_is_object(in) ? json_object_get(in, "version") : NULL;
    if (!expected_version && json_is_integer(bv)) expected_version = json_integer_value(bv);
    if (expected_version && expected_version != version) { status = 412; goto fail; }

    write_set w;
    build_write_set(c, res, in, before, &w, e);
    if (e->n) { status = invalid_status(e); goto fail; }
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "UPDATE %s SET version = version + 1, updated_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now')", res->table);
    for (size_t i = 0; i < w.n; i++) buf_printf(&sql, ", %s = ?", w.cols[i]);
    dbp_append(&p, &w.vals);
    if (res->custom_fields && w.custom_json) {
        buf_adds(&sql, ", custom = ?");
        dbp_text(&p, w.custom_json);
    }
    buf_adds(&sql, " WHERE id = ? AND version = ?");
    dbp_int(&p, id);
    dbp_int(&p, version);
    long long rc = db_run(c->db, sql.data, &p);
    buf_release(&sql);
    if (rc < 0) { status = db_err_constraint(c->db) ? 409 : 500; goto fail; }
    if (rc == 0) { status = 412; goto fail; }
    status = finish_write(c, res, id, &was, &w, "update", out, e, own_tx);
    if (status) goto fail;
    return 200;
fail:
    if (own_tx) db_rollback(c->db);
    return status;
}

int resource_delete(ctx *c, const resource *res, long long id, long long expected_version, errs *e)
{
    if (resource_level(c, res, ACT_DELETE) == SCOPE_NONE) return 403;
    bool own_tx = !db_in_tx(c->db);
    if (own_tx && db_begin(c->db) != 0) return 503;
    int status;
    record_text was;
    if (!load_text(c, res, id, ACT_DELETE, &was)) { status = load_text(c, res, id, ACT_READ, &was) ? 403 : 404; goto fail; }
    long long version;
    if (expected_version && !(json_members_int(was.s, was.len, "version", &version) && version == expected_version)) {
        status = 412;
        goto fail;
    }
    if (res->before_delete && res->before_delete(c, id, e) != 0) {
        status = !e->n ? 500 : invalid_status(e) == 403 ? 403 : 409;
        goto fail;
    }
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    char sql[200];
    if (res->soft_delete)
        snprintf(sql, sizeof sql, "UPDATE %s SET deleted_at = strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now'),"
                 " version = version + 1 WHERE id = ?", res->table);
    else
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = ?", res->table);
    if (db_run(c->db, sql, &p) < 0) { status = db_err_constraint(c->db) ? 409 : 500; goto fail; }
    record_text gone = {"{}", 2};
    char *changes = diff_records(c, res, &was, &gone);
    if (audit_record(c, res->name, id, "delete", owner_of(res, &was), changes) != 0) { status = 500; goto fail; }
    if (own_tx && db_commit(c->db) != 0) return 500;
    return 204;
fail:
    if (own_tx) db_rollback(c->db);
    return status;
}
