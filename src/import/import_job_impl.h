/* import_job_impl: what the import engine's files share (import_job.c: settings, the
 * row by row path, preview and undo; import_bulk.c: the bulk path of client cards).
 * Private to src/import/. */
#ifndef KT_IMPORT_JOB_IMPL_H
#define KT_IMPORT_JOB_IMPL_H
#include "import/import_job.h"
#include "import/import_store.h"
#include <stdint.h>

typedef struct object_kind {
    const char *plural, *name;       /* "contacts", "contact" (index rows, audit) */
    const resource *res;
    const char *linked;              /* prefix of the linked record's targets */
    const char *linked_name;
    const resource *linked_res;
    unsigned default_match;
} object_kind;

typedef struct keyset {
    uint64_t *keys;     /* 0 = empty slot */
    uint32_t *lines;    /* the line that had the key (undo: the version it left) */
    size_t n, cap;
} keyset;

/* a (kind, key) pair hashed (FNV-1a), never 0 */
uint64_t job_key_hash(const char *kind, const char *key);

enum { OWNER_CACHE = 64 };

/* users named in owner columns, by the text of the cell */
typedef struct owner_cache {
    struct { const char *text; long long id; } v[OWNER_CACHE];
    int n;
    arena *a;            /* where the texts are kept */
} owner_cache;

typedef struct job {
    ctx *c;
    long long id;
    import_settings set;
    const object_kind *kind;
    resource res, linked_res;        /* copies without the duplicate warnings (see job_init) */
    map_schema schema;
    mapping map;
    map_apply_opts opts;
    unsigned match;
    bool preview;
    import_counts n;
    keyset seen;
    owner_cache owners;
    buf out;
    const char *request_id;
    import_reader *rd;
    import_row header;
    const char **header_cells;
    size_t *header_lens;
} job;

typedef struct outcome {
    const char *action;      /* created, updated, skipped, rejected */
    long long id, version, dup_id, dup_line;
    const char *reason;
    const char *before;      /* updated: JSON of the old values */
    const char *record;      /* preview: the record as it would be saved */
    errs *e;                 /* preview: the problems */
} outcome;

/* the keys of a row, as (kind, key) pairs */
typedef struct dup_key { const char *kind, *key; } dup_key;

/* "column 'E-mail': 'emails[0].value' is not an email address; ..." */
const char *job_reason(job *j, arena *a, const errs *e, const char *prefix);
/* the body of the card a row links to (its company or contact person), owned like the row's
 * own card; freed with the arena */
json_t *job_linked_body(ctx *c, json_t *linked, json_t *record);
const char *job_status_reason(const resource *res, int st, const errs *e, job *j, arena *a);
/* the id of the user a cell names, 0 when none, -1 on a database error */
long long job_owner(owner_cache *oc, ctx *c, const char *text);
size_t job_row_keys(job *j, arena *a, const mapped_row *m, dup_key **out);
/* the card a key finds in the database; 0 none, -1 error */
long long job_find_dup(job *j, ctx *c, const dup_key *k);
const char *job_dup_reason(job *j, ctx *c, const dup_key *k, long long dup_id, long long dup_line);
/* one data row the row by row way: 0 with the outcome, -1 when the database failed */
int job_process(job *j, ctx *c, const import_row *row, outcome *o);
/* counts the outcome and logs what the report and the undo need; 0 or -1 */
int job_log(job *j, ctx *c, const import_row *row, const outcome *o);
int job_log_unreadable(job *j, ctx *c, size_t line, const char *reason);
long long job_now_ms(void);

/* import_bulk.c: true when the run can take the bulk path (see there) */
bool import_bulk_fits(job *j);
/* the rows of a run after the first `skip` ones, the bulk way, in batches: 0 at the end
 * of the file or when h cancelled it (*cancelled, *stopping set), -1 with err */
int import_bulk_run(job *j, const import_hooks *h, long long base_ms, bool *cancelled, bool *stopping,
                    char *err, size_t errlen);
#endif
