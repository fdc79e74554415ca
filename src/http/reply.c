/* The single writer of problem+json bodies and JSON replies. */
#include "http/reply.h"
#include "core/log.h"
#include <stdio.h>
#include <string.h>

const char *http_status_title(int s)
{
    switch (s) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

int reply_json(req *r, int status)
{
    r->status = status;
    r->content_type = "application/json";
    return status;
}

static void problem_head(req *r, jw *w, int status, const char *code, const char *detail)
{
    buf_reset(&r->out);
    r->status = status;
    r->content_type = "application/problem+json";
    jw_init(w, &r->out);
    jw_obj(w);
    jw_kstr(w, "type", arena_printf(&r->a, "https://kartoteka.dev/problems/%s", code));
    jw_kstr(w, "title", http_status_title(status));
    jw_kint(w, "status", status);
    jw_kstr(w, "code", code);
    jw_kstr(w, "detail", detail);
    jw_kstr(w, "request_id", r->id);
}

int reply_problem(req *r, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *detail = arena_vprintf(&r->a, fmt, ap);
    va_end(ap);
    jw w;
    problem_head(r, &w, status, code, detail);
    jw_obj_end(&w);
    return status;
}

int reply_invalid(req *r, const errs *e)
{
    jw w;
    const char *detail = e->n == 1 ? e->v[0].message
                                   : arena_printf(&r->a, "%zu fields are invalid; see errors", e->n);
    problem_head(r, &w, 422, "validation_failed", detail);
    jw_key(&w, "errors");
    jw_arr(&w);
    for (size_t i = 0; i < e->n; i++) {
        jw_obj(&w);
        jw_kstr(&w, "field", e->v[i].field);
        jw_kstr(&w, "code", e->v[i].code);
        jw_kstr(&w, "message", e->v[i].message);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    return 422;
}

int reply_db_error(req *r)
{
    if (db_err_busy(r->db))
        return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    if (db_err_constraint(r->db))
        return reply_problem(r, 409, "conflict", "the change conflicts with existing data: %s", db_errmsg(r->db));
    log_error(r->id, "database error: %s", db_errmsg(r->db));
    return reply_problem(r, 500, "internal", "internal error; the change was not saved");
}


int reply_forbidden(req *r, const char *what)
{
    return reply_problem(r, 403, "forbidden", "your role does not allow %s", what);
}

int reply_no_content(req *r)
{
    buf_reset(&r->out);
    r->status = 204;
    r->content_type = NULL;
    return 204;
}
