/* errs: the list of per-field problems found while checking input, filled by the first
 * and every further failure, turned into one problem+json answer by http/reply.c.
 * Storage comes from the arena given to errs_init. */
#ifndef KT_ERRS_H
#define KT_ERRS_H
#include <stddef.h>
#include "core/arena.h"

typedef struct field_error {
    const char *field;     /* JSON path of the field, e.g. "phones[1].value"; NULL = whole body */
    const char *code;      /* machine code: required, too_long, invalid_type, unknown_field ... */
    const char *message;
} field_error;

typedef struct errs {
    field_error *v;
    size_t n, cap;
    arena *a;
} errs;
void errs_init(errs *e, arena *a);
void errs_add(errs *e, const char *field, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#endif
