/* Collecting per-field input problems. */
#include "core/errs.h"
#include <stdarg.h>
#include <string.h>

void errs_init(errs *e, arena *a) { memset(e, 0, sizeof *e); e->a = a; }

void errs_add(errs *e, const char *field, const char *code, const char *fmt, ...)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        field_error *v = arena_alloc(e->a, cap * sizeof *v);
        if (e->n) memcpy(v, e->v, e->n * sizeof *v);
        e->v = v;
        e->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    e->v[e->n].field = field ? arena_strdup(e->a, field) : NULL;
    e->v[e->n].code = code;
    e->v[e->n].message = arena_vprintf(e->a, fmt, ap);
    va_end(ap);
    e->n++;
}

