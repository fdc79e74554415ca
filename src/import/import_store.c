/* The imports and import_rows tables: every statement over them, the imports resource
 * (read-only through the API: lists, one import with its progress). See import_store.h. */
#include "import/import_store.h"
#include "export/writer.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- the resource (lists and reads; writes go through the functions below) ---------- */

static const char *const statuses[] = {"ready", "queued", "running", "done", "failed", "cancelling", "cancelled", "undoing",
                                       "undone", NULL};

static const field_def import_fields[] = {
    {"object", "object", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"format", "format", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"file_name", "file_name", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"file_size", "file_size", FT_INT, FF_READONLY, 0, NULL, NULL},
    {"status", "status", FT_ENUM, FF_READONLY, 0, statuses, NULL},
    {"settings", "settings", FT_JSON, FF_READONLY | FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"columns", "columns", FT_JSON, FF_READONLY | FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {"encoding", "encoding", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"delimiter", "delimiter", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"started_at", "started_at", FT_TIME, FF_READONLY, 0, NULL, NULL},
    {"finished_at", "finished_at", FT_TIME, FF_READONLY, 0, NULL, NULL},
    {"error", "error", FT_TEXT, FF_READONLY | FF_NOSORT, 0, NULL, NULL},
    {"created_by", "created_by", FT_REF, FF_READONLY, 0, NULL, "users"},
    {0},
};

static void import_write_extra(ctx *c, long long id, jw *w) { import_store_write_progress(c, id, w); }

const resource import_resource = {
    .name = "import", .plural = "imports", .table = "imports", .kind = OBJ_IMPORTS, .fields = import_fields,
    .owner_sql = "t.created_by IN ({users})", .default_sort = "-id", .write_extra = import_write_extra,
};

/* ---------- imports ---------- */

static const char *col_dup(ctx *c, db_cursor *cur, int i)
{
    return db_col_null(cur, i) ? NULL : arena_strndup(c->a, db_col_text(cur, i), db_col_len(cur, i));
}

int import_store_load(ctx *c, long long id, import_record *r)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, "SELECT id, created_by, object, format, status, file_name, file_path, settings, error,"
                                     " rows_read, rows_created, rows_updated, rows_skipped, rows_rejected,"
                                     " bytes_read, bytes_total, file_size, run_ms FROM imports WHERE id = ?", &p);
    if (!cur) return -1;
    int rc = db_step(cur);
    if (rc == 1) {
        memset(r, 0, sizeof *r);
        r->id = db_col_int(cur, 0);
        r->created_by = db_col_int(cur, 1);
        r->object = col_dup(c, cur, 2);
        r->format = col_dup(c, cur, 3);
        r->status = col_dup(c, cur, 4);
        r->file_name = col_dup(c, cur, 5);
        r->file_path = col_dup(c, cur, 6);
        r->settings = col_dup(c, cur, 7);
        r->error = col_dup(c, cur, 8);
        r->n.read = db_col_int(cur, 9);
        r->n.created = db_col_int(cur, 10);
        r->n.updated = db_col_int(cur, 11);
        r->n.skipped = db_col_int(cur, 12);
        r->n.rejected = db_col_int(cur, 13);
        r->bytes_read = db_col_int(cur, 14);
        r->bytes_total = db_col_int(cur, 15);
        r->file_size = db_col_int(cur, 16);
        r->run_ms = db_col_int(cur, 17);
    }
    db_done(cur);
    return rc;
}

long long import_store_create(ctx *c, const char *object, const char *format, const char *file_name,
                              long long file_size, const char *settings_json, const char *status)
{
    dbparams p;
    dbparams_init(&p, c->a);
    if (c->user->user_id) dbp_int(&p, c->user->user_id); else dbp_null(&p);
    dbp_text(&p, object);
    dbp_text(&p, format);
    dbp_text(&p, file_name);
    dbp_int(&p, file_size);
    dbp_text(&p, settings_json);
    dbp_text(&p, status);
    if (db_run(c->db, "INSERT INTO imports(created_by, object, format, file_name, file_size, settings, status)"
                      " VALUES(?,?,?,?,?,?,?)", &p) < 0)
        return -1;
    return db_last_id(c->db);
}

static int run_id_text(ctx *c, const char *sql, long long id, const char *text)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, text);
    dbp_int(&p, id);
    return db_run(c->db, sql, &p) < 0 ? -1 : 0;
}

int import_store_set_file(ctx *c, long long id, const char *path)
{
    return run_id_text(c, "UPDATE imports SET file_path = ? WHERE id = ?", id, path);
}

int import_store_set_settings(ctx *c, long long id, const char *settings_json)
{
    return run_id_text(c, "UPDATE imports SET settings = ?, version = version + 1,"
                          " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", id, settings_json);
}

int import_store_transition(ctx *c, long long id, const char *from, const char *to)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, to);
    dbp_int(&p, id);
    dbp_text(&p, arena_printf(c->a, "|%s|", from));
    long long n = db_run(c->db, "UPDATE imports SET status = ?1, version = version + 1, error = NULL,"
                                " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                                " heartbeat_at = CASE WHEN ?1 IN ('queued', 'undoing') THEN NULL ELSE heartbeat_at END"
                                " WHERE id = ?2 AND instr(?3, '|' || status || '|') > 0", &p);
    return n < 0 ? -1 : n > 0;
}

int import_store_started(ctx *c, long long id, const char *columns_json, const char *encoding, char delimiter)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, columns_json);
    dbp_text(&p, encoding);
    char d[2] = {delimiter, 0};
    if (delimiter) dbp_text(&p, arena_strdup(c->a, d)); else dbp_null(&p);
    dbp_int(&p, id);
    return db_run(c->db, "UPDATE imports SET status = 'running', columns = ?, encoding = ?, delimiter = ?, error = NULL,"
                         " heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                         " started_at = coalesce(started_at, strftime('%Y-%m-%dT%H:%M:%SZ','now')), version = version + 1,"
                         " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", &p) < 0 ? -1 : 0;
}

int import_store_progress(ctx *c, long long id, const import_counts *n, long long bytes_read, long long bytes_total, long long run_ms)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, n->read);
    dbp_int(&p, n->created);
    dbp_int(&p, n->updated);
    dbp_int(&p, n->skipped);
    dbp_int(&p, n->rejected);
    dbp_int(&p, bytes_read);
    dbp_int(&p, bytes_total);
    dbp_int(&p, run_ms);
    dbp_int(&p, id);
    return db_run(c->db, "UPDATE imports SET rows_read = ?, rows_created = ?, rows_updated = ?, rows_skipped = ?,"
                         " rows_rejected = ?, bytes_read = ?, bytes_total = ?, run_ms = ?,"
                         " heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                         " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", &p) < 0 ? -1 : 0;
}

int import_store_finish(ctx *c, long long id, const char *status, const char *error)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, status);
    dbp_text(&p, error);
    dbp_int(&p, id);
    return db_run(c->db, "UPDATE imports SET status = ?, error = ?, version = version + 1,"
                         " finished_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                         " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", &p) < 0 ? -1 : 0;
}

int import_store_undo_progress(ctx *c, long long id, const undo_counts *u, const char *status)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, u->deleted);
    dbp_int(&p, u->restored);
    dbp_int(&p, u->conflicts);
    dbp_int(&p, u->gone);
    dbp_text(&p, status);
    dbp_text(&p, status);
    dbp_int(&p, id);
    return db_run(c->db, "UPDATE imports SET undo_deleted = ?, undo_restored = ?, undo_conflicts = ?, undo_gone = ?,"
                         " status = ?, version = version + 1, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                         " undone_at = CASE WHEN ? = 'undone' THEN strftime('%Y-%m-%dT%H:%M:%SZ','now') END,"
                         " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?", &p) < 0 ? -1 : 0;
}

const char *import_store_status(ctx *c, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    return db_scalar_text(c->db, c->a, "SELECT status FROM imports WHERE id = ?", &p);
}

#define UNCLAIMED "(heartbeat_at IS NULL OR heartbeat_at < strftime('%Y-%m-%dT%H:%M:%SZ','now','-60 seconds'))"

int import_store_claim(ctx *c, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    long long n = db_run(c->db, "UPDATE imports SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                                " WHERE id = ? AND " UNCLAIMED, &p);
    return n < 0 ? -1 : n > 0;
}

long long import_store_next_job(ctx *c, const char **status)
{
    db_cursor *cur = db_query(c->db, "SELECT id, status FROM imports WHERE status IN ('queued', 'running', 'cancelling', 'undoing')"
                                     " AND " UNCLAIMED " ORDER BY id LIMIT 1", NULL);
    if (!cur) return -1;
    long long id = 0;
    if (db_step(cur) == 1) {
        id = db_col_int(cur, 0);
        *status = arena_strdup(c->a, db_col_text(cur, 1));
    }
    db_done(cur);
    if (id > 0 && import_store_claim(c, id) != 1) return 0;   /* another runner was quicker */
    return id;
}

/* ---------- import_rows ---------- */

int import_store_row(ctx *c, long long id, long long line, const char *action, const char *object,
                     long long object_id, long long version, const char *reason, const char *cells_json,
                     const char *before_json)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    dbp_int(&p, line);
    dbp_text(&p, action);
    dbp_text(&p, object);
    if (object_id) dbp_int(&p, object_id); else dbp_null(&p);
    if (version) dbp_int(&p, version); else dbp_null(&p);
    dbp_text(&p, reason);
    dbp_text(&p, cells_json);
    dbp_text(&p, before_json);
    return db_run(c->db, "INSERT INTO import_rows(import_id, line, action, object, object_id, version, reason, cells, before)"
                         " VALUES(?,?,?,?,?,?,?,?,?)", &p) < 0 ? -1 : 0;
}

long long import_store_line_of(ctx *c, long long id, const char *object, long long object_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    dbp_int(&p, object_id);
    dbp_int(&p, id);
    long long line = db_scalar(c->db, "SELECT line FROM import_rows WHERE object = ? AND object_id = ? AND import_id = ?"
                                      " AND action = 'created'", &p, 0);
    return line > 0 ? line : 0;
}

int import_store_undo_items(ctx *c, long long id, undo_item *items, int max)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    dbp_int(&p, max);
    db_cursor *cur = db_query(c->db, "SELECT id, object_id, version, action, object, before FROM import_rows"
                                     " WHERE import_id = ? AND action IN ('created', 'updated') AND undone = 0"
                                     " AND object_id IS NOT NULL ORDER BY id DESC LIMIT ?", &p);
    if (!cur) return -1;
    int n = 0, rc;
    while (n < max && (rc = db_step(cur)) == 1) {
        undo_item *it = &items[n++];
        it->row_id = db_col_int(cur, 0);
        it->object_id = db_col_int(cur, 1);
        it->version = db_col_int(cur, 2);
        it->action = col_dup(c, cur, 3);
        it->object = col_dup(c, cur, 4);
        it->before = col_dup(c, cur, 5);
    }
    db_done(cur);
    return n;
}

int import_store_undo_done(ctx *c, long long row_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, row_id);
    return db_run(c->db, "UPDATE import_rows SET undone = 1 WHERE id = ?", &p) < 0 ? -1 : 0;
}

int import_store_reset(ctx *c, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_run(c->db, "DELETE FROM import_rows WHERE import_id = ?", &p) < 0) return -1;
    return db_run(c->db, "UPDATE imports SET rows_read = 0, rows_created = 0, rows_updated = 0, rows_skipped = 0,"
                         " rows_rejected = 0, bytes_read = 0, run_ms = 0, started_at = NULL, finished_at = NULL,"
                         " error = NULL WHERE id = ?", &p) < 0 ? -1 : 0;
}

int import_store_report_csv(ctx *c, long long id, FILE *out)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    json_t *columns = NULL;
    const char *cols = db_scalar_text(c->db, c->a, "SELECT columns FROM imports WHERE id = ?", &p);
    if (cols) columns = json_loads(cols, 0, NULL);
    buf line;
    buf_init(&line, 0);
    buf_adds(&line, "\xef\xbb\xbfline,status,reason");
    size_t i;
    json_t *v;
    json_array_foreach(columns, i, v) {
        buf_addc(&line, ',');
        csv_cell(&line, json_string_value(v), json_string_length(v), false, ',');
    }
    json_decref(columns);
    buf_adds(&line, "\r\n");
    int rc = fwrite(line.data, 1, line.len, out) == line.len ? 0 : -1;
    db_cursor *cur = db_query(c->db, "SELECT line, action, reason, cells FROM import_rows"
                                     " WHERE import_id = ? AND action IN ('rejected', 'skipped') ORDER BY line, id", &p);
    if (!cur) rc = -1;
    while (rc == 0 && db_step(cur) == 1) {
        buf_reset(&line);
        buf_printf(&line, "%lld,%s,", db_col_int(cur, 0), db_col_text(cur, 1));
        csv_cell(&line, db_col_text(cur, 2), db_col_len(cur, 2), false, ',');
        json_t *cells = db_col_null(cur, 3) ? NULL : json_loadb(db_col_text(cur, 3), db_col_len(cur, 3), 0, NULL);
        json_array_foreach(cells, i, v) {
            buf_addc(&line, ',');
            csv_cell(&line, json_string_value(v), json_string_length(v), false, ',');
        }
        json_decref(cells);
        buf_adds(&line, "\r\n");
        if (fwrite(line.data, 1, line.len, out) != line.len) rc = -1;
    }
    db_done(cur);
    buf_release(&line);
    return rc;
}

void import_store_write_progress(ctx *c, long long id, jw *w)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, "SELECT rows_read, rows_created, rows_updated, rows_skipped, rows_rejected,"
                                     " bytes_read, bytes_total, run_ms, status, undo_deleted, undo_restored,"
                                     " undo_conflicts, undo_gone, undone_at FROM imports WHERE id = ?", &p);
    if (!cur || db_step(cur) != 1) { db_done(cur); return; }
    long long read = db_col_int(cur, 0), bytes = db_col_int(cur, 5), total = db_col_int(cur, 6), ms = db_col_int(cur, 7);
    const char *status = db_col_text(cur, 8);
    jw_key(w, "counts");
    jw_obj(w);
    jw_kint(w, "read", read);
    jw_kint(w, "created", db_col_int(cur, 1));
    jw_kint(w, "updated", db_col_int(cur, 2));
    jw_kint(w, "skipped", db_col_int(cur, 3));
    jw_kint(w, "rejected", db_col_int(cur, 4));
    jw_obj_end(w);
    jw_key(w, "progress");
    jw_obj(w);
    jw_kint(w, "rows_done", read);
    jw_kint(w, "bytes_read", bytes);
    jw_kint(w, "bytes_total", total);
    /* a run that read its file to the end is at 100 %, whatever the bytes say (XLSX counts
     * the sheet's XML, which has a tail after the last row) */
    bool complete = !strcmp(status, "done") || !strcmp(status, "undoing") || !strcmp(status, "undone");
    jw_key(w, "percent");
    if (complete) jw_int(w, 100);
    else if (total > 0) jw_double(w, (double)((bytes * 1000) / total) / 10.0);
    else jw_int(w, 0);
    jw_key(w, "rate");
    if (ms > 0) jw_int(w, read * 1000 / ms); else jw_null(w);
    jw_key(w, "eta_seconds");
    if (!strcmp(status, "running") && ms > 0 && bytes > 0 && total >= bytes)
        jw_int(w, (long long)((double)(total - bytes) * (double)ms / (double)bytes / 1000.0 + 0.5));
    else jw_null(w);
    jw_obj_end(w);
    if (!strcmp(status, "undoing") || !strcmp(status, "undone")) {
        jw_key(w, "undo");
        jw_obj(w);
        jw_kint(w, "deleted", db_col_int(cur, 9));
        jw_kint(w, "restored", db_col_int(cur, 10));
        jw_kint(w, "conflicts", db_col_int(cur, 11));
        jw_kint(w, "gone", db_col_int(cur, 12));
        jw_kstr(w, "undone_at", db_col_text(cur, 13));
        jw_obj_end(w);
    }
    db_done(cur);
    jw_kstr(w, "errors_url", arena_printf(c->a, "/api/v1/imports/%lld/errors", id));
}
