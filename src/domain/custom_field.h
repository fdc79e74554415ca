/* custom_field: typed extra fields an administrator adds to an object kind.
 *
 * Definitions live in the custom_fields table ({object, name, type, required, options});
 * values live in the object's `custom` column as one JSON object keyed by field name, and
 * travel in the API as `custom_fields`. Types: text, number, money, date, bool, enum,
 * multi-enum, phone, email, url, user. */
#ifndef KT_CUSTOM_FIELD_H
#define KT_CUSTOM_FIELD_H
#include <jansson.h>
#include "core/errs.h"
#include "domain/ctx.h"
#include "http/filter.h"
#include "domain/resource.h"

/* validates `in` (the client's custom_fields object, may be NULL) against the definitions
 * of `object`, merges it over `old` (NULL on create) and returns the JSON text to store
 * (arena), or NULL with errors added under "custom_fields.<name>". Required fields are
 * checked on the merged result. */
const char *custom_fields_merge(ctx *c, const char *object, json_t *in, json_t *old, errs *e);
/* Between these two calls on a thread, custom_fields_merge keeps the definitions it loads
 * while the database has not changed (db_data_version) instead of loading them for every
 * record: for many checks in a row on one connection (an import's reading thread). A
 * definition made or changed meanwhile is seen by the next check outside a transaction;
 * inside one, definitions are loaded each time. _end frees what was kept. */
void custom_field_memo_begin(void);
void custom_field_memo_end(void);
/* the definitions of one object kind ("contact"), in the order they were made; arena
 * memory. Importers and exporters list the custom fields an object can hold with it. */
typedef struct custom_field_def {
    const char *name, *type, *label;
    bool required;
    json_t *options;     /* enum choices (array of strings) or NULL */
} custom_field_def;
const custom_field_def *custom_field_defs(ctx *c, const char *object, size_t *n);
/* resolves "custom_fields.<name>" of `object` for filters and sorting over table alias t */
int custom_field_resolve(ctx *c, const char *object, const char *name, filter_field *out);
/* the definitions themselves, as a resource (also fuzzed) */
extern const resource custom_field_resource;
/* registers /api/v1/custom-fields */
void custom_field_routes(void);
#endif
