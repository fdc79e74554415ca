/* Schema migrations, grouped by component.
 *
 * Each component (core, contacts, deals, ...) owns an ordered list of SQL steps in its own
 * module; step N of a component is applied once, in its own transaction, and recorded in
 * schema_migrations(component, version). Steps are never edited after they ship: a change
 * is a new step. The registry in migrate.c lists components in dependency order. */
#ifndef KT_MIGRATE_H
#define KT_MIGRATE_H
typedef struct migration_set {
    const char *component;
    const char *const *steps;   /* NULL-terminated */
} migration_set;

extern const migration_set core_migrations;
#endif
