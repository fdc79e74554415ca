/* HTTP side of exports: POST /api/v1/exports writes the file (and, with ?download=true,
 * answers with it), GET lists and reads the records, GET /api/v1/exports/{id}/file
 * downloads a kept file (for a day). */
#include "export/export.h"
#include "export/download.h"
#include "core/config.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const field_def export_fields[] = {
    {"object", "object", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"format", "format", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"filter", "filter", FT_TEXT, FF_READONLY | FF_NOSORT, 0, NULL, NULL},
    {"q", "q", FT_TEXT, FF_READONLY | FF_NOSORT, 0, NULL, NULL},
    {"rows", "rows", FT_INT, FF_READONLY, 0, NULL, NULL},
    {"file_size", "file_size", FT_INT, FF_READONLY, 0, NULL, NULL},
    {"expires_at", "expires_at", FT_TIME, FF_READONLY, 0, NULL, NULL},
    {"created_by", "created_by", FT_REF, FF_READONLY, 0, NULL, "users"},
    {0},
};

static void export_write_extra(ctx *c, long long id, jw *w)
{
    jw_kstr(w, "download_url", arena_printf(c->a, "/api/v1/exports/%lld/file", id));
}

static const resource export_resource = {
    .name = "export", .plural = "exports", .table = "exports", .kind = OBJ_EXPORTS, .fields = export_fields,
    .owner_sql = "t.created_by IN ({users})", .default_sort = "-id", .write_extra = export_write_extra,
};

static const char *body_str(req *r, const char *k, errs *e)
{
    json_t *v = json_object_get(r->json, k);
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v)) { errs_add(e, k, "invalid_type", "'%s' must be a string", k); return NULL; }
    return json_string_value(v);
}

static int exports_create(req *r, const void *data)
{
    (void)data;
    if (!json_is_object(r->json)) return reply_problem(r, 400, "missing_body", "a JSON object body is required");
    errs e;
    errs_init(&e, &r->a);
    export_request rq = {0};
    rq.kept = true;
    const char *k;
    json_t *v;
    json_object_foreach(r->json, k, v)
        if (strcmp(k, "object") && strcmp(k, "format") && strcmp(k, "filter") && strcmp(k, "q") && strcmp(k, "fields") &&
            strcmp(k, "delimiter"))
            errs_add(&e, k, "unknown_field", "unknown field '%s'", k);
    rq.object = body_str(r, "object", &e);
    if (!rq.object && !e.n) errs_add(&e, "object", "required", "'object' is required: contacts, companies or deals");
    const char *fmt = body_str(r, "format", &e);
    int f = fmt ? export_format_parse(fmt) : EXPORT_CSV;
    if (f < 0) errs_add(&e, "format", "invalid_choice", "'format' must be csv, xlsx or vcard");
    rq.format = f < 0 ? EXPORT_CSV : (export_format)f;
    rq.filter = body_str(r, "filter", &e);
    rq.q = body_str(r, "q", &e);
    json_t *fields = json_object_get(r->json, "fields");
    if (json_is_array(fields)) {
        buf b;
        buf_init(&b, 0);
        size_t i;
        json_t *x;
        json_array_foreach(fields, i, x) {
            if (!json_is_string(x) || strchr(json_string_value(x), ',')) { errs_add(&e, "fields", "invalid_type", "'fields' must be a list of column names"); break; }
            if (b.len) buf_addc(&b, ',');
            buf_adds(&b, json_string_value(x));
        }
        rq.fields = b.len ? arena_strdup(&r->a, b.data) : NULL;
        buf_release(&b);
    } else if (fields && !json_is_null(fields)) {
        rq.fields = body_str(r, "fields", &e);
    }
    const char *d = body_str(r, "delimiter", &e);
    if (d && !strcmp(d, "tab")) rq.delimiter = '\t';
    else if (d && (strlen(d) != 1 || !strchr(",;|", d[0]))) errs_add(&e, "delimiter", "invalid_choice", "'delimiter' must be , ; | or tab");
    else if (d) rq.delimiter = d[0];
    if (e.n) return reply_invalid(r, &e);

    char dir[1100];
    snprintf(dir, sizeof dir, "%s/exports", g_config.data);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return reply_problem(r, 500, "internal", "cannot create the exports folder");
    unsigned char rnd[12];
    randombytes_buf(rnd, sizeof rnd);
    char hex[25];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    const char *path = arena_printf(&r->a, "%s/%s.%s", dir, hex, export_format_ext(rq.format));
    ctx c = rest_ctx(r);
    long long id = 0, rows = 0;
    int st = export_run(&c, &rq, path, &id, &rows, &e);
    if (st == 403) return reply_forbidden(r, arena_printf(&r->a, "exporting %s", rq.object));
    if (st == 422) return reply_invalid(r, &e);
    if (st != 201) {
        if (e.n) return reply_problem(r, 500, "export_failed", "%s", e.v[0].message);
        return reply_db_error(r);
    }
    const char *download = req_query(r, "download");
    if (download && (!strcmp(download, "true") || !strcmp(download, "1")))
        return download_file(r, path, export_format_mime(rq.format),
                             arena_printf(&r->a, "%s-%lld.%s", rq.object, id, export_format_ext(rq.format)), false);
    req_add_header(r, "Location", arena_printf(&r->a, "/api/v1/exports/%lld", id));
    return rest_status(r, &export_resource, resource_get(&c, &export_resource, id, NULL, &r->out) == 200 ? 201 : 500, NULL);
}

static int exports_file(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0);
    ctx c = rest_ctx(r);
    if (!id || resource_level(&c, &export_resource, ACT_READ) == SCOPE_NONE) return reply_problem(r, 404, "not_found", "no such export");
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, &r->a);
    buf_adds(&sql, "SELECT t.file_path, t.object, t.format, t.expires_at < strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                   " FROM exports t WHERE t.id = ?");
    dbp_int(&p, id);
    resource_scope_sql(&c, &export_resource, ACT_READ, &sql, &p);
    db_cursor *cur = db_query(r->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return reply_db_error(r);
    int rc = db_step(cur);
    const char *path = rc == 1 && !db_col_null(cur, 0) ? arena_strdup(&r->a, db_col_text(cur, 0)) : NULL;
    const char *object = rc == 1 ? arena_strdup(&r->a, db_col_text(cur, 1)) : NULL;
    int fmt = rc == 1 ? export_format_parse(db_col_text(cur, 2)) : -1;
    bool expired = rc == 1 && db_col_int(cur, 3) == 1;
    db_done(cur);
    if (rc != 1) return reply_problem(r, 404, "not_found", "no such export");
    if (expired || !path || fmt < 0) return reply_problem(r, 404, "not_found", "the file is no longer kept; export again");
    return download_file(r, path, export_format_mime((export_format)fmt),
                         arena_printf(&r->a, "%s-%lld.%s", object, id, export_format_ext((export_format)fmt)), false);
}

#define EXPORT_SCHEMA \
    "{\"type\":\"object\",\"required\":[\"id\",\"object\",\"format\",\"rows\"],\"properties\":{" \
    "\"id\":{\"type\":\"integer\"},\"version\":{\"type\":\"integer\"},\"object\":{\"type\":\"string\"}," \
    "\"format\":{\"type\":\"string\",\"enum\":[\"csv\",\"xlsx\",\"vcard\"]},\"filter\":{\"type\":\"string\",\"nullable\":true}," \
    "\"q\":{\"type\":\"string\",\"nullable\":true},\"rows\":{\"type\":\"integer\"},\"file_size\":{\"type\":\"integer\"}," \
    "\"expires_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}," \
    "\"created_by\":{\"type\":\"integer\",\"nullable\":true},\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}," \
    "\"updated_at\":{\"type\":\"string\",\"format\":\"date-time\"},\"download_url\":{\"type\":\"string\"}}}"

void export_routes(void)
{
    router_add("GET", "/api/v1/exports", rest_list, &export_resource, 0);
    openapi_op("get", "/api/v1/exports", "exports made (own, team's or all by the exports scope), newest first", NULL,
               "{\"type\":\"object\",\"required\":[\"data\",\"next\"],\"properties\":{\"data\":{\"type\":\"array\",\"items\":"
               EXPORT_SCHEMA "},\"next\":{\"type\":\"string\",\"nullable\":true},\"count\":{\"type\":\"integer\"}}}");
    router_add("GET", "/api/v1/exports/{}", rest_get, &export_resource, 0);
    openapi_op("get", "/api/v1/exports/{id}", "one export: what, which filter, how many rows", NULL, EXPORT_SCHEMA);
    router_add("POST", "/api/v1/exports", exports_create, NULL, 0);
    openapi_op_status("post", "/api/v1/exports",
                      "export a filtered list of contacts, companies or deals (csv, xlsx, vcard); ?download=true answers with the file",
                      "{\"type\":\"object\",\"required\":[\"object\"],\"properties\":{\"object\":{\"type\":\"string\","
                      "\"enum\":[\"contacts\",\"companies\",\"deals\"]},\"format\":{\"type\":\"string\",\"enum\":[\"csv\",\"xlsx\",\"vcard\"]},"
                      "\"filter\":{\"type\":\"string\"},\"q\":{\"type\":\"string\"},\"fields\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
                      "\"delimiter\":{\"type\":\"string\"}}}",
                      201, EXPORT_SCHEMA);
    router_add("GET", "/api/v1/exports/{}/file", exports_file, NULL, 0);
    openapi_op("get", "/api/v1/exports/{id}/file", "download the file of an export (kept for a day)", NULL, NULL);
}
