/* /api/v1/auth: login, logout, who am I, API tokens. And /api/v1/health. */
#include "http/auth_gate.h"
#include "http/openapi.h"
#include "http/reply.h"
#include "http/rest.h"
#include "http/router.h"
#include "domain/auth.h"
#include "domain/user.h"
#include <string.h>

static void write_me(req *r, jw *w)
{
    ctx c = rest_ctx(r);
    jw_key(w, "user");
    resource_write_record(&c, &user_resource, r->user.user_id, NULL, w);
}

static int login(req *r, const void *unused)
{
    (void)unused;
    json_t *email = json_object_get(r->json, "email"), *pw = json_object_get(r->json, "password");
    errs e;
    errs_init(&e, &r->a);
    if (!json_is_string(email)) errs_add(&e, "email", "required", "'email' is required");
    if (!json_is_string(pw)) errs_add(&e, "password", "required", "'password' is required");
    if (e.n) return reply_invalid(r, &e);
    long long uid;
    char *session, *csrf;
    int retry = 0;
    int rc = auth_login(r->db, &r->a, json_string_value(email), json_string_value(pw), r->remote, &uid, &session, &csrf, &retry);
    if (rc == -2) {
        req_add_header(r, "Retry-After", arena_printf(&r->a, "%d", retry));
        return reply_problem(r, 429, "too_many_attempts", "too many failed logins; try again in %d minutes", retry / 60);
    }
    if (rc == -1) return reply_problem(r, 401, "invalid_credentials", "wrong email or password");
    if (rc != 0 || principal_load(r->db, &r->a, uid, &r->user) != 0) return reply_db_error(r);
    r->authed = true;
    req_add_header(r, "Set-Cookie", arena_printf(&r->a, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
                                                 session, AUTH_SESSION_HOURS * 3600));
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    write_me(r, &w);
    jw_kstr(&w, "csrf_token", csrf);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

static int logout(req *r, const void *unused)
{
    (void)unused;
    const char *cookie = req_cookie(r, SESSION_COOKIE);
    if (cookie) auth_logout(r->db, &r->a, cookie);
    req_add_header(r, "Set-Cookie", SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return reply_no_content(r);
}

static int me(req *r, const void *unused)
{
    (void)unused;
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    write_me(r, &w);
    jw_key(&w, "scopes");
    jw_obj(&w);
    for (int k = 0; k < OBJ_COUNT; k++) {
        jw_key(&w, obj_kind_name((obj_kind)k));
        jw_obj(&w);
        for (int a = 0; a < ACT_COUNT; a++)
            jw_kstr(&w, scope_action_name((scope_action)a), scope_level_name((scope_level)r->user.scope[k][a]));
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

static int token_create(req *r, const void *unused)
{
    (void)unused;
    json_t *name = json_object_get(r->json, "name");
    const char *n = json_is_string(name) ? json_string_value(name) : "API token";
    if (strlen(n) > 200) {
        errs e;
        errs_init(&e, &r->a);
        errs_add(&e, "name", "too_long", "'name' is longer than 200 characters");
        return reply_invalid(r, &e);
    }
    char *secret, *hash;
    auth_new_secret(&r->a, &secret, &hash);
    char *token = arena_printf(&r->a, "kt_%s", secret);
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    dbp_text(&p, n);
    dbp_text(&p, auth_secret_hash(&r->a, token));
    dbp_textn(&p, token, 8);
    if (db_run(r->db, "INSERT INTO api_tokens(user_id, name, token_hash, prefix) VALUES(?,?,?,?)", &p) < 0) return reply_db_error(r);
    (void)hash;
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kint(&w, "id", db_last_id(r->db));
    jw_kstr(&w, "name", n);
    jw_kstr(&w, "token", token);
    jw_obj_end(&w);
    return reply_json(r, 201);
}

static int token_list(req *r, const void *unused)
{
    (void)unused;
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    db_cursor *c = db_query(r->db, "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens"
                                   " WHERE user_id = ? ORDER BY id", &p);
    if (!c) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    while (db_step(c) == 1) {
        jw_obj(&w);
        jw_kint(&w, "id", db_col_int(c, 0));
        jw_kstr(&w, "name", db_col_text(c, 1));
        jw_kstr(&w, "prefix", db_col_text(c, 2));
        jw_kstr(&w, "created_at", db_col_text(c, 3));
        jw_kstr(&w, "last_used_at", db_col_text(c, 4));
        jw_kstr(&w, "revoked_at", db_col_text(c, 5));
        jw_obj_end(&w);
    }
    db_done(c);
    jw_arr_end(&w);
    jw_knull(&w, "next");
    jw_obj_end(&w);
    return reply_json(r, 200);
}

static int token_revoke(req *r, const void *unused)
{
    (void)unused;
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, req_param_id(r, 0));
    dbp_int(&p, r->user.user_id);
    long long n = db_run(r->db, "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                                " WHERE id = ? AND user_id = ? AND revoked_at IS NULL", &p);
    if (n < 0) return reply_db_error(r);
    if (n == 0) return reply_problem(r, 404, "not_found", "no such active token");
    return reply_no_content(r);
}

static int health(req *r, const void *unused)
{
    (void)unused;
    buf_adds(&r->out, "{\"status\":\"ok\"}");
    return reply_json(r, 200);
}

#define USER_REF "{\"$ref\":\"#/components/schemas/user\"}"
#define TOKEN_SCHEMA "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"prefix\",\"created_at\"],\"properties\":{" \
    "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"prefix\":{\"type\":\"string\"}," \
    "\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}," \
    "\"last_used_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}," \
    "\"revoked_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}}}"
#define LEVEL "{\"type\":\"string\",\"enum\":[\"none\",\"own\",\"team\",\"all\"]}"

void auth_routes(void)
{
    router_add("GET", "/api/v1/health", health, NULL, ROUTE_PUBLIC);
    openapi_op("get", "/api/v1/health", "liveness check, no authentication",
               NULL, "{\"type\":\"object\",\"required\":[\"status\"],\"properties\":{\"status\":{\"type\":\"string\",\"enum\":[\"ok\"]}}}");
    router_add("POST", "/api/v1/auth/login", login, NULL, ROUTE_PUBLIC);
    openapi_op("post", "/api/v1/auth/login", "log in: sets the session cookie (HttpOnly, SameSite=Strict) and returns the CSRF token",
               "{\"type\":\"object\",\"required\":[\"email\",\"password\"],\"properties\":{\"email\":{\"type\":\"string\"},\"password\":{\"type\":\"string\"}}}",
               "{\"type\":\"object\",\"required\":[\"user\",\"csrf_token\"],\"properties\":{\"user\":" USER_REF ",\"csrf_token\":{\"type\":\"string\"}}}");
    router_add("POST", "/api/v1/auth/logout", logout, NULL, 0);
    openapi_op_status("post", "/api/v1/auth/logout", "end the session and clear its cookie", NULL, 204, NULL);
    router_add("GET", "/api/v1/auth/me", me, NULL, 0);
    openapi_op("get", "/api/v1/auth/me", "the calling user and the levels their role grants per object and action", NULL,
               "{\"type\":\"object\",\"required\":[\"user\",\"scopes\"],\"properties\":{\"user\":" USER_REF ","
               "\"scopes\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\",\"properties\":{"
               "\"read\":" LEVEL ",\"write\":" LEVEL ",\"delete\":" LEVEL ",\"export\":" LEVEL "}}}}}");
    router_add("POST", "/api/v1/auth/tokens", token_create, NULL, 0);
    openapi_op_status("post", "/api/v1/auth/tokens", "create an API token for the calling user; the token is shown only once",
                      "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":200}}}", 201,
                      "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"token\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
                      "\"name\":{\"type\":\"string\"},\"token\":{\"type\":\"string\"}}}");
    router_add("GET", "/api/v1/auth/tokens", token_list, NULL, 0);
    openapi_op("get", "/api/v1/auth/tokens", "the calling user's API tokens (never the secrets)", NULL,
               "{\"type\":\"object\",\"required\":[\"data\",\"next\"],\"properties\":{\"data\":{\"type\":\"array\",\"items\":" TOKEN_SCHEMA "},"
               "\"next\":{\"type\":\"string\",\"nullable\":true}}}");
    router_add("DELETE", "/api/v1/auth/tokens/{}", token_revoke, NULL, 0);
    openapi_op_status("delete", "/api/v1/auth/tokens/{id}", "revoke one of the calling user's API tokens", NULL, 204, NULL);
}
