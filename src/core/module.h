/* module: how a part of Kartoteka plugs itself in without editing a central list.
 *
 * Each module (foundation, contacts, deals, ...) declares one `module` with its schema
 * steps, its routes and its background work, and registers it with MODULE_REGISTER. The
 * binary links the whole library (--whole-archive), so every module's constructor runs
 * before main. Modules are visited in ascending `order`: a module's schema may refer to
 * tables of modules with a lower order (foundation 0, clients 10, funnel 20, activities
 * 30, import/export 40). Schema steps are numbered per module, applied once each in
 * their own transaction, and never edited after they ship. */
#ifndef KT_MODULE_H
#define KT_MODULE_H

typedef struct module {
    const char *name;
    int order;
    const char *const *schema;      /* NULL-terminated SQL steps, or NULL */
    void (*routes)(void);           /* router_add calls, or NULL */
    void (*start)(void);            /* background threads started by `serve`, or NULL */
    void (*stop)(void);             /* stops them; called before the database closes */
    struct module *next;
} module;

void module_register(module *m);
/* first module in order; iterate with m->next */
module *module_first(void);

#define MODULE_REGISTER(m) \
    __attribute__((constructor)) static void m##_register(void) { module_register(&m); }
#endif
