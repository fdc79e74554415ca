/* Pending full-text rows and their indexer (see fts_queue.h). */
#include "domain/fts_queue.h"
#include <stdlib.h>
#include <string.h>

int fts_queue_set(ctx *c, const char *fts, const char *column, long long rowid, const char *text)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, fts);
    dbp_text(&p, column);
    dbp_int(&p, rowid);
    dbp_text(&p, text);
    return db_run(c->db, "INSERT INTO fts_pending(fts, col, row, body) VALUES(?, ?, ?, ?)", &p) < 0 ? -1 : 0;
}

/* table and column names come from the database: only plain identifiers are spliced */
static bool identifier(const char *s)
{
    if (!s || !*s || strlen(s) > 64) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
    return true;
}

typedef struct pending { long long id, row; const char *fts, *col, *body; } pending;

static int move_row(db *d, arena *a, const pending *r)
{
    if (!identifier(r->fts) || !identifier(r->col)) return 0;   /* not ours: dropped with the batch */
    dbparams p;
    dbparams_init(&p, a);
    dbp_int(&p, r->row);
    if (db_run(d, arena_printf(a, "DELETE FROM %s WHERE rowid = ?", r->fts), &p) < 0) return -1;
    if (!r->body) return 0;
    dbp_text(&p, r->body);
    return db_run(d, arena_printf(a, "INSERT INTO %s(rowid, %s) VALUES(?, ?)", r->fts, r->col), &p) < 0 ? -1 : 0;
}

int fts_queue_apply(db *d, int max)
{
    /* a look first: an idle indexer takes no write lock */
    long long any = db_scalar(d, "SELECT EXISTS (SELECT 1 FROM fts_pending)", NULL, 0);
    if (any <= 0) return any < 0 ? -1 : 0;
    arena a;
    arena_init(&a);
    int n = 0, rc = 0;
    if (db_begin(d) != 0) { arena_release(&a); return -1; }
    dbparams p;
    dbparams_init(&p, &a);
    dbp_int(&p, max);
    pending *rows = arena_alloc(&a, (size_t)max * sizeof *rows);
    db_cursor *cur = db_query(d, "SELECT id, fts, col, row, body FROM fts_pending ORDER BY id LIMIT ?", &p);
    if (!cur) rc = -1;
    while (cur && n < max && (rc = db_step(cur)) == 1) {
        const char *body = db_col_text(cur, 4);
        rows[n++] = (pending){db_col_int(cur, 0), db_col_int(cur, 3), arena_strdup(&a, db_col_text(cur, 1)),
                              arena_strdup(&a, db_col_text(cur, 2)), body ? arena_strndup(&a, body, db_col_len(cur, 4)) : NULL};
    }
    db_done(cur);
    for (int i = 0; i < n && rc >= 0; i++) rc = move_row(d, &a, &rows[i]);
    if (rc >= 0 && n) {
        dbparams_init(&p, &a);
        dbp_int(&p, rows[n - 1].id);
        if (db_run(d, "DELETE FROM fts_pending WHERE id <= ?", &p) < 0) rc = -1;
    }
    if (rc < 0) db_rollback(d);
    else if (db_commit(d) != 0) rc = -1;
    arena_release(&a);
    return rc < 0 ? -1 : n;
}

int fts_queue_drain(db *d)
{
    int n;
    while ((n = fts_queue_apply(d, 2000)) > 0) {}
    return n;
}
