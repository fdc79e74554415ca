/* Applies pending schema steps of every registered module, in module order. */
#include "store/db.h"
#include "core/module.h"
#include <stdio.h>
#include <string.h>

int db_migrate(db *d, char *err, size_t errlen)
{
    if (db_exec(d, "CREATE TABLE IF NOT EXISTS schema_migrations(component TEXT NOT NULL, version INTEGER NOT NULL,"
                   " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')), PRIMARY KEY(component, version))") != 0) {
        snprintf(err, errlen, "cannot create schema_migrations: %s", db_errmsg(d));
        return -1;
    }
    arena a;
    arena_init(&a);
    int rc = 0;
    for (module *m = module_first(); m && rc == 0; m = m->next) {
        if (!m->schema) continue;
        dbparams p;
        dbparams_init(&p, &a);
        dbp_text(&p, m->name);
        long long have = db_scalar(d, "SELECT max(version) FROM schema_migrations WHERE component=?", &p, 0);
        for (long long v = have; m->schema[v] && rc == 0; v++) {
            if (db_begin(d) != 0 || db_exec(d, m->schema[v]) != 0) {
                snprintf(err, errlen, "migration %s/%lld failed: %s", m->name, v + 1, db_errmsg(d));
                db_rollback(d);
                rc = -1;
                break;
            }
            dbparams q;
            dbparams_init(&q, &a);
            dbp_text(&q, m->name);
            dbp_int(&q, v + 1);
            if (db_run(d, "INSERT INTO schema_migrations(component, version) VALUES(?,?)", &q) < 0 || db_commit(d) != 0) {
                snprintf(err, errlen, "migration %s/%lld not recorded: %s", m->name, v + 1, db_errmsg(d));
                db_rollback(d);
                rc = -1;
            }
        }
    }
    arena_release(&a);
    return rc;
}

int db_schema_version(db *d)
{
    return (int)db_scalar(d, "SELECT count(*) FROM schema_migrations", NULL, 0);
}
