/* HTTP side of imports: /api/v1/imports. Upload a file (the raw body) with its settings as
 * query arguments, look at the preview, adjust the settings, start, follow the progress,
 * download the report of rejected and skipped rows, cancel, undo. The work itself runs in
 * the import worker (import_worker.h). */
#include "import/import_job.h"
#include "import/import_store.h"
#include "import/import_worker.h"
#include "import/mapping.h"
#include "export/download.h"
#include "core/config.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PREVIEW_ROWS = 10 };

/* the import if the caller may `act` on it (scope of the imports object) */
static int visible(req *r, ctx *c, long long id, scope_action act)
{
    if (!id || resource_level(c, &import_resource, act) == SCOPE_NONE) return 0;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, &r->a);
    buf_adds(&sql, "SELECT 1 FROM imports t WHERE t.id = ?");
    dbp_int(&p, id);
    resource_scope_sql(c, &import_resource, act, &sql, &p);
    long long v = db_scalar(r->db, sql.data, &p, 0);
    buf_release(&sql);
    return v == 1;
}

/* the record, with the preview spliced in as its last member when asked */
static int answer(req *r, ctx *c, long long id, int status, int preview_rows)
{
    buf_reset(&r->out);
    if (resource_get(c, &import_resource, id, NULL, &r->out) != 200) return reply_db_error(r);
    if (preview_rows > 0 && r->out.len && r->out.data[r->out.len - 1] == '}') {
        r->out.len--;
        buf_adds(&r->out, ",\"preview\":");
        jw w;
        jw_init(&w, &r->out);
        char err[512];
        size_t mark = r->out.len;
        if (import_preview(c, id, preview_rows, &w, err, sizeof err) != 0) {
            r->out.len = mark;
            buf_adds(&r->out, "{\"error\":");
            buf_json_str(&r->out, err);
            buf_addc(&r->out, '}');
        }
        buf_addc(&r->out, '}');
    }
    return reply_json(r, status);
}

static bool truthy(const char *s) { return s && (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes")); }

/* settings given as query arguments of the upload, as the JSON object they stand for */
static json_t *query_settings(req *r, errs *e)
{
    static const char *const text[] = {"object", "format", "encoding", "delimiter", "sheet", "date_order", "region",
                                       "on_duplicate", "match", "match_field", NULL};
    json_t *j = json_object();
    for (const char *const *k = text; *k; k++) {
        const char *v = req_query(r, *k);
        if (v && json_object_set_new(j, *k, json_string(v)) != 0) errs_add(e, *k, "invalid_text", "'%s' is not valid UTF-8", *k);
    }
    const char *v;
    if ((v = req_query(r, "guess"))) json_object_set_new(j, "guess", json_boolean(truthy(v)));
    if ((v = req_query(r, "dry_run"))) json_object_set_new(j, "dry_run", json_boolean(truthy(v)));
    if ((v = req_query(r, "owner_id"))) {
        char *end;
        long long o = strtoll(v, &end, 10);
        json_object_set_new(j, "owner_id", *end || o <= 0 ? json_string(v) : json_integer(o));
    }
    if ((v = req_query(r, "mapping"))) {
        char err[256];
        json_t *m = mapping_parse_spec(v, strlen(v), err, sizeof err);
        if (!m) errs_add(e, "mapping", "invalid_mapping", "%s", err);
        else json_object_set_new(j, "mapping", m);
    }
    return j;
}

/* a "mapping" given as the compact text form becomes the object */
static int mapping_text_to_object(json_t *body, errs *e)
{
    json_t *m = json_object_get(body, "mapping");
    if (!json_is_string(m)) return 0;
    char err[256];
    json_t *o = mapping_parse_spec(json_string_value(m), json_string_length(m), err, sizeof err);
    if (!o) { errs_add(e, "mapping", "invalid_mapping", "%s", err); return -1; }
    json_object_set_new(body, "mapping", o);
    return 0;
}

static const char *settings_text(arena *a, const import_settings *s)
{
    buf b;
    buf_init(&b, 0);
    jw w;
    jw_init(&w, &b);
    import_settings_write(s, &w);
    const char *t = arena_strdup(a, b.data);
    buf_release(&b);
    return t;
}

extern const resource contact_resource, company_resource, deal_resource;

static int may_write_object(ctx *c, const char *object)
{
    const resource *res = !strcmp(object, "companies") ? &company_resource : !strcmp(object, "deals") ? &deal_resource
                        : &contact_resource;
    return resource_level(c, res, ACT_WRITE) != SCOPE_NONE;
}

static const char *safe_name(arena *a, const char *name, const char *ext)
{
    if (!name || !*name) return arena_printf(a, "upload.%s", ext);
    size_t n = strlen(name);
    if (n > 255) n = 255;
    char *s = arena_strndup(a, name, n);
    for (char *p = s; *p; p++) if (*p == '/' || *p == '\\' || (unsigned char)*p < ' ') *p = '_';
    return s;
}

static int imports_upload(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    if (resource_level(&c, &import_resource, ACT_WRITE) == SCOPE_NONE) return reply_forbidden(r, "importing");
    if (r->body.len == 0) return reply_problem(r, 422, "missing_file", "send the file to import as the request body");
    errs e;
    errs_init(&e, &r->a);
    json_t *q = query_settings(r, &e);
    arena_defer(&r->a, (void (*)(void *))json_decref, q);
    import_settings s;
    import_settings_default(&s);
    if (!json_object_get(q, "format")) s.format = import_format_sniff(r->body.data, r->body.len);
    if (!e.n) import_settings_parse(&r->a, q, &s, &e);
    if (e.n) return reply_invalid(r, &e);
    if (!may_write_object(&c, s.object)) return reply_forbidden(r, arena_printf(&r->a, "creating %s", s.object));
    const char *ext = s.format == IMPORT_XLSX ? "xlsx" : s.format == IMPORT_VCARD ? "vcf" : "csv";
    const char *name = safe_name(&r->a, req_query(r, "file_name"), ext);

    char dir[1100];
    snprintf(dir, sizeof dir, "%s/imports", g_config.data);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return reply_problem(r, 500, "internal", "cannot create the imports folder");
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    long long id = import_store_create(&c, s.object, import_format_name(s.format), name, (long long)r->body.len,
                                       settings_text(&r->a, &s), "ready");
    if (id < 0) { db_rollback(r->db); return reply_db_error(r); }
    const char *path = arena_printf(&r->a, "%s/%lld.%s", dir, id, ext);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t done = 0;
    while (fd >= 0 && done < r->body.len) {
        ssize_t k = write(fd, r->body.data + done, r->body.len - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        done += (size_t)k;
    }
    bool written = fd >= 0 && done == r->body.len && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    if (!written || import_store_set_file(&c, id, path) != 0) {
        db_rollback(r->db);
        unlink(path);
        return reply_problem(r, 500, "internal", "cannot store the uploaded file");
    }
    bool start = truthy(req_query(r, "start"));
    if (start && import_store_transition(&c, id, "ready", "queued") != 1) { db_rollback(r->db); unlink(path); return reply_db_error(r); }
    if (db_commit(r->db) != 0) { unlink(path); return reply_db_error(r); }
    if (start) import_worker_poke();
    req_add_header(r, "Location", arena_printf(&r->a, "/api/v1/imports/%lld", id));
    const char *pr = req_query(r, "preview_rows");
    int rows = pr ? atoi(pr) : PREVIEW_ROWS;
    if (rows < 0) rows = 0;
    if (rows > IMPORT_PREVIEW_MAX) rows = IMPORT_PREVIEW_MAX;
    return answer(r, &c, id, 201, rows);
}

/* loads and checks the import of the path; 0 after replying */
static long long target(req *r, ctx *c, scope_action act, import_record *rec)
{
    long long id = req_param_id(r, 0);
    if (!visible(r, c, id, ACT_READ)) { reply_problem(r, 404, "not_found", "no such import"); return 0; }
    if (act != ACT_READ && !visible(r, c, id, act)) { reply_forbidden(r, "changing this import"); return 0; }
    if (import_store_load(c, id, rec) != 1) { reply_db_error(r); return 0; }
    return id;
}

static bool was_dry_run(ctx *c, const import_record *rec)
{
    import_settings s;
    import_settings_default(&s);
    errs e;
    errs_init(&e, c->a);
    json_t *j = json_loads(rec->settings, 0, NULL);
    if (j) arena_defer(c->a, (void (*)(void *))json_decref, j);
    return j && import_settings_parse(c->a, j, &s, &e) == 0 && s.dry_run;
}

/* new settings over the stored ones; -1 after replying */
static int apply_settings(req *r, ctx *c, long long id, const import_record *rec, json_t *body)
{
    errs e;
    errs_init(&e, &r->a);
    import_settings s;
    import_settings_default(&s);
    json_t *old = json_loads(rec->settings, 0, NULL);
    if (old) arena_defer(&r->a, (void (*)(void *))json_decref, old);
    if (old) import_settings_parse(&r->a, old, &s, &e);
    if (mapping_text_to_object(body, &e) == 0) import_settings_parse(&r->a, body, &s, &e);
    if (e.n) { reply_invalid(r, &e); return -1; }
    if (!may_write_object(c, s.object)) { reply_forbidden(r, arena_printf(&r->a, "creating %s", s.object)); return -1; }
    if (import_store_set_settings(c, id, settings_text(&r->a, &s)) != 0) { reply_db_error(r); return -1; }
    return 0;
}

static int imports_patch(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    import_record rec;
    long long id = target(r, &c, ACT_WRITE, &rec);
    if (!id) return r->status;
    if (!json_is_object(r->json)) return reply_problem(r, 400, "missing_body", "a JSON object of settings is required");
    bool dry_done = !strcmp(rec.status, "done") && was_dry_run(&c, &rec);
    if (strcmp(rec.status, "ready") && !dry_done)
        return reply_problem(r, 409, "not_ready", "the import is %s: settings can change only before it runs (or after a dry run)", rec.status);
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    if (apply_settings(r, &c, id, &rec, r->json) != 0) { db_rollback(r->db); return r->status; }
    if (dry_done && (import_store_reset(&c, id) != 0 || import_store_transition(&c, id, "done", "ready") != 1)) {
        db_rollback(r->db);
        return reply_db_error(r);
    }
    if (db_commit(r->db) != 0) return reply_db_error(r);
    return answer(r, &c, id, 200, PREVIEW_ROWS);
}

static int imports_preview(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    import_record rec;
    long long id = target(r, &c, ACT_READ, &rec);
    if (!id) return r->status;
    const char *q = req_query(r, "rows");
    int rows = q ? atoi(q) : 20;
    if (rows < 1 || rows > IMPORT_PREVIEW_MAX) return reply_problem(r, 422, "out_of_range", "'rows' must be between 1 and %d", IMPORT_PREVIEW_MAX);
    jw w;
    jw_init(&w, &r->out);
    char err[512];
    if (import_preview(&c, id, rows, &w, err, sizeof err) != 0) return reply_problem(r, 422, "unreadable_file", "%s", err);
    return reply_json(r, 200);
}

static int imports_start(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    import_record rec;
    long long id = target(r, &c, ACT_WRITE, &rec);
    if (!id) return r->status;
    json_t *body = r->json;
    if (body && !json_is_object(body)) return reply_problem(r, 400, "malformed_json", "the body must be a JSON object of settings");
    bool dry_done = !strcmp(rec.status, "done") && was_dry_run(&c, &rec);
    bool resume = !strcmp(rec.status, "failed");
    if (strcmp(rec.status, "ready") && !dry_done && !resume)
        return reply_problem(r, 409, "not_ready", "the import is %s and cannot start", rec.status);
    if (resume && body && json_object_size(body))
        return reply_problem(r, 409, "not_ready", "a failed import resumes with the settings it had; start a new import to change them");
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    if (body && json_object_size(body) && apply_settings(r, &c, id, &rec, body) != 0) { db_rollback(r->db); return r->status; }
    if ((dry_done && import_store_reset(&c, id) != 0) || import_store_transition(&c, id, rec.status, "queued") != 1) {
        db_rollback(r->db);
        return reply_db_error(r);
    }
    if (db_commit(r->db) != 0) return reply_db_error(r);
    import_worker_poke();
    return answer(r, &c, id, 202, 0);
}

static int imports_cancel(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    import_record rec;
    long long id = target(r, &c, ACT_WRITE, &rec);
    if (!id) return r->status;
    int moved = import_store_transition(&c, id, "ready|queued", "cancelled");
    if (moved == 0) moved = import_store_transition(&c, id, "running", "cancelling");
    if (moved < 0) return reply_db_error(r);
    if (moved == 0) return reply_problem(r, 409, "not_running", "the import is %s: there is nothing to cancel", rec.status);
    import_worker_poke();
    return answer(r, &c, id, 202, 0);
}

static int imports_undo(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    import_record rec;
    long long id = target(r, &c, ACT_WRITE, &rec);
    if (!id) return r->status;
    if (was_dry_run(&c, &rec)) return reply_problem(r, 409, "nothing_to_undo", "a dry run wrote nothing to undo");
    int moved = import_store_transition(&c, id, "done|cancelled|failed", "undoing");
    if (moved < 0) return reply_db_error(r);
    if (moved == 0) return reply_problem(r, 409, "not_finished", "the import is %s: only a finished import can be undone", rec.status);
    import_worker_poke();
    return answer(r, &c, id, 202, 0);
}

static int imports_errors(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    import_record rec;
    long long id = target(r, &c, ACT_READ, &rec);
    if (!id) return r->status;
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    char hex[17];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/imports", g_config.data);
    mkdir(dir, 0700);
    const char *path = arena_printf(&r->a, "%s/report-%s.csv", dir, hex);
    FILE *f = fopen(path, "wb");
    if (!f) return reply_problem(r, 500, "internal", "cannot write the report");
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    int rc = import_store_report_csv(&c, id, f);
    if (fclose(f) != 0 || rc != 0) { unlink(path); return reply_problem(r, 500, "internal", "cannot write the report"); }
    return download_file(r, path, "text/csv; charset=utf-8", arena_printf(&r->a, "import-%lld-report.csv", id), true);
}

#define COUNTS_SCHEMA \
    "{\"type\":\"object\",\"required\":[\"read\",\"created\",\"updated\",\"skipped\",\"rejected\"],\"properties\":{" \
    "\"read\":{\"type\":\"integer\"},\"created\":{\"type\":\"integer\"},\"updated\":{\"type\":\"integer\"}," \
    "\"skipped\":{\"type\":\"integer\"},\"rejected\":{\"type\":\"integer\"}}}"
#define IMPORT_SCHEMA \
    "{\"type\":\"object\",\"required\":[\"id\",\"object\",\"format\",\"status\",\"counts\",\"progress\"],\"properties\":{" \
    "\"id\":{\"type\":\"integer\"},\"version\":{\"type\":\"integer\"},\"object\":{\"type\":\"string\"}," \
    "\"format\":{\"type\":\"string\",\"enum\":[\"csv\",\"xlsx\",\"vcard\"]},\"file_name\":{\"type\":\"string\",\"nullable\":true}," \
    "\"file_size\":{\"type\":\"integer\"},\"status\":{\"type\":\"string\",\"enum\":[\"ready\",\"queued\",\"running\",\"done\"," \
    "\"failed\",\"cancelling\",\"cancelled\",\"undoing\",\"undone\"]},\"settings\":{\"type\":\"object\"}," \
    "\"columns\":{\"type\":\"array\",\"nullable\":true,\"items\":{\"type\":\"string\"}},\"encoding\":{\"type\":\"string\",\"nullable\":true}," \
    "\"delimiter\":{\"type\":\"string\",\"nullable\":true},\"started_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}," \
    "\"finished_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true},\"error\":{\"type\":\"string\",\"nullable\":true}," \
    "\"created_by\":{\"type\":\"integer\",\"nullable\":true},\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}," \
    "\"updated_at\":{\"type\":\"string\",\"format\":\"date-time\"},\"counts\":" COUNTS_SCHEMA "," \
    "\"progress\":{\"type\":\"object\",\"properties\":{\"rows_done\":{\"type\":\"integer\"},\"bytes_read\":{\"type\":\"integer\"}," \
    "\"bytes_total\":{\"type\":\"integer\"},\"percent\":{\"type\":\"number\"},\"rate\":{\"type\":\"integer\",\"nullable\":true}," \
    "\"eta_seconds\":{\"type\":\"integer\",\"nullable\":true}}},\"undo\":{\"type\":\"object\"},\"errors_url\":{\"type\":\"string\"}," \
    "\"preview\":{\"type\":\"object\"}}}"
#define SETTINGS_SCHEMA \
    "{\"type\":\"object\",\"properties\":{\"object\":{\"type\":\"string\",\"enum\":[\"contacts\",\"companies\",\"deals\"]}," \
    "\"format\":{\"type\":\"string\"},\"encoding\":{\"type\":\"string\",\"nullable\":true},\"delimiter\":{\"type\":\"string\",\"nullable\":true}," \
    "\"sheet\":{\"type\":\"string\",\"nullable\":true},\"mapping\":{\"type\":\"object\",\"nullable\":true},\"guess\":{\"type\":\"boolean\"}," \
    "\"date_order\":{\"type\":\"string\"},\"region\":{\"type\":\"string\",\"nullable\":true}," \
    "\"on_duplicate\":{\"type\":\"string\",\"enum\":[\"skip\",\"update\",\"create\"]},\"match\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}," \
    "\"match_field\":{\"type\":\"string\",\"nullable\":true},\"owner_id\":{\"type\":\"integer\",\"nullable\":true},\"dry_run\":{\"type\":\"boolean\"}}}"

void import_routes(void)
{
    router_add("GET", "/api/v1/imports", rest_list, &import_resource, 0);
    openapi_op("get", "/api/v1/imports", "imports with their status and counts, newest first", NULL,
               "{\"type\":\"object\",\"required\":[\"data\",\"next\"],\"properties\":{\"data\":{\"type\":\"array\",\"items\":"
               IMPORT_SCHEMA "},\"next\":{\"type\":\"string\",\"nullable\":true},\"count\":{\"type\":\"integer\"}}}");
    router_add("POST", "/api/v1/imports", imports_upload, NULL, ROUTE_RAW_BODY);
    openapi_op_status("post", "/api/v1/imports",
                      "upload a CSV, XLSX or vCard file as the raw body; settings as query arguments (object, format, encoding,"
                      " delimiter, sheet, mapping, guess, date_order, region, on_duplicate, match, match_field, owner_id,"
                      " dry_run, start, file_name, preview_rows); answers the import with a preview",
                      NULL, 201, IMPORT_SCHEMA);
    router_add("GET", "/api/v1/imports/{}", rest_get, &import_resource, 0);
    router_add("PATCH", "/api/v1/imports/{}", imports_patch, NULL, 0);
    openapi_op("get", "/api/v1/imports/{id}", "one import: status, counts, progress (rows done, rate, ETA)", NULL, IMPORT_SCHEMA);
    openapi_op("patch", "/api/v1/imports/{id}", "change the settings before the import runs (or after a dry run); answers a new preview",
               SETTINGS_SCHEMA, IMPORT_SCHEMA);
    router_add("GET", "/api/v1/imports/{}/preview", imports_preview, NULL, 0);
    openapi_op("get", "/api/v1/imports/{id}/preview", "the first rows (?rows=, up to 100) as they would be saved, with their problems",
               NULL, "{\"type\":\"object\",\"required\":[\"columns\",\"mapping\",\"rows\"]}");
    router_add("POST", "/api/v1/imports/{}/start", imports_start, NULL, 0);
    openapi_op_status("post", "/api/v1/imports/{id}/start", "queue the import (optionally with last setting changes, e.g. dry_run)",
                      SETTINGS_SCHEMA, 202, IMPORT_SCHEMA);
    router_add("POST", "/api/v1/imports/{}/cancel", imports_cancel, NULL, 0);
    openapi_op_status("post", "/api/v1/imports/{id}/cancel", "stop a queued or running import after its current batch", NULL, 202, IMPORT_SCHEMA);
    router_add("POST", "/api/v1/imports/{}/undo", imports_undo, NULL, 0);
    openapi_op_status("post", "/api/v1/imports/{id}/undo",
                      "undo a finished import: delete what it created, restore what it updated (unless changed since)", NULL, 202, IMPORT_SCHEMA);
    router_add("GET", "/api/v1/imports/{}/errors", imports_errors, NULL, 0);
    openapi_op("get", "/api/v1/imports/{id}/errors", "the rejected and skipped rows as CSV: line, status, reason, then the file's columns",
               NULL, NULL);
}
