/* Arena: a region allocator for one request or one job step.
 *
 * Every allocation lives until arena_release(); nothing is freed on its own. Foreign objects
 * (a jansson value, a prepared statement) are registered with arena_defer() and cleaned up,
 * newest first, when the arena is released. Out of memory aborts the process: a half
 * recovered request is worse than a restart. */
#ifndef KT_ARENA_H
#define KT_ARENA_H
#include <stddef.h>
#include <stdarg.h>

typedef struct arena_block arena_block;
typedef struct arena_defer_item arena_defer_item;
typedef struct arena {
    arena_block *head;
    arena_defer_item *defers;
    size_t total;   /* bytes obtained from malloc, for memory reports */
} arena;

void arena_init(arena *a);
void arena_release(arena *a);
void *arena_alloc(arena *a, size_t n);            /* zeroed, 16-byte aligned */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);
void arena_defer(arena *a, void (*fn)(void *), void *p);

/* aborts with a message; used for every allocation failure */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
#endif
