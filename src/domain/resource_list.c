/* Lists of any resource: scope, filter, equality shorthands, full-text, keyset cursor,
 * sorting, field selection and counts, in one SQL statement. */
#include "domain/resource.h"
#include "domain/resource_internal.h"
#include "domain/custom_field.h"
#include "http/filter.h"
#include "util/fold.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct resolve_ctx {
    ctx *c;
    const resource *res;
} resolve_ctx;

static filter_type filter_type_of(field_type t)
{
    switch (t) {
    case FT_INT: case FT_REF: return FILTER_INT;
    case FT_REAL: return FILTER_REAL;
    case FT_BOOL: return FILTER_BOOL;
    case FT_TIME: return FILTER_TIME;
    case FT_DATE: return FILTER_DATE;
    default: return FILTER_TEXT;
    }
}

static int resolve_field(void *cls, const char *name, filter_field *out)
{
    resolve_ctx *rc = cls;
    if (!strcmp(name, "id") || !strcmp(name, "version")) {
        out->sql = !strcmp(name, "id") ? "t.id" : "t.version";
        out->type = FILTER_INT;
        return 0;
    }
    if (!strcmp(name, "created_at") || !strcmp(name, "updated_at")) {
        out->sql = !strcmp(name, "created_at") ? "t.created_at" : "t.updated_at";
        out->type = FILTER_TIME;
        return 0;
    }
    if (rc->res->custom_fields && !strncmp(name, "custom_fields.", 14))
        return custom_field_resolve(rc->c, rc->res->name, name + 14, out);
    const field_def *f = resource_field(rc->res, name);
    if (!f || !f->column || (f->flags & (FF_NOFILTER | FF_WRITEONLY))) return -1;
    out->sql = arena_printf(rc->c->a, "t.%s", f->column);
    out->type = filter_type_of(f->type);
    return 0;
}

/* FTS5 query from user text: folded words, each a quoted prefix term, all required */
const char *search_match_expr(arena *a, const char *q)
{
    size_t n = strlen(q);
    if (n > 256) n = 256;
    char *folded = arena_alloc(a, n * 3 + 1);
    text_fold(q, n, folded, n * 3 + 1);
    buf b;
    buf_init(&b, 0);
    for (char *p = folded; *p;) {
        while (*p && (unsigned char)*p < 0x80 && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) p++;
        char *s = p;
        while (*p && ((unsigned char)*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) p++;
        if (p > s) {
            if (b.len) buf_addc(&b, ' ');
            buf_addc(&b, '"');
            buf_add(&b, s, (size_t)(p - s));
            buf_adds(&b, "\"*");
        }
    }
    const char *r = b.len ? arena_strdup(a, b.data) : NULL;
    buf_release(&b);
    return r;
}

/* cursor = base64url of "<sort value JSON>\n<id>" */
static const char *cursor_make(arena *a, json_t *value, long long id)
{
    char *v = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    char *raw = arena_printf(a, "%s\n%lld", v, id);
    free(v);
    size_t rl = strlen(raw);
    size_t el = sodium_base64_encoded_len(rl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *enc = arena_alloc(a, el);
    sodium_bin2base64(enc, el, (const unsigned char *)raw, rl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return enc;
}

static int cursor_parse(arena *a, const char *cur, json_t **value, long long *id)
{
    size_t n = strlen(cur);
    if (n == 0 || n > 2048) return -1;
    unsigned char *raw = arena_alloc(a, n + 1);
    size_t rl;
    if (sodium_base642bin(raw, n, cur, n, NULL, &rl, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) return -1;
    raw[rl] = 0;
    char *nl = strrchr((char *)raw, '\n');
    if (!nl) return -1;
    *nl = 0;
    char *end;
    *id = strtoll(nl + 1, &end, 10);
    if (*end || *id <= 0) return -1;
    *value = json_loads((char *)raw, JSON_DECODE_ANY, NULL);
    return *value ? 0 : -1;
}

static void bind_json_scalar(dbparams *p, arena *a, json_t *v)
{
    if (json_is_integer(v)) dbp_int(p, json_integer_value(v));
    else if (json_is_real(v)) dbp_real(p, json_real_value(v));
    else if (json_is_true(v)) dbp_int(p, 1);
    else if (json_is_false(v)) dbp_int(p, 0);
    else if (json_is_string(v)) dbp_text(p, arena_strdup(a, json_string_value(v)));
    else dbp_null(p);
}

typedef struct sort_spec {
    const char *name;     /* JSON name of the sort field */
    const char *sql;      /* expression */
    bool desc;
} sort_spec;

static int parse_sort(ctx *c, const resource *res, const char *s, sort_spec *out, errs *e)
{
    if (!s || !*s) s = res->default_sort ? res->default_sort : "id";
    out->desc = *s == '-';
    if (*s == '-' || *s == '+') s++;
    resolve_ctx rc = {c, res};
    filter_field ff;
    if (!strcmp(s, "id")) { out->name = "id"; out->sql = "t.id"; return 0; }
    if (strchr(s, ',') || resolve_field(&rc, s, &ff) != 0) {
        errs_add(e, "sort", "invalid_sort", "cannot sort by '%s': not a sortable field", s);
        return -1;
    }
    const field_def *f = resource_field(res, s);
    if (f && (f->flags & FF_NOSORT)) {
        errs_add(e, "sort", "invalid_sort", "cannot sort by '%s'", s);
        return -1;
    }
    out->name = arena_strdup(c->a, s);
    out->sql = ff.sql;
    return 0;
}

/* the WHERE clause shared by list and count */
static int build_where(ctx *c, const resource *res, const list_query *q, buf *sql, dbparams *p, errs *e)
{
    buf_adds(sql, " WHERE 1");
    if (res->soft_delete) buf_adds(sql, " AND t.deleted_at IS NULL");
    resource_scope_sql(c, res, ACT_READ, sql, p);
    resolve_ctx rc = {c, res};
    for (int i = 0; i < q->neq; i++) {
        filter_field ff;
        if (resolve_field(&rc, q->eq_names[i], &ff) != 0) continue;
        buf sub;
        buf_init(&sub, 0);
        filter_error fe;
        /* quote the value through the filter language so typing rules are the same */
        buf qv;
        buf_init(&qv, 0);
        buf_adds(&qv, q->eq_names[i]);
        buf_adds(&qv, " eq \"");
        for (const char *v = q->eq_values[i]; *v; v++) {   /* the filter language escapes only " and \ */
            if (*v == '"' || *v == '\\') buf_addc(&qv, '\\');
            buf_addc(&qv, *v);
        }
        buf_addc(&qv, '"');
        int r = filter_compile(c->a, qv.data, qv.len, resolve_field, &rc, &sub, p, &fe);
        if (r == 0) { buf_adds(sql, " AND "); buf_add(sql, sub.data, sub.len); }
        else errs_add(e, q->eq_names[i], "invalid_filter", "%s", fe.message);
        buf_release(&qv);
        buf_release(&sub);
    }
    if (q->filter && *q->filter) {
        buf sub;
        buf_init(&sub, 0);
        filter_error fe;
        if (filter_compile(c->a, q->filter, strlen(q->filter), resolve_field, &rc, &sub, p, &fe) == 0) {
            buf_adds(sql, " AND ");
            buf_add(sql, sub.data, sub.len);
        } else {
            errs_add(e, "filter", "invalid_filter", "%s", fe.message);
        }
        buf_release(&sub);
    }
    if (q->q && *q->q) {
        if (!res->search_sql) {
            errs_add(e, "q", "search_unsupported", "full-text search is not available on %s", res->plural);
        } else {
            const char *m = search_match_expr(c->a, q->q);
            if (m) {
                buf_adds(sql, " AND ");
                buf_adds(sql, res->search_sql);
                for (const char *s = strchr(res->search_sql, '?'); s; s = strchr(s + 1, '?')) dbp_text(p, m);
            }
        }
    }
    if (q->extra_sql) {
        buf_adds(sql, " AND ");
        buf_adds(sql, q->extra_sql);
        if (q->extra_params) dbp_append(p, q->extra_params);
    }
    return e->n ? -1 : 0;
}

int resource_count(ctx *c, const resource *res, const list_query *q, long long *n, errs *e)
{
    if (resource_level(c, res, ACT_READ) == SCOPE_NONE) return 403;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "SELECT count(*) FROM %s t", res->table);
    int status = 200;
    if (build_where(c, res, q, &sql, &p, e) != 0) status = 422;
    else if ((*n = db_scalar(c->db, sql.data, &p, 0)) < 0) status = 500;
    buf_release(&sql);
    return status;
}

int resource_list(ctx *c, const resource *res, const list_query *q, buf *out, errs *e)
{
    if (resource_level(c, res, ACT_READ) == SCOPE_NONE) return 403;
    sort_spec sort;
    if (parse_sort(c, res, q->sort, &sort, e) != 0) return 422;
    int limit = q->limit > 0 ? q->limit : 50;

    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    resource_select_columns(res, &sql);
    buf_printf(&sql, ", %s FROM %s t", sort.sql, res->table);
    int status = 200;
    if (build_where(c, res, q, &sql, &p, e) != 0) { status = 422; goto done; }

    if (q->after && *q->after) {
        json_t *v;
        long long after_id;
        if (cursor_parse(c->a, q->after, &v, &after_id) != 0) {
            errs_add(e, "after", "invalid_cursor", "the cursor is not one this server gave out");
            status = 422;
            goto done;
        }
        const char *k = sort.sql, *cmp = sort.desc ? "<" : ">";
        if (!strcmp(sort.name, "id")) {
            buf_printf(&sql, " AND t.id %s ?", cmp);
            dbp_int(&p, after_id);
        } else if (json_is_null(v)) {
            /* NULLs sort first ascending, last descending (SQLite) */
            if (sort.desc) buf_printf(&sql, " AND (%s IS NULL AND t.id < ?)", k);
            else buf_printf(&sql, " AND (%s IS NOT NULL OR t.id > ?)", k);
            dbp_int(&p, after_id);
        } else {
            buf_printf(&sql, " AND (%s %s ? OR (%s = ? AND t.id %s ?)", k, cmp, k, cmp);
            if (sort.desc) buf_printf(&sql, " OR %s IS NULL", k);
            buf_adds(&sql, ")");
            bind_json_scalar(&p, c->a, v);
            bind_json_scalar(&p, c->a, v);
            dbp_int(&p, after_id);
        }
        json_decref(v);
    }
    if (!strcmp(sort.name, "id")) buf_printf(&sql, " ORDER BY t.id %s", sort.desc ? "DESC" : "ASC");
    else buf_printf(&sql, " ORDER BY %s %s, t.id %s", sort.sql, sort.desc ? "DESC" : "ASC", sort.desc ? "DESC" : "ASC");
    buf_printf(&sql, " LIMIT %d", limit + 1);

    db_cursor *cur = db_query(c->db, sql.data, &p);
    if (!cur) { status = 500; goto done; }
    jw w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    int rows = 0, rc;
    const char *next = NULL;
    int sort_col = 5;
    for (const field_def *f = res->fields; f->name; f++) if (f->column) sort_col++;
    bool all_fields = q->fields == NULL || !*q->fields;
    while ((rc = db_step(cur)) == 1) {
        if (rows == limit) break;
        rows++;
        resource_write_row(c, res, cur, all_fields ? NULL : q->fields, &w);
        if (rows == limit) {
            json_t *v;
            if (db_col_null(cur, sort_col)) v = json_null();
            else if (db_col_is_int(cur, sort_col)) v = json_integer(db_col_int(cur, sort_col));
            /* a real as a real: its text form rounds to 15 digits (rows would repeat or be
             * skipped), and text compares above every number where the sort expression has
             * no numeric affinity (custom fields) */
            else if (db_col_is_real(cur, sort_col)) v = json_real(db_col_real(cur, sort_col));
            else v = json_string(db_col_text(cur, sort_col) ? db_col_text(cur, sort_col) : "");
            if (!v) v = json_null();
            next = cursor_make(c->a, v, db_col_int(cur, 0));
            json_decref(v);
        }
    }
    bool more = rc == 1;
    db_done(cur);
    if (rc < 0) { status = 500; goto done; }
    jw_arr_end(&w);
    jw_kstr(&w, "next", more ? next : NULL);
    if (q->count) {
        long long n = 0;
        list_query cq = *q;
        cq.after = NULL;
        if (resource_count(c, res, &cq, &n, e) == 200) jw_kint(&w, "count", n);
    }
    jw_obj_end(&w);
done:
    buf_release(&sql);
    return status;
}

/* "SELECT <select> FROM <table> t WHERE ... <clause> <what>", each row handed to `row` */
static int select_rows(ctx *c, const resource *res, const list_query *q, const char *select, const char *clause,
                       const char *what, void (*row)(void *cls, db_cursor *cur), void *cls, errs *e)
{
    if (resource_level(c, res, ACT_READ) == SCOPE_NONE) return 403;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "SELECT %s FROM %s t", select, res->table);
    int status = 200;
    if (build_where(c, res, q, &sql, &p, e) != 0) {
        status = 422;
    } else {
        if (what) buf_printf(&sql, " %s %s", clause, what);
        db_cursor *cur = db_query(c->db, sql.data, &p);
        int rc = -1;
        if (cur) while ((rc = db_step(cur)) == 1) row(cls, cur);
        db_done(cur);
        if (rc < 0) status = 500;
    }
    buf_release(&sql);
    return status;
}

int resource_aggregate(ctx *c, const resource *res, const list_query *q, const char *select, const char *group_by,
                       void (*row)(void *cls, db_cursor *cur), void *cls, errs *e)
{
    return select_rows(c, res, q, select, "GROUP BY", group_by, row, cls, e);
}

int resource_scan(ctx *c, const resource *res, const list_query *q, const char *select, const char *order_by,
                  void (*row)(void *cls, db_cursor *cur), void *cls, errs *e)
{
    return select_rows(c, res, q, select, "ORDER BY", order_by, row, cls, e);
}
