/* Authentication of every non-public request. */
#include "http/auth_gate.h"
#include "http/reply.h"
#include "domain/auth.h"
#include <sodium.h>
#include <string.h>
#include <strings.h>

/* an API token; its principal may come from the thread's memory (auth_token_principal) */
static int bearer(req *r, const char *authz)
{
    if (strncasecmp(authz, "Bearer ", 7) != 0 || strlen(authz + 7) > 200)
        return reply_problem(r, 401, "unauthenticated", "the Authorization header must be 'Bearer <token>'");
    int rc = auth_token_principal(r->db, &r->a, authz + 7, &r->user);
    if (rc == 2) return reply_problem(r, 401, "unauthenticated", "the account is disabled");
    if (rc != 0) return reply_problem(r, 401, "unauthenticated", "the API token is unknown or revoked");
    return 0;
}

/* the web app's session cookie, with the CSRF token on every request that may change something */
static int session(req *r)
{
    const char *cookie = req_cookie(r, SESSION_COOKIE);
    char *csrf = NULL;
    long long uid = cookie && strlen(cookie) <= 200 ? auth_session_user(r->db, &r->a, cookie, &csrf) : 0;
    if (!uid) return reply_problem(r, 401, "unauthenticated", "log in first: POST /api/v1/auth/login");
    r->via_cookie = true;
    bool safe = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD") || !strcmp(r->method, "OPTIONS");
    if (!safe) {
        const char *t = req_header(r, "X-CSRF-Token");
        if (!t || strlen(t) != strlen(csrf) || sodium_memcmp(t, csrf, strlen(csrf)) != 0)
            return reply_problem(r, 403, "csrf", "the X-CSRF-Token header is missing or wrong");
    }
    if (principal_load(r->db, &r->a, uid, &r->user) != 0)
        return reply_problem(r, 401, "unauthenticated", "the account is disabled");
    return 0;
}

int auth_gate(req *r)
{
    const char *authz = req_header(r, "Authorization");
    int st = authz ? bearer(r, authz) : session(r);
    if (st) return st;
    r->authed = true;
    return 0;
}
