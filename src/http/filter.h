/* filter: the `filter=` language of list endpoints, compiled to a SQL WHERE fragment.
 *
 * An expression such as `stage in (won, lost) and not (amount lt 100 or owner is null)` is
 * parsed by a recursive-descent parser and written out as one parenthesised boolean SQL
 * expression in which every user-supplied value is a `?` placeholder bound through dbparams;
 * no user text ever reaches the SQL. The grammar, limits and typing rules are documented for
 * API users in docs/api/filtering.md; keep the two in step.
 *
 * Caller's rules:
 *  - The resolver decides which fields exist and what SQL stands for each. It receives a
 *    name that has already been checked to be letters, digits, `_` and single dots (so
 *    `custom_fields.region`), at most FILTER_NAME_MAX bytes. The SQL it returns is pasted
 *    into the output verbatim: it must be a trusted expression without `?` placeholders
 *    (they would shift the bound parameters). Building it from the name is acceptable only
 *    because of the character check above, e.g. "json_extract(c.custom,'$.region')".
 *  - Field names passed to the resolver and the SQL strings it returns may live in the arena;
 *    bound text values are copied into the arena, so `expr` may be freed after the call
 *    while the parameters must not outlive the arena.
 *  - Output is appended to `sql` and `params` (which may already hold a query prefix and
 *    earlier values). After an error their contents are unspecified: discard the query.
 *  - An empty expression is an error; omit the WHERE clause when there is no filter.
 *  - `contains` and `starts` rely on SQL LIKE being ASCII case-insensitive, which is
 *    SQLite's default (do not enable PRAGMA case_sensitive_like). */
#ifndef KT_FILTER_H
#define KT_FILTER_H
#include <stddef.h>
#include "core/arena.h"
#include "core/buf.h"
#include "store/db.h"

#define FILTER_MAX_LEN 8192          /* bytes in one expression */
#define FILTER_MAX_DEPTH 32          /* parentheses and `not` nested inside each other */
#define FILTER_MAX_COMPARISONS 200
#define FILTER_MAX_IN_VALUES 500
#define FILTER_NAME_MAX 63           /* bytes in a field name; fits filter_error.field */

typedef enum { FILTER_TEXT, FILTER_INT, FILTER_REAL, FILTER_BOOL, FILTER_TIME, FILTER_DATE } filter_type;

typedef struct filter_field {
    const char *sql;    /* SQL expression, e.g. "t.owner_id" or "json_extract(t.custom,'$.region')" */
    filter_type type;
} filter_field;

/* resolve a field name; return 0 and fill *out, or -1 when the name is unknown */
typedef int (*filter_resolve_fn)(void *ctx, const char *name, filter_field *out);

typedef struct filter_error {
    char message[256];  /* e.g. "unknown field 'foo'"; empty on success */
    char field[64];     /* offending field name if any, else empty */
    size_t offset;      /* byte offset in the expression */
} filter_error;

/* Compile expr[0..len) into `sql` as one parenthesised boolean expression, appending the
 * bound values to `params`. Returns 0, or -1 with *err filled (err may be NULL). */
int filter_compile(arena *a, const char *expr, size_t len, filter_resolve_fn resolve, void *ctx,
                   buf *sql, dbparams *params, filter_error *err);
#endif
