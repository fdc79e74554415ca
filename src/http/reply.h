/* reply: every answer body is written here, so the same failure always reads the same.
 *
 * Problems follow RFC 9457 (application/problem+json): type, title, status, detail, plus
 * `code` (machine-readable) and, for invalid input, `errors`: [{field, code, message}].
 * Each reply_* returns the HTTP status it set, so a handler can `return reply_...(r, ...)`. */
#ifndef KT_REPLY_H
#define KT_REPLY_H
#include "http/req.h"
#include "core/errs.h"

int reply_json(req *r, int status);                      /* `out` already holds the JSON */
int reply_problem(req *r, int status, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int reply_invalid(req *r, const errs *e);                /* 422 with the field list */
int reply_db_error(req *r);                              /* 503 busy / 409 constraint / 500 */
int reply_forbidden(req *r, const char *what);
int reply_no_content(req *r);
const char *http_status_title(int status);
#endif
