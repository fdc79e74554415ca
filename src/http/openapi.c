/* Builds the OpenAPI document on request (custom fields can change at any time). */
#include "http/openapi.h"
#include "http/reply.h"
#include "http/rest.h"
#include "http/router.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_OPS = 512 };
typedef struct op { const char *method, *path, *summary, *request, *response; int status; } op;
static op g_ops[MAX_OPS];
static int g_nops;

/* the registry of resources lives in resource.c (references are checked against it);
 * the document describes exactly those */
void openapi_resource(const resource *res) { resource_register(res); }

void openapi_op_status(const char *method, const char *path, const char *summary, const char *request,
                       int status, const char *response)
{
    if (g_nops == MAX_OPS) { fprintf(stderr, "fatal: more than %d operations described\n", MAX_OPS); abort(); }
    g_ops[g_nops++] = (op){method, path, summary, request, response, status};
}

void openapi_op(const char *method, const char *path, const char *summary, const char *request, const char *response)
{
    openapi_op_status(method, path, summary, request, 200, response);
}

static const char *schema_of(const field_def *f)
{
    switch (f->type) {
    case FT_INT: case FT_REF: return "{\"type\":\"integer\",\"format\":\"int64\"";
    case FT_REAL: return "{\"type\":\"number\"";
    case FT_BOOL: return "{\"type\":\"boolean\"";
    case FT_TIME: return "{\"type\":\"string\",\"format\":\"date-time\"";
    case FT_DATE: return "{\"type\":\"string\",\"format\":\"date\"";
    case FT_EMAIL: return "{\"type\":\"string\",\"format\":\"email\"";
    case FT_URL: return "{\"type\":\"string\",\"format\":\"uri\"";
    case FT_CURRENCY: return "{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"";
    case FT_JSON: return "{";
    default: return "{\"type\":\"string\"";
    }
}

static const char *cf_schema(const char *type)
{
    if (!strcmp(type, "number")) return "{\"type\":\"number\",\"nullable\":true}";
    if (!strcmp(type, "money") || !strcmp(type, "user")) return "{\"type\":\"integer\",\"nullable\":true}";
    if (!strcmp(type, "bool")) return "{\"type\":\"boolean\",\"nullable\":true}";
    if (!strcmp(type, "multi-enum")) return "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"nullable\":true}";
    if (!strcmp(type, "date")) return "{\"type\":\"string\",\"format\":\"date\",\"nullable\":true}";
    return "{\"type\":\"string\",\"nullable\":true}";
}

static void write_schema(req *r, const resource *res, buf *b)
{
    buf_printf(b, "\"%s\":{\"type\":\"object\",\"required\":[\"id\",\"version\"],\"properties\":{"
                  "\"id\":{\"type\":\"integer\",\"readOnly\":true},\"version\":{\"type\":\"integer\",\"readOnly\":true},"
                  "\"created_at\":{\"type\":\"string\",\"format\":\"date-time\",\"readOnly\":true},"
                  "\"updated_at\":{\"type\":\"string\",\"format\":\"date-time\",\"readOnly\":true}", res->name);
    for (const field_def *f = res->fields; f->name; f++) {
        buf_printf(b, ",\"%s\":%s", f->name, schema_of(f));
        const char *sep = f->type == FT_JSON ? "" : ",";
        if (!(f->flags & (FF_REQUIRED | FF_NOTNULL)) && f->type != FT_JSON) buf_printf(b, "%s\"nullable\":true", sep), sep = ",";
        if (f->flags & FF_READONLY) buf_printf(b, "%s\"readOnly\":true", sep), sep = ",";
        if (f->flags & FF_WRITEONLY) buf_printf(b, "%s\"writeOnly\":true", sep), sep = ",";
        if (f->type == FT_TEXT) buf_printf(b, "%s\"maxLength\":%lld", sep, f->max ? f->max : 1000), sep = ",";
        if (f->type == FT_ENUM) {
            buf_printf(b, "%s\"enum\":[", sep);
            for (const char *const *v = f->values; *v; v++) buf_printf(b, "%s\"%s\"", v == f->values ? "" : ",", *v);
            buf_adds(b, f->flags & (FF_REQUIRED | FF_NOTNULL) ? "]" : ",null]");
        }
        buf_addc(b, '}');
    }
    if (res->custom_fields) {
        buf_adds(b, ",\"custom_fields\":{\"type\":\"object\",\"properties\":{");
        dbparams p;
        dbparams_init(&p, &r->a);
        dbp_text(&p, res->name);
        db_cursor *c = db_query(r->db, "SELECT name, type FROM custom_fields WHERE object = ? ORDER BY id", &p);
        int n = 0;
        while (c && db_step(c) == 1)
            buf_printf(b, "%s\"%s\":%s", n++ ? "," : "", db_col_text(c, 0), cf_schema(db_col_text(c, 1)));
        db_done(c);
        buf_adds(b, "}}");
    }
    buf_adds(b, "}}");
}

static void list_params(buf *b)
{
    buf_adds(b, "\"parameters\":["
                "{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500}},"
                "{\"name\":\"after\",\"in\":\"query\",\"description\":\"cursor from 'next'\",\"schema\":{\"type\":\"string\"}},"
                "{\"name\":\"sort\",\"in\":\"query\",\"description\":\"field, or -field for descending\",\"schema\":{\"type\":\"string\"}},"
                "{\"name\":\"q\",\"in\":\"query\",\"description\":\"full-text search\",\"schema\":{\"type\":\"string\"}},"
                "{\"name\":\"filter\",\"in\":\"query\",\"description\":\"filter expression, see docs/api/filtering.md\",\"schema\":{\"type\":\"string\"}},"
                "{\"name\":\"fields\",\"in\":\"query\",\"description\":\"comma-separated fields to return\",\"schema\":{\"type\":\"string\"}},"
                "{\"name\":\"count\",\"in\":\"query\",\"schema\":{\"type\":\"boolean\"}}]");
}

static void response(buf *b, const char *code, const char *schema)
{
    if (!schema) { buf_printf(b, "\"%s\":{\"description\":\"%s\"}", code, code); return; }
    if (schema[0] == '#') buf_printf(b, "\"%s\":{\"description\":\"%s\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"%s\"}}}}", code, code, schema);
    else buf_printf(b, "\"%s\":{\"description\":\"%s\",\"content\":{\"application/json\":{\"schema\":%s}}}", code, code, schema);
}

static void problems(buf *b)
{
    buf_adds(b, ",\"default\":{\"description\":\"problem\",\"content\":{\"application/problem+json\":{\"schema\":{\"$ref\":\"#/components/schemas/Problem\"}}}}");
}

static void body(buf *b, const char *schema)
{
    if (schema[0] == '#') buf_printf(b, "\"requestBody\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"%s\"}}}},", schema);
    else buf_printf(b, "\"requestBody\":{\"content\":{\"application/json\":{\"schema\":%s}}},", schema);
}

static int serve(req *r, const void *unused)
{
    (void)unused;
    buf *b = &r->out;
    buf_adds(b, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"Kartoteka API\",\"version\":\"1\","
                "\"description\":\"Self-hosted CRM. Errors are application/problem+json (RFC 9457). Lists answer {data, next}.\"},"
                "\"servers\":[{\"url\":\"/\"}],"
                "\"security\":[{\"cookie\":[]},{\"bearer\":[]}],"
                "\"components\":{\"securitySchemes\":{\"cookie\":{\"type\":\"apiKey\",\"in\":\"cookie\",\"name\":\"kt_session\"},"
                "\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"}},\"schemas\":{"
                "\"Problem\":{\"type\":\"object\",\"required\":[\"type\",\"title\",\"status\",\"code\"],\"properties\":{"
                "\"type\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},\"status\":{\"type\":\"integer\"},"
                "\"code\":{\"type\":\"string\"},\"detail\":{\"type\":\"string\"},\"request_id\":{\"type\":\"string\"},"
                "\"errors\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties\":{"
                "\"field\":{\"type\":\"string\",\"nullable\":true},\"code\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}}}");
    const resource *res;
    for (int i = 0; (res = resource_at(i)); i++) {
        buf_addc(b, ',');
        write_schema(r, res, b);
        buf_printf(b, ",\"%s_list\":{\"type\":\"object\",\"required\":[\"data\",\"next\"],\"properties\":{"
                      "\"data\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/%s\"}},"
                      "\"next\":{\"type\":\"string\",\"nullable\":true},\"count\":{\"type\":\"integer\"}}}",
                   res->name, res->name);
    }
    buf_adds(b, "}},\"paths\":{");
    int first = 1;
    for (int i = 0; (res = resource_at(i)); i++) {
        const char *n = res->name;
        bool ro = res->kind == OBJ_AUDIT;
        char ref[128], lref[128];
        snprintf(ref, sizeof ref, "#/components/schemas/%s", n);
        snprintf(lref, sizeof lref, "#/components/schemas/%s_list", n);
        buf_printf(b, "%s\"/api/v1/%s\":{\"get\":{\"summary\":\"list %s\",", first ? "" : ",", res->plural, res->plural);
        first = 0;
        list_params(b);
        buf_adds(b, ",\"responses\":{");
        response(b, "200", lref);
        problems(b);
        buf_adds(b, "}}");
        if (!ro) {
            buf_printf(b, ",\"post\":{\"summary\":\"create a %s\",\"parameters\":[{\"name\":\"Idempotency-Key\",\"in\":\"header\",\"schema\":{\"type\":\"string\"}}],", n);
            body(b, ref);
            buf_adds(b, "\"responses\":{");
            response(b, "201", ref);
            problems(b);
            buf_adds(b, "}}");
        }
        buf_printf(b, "},\"/api/v1/%s/{id}\":{\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"integer\"}}],"
                      "\"get\":{\"summary\":\"read a %s\",\"responses\":{", res->plural, n);
        response(b, "200", ref);
        problems(b);
        buf_adds(b, "}}");
        if (!ro) {
            static const char *const methods[] = {"patch", "put"};
            for (int m = 0; m < 2; m++) {
                buf_printf(b, ",\"%s\":{\"summary\":\"update a %s (If-Match: version)\",\"parameters\":[{\"name\":\"If-Match\",\"in\":\"header\",\"schema\":{\"type\":\"string\"}}],", methods[m], n);
                body(b, ref);
                buf_adds(b, "\"responses\":{");
                response(b, "200", ref);
                problems(b);
                buf_adds(b, "}}");
            }
            buf_printf(b, ",\"delete\":{\"summary\":\"delete a %s\",\"responses\":{", n);
            response(b, "204", NULL);
            problems(b);
            buf_adds(b, "}}");
        }
        buf_addc(b, '}');
    }
    /* hand-described operations, grouped by path */
    for (int i = 0; i < g_nops; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(g_ops[j].path, g_ops[i].path);
        if (seen) continue;
        buf_printf(b, "%s\"%s\":{", first ? "" : ",", g_ops[i].path);
        first = 0;
        int nop = 0;
        /* every {name} of the path is an integer path parameter */
        for (const char *ph = strchr(g_ops[i].path, '{'); ph; ph = strchr(ph + 1, '{')) {
            const char *end = strchr(ph, '}');
            if (!end) break;
            buf_printf(b, "%s{\"name\":\"%.*s\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"integer\"}}",
                       nop ? "," : "\"parameters\":[", (int)(end - ph - 1), ph + 1);
            nop = 1;
        }
        if (nop) buf_addc(b, ']');
        for (int j = i; j < g_nops; j++) {
            if (strcmp(g_ops[j].path, g_ops[i].path)) continue;
            buf_printf(b, "%s\"%s\":{\"summary\":", nop++ ? "," : "", g_ops[j].method);
            buf_json_str(b, g_ops[j].summary);
            buf_addc(b, ',');
            if (g_ops[j].request) body(b, g_ops[j].request);
            buf_adds(b, "\"responses\":{");
            char code[8];
            snprintf(code, sizeof code, "%d", g_ops[j].status);
            response(b, code, g_ops[j].response);
            problems(b);
            buf_adds(b, "}}");
        }
        buf_addc(b, '}');
    }
    buf_adds(b, "}}");
    return reply_json(r, 200);
}

void openapi_routes(void)
{
    router_add("GET", "/api/v1/openapi.json", serve, NULL, ROUTE_PUBLIC);
    openapi_op("get", "/api/v1/openapi.json", "this document", NULL, "{\"type\":\"object\",\"required\":[\"openapi\",\"paths\"]}");
}
