/* export: a filtered list of contacts, companies or deals written to a CSV, XLSX or vCard
 * file, under the control the client base deserves.
 *
 * What may leave: a role's `export` scope of the object kind (none/own/team/all) bounds the
 * rows just as its `read` scope does (the smaller of the two wins), and the `exports`
 * scope allows asking at all. Every export is recorded in the `exports` table and in the
 * audit trail (object "export", action "export", changes {"object", "format", "filter",
 * "q", "rows"}), so who took which part of the base is never a guess.
 *
 * Columns are the object's own fields by their API names (so an export imports back with
 * no mapping), `owner` as the owner's email, the names of linked companies, and the custom
 * fields as "custom_fields.<name>"; lists are joined with "; ". Rows go out in id order,
 * streamed: memory does not grow with the number of rows. */
#ifndef KT_EXPORT_H
#define KT_EXPORT_H
#include "domain/ctx.h"
#include "core/errs.h"
#include "export/writer.h"

typedef struct export_request {
    const char *object;        /* "contacts" | "companies" | "deals" */
    export_format format;
    const char *filter;        /* the list filter language (docs/api/filtering.md), or NULL */
    const char *q;             /* full-text search, or NULL */
    const char *fields;        /* comma list of columns to write, NULL = all */
    char delimiter;            /* CSV; 0 = ',' */
    bool kept;                 /* the server keeps the file (for /exports/{id}/file, removed
                                  after a day); false for a file that is the caller's own */
} export_request;

/* Writes the file at `path`, records the export (row and audit) and returns 201 with its id
 * and row count; 403 when the role may not export this object, 422 with errors in e for a
 * bad request (unknown object, filter or column, vCard of deals), 500 on I/O or database
 * failure (the half-written file is removed). */
int export_run(ctx *c, const export_request *rq, const char *path, long long *export_id, long long *rows, errs *e);

/* removes the files of exports past their expiry (a day); how many, -1 on error */
int export_sweep(ctx *c);

/* HTTP: POST/GET /api/v1/exports, GET /api/v1/exports/{id}, GET /api/v1/exports/{id}/file */
void export_routes(void);
#endif
