/* import_job: one import of a file into contacts, companies or deals, from the first byte
 * to the last counted row, and its undo.
 *
 * An import is a row of the `imports` table (import_store.h) holding its settings, the
 * uploaded file's path, its status and its counts. Running it reads the file
 * (import/reader.h), maps each row (import/mapping.h), looks for the card it duplicates
 * (normalised phone, email, tax id or a chosen field) and then creates, updates or skips —
 * through resource_create / resource_update, the same validation, scopes, custom fields,
 * phone normalisation, indexes and audit as the API, under the importing user's principal.
 *
 * Nothing is silently lost: every data row read ends up created, updated, skipped or
 * rejected, and read = created + updated + skipped + rejected. Rejected rows (bad values,
 * unreadable source rows) and skipped ones (duplicates, empty rows) are kept with their
 * original cells and the reason; created and updated cards are kept with what undo needs
 * (the old values of what an update changed).
 *
 * Rows are written in batches, one transaction each (a row that fails is rolled back to its
 * own savepoint, the batch goes on); each batch also commits the counts, so progress is
 * visible while the job runs and a job stopped half-way (server restart) resumes after the
 * last committed row. A dry run does everything but rolls every row back: its counts and
 * report are what a real run would give (duplicates inside the file are remembered in
 * memory then, 16 bytes per key).
 *
 * Threads: one run per import at a time; ctx is the caller's (its db is the thread's). */
#ifndef KT_IMPORT_JOB_H
#define KT_IMPORT_JOB_H
#include <jansson.h>
#include <stdbool.h>
#include "core/buf.h"
#include "domain/ctx.h"
#include "import/mapping.h"
#include "import/reader.h"

typedef enum { DUP_SKIP, DUP_UPDATE, DUP_CREATE } import_dup;
enum { MATCH_PHONE = 1, MATCH_EMAIL = 2, MATCH_TAX_ID = 4, MATCH_FIELD = 8 };

/* what an administrator chooses; the JSON form is documented in docs/api/imports.md */
typedef struct import_settings {
    const char *object;          /* "contacts" | "companies" | "deals" */
    import_format format;
    const char *encoding;        /* NULL = detect */
    char delimiter;              /* 0 = detect */
    const char *sheet;           /* XLSX: NULL = the first sheet */
    json_t *mapping;             /* adjustments, NULL = none (mapping.h) */
    bool guess;                  /* guess the columns the mapping does not name */
    date_order dates;
    const char *region;          /* default phone region; NULL = the server's */
    import_dup on_duplicate;
    unsigned match;              /* MATCH_* bits; parse fills the object's default when none */
    const char *match_field;     /* MATCH_FIELD: a target path ("custom_fields.code") */
    long long owner_id;          /* owner of new cards without an owner column; 0 = the importer */
    bool dry_run;
} import_settings;

void import_settings_default(import_settings *s);
/* reads the members present in j over *s; unknown members and bad values go to e.
 * Strings are copied into the arena. -1 when e got errors. */
int import_settings_parse(arena *a, json_t *j, import_settings *s, errs *e);
void import_settings_write(const import_settings *s, jw *w);
/* "csv"/"xlsx"/"vcard"; -1 when unknown */
int import_format_parse(const char *s);
const char *import_format_name(import_format f);
/* from the first bytes of a file: XLSX (a zip), vCard (BEGIN:VCARD), else CSV */
import_format import_format_sniff(const void *data, size_t n);

typedef struct import_counts {
    long long read, created, updated, skipped, rejected;
} import_counts;

typedef struct import_hooks {
    /* after every committed batch */
    void (*progress)(void *cls, const import_counts *n, size_t bytes_read, size_t bytes_total);
    /* asked between batches: true stops the run (status "cancelled", or left "running" to
     * resume when `stopping` says the server is going down) */
    bool (*cancelled)(void *cls, bool *stopping);
    void *cls;
} import_hooks;

enum { IMPORT_BATCH_ROWS = 2000, IMPORT_PREVIEW_MAX = 100 };

/* Runs import `id` to its end (status done/failed/cancelled; counts in *n). Returns 0, or
 * -1 with a message in err when the file could not be read at all or the database failed
 * (the import is then "failed" with that message; batches already committed stay). */
int import_run(ctx *c, long long id, const import_hooks *h, import_counts *n, char *err, size_t errlen);

/* The first `rows` data rows as they would be saved, written as {"format", "encoding",
 * "delimiter", "sheets", "columns", "mapping", "rows": [{"line", "action", "record" |
 * "errors", "duplicate_of"}]}. Nothing is written to the database. 0, or -1 with err. */
int import_preview(ctx *c, long long id, int rows, jw *out, char *err, size_t errlen);

typedef struct undo_counts {
    long long deleted, restored, conflicts, gone;
} undo_counts;
/* Undoes import `id`: cards it created are deleted, cards it updated get their old values
 * back unless someone changed them since (a conflict: left alone and counted). */
int import_undo(ctx *c, long long id, const import_hooks *h, undo_counts *n, char *err, size_t errlen);
#endif
