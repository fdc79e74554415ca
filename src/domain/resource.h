/* resource: the one implementation of the API conventions that every business object
 * plugs into: typed field validation, create/read/update/delete, cursor lists with
 * filter/sort/search/field selection, optimistic concurrency (version), role scopes and
 * the audit trail.
 *
 * An object describes itself with a `resource` (table, fields, scope rule, hooks) and
 * gets correct behaviour for free. Scopes are enforced inside every SQL statement built
 * here (resource_scope_sql), so no list, count, search or read can return a row the
 * principal may not see. Every write runs in one transaction: it commits whole or not at
 * all, audit rows included.
 *
 * Tables of resources have the columns id INTEGER PRIMARY KEY, version, created_at,
 * updated_at, created_by, and deleted_at when `soft_delete`; `custom` (JSON text) when
 * `custom_fields`. Field values are written to columns named by field_def.column; fields
 * without a column are virtual: the object's hooks store and write them. */
#ifndef KT_RESOURCE_H
#define KT_RESOURCE_H
#include <jansson.h>
#include <stdbool.h>
#include "core/buf.h"
#include "domain/ctx.h"
#include "core/errs.h"

typedef enum {
    FT_TEXT, FT_INT, FT_BOOL, FT_TIME, FT_DATE, FT_REF, FT_ENUM, FT_EMAIL, FT_URL,
    FT_CURRENCY, FT_REAL, FT_JSON
} field_type;

enum {
    FF_REQUIRED = 1 << 0,    /* must be present (non-null) on create */
    FF_READONLY = 1 << 1,    /* server-managed: clients may not write it */
    FF_WRITEONLY = 1 << 2,   /* never written out (passwords) */
    FF_NOFILTER = 1 << 3,
    FF_NOSORT = 1 << 4,
    FF_CREATEONLY = 1 << 5,  /* may be set on create, not changed afterwards */
    FF_NOAUDIT = 1 << 6,     /* value not copied into the audit trail (secrets) */
    FF_NOTNULL = 1 << 7,     /* optional, but never null (the column has a default) */
};

typedef struct field_def {
    const char *name;            /* JSON name */
    const char *column;          /* column of the main table; NULL = virtual */
    field_type type;
    unsigned flags;
    long long max;               /* text: max characters (0 = 1000); int: max absolute value */
    const char *const *values;   /* FT_ENUM: NULL-terminated */
    const char *ref;             /* FT_REF: table the id must exist in */
} field_def;

typedef struct resource resource;

/* an incoming write after validation: values per field, ready to bind */
typedef struct write_set {
    json_t *in;                  /* the request body (an object) */
    const char **cols;           /* column names to write */
    dbparams vals;
    size_t n;
    const char *custom_json;     /* merged custom fields, when the object has them */
    json_t *old;                 /* the stored record as JSON on update, NULL on create */
} write_set;

struct resource {
    const char *name;            /* singular, as in audit: "contact" */
    const char *plural;          /* path segment: "contacts" */
    const char *table;
    obj_kind kind;
    const field_def *fields;     /* terminated by {0} */
    /* scope predicate over the row `t` with {users} standing for the set of user ids the
     * principal acts for; NULL means the object has no owner (scope own/team = all) */
    const char *owner_sql;
    const char *owner_column;    /* column stamped with the creator on create when absent */
    bool soft_delete;
    bool custom_fields;
    const char *default_sort;    /* e.g. "-id" */
    /* full-text: SQL predicate over `t`, each `?` bound to the FTS5 MATCH expression
     * (FTS_SEARCH_SQL of domain/fts_queue.h) */
    const char *search_sql;

    /* hooks, each optional. An error with code "forbidden" from validate or before_delete
     * answers 403 (the principal may not make this change) instead of 422 / 409. */
    void (*validate)(ctx *c, write_set *w, errs *e);               /* cross-field rules */
    int (*after_save)(ctx *c, long long id, write_set *w, errs *e); /* child rows, indexes; -1 aborts */
    void (*write_extra)(ctx *c, long long id, jw *out);            /* extra JSON members */
    int (*before_delete)(ctx *c, long long id, errs *e);
    void (*warnings)(ctx *c, long long id, write_set *w, jw *out);  /* e.g. probable duplicates */
};

/* --- operations (status codes are HTTP statuses; JSON goes to `out`) --- */
typedef struct list_query {
    int limit;                   /* 1..500 */
    const char *after;           /* opaque cursor */
    const char *sort;            /* "field" or "-field" */
    const char *q;               /* full-text */
    const char *filter;          /* filter expression (http/filter.h) */
    const char *fields;          /* comma list, NULL = all */
    bool count;                  /* add "count" of all matching rows */
    /* extra predicate and params the object adds (e.g. flag=stuck); may be NULL */
    const char *extra_sql;
    const dbparams *extra_params;
    /* equality filters from query arguments named like fields: name=value pairs */
    const char *const *eq_names;
    const char *const *eq_values;
    int neq;
} list_query;

int resource_list(ctx *c, const resource *res, const list_query *q, buf *out, errs *e);
int resource_count(ctx *c, const resource *res, const list_query *q, long long *n, errs *e);
/* totals beside a list (kanban columns, report tiles): runs "SELECT <select> FROM <table> t
 * WHERE <scope and the filters of q> [GROUP BY <group_by>]" (q's sort, cursor and limit
 * are ignored) and hands each row to `row`. 200, 403, 422 (errors in e) or 500 */
int resource_aggregate(ctx *c, const resource *res, const list_query *q, const char *select, const char *group_by,
                       void (*row)(void *cls, db_cursor *cur), void *cls, errs *e);
/* the same without grouping: every row in <order_by> (exports; an aggregate would copy each
 * row's columns once more) */
int resource_scan(ctx *c, const resource *res, const list_query *q, const char *select, const char *order_by,
                  void (*row)(void *cls, db_cursor *cur), void *cls, errs *e);
/* writes the record; 404 when missing or out of the principal's read scope */
int resource_get(ctx *c, const resource *res, long long id, const char *fields, buf *out);
/* creates from a JSON object; *id set on success (201). Runs inside its own transaction
 * unless one is open (then the caller commits). Writes the new record to `out`, followed
 * by the resource's warnings; with out = NULL nothing is written (a bulk caller that
 * does not read the answer saves its cost). The same holds for resource_update. */
int resource_create(ctx *c, const resource *res, json_t *in, long long *id, buf *out, errs *e);
/* Bulk creates (imports) in two steps, so the checks can run on another thread than the
 * writes. resource_check_create runs every check resource_create runs (fields, custom
 * fields, the validate hook) and leaves the write set in w: 0, 403 or 422 (errors in e).
 * resource_insert writes a checked set inside the caller's transaction and its audit row,
 * the text resource_create would write: built from the set and the literal defaults of the
 * columns it leaves out, or from the row read back where those cannot tell what was
 * stored (an expression default, a trigger; no JSON either way); `extra` adds the changes of the
 * members the resource's write_extra would write, each {"member": [null, value]} (may be
 * NULL). It runs no after_save hook and no
 * scope check of the written card: the caller keeps the indexes and may only use it when
 * its principal writes every card of the kind. 0, 409 or 500. */
int resource_check_create(ctx *c, const resource *res, json_t *in, write_set *w, errs *e);
int resource_insert(ctx *c, const resource *res, const write_set *w, void (*extra)(void *cls, long long id, jw *out),
                    void *cls, long long *id);
/* expected_version 0 = no check; 412 when stale */
int resource_update(ctx *c, const resource *res, long long id, json_t *in, long long expected_version, buf *out, errs *e);
int resource_delete(ctx *c, const resource *res, long long id, long long expected_version, errs *e);

/* pieces the objects reuse */
scope_level resource_level(ctx *c, const resource *res, scope_action act);
/* appends " AND <scope predicate>" for `act` (nothing for all) */
void resource_scope_sql(ctx *c, const resource *res, scope_action act, buf *sql, dbparams *p);
/* appends the SQL set of user ids the principal acts for at this level */
void scope_users_sql(ctx *c, scope_level lvl, buf *sql, dbparams *p);
/* one record as JSON (same writer as get) for a row id known to be visible */
void resource_write_record(ctx *c, const resource *res, long long id, const char *fields, jw *w);
/* the stored record as a jansson object (for diffs); NULL when missing */
json_t *resource_load(ctx *c, const resource *res, long long id, scope_action act);
const field_def *resource_field(const resource *res, const char *name);
/* resources known by table, for reference checks and the OpenAPI document
 * (openapi_resource registers each); resource_at walks them in order, NULL past the end */
void resource_register(const resource *res);
const resource *resource_at(int i);
/* true when `table` holds a live record `id` the principal may read */
bool resource_ref_visible(ctx *c, const char *table, long long id);
/* validates one value against its definition and binds it to p; false with an error in e.
 * `path` names the field in error messages (custom fields reuse this) */
bool field_bind(ctx *c, const field_def *f, const char *path, json_t *v, dbparams *p, errs *e);
/* FTS5 MATCH expression from what a user typed (folded, every word a prefix); NULL if empty */
const char *search_match_expr(arena *a, const char *q);

/* audit trail: one row per change; changes is a JSON object {"field": [old, new]} */
int audit_record(ctx *c, const char *object, long long object_id, const char *action, long long owner_id, const char *changes_json);
#endif
