/* import_store: every SQL statement over `imports` (one row per import: settings, file,
 * status, counts, progress) and `import_rows` (the report and undo log: one row per data
 * row that was rejected or skipped, with its original cells and the reason, and one per
 * card an import created or updated, with what undo needs). Private to src/import/.
 *
 * Statuses: ready (uploaded, waiting for its settings to be confirmed), queued, running,
 * done, failed, cancelling (asked to stop), cancelled, undoing, undone. */
#ifndef KT_IMPORT_STORE_H
#define KT_IMPORT_STORE_H
#include <stdio.h>
#include "domain/resource.h"
#include "import/import_job.h"

extern const resource import_resource;

typedef struct import_record {
    long long id, created_by;
    const char *object, *format, *status, *file_name, *file_path, *settings, *error;
    import_counts n;
    long long bytes_read, bytes_total, file_size, run_ms;
} import_record;

/* 1 found, 0 missing, -1 database error; strings in the arena */
int import_store_load(ctx *c, long long id, import_record *r);
/* a new import; its id, or -1 */
long long import_store_create(ctx *c, const char *object, const char *format, const char *file_name,
                              long long file_size, const char *settings_json, const char *status);
int import_store_set_file(ctx *c, long long id, const char *path);
int import_store_set_settings(ctx *c, long long id, const char *settings_json);
/* moves from one of the statuses in `from` ("ready|failed") to `to`; 1 moved, 0 not in
 * such a status, -1 error. Moving to queued or undoing hands the import to whichever
 * runner claims it next (import_store_claim). */
int import_store_transition(ctx *c, long long id, const char *from, const char *to);
int import_store_started(ctx *c, long long id, const char *columns_json, const char *encoding, char delimiter);
/* run_ms: time spent running so far (over restarts), for the rate and ETA */
int import_store_progress(ctx *c, long long id, const import_counts *n, long long bytes_read, long long bytes_total, long long run_ms);
int import_store_finish(ctx *c, long long id, const char *status, const char *error);
int import_store_undo_progress(ctx *c, long long id, const undo_counts *u, const char *status);
/* the status of import `id` now (arena), NULL when missing */
const char *import_store_status(ctx *c, long long id);
/* Runners (the server's worker, a command line) take an import by claiming it: the
 * claim stamps heartbeat_at, and every batch stamps it again (progress, started, undo
 * progress). A claim succeeds on an import nobody runs, or whose runner's last stamp is
 * a minute old (a server or command that stopped half-way); so two runners never run one
 * import. 1 claimed, 0 taken, -1 error. */
int import_store_claim(ctx *c, long long id);
/* claims the oldest import a worker should run (queued, cancelling, undoing, or running
 * with a stale claim); its id and status, 0 when none */
long long import_store_next_job(ctx *c, const char **status);
/* forgets a finished run (its counts and rows) before the import runs again */
int import_store_reset(ctx *c, long long id);
/* report / undo rows */
int import_store_row(ctx *c, long long id, long long line, const char *action, const char *object,
                     long long object_id, long long version, const char *reason, const char *cells_json,
                     const char *before_json);
/* the line that created card (object, object_id) in import `id`; 0 when none */
long long import_store_line_of(ctx *c, long long id, const char *object, long long object_id);

typedef struct undo_item {
    long long row_id, object_id, version;
    const char *action, *object, *before;
} undo_item;
/* created/updated rows of import `id` not undone yet, newest first, at most `max`; returns how many were filled, -1 on error (strings in the arena) */
int import_store_undo_items(ctx *c, long long id, undo_item *items, int max);

/* marks an undo row as handled, so an undo resumed after a restart does not redo it */
int import_store_undo_done(ctx *c, long long row_id);

/* writes the report as CSV: line, status, reason, then the file's own columns */
int import_store_report_csv(ctx *c, long long id, FILE *out);
/* progress members of the record: counts, percent, rate, ETA (imports' write_extra) */
void import_store_write_progress(ctx *c, long long id, jw *w);
#endif
