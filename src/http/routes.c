/* Every module's routes, registered once at start-up. */
#include "http/router.h"
#include "core/module.h"

void routes_register_all(void)
{
    for (module *m = module_first(); m; m = m->next)
        if (m->routes) m->routes();
}
