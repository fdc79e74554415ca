/* The ordered list of registered modules. */
#include "core/module.h"
#include <stddef.h>

static module *g_first;

void module_register(module *m)
{
    module **p = &g_first;
    while (*p && (*p)->order <= m->order) p = &(*p)->next;
    m->next = *p;
    *p = m;
}

module *module_first(void) { return g_first; }
