/* The transfer module (order 40): imports and exports of the client base. Schema of
 * imports (one row per import: settings, file, status, counts), import_rows (its report
 * and undo log, see import_store.h) and exports (one row per export: who, what, which
 * filter, how many rows); the routes /api/v1/imports and /api/v1/exports; the worker
 * thread that runs queued imports and undos in the background. */
#include "core/module.h"
#include "export/export.h"
#include "import/import_worker.h"
#include <stddef.h>

#define TS "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"

static const char *const steps[] = {
    "CREATE TABLE imports(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_at " TS ", updated_at " TS ","
    " created_by INTEGER REFERENCES users(id), object TEXT NOT NULL, format TEXT NOT NULL, file_name TEXT, file_path TEXT,"
    " file_size INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, settings TEXT NOT NULL DEFAULT '{}', columns TEXT,"
    " encoding TEXT, delimiter TEXT, rows_read INTEGER NOT NULL DEFAULT 0, rows_created INTEGER NOT NULL DEFAULT 0,"
    " rows_updated INTEGER NOT NULL DEFAULT 0, rows_skipped INTEGER NOT NULL DEFAULT 0, rows_rejected INTEGER NOT NULL DEFAULT 0,"
    " bytes_read INTEGER NOT NULL DEFAULT 0, bytes_total INTEGER NOT NULL DEFAULT 0, run_ms INTEGER NOT NULL DEFAULT 0,"
    " started_at TEXT, finished_at TEXT, error TEXT, undo_deleted INTEGER NOT NULL DEFAULT 0,"
    " undo_restored INTEGER NOT NULL DEFAULT 0, undo_conflicts INTEGER NOT NULL DEFAULT 0, undo_gone INTEGER NOT NULL DEFAULT 0,"
    " undone_at TEXT);"
    "CREATE INDEX imports_status ON imports(status, id);"
    "CREATE INDEX imports_created_by ON imports(created_by, id);"
    "CREATE TABLE import_rows(id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,"
    " line INTEGER NOT NULL, action TEXT NOT NULL, object TEXT, object_id INTEGER, version INTEGER, reason TEXT,"
    " cells TEXT, before TEXT, undone INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX import_rows_import ON import_rows(import_id, action, id);"
    "CREATE INDEX import_rows_object ON import_rows(object, object_id) WHERE action = 'created';"
    "CREATE TABLE exports(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_at " TS ", updated_at " TS ","
    " created_by INTEGER REFERENCES users(id), object TEXT NOT NULL, format TEXT NOT NULL, filter TEXT, q TEXT,"
    " rows INTEGER NOT NULL DEFAULT 0, file_size INTEGER NOT NULL DEFAULT 0, file_path TEXT, expires_at TEXT);"
    "CREATE INDEX exports_created_by ON exports(created_by, id);",
    /* 2: who runs an import: the runner (the server's worker or a command line) stamps it
     * at every batch; another runner takes over only a stamp a minute old */
    "ALTER TABLE imports ADD COLUMN heartbeat_at TEXT;",
    NULL,
};

void import_routes(void);

static void transfer_routes(void)
{
    import_routes();
    export_routes();
}

static module transfer = {.name = "transfer", .order = 40, .schema = steps, .routes = transfer_routes,
                          .start = import_worker_start, .stop = import_worker_stop};
MODULE_REGISTER(transfer)
