/* The bulk path of imports of client cards (contacts, companies): what each row needs, and
 * nothing twice.
 *
 * The row by row path (import_job.c) runs resource_create for every row: the card is
 * checked, written, read back as JSON and parsed again for the audit diff, its indexes
 * rebuilt from what was read back. Here the work is split in two, on two threads:
 *   - the reading thread (import_pipeline.h) maps each row, resolves its owner and runs
 *     every check of the API on it (resource_check_create: the same field rules, custom
 *     fields and validate hooks; each phone is parsed once, by the mapping, and the
 *     card's own check finds it in the phone shim's per-thread memo), and works out the
 *     row's duplicate keys and the checks of the company it names;
 *   - this thread, in file order, looks for duplicates in the database (which holds this
 *     file's earlier rows too: each card's index rows are written with it), finds or
 *     creates the company (per batch, companies already met are remembered), and writes
 *     the card with resource_insert, whose audit row is built from the checked write set
 *     (and the columns' defaults), then its index rows (contact_index_created /
 *     company_index_created; the full-text rows are written together at the end of each
 *     batch) and the import's own log row for the report and the undo.
 * Nothing is written for a row before all its checks passed, so no row needs a savepoint.
 * Rows this path does not handle go the row by row way, in order, inside the same batch:
 * a duplicate to update, a companies row naming a contact person.
 *
 * A batch is one transaction of up to BULK_BATCH_ROWS rows or a quarter of a second,
 * whichever comes first, as in the row by row path.
 *
 * The path is taken when the run is real (not a dry run or a preview), the cards are
 * contacts or companies, and the importing principal reads and writes every contact and
 * company (an import from the command line, an admin or head): a card written beyond
 * a narrower scope must be refused after its write (resource_create's check), which
 * needs the savepoints of the row by row path. */
#include "import/import_job_impl.h"
#include "import/import_match.h"
#include "import/import_pipeline.h"
#include "domain/card_fields.h"
#include "domain/clients.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "domain/search.h"
#include <stdio.h>
#include <string.h>

enum { BULK_BATCH_ROWS = 8192, COMPANY_BUCKETS = 4096 };

/* a company met in this batch, by the keys a row names it with */
typedef struct company_seen {
    const char *key;
    long long id;
    const char *name;
    struct company_seen *next;
} company_seen;

typedef struct bulk {
    job *j;
    owner_cache owners;          /* the reading thread's */
    arena owner_texts;
    arena *batch;                /* what this thread remembers for the running batch */
    company_seen *companies[COMPANY_BUCKETS];
} bulk;

/* what the reading thread made of a data row */
typedef struct bulk_row {
    const char *action, *reason; /* decided before any duplicate check: rejected or skipped */
    bool failed;                 /* the database failed while preparing */
    bool slow;                   /* the row by row way */
    dup_key *keys;
    size_t nkeys;
    write_set w;                 /* the card, checked */
    card_index ix;               /* its index rows */
    const char *invalid;         /* why the card cannot be written (told after the duplicate check) */
    bool linked;                 /* names a company */
    const char *co_name, *co_tax, *co_key;
    const char *co_name_key;     /* company_name_match_key of co_name, made here for the writer */
    write_set cw;                /* the company to create when none is found, checked */
    card_index cix;
    const char *co_invalid;
} bulk_row;

bool import_bulk_fits(job *j)
{
    if (j->set.dry_run || j->preview) return false;
    if (j->kind->res != &contact_resource && j->kind->res != &company_resource) return false;
    ctx *c = j->c;
    const resource *both[] = {j->kind->res, j->kind->linked_res};
    for (int i = 0; i < 2; i++)
        if (resource_level(c, both[i], ACT_WRITE) != SCOPE_ALL || resource_level(c, both[i], ACT_READ) != SCOPE_ALL) return false;
    return true;
}

/* ---------- the reading thread ---------- */

/* the company a contact row names: how to find it, and its checks in case it must be made */
static void prepare_company(job *j, ctx *c, const mapped_row *m, bulk_row *r)
{
    json_t *l = m->linked;
    r->linked = true;
    r->co_name = json_string_value(json_object_get(l, "name"));
    r->co_tax = json_string_value(json_object_get(l, "tax_id"));
    int st = 0;
    if (r->co_name) {
        json_t *body = job_linked_body(c, l, m->record);
        errs e;
        errs_init(&e, c->a);
        st = resource_check_create(c, &j->linked_res, body, &r->cw, &e);
        if (st) r->co_invalid = e.n ? job_reason(j, c->a, &e, "company: ")
                                    : arena_printf(c->a, "company: %s", job_status_reason(&j->linked_res, st, &e, j, c->a));
        else company_index_prepare(c, &r->cw, &r->cix);
    }
    /* the name's key as the company's checks made it for its column, else made here */
    const char *name_key = r->co_name && !st ? card_column_text(&r->cw, "name_key") : NULL;
    if (!name_key) name_key = r->co_name ? company_name_match_key(c->a, r->co_name) : "";
    r->co_name_key = name_key;
    /* both keys: a row with a tax id that matches nothing falls back to the name */
    const char *tax = r->co_tax ? company_tax_key(c->a, r->co_tax) : "";
    const char *name = *name_key ? name_key : r->co_name ? r->co_name : "";
    size_t tn = strlen(tax), nn = strlen(name);
    char *key = arena_alloc(c->a, tn + nn + 2);
    memcpy(key, tax, tn);
    key[tn] = '\x01';
    memcpy(key + tn + 1, name, nn + 1);
    r->co_key = key;
}

static void *prepare(void *cls, ctx *c, const import_row *row)
{
    bulk *b = cls;
    job *j = b->j;
    bulk_row *r = arena_alloc(c->a, sizeof *r);
    errs e;
    errs_init(&e, c->a);
    mapped_row m;
    if (mapping_apply(&j->map, row, &j->opts, c->a, &m, &e) != 0) {
        r->action = "rejected";
        r->reason = job_reason(j, c->a, &e, NULL);
        return r;
    }
    if (m.empty) { r->action = "skipped"; r->reason = "empty row"; return r; }
    if (m.linked && j->kind->res == &company_resource) { r->slow = true; return r; }
    if (m.owner) {
        long long uid = job_owner(&b->owners, c, m.owner);
        if (uid < 0) { r->failed = true; return r; }
        if (!uid) {
            errs_add(&e, "owner", "invalid_reference", "no active user '%s' to own the card", m.owner);
            r->action = "rejected";
            r->reason = job_reason(j, c->a, &e, NULL);
            return r;
        }
        json_object_set_new(m.record, "owner_id", json_integer(uid));
    }
    r->nkeys = j->set.on_duplicate == DUP_CREATE ? 0 : job_row_keys(j, c->a, &m, &r->keys);
    if (m.linked) prepare_company(j, c, &m, r);
    if (j->set.owner_id && !json_object_get(m.record, "owner_id"))
        json_object_set_new(m.record, "owner_id", json_integer(j->set.owner_id));
    int st = resource_check_create(c, &j->res, m.record, &r->w, &e);
    if (st) r->invalid = job_status_reason(&j->res, st, &e, j, c->a);
    else if (j->kind->res == &contact_resource) contact_index_prepare(c, &r->w, &r->ix);
    else company_index_prepare(c, &r->w, &r->ix);
    return r;
}

/* ---------- this thread ---------- */

static company_seen **company_slot(bulk *b, const char *key)
{
    company_seen **s = &b->companies[job_key_hash("company", key) % COMPANY_BUCKETS];
    while (*s && strcmp((*s)->key, key)) s = &(*s)->next;
    return s;
}

/* the company row r names: found (as link_company of the row by row path finds it: by tax
 * id, else by name) or to be created (*id 0, *reason NULL). -1 on a database error */
static int find_company(bulk *b, ctx *c, const bulk_row *r, long long *id, const char **name, const char **reason)
{
    *id = 0;
    *name = NULL;
    *reason = NULL;
    company_seen *seen = *company_slot(b, r->co_key);
    if (seen) { *id = seen->id; *name = seen->name; return 0; }
    long long found = 0;
    if (r->co_tax) found = match_tax_id(c, r->co_tax);
    if (found == 0 && r->co_name) found = match_company_key(c, r->co_name_key, r->co_name);
    if (found < 0) return -1;
    if (found) {
        *id = found;
        *name = client_name(c, &client_company, found);
    } else if (!r->co_name) {
        *reason = arena_printf(c->a, "no company with tax id '%s' and no company name to create one", r->co_tax ? r->co_tax : "");
    } else {
        *reason = r->co_invalid;
    }
    return 0;
}

static void remember_company(bulk *b, const char *key, long long id, const char *name)
{
    company_seen **s = company_slot(b, key);
    if (*s) return;
    company_seen *n = arena_alloc(b->batch, sizeof *n);
    *n = (company_seen){arena_strdup(b->batch, key), id, name ? arena_strdup(b->batch, name) : NULL, NULL};
    *s = n;
}

typedef struct company_link { long long id; const char *name; } company_link;

static void audit_links(void *cls, long long id, jw *w)
{
    (void)id;
    const company_link *l = cls;
    contact_links_audit(w, l->id, l->name);
}

/* one row; 0, or -1 when the database failed (the batch is rolled back, the job fails) */
static int write_row(bulk *b, ctx *c, const pipeline_row *pr)
{
    job *j = b->j;
    if (pr->rc < 0) return job_log_unreadable(j, c, pr->row.line, pr->error);
    const bulk_row *r = pr->prepared;
    outcome o;
    memset(&o, 0, sizeof o);
    if (r->failed) return -1;
    if (r->action) {
        o.action = r->action;
        o.reason = r->reason;
        return job_log(j, c, &pr->row, &o);
    }
    const dup_key *hit = NULL;
    for (size_t i = 0; i < r->nkeys && !r->slow && !hit; i++) {
        long long id = job_find_dup(j, c, &r->keys[i]);
        if (id < 0) return -1;
        if (id) { o.dup_id = id; hit = &r->keys[i]; }
    }
    if (hit && j->set.on_duplicate == DUP_SKIP) {
        o.action = "skipped";
        o.reason = job_dup_reason(j, c, hit, o.dup_id, 0);
        return job_log(j, c, &pr->row, &o);
    }
    if (hit || r->slow) {   /* an update of the card found, or a row this path does not handle */
        if (job_process(j, c, &pr->row, &o) != 0) return -1;
        return job_log(j, c, &pr->row, &o);
    }
    company_link link = {0, NULL};
    const char *reason = NULL;
    if (r->linked && find_company(b, c, r, &link.id, &link.name, &reason) != 0) return -1;
    /* the company's problem first, as the row by row path finds it before the card's */
    if (!reason) reason = r->invalid;
    if (reason) {
        o.action = "rejected";
        o.reason = reason;
        return job_log(j, c, &pr->row, &o);
    }
    if (r->linked && !link.id) {
        if (resource_insert(c, &j->linked_res, &r->cw, NULL, NULL, &link.id) != 0 ||
            company_index_created(c, link.id, &r->cix) != 0 ||
            import_store_row(c, j->id, (long long)pr->row.line, "created", "company", link.id, 1, NULL, NULL, NULL) != 0)
            return -1;
        link.name = card_column_text(&r->cw, "name");
    }
    if (r->linked) remember_company(b, r->co_key, link.id, link.name);
    bool contact = j->kind->res == &contact_resource;
    if (resource_insert(c, &j->res, &r->w, contact ? audit_links : NULL, &link, &o.id) != 0) return -1;
    if (contact ? contact_index_created(c, o.id, &r->ix, link.id, link.name) != 0 : company_index_created(c, o.id, &r->ix) != 0)
        return -1;
    o.action = "created";
    o.version = 1;
    return job_log(j, c, &pr->row, &o);
}

int import_bulk_run(job *j, const import_hooks *h, long long base_ms, bool *cancelled, bool *stopping, char *err, size_t errlen)
{
    ctx *c = j->c;
    bulk *b = calloc(1, sizeof *b);
    if (!b) { snprintf(err, errlen, "out of memory"); return -1; }
    b->j = j;
    arena_init(&b->owner_texts);
    b->owners.a = &b->owner_texts;
    ctx proto = *c;
    proto.request_id = j->request_id;
    size_t total = import_bytes_total(j->rd);
    pipeline *pl = pipeline_start(j->rd, &proto, prepare, b);
    int rc = -1;
    if (!pl) { snprintf(err, errlen, "cannot start the reading thread"); goto out; }
    long long started = job_now_ms();
    for (bool eof = false; !eof;) {
        if (h && h->cancelled && h->cancelled(h->cls, stopping)) { *cancelled = true; break; }
        if (db_begin(c->db) != 0) { snprintf(err, errlen, "the database is busy: %s", db_errmsg(c->db)); goto out; }
        search_batch_begin();
        arena ba;
        arena_init(&ba);
        b->batch = &ba;
        memset(b->companies, 0, sizeof b->companies);
        ctx bc = *c;
        bc.a = &ba;
        bc.request_id = j->request_id;
        long long t0 = job_now_ms();
        bool failed = false;
        for (int k = 0; k < BULK_BATCH_ROWS && !failed; k++) {
            const pipeline_row *pr = pipeline_next(pl);
            if (!pr) { eof = true; break; }
            /* each row's scratch memory goes with it: the batch keeps only what it remembers */
            arena ra;
            arena_init(&ra);
            ctx rowc = bc;
            rowc.a = &ra;
            failed = write_row(b, &rowc, pr) != 0;
            arena_release(&ra);
            if ((k & 255) == 255 && job_now_ms() - t0 > 250) break;
        }
        long long ms = base_ms + job_now_ms() - started;
        if (failed || search_batch_flush(&bc) != 0 ||
            import_store_progress(&bc, j->id, &j->n, (long long)pipeline_bytes_read(pl), (long long)total, ms) != 0 ||
            db_commit(c->db) != 0) {
            snprintf(err, errlen, "database: %s", db_errmsg(c->db));
            db_rollback(c->db);
            arena_release(&ba);
            goto out;
        }
        arena_release(&ba);
        if (h && h->progress) h->progress(h->cls, &j->n, pipeline_bytes_read(pl), total);
    }
    rc = 0;
out:
    pipeline_stop(pl);
    arena_release(&b->owner_texts);
    free(b);
    return rc;
}
