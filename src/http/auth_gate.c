/* Authentication of every non-public request. */
#include "http/auth_gate.h"
#include "http/reply.h"
#include "domain/auth.h"
#include <sodium.h>
#include <string.h>
#include <strings.h>

int auth_gate(req *r)
{
    const char *authz = req_header(r, "Authorization");
    long long uid = 0;
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0 || strlen(authz + 7) > 200)
            return reply_problem(r, 401, "unauthenticated", "the Authorization header must be 'Bearer <token>'");
        uid = auth_token_user(r->db, &r->a, authz + 7);
        if (!uid) return reply_problem(r, 401, "unauthenticated", "the API token is unknown or revoked");
    } else {
        const char *cookie = req_cookie(r, SESSION_COOKIE);
        char *csrf = NULL;
        if (cookie && strlen(cookie) <= 200) uid = auth_session_user(r->db, &r->a, cookie, &csrf);
        if (!uid) return reply_problem(r, 401, "unauthenticated", "log in first: POST /api/v1/auth/login");
        r->via_cookie = true;
        bool safe = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD") || !strcmp(r->method, "OPTIONS");
        if (!safe) {
            const char *t = req_header(r, "X-CSRF-Token");
            if (!t || strlen(t) != strlen(csrf) || sodium_memcmp(t, csrf, strlen(csrf)) != 0)
                return reply_problem(r, 403, "csrf", "the X-CSRF-Token header is missing or wrong");
        }
    }
    if (principal_load(r->db, &r->a, uid, &r->user) != 0)
        return reply_problem(r, 401, "unauthenticated", "the account is disabled");
    r->authed = true;
    return 0;
}
