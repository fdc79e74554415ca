/* Users, teams, roles and the audit trail as resources. */
#include "domain/user.h"
#include "domain/auth.h"
#include "http/rest.h"
#include "http/openapi.h"
#include <stdio.h>
#include <string.h>

/* ---------- users ---------- */

static const field_def user_fields[] = {
    {"email", "email", FT_EMAIL, FF_REQUIRED, 254, NULL, NULL},
    {"name", "name", FT_TEXT, FF_REQUIRED, 200, NULL, NULL},
    {"password", NULL, FT_TEXT, FF_WRITEONLY | FF_NOAUDIT, 256, NULL, NULL},
    {"role", NULL, FT_TEXT, FF_REQUIRED, 64, NULL, NULL},
    {"team_ids", NULL, FT_JSON, 0, 0, NULL, NULL},
    {"disabled", "disabled", FT_BOOL, FF_NOTNULL, 0, NULL, NULL},
    {"locale", "locale", FT_TEXT, 0, 16, NULL, NULL},
    {0},
};

/* Nobody hands out a role, or manages a user or role, with more rights than their own:
 * otherwise whoever may edit their own record could make themselves an admin. `sql`
 * selects the scopes JSON of the role in question. */
static bool role_within_principal(ctx *c, const char *sql, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    const char *json = db_scalar_text(c->db, c->a, sql, &p);
    unsigned char t[OBJ_COUNT][4];
    char err[160];
    return json && scopes_parse(json, t, err, sizeof err) == 0 && scopes_within(t, c->user->scope);
}

#define ROLE_SCOPES "SELECT scopes FROM roles WHERE id = ?"
#define USER_SCOPES "SELECT r.scopes FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = ?"

/* team membership widens what `team` scopes show, so it changes only in teams the
 * principal may write */
static bool team_writable(ctx *c, long long team_id)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_adds(&sql, "SELECT 1 FROM teams t WHERE t.id = ?");
    dbp_int(&p, team_id);
    resource_scope_sql(c, &team_resource, ACT_WRITE, &sql, &p);
    bool ok = db_scalar(c->db, sql.data, &p, 0) == 1;
    buf_release(&sql);
    return ok;
}

static bool has_id(json_t *list, long long id)
{
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) if (json_integer_value(t) == id) return true;
    return false;
}

/* every team joined or left (symmetric difference of the lists) must be writable */
static void check_team_changes(ctx *c, json_t *now, json_t *before, errs *e)
{
    json_t *lists[2] = {now, before};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *t;
        json_array_foreach(lists[l], i, t) {
            long long id = json_integer_value(t);
            if (json_is_array(lists[1 - l]) && has_id(lists[1 - l], id)) continue;
            if (!team_writable(c, id)) {
                errs_add(e, "team_ids", "forbidden", "your role does not allow changing the members of team %lld", id);
                return;
            }
        }
    }
}

static void user_validate(ctx *c, write_set *w, errs *e)
{
    if (w->old && !role_within_principal(c, USER_SCOPES, json_integer_value(json_object_get(w->old, "id")))) {
        errs_add(e, NULL, "forbidden", "this user's role has rights your own role lacks");
        return;
    }
    json_t *pw = json_object_get(w->in, "password");
    if (pw) {
        const char *s = json_string_value(pw);
        char *hash = s ? auth_hash_password(c->a, s) : NULL;
        if (!hash) errs_add(e, "password", "weak_password", "'password' must be 8 to 256 characters");
        else { w->cols[w->n++] = "password_hash"; dbp_text(&w->vals, hash); }
    }
    json_t *role = json_object_get(w->in, "role");
    if (role) {
        dbparams p;
        dbparams_init(&p, c->a);
        long long id = -1;
        if (json_is_integer(role)) {
            dbp_int(&p, json_integer_value(role));
            id = db_scalar(c->db, "SELECT id FROM roles WHERE id = ?", &p, 0);
        } else if (json_is_string(role)) {
            dbp_text(&p, json_string_value(role));
            id = db_scalar(c->db, "SELECT id FROM roles WHERE name = ?", &p, 0);
        }
        if (id <= 0) errs_add(e, "role", "invalid_reference", "'role' must name an existing role");
        else if (!role_within_principal(c, ROLE_SCOPES, id))
            errs_add(e, "role", "forbidden", "you cannot give a role with rights your own role lacks");
        else { w->cols[w->n++] = "role_id"; dbp_int(&w->vals, id); }
    }
    json_t *teams = json_object_get(w->in, "team_ids");
    if (teams) {
        size_t i;
        json_t *t;
        if (!json_is_array(teams) || json_array_size(teams) > 100) errs_add(e, "team_ids", "invalid_type", "'team_ids' must be a list of team ids");
        else json_array_foreach(teams, i, t) {
            dbparams p;
            dbparams_init(&p, c->a);
            dbp_int(&p, json_integer_value(t));
            if (!json_is_integer(t) || db_scalar(c->db, "SELECT 1 FROM teams WHERE id = ?", &p, 0) != 1)
                errs_add(e, arena_printf(c->a, "team_ids[%zu]", i), "invalid_reference", "no such team");
        }
        if (!e->n) check_team_changes(c, teams, w->old ? json_object_get(w->old, "team_ids") : NULL, e);
    }
}

static int user_before_delete(ctx *c, long long id, errs *e)
{
    if (role_within_principal(c, USER_SCOPES, id)) return 0;
    errs_add(e, NULL, "forbidden", "this user's role has rights your own role lacks");
    return -1;
}

static int user_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    (void)e;
    json_t *teams = json_object_get(w->in, "team_ids");
    if (!teams) return 0;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_run(c->db, "DELETE FROM team_members WHERE user_id = ?", &p) < 0) return -1;
    size_t i;
    json_t *t;
    json_array_foreach(teams, i, t) {
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_int(&q, json_integer_value(t));
        dbp_int(&q, id);
        if (db_run(c->db, "INSERT OR IGNORE INTO team_members(team_id, user_id) VALUES(?, ?)", &q) < 0) return -1;
    }
    return 0;
}

static void user_write_extra(ctx *c, long long id, jw *w)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    jw_kstr(w, "role", db_scalar_text(c->db, c->a, "SELECT r.name FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = ?", &p));
    jw_key(w, "team_ids");
    jw_arr(w);
    db_cursor *cur = db_query(c->db, "SELECT team_id FROM team_members WHERE user_id = ? ORDER BY team_id", &p);
    while (cur && db_step(cur) == 1) jw_int(w, db_col_int(cur, 0));
    db_done(cur);
    jw_arr_end(w);
}

const resource user_resource = {
    .name = "user", .plural = "users", .table = "users", .kind = OBJ_USERS, .fields = user_fields,
    .owner_sql = "t.id IN ({users})", .default_sort = "id",
    .validate = user_validate, .after_save = user_after_save, .write_extra = user_write_extra,
    .before_delete = user_before_delete,
};

/* ---------- teams ---------- */

static const field_def team_fields[] = {
    {"name", "name", FT_TEXT, FF_REQUIRED, 200, NULL, NULL},
    {0},
};

static void team_write_extra(ctx *c, long long id, jw *w)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    jw_key(w, "user_ids");
    jw_arr(w);
    db_cursor *cur = db_query(c->db, "SELECT user_id FROM team_members WHERE team_id = ? ORDER BY user_id", &p);
    while (cur && db_step(cur) == 1) jw_int(w, db_col_int(cur, 0));
    db_done(cur);
    jw_arr_end(w);
}

const resource team_resource = {
    .name = "team", .plural = "teams", .table = "teams", .kind = OBJ_TEAMS, .fields = team_fields,
    .owner_sql = "t.id IN (SELECT team_id FROM team_members WHERE user_id IN ({users}))",
    .write_extra = team_write_extra,
};

/* ---------- roles ---------- */

static const field_def role_fields[] = {
    {"name", "name", FT_TEXT, FF_REQUIRED, 64, NULL, NULL},
    {"description", "description", FT_TEXT, 0, 1000, NULL, NULL},
    {"scopes", "scopes", FT_JSON, FF_REQUIRED, 0, NULL, NULL},
    {"builtin", "builtin", FT_BOOL, FF_READONLY, 0, NULL, NULL},
    {0},
};

static void role_validate(ctx *c, write_set *w, errs *e)
{
    if (w->old && !role_within_principal(c, ROLE_SCOPES, json_integer_value(json_object_get(w->old, "id")))) {
        errs_add(e, NULL, "forbidden", "this role has rights your own role lacks");
        return;
    }
    json_t *s = json_object_get(w->in, "scopes");
    if (!s) return;
    char *text = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY);
    char err[160];
    unsigned char table[OBJ_COUNT][4];
    if (!json_is_object(s) || scopes_parse(text, table, err, sizeof err) != 0)
        errs_add(e, "scopes", "invalid_scopes", "%s", json_is_object(s) ? err : "'scopes' must be an object");
    else if (!scopes_within(table, c->user->scope))
        errs_add(e, "scopes", "forbidden", "a role cannot have rights your own role lacks");
    free(text);
}

static int role_before_delete(ctx *c, long long id, errs *e)
{
    if (!role_within_principal(c, ROLE_SCOPES, id)) {
        errs_add(e, NULL, "forbidden", "this role has rights your own role lacks");
        return -1;
    }
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_scalar(c->db, "SELECT builtin FROM roles WHERE id = ?", &p, 0) == 1) {
        errs_add(e, NULL, "builtin_role", "a built-in role cannot be deleted");
        return -1;
    }
    if (db_scalar(c->db, "SELECT count(*) FROM users WHERE role_id = ?", &p, 0) > 0) {
        errs_add(e, NULL, "role_in_use", "users still have this role; give them another role first");
        return -1;
    }
    return 0;
}

const resource role_resource = {
    .name = "role", .plural = "roles", .table = "roles", .kind = OBJ_ROLES, .fields = role_fields,
    .validate = role_validate, .before_delete = role_before_delete,
};

/* ---------- audit (read-only view) ---------- */

static const field_def audit_fields[] = {
    {"at", "created_at", FT_TIME, FF_READONLY | FF_NOSORT, 0, NULL, NULL},
    {"user_id", "user_id", FT_REF, FF_READONLY, 0, NULL, "users"},
    {"request_id", "request_id", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"object", "object", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"object_id", "object_id", FT_INT, FF_READONLY, 0, NULL, NULL},
    {"action", "action", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"owner_id", "owner_id", FT_REF, FF_READONLY, 0, NULL, "users"},
    {"changes", "changes", FT_JSON, FF_READONLY | FF_NOFILTER | FF_NOSORT, 0, NULL, NULL},
    {0},
};

const resource audit_resource = {
    .name = "audit", .plural = "audit", .table = "audit_v", .kind = OBJ_AUDIT, .fields = audit_fields,
    .owner_sql = "t.owner_id IN ({users}) OR t.user_id IN ({users})", .default_sort = "-id",
};

/* ---------- set-up ---------- */

int roles_ensure_builtin(ctx *c)
{
    static const char *const names[] = {"admin", "head", "manager"};
    static const char *const descr[] = {
        "everything, including users, roles and settings",
        "reads and writes all clients, deals and activities; reports on everyone",
        "reads the team's clients, writes their own",
    };
    for (int i = 0; i < 3; i++) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_text(&p, names[i]);
        dbp_text(&p, descr[i]);
        dbp_text(&p, scopes_default_json(names[i]));
        if (db_run(c->db, "INSERT OR IGNORE INTO roles(name, description, scopes, builtin) VALUES(?, ?, ?, 1)", &p) < 0) return -1;
    }
    return 0;
}

int user_create(ctx *c, const char *email, const char *password, const char *role, const char *name,
                const char *team, long long *id, errs *e)
{
    json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "email", email, "password", password, "role", role,
                           "name", name && *name ? name : email);
    if (!in) { errs_add(e, NULL, "invalid_text", "arguments must be valid UTF-8"); return 422; }
    bool own_tx = db_begin(c->db) == 0;
    if (!own_tx) { json_decref(in); return 503; }
    if (team && *team) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_text(&p, team);
        db_run(c->db, "INSERT OR IGNORE INTO teams(name) VALUES(?)", &p);
        long long tid = db_scalar(c->db, "SELECT id FROM teams WHERE name = ?", &p, 0);
        json_object_set_new(in, "team_ids", json_pack("[I]", (json_int_t)tid));
    }
    buf out;
    buf_init(&out, 0);
    int st = resource_create(c, &user_resource, in, id, &out, e);
    buf_release(&out);
    json_decref(in);
    if (st == 201 && db_commit(c->db) == 0) return 0;
    db_rollback(c->db);
    return st == 201 ? 500 : st;
}

void user_routes(void)
{
    rest_register(&user_resource);
    rest_register(&team_resource);
    rest_register(&role_resource);
    router_add("GET", "/api/v1/audit", rest_list, &audit_resource, 0);
    router_add("GET", "/api/v1/audit/{}", rest_get, &audit_resource, 0);
    openapi_resource(&audit_resource);
}
