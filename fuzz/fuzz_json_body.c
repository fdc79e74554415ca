/* Fuzz target for request bodies: the bytes are parsed exactly as the server parses them
 * (jansson with REQ_JSON_FLAGS) and, when they make an object, validated and written
 * through the resource machinery on an in-memory database holding the real schema:
 * created and updated as a user, a team, a role, a custom field definition and a test
 * object with one field of every type, each in a transaction that is rolled back.
 *
 * Checked on every input: a parse error's message makes a valid JSON string (it quotes the
 * offending bytes), the status is one the API documents (500 means a body made SQL fail,
 * which is a bug), a success writes one valid JSON object, a refusal names at least one
 * problem and every message is valid UTF-8, and no transaction is left open. */
#define FUZZ_TARGET "fuzz_json_body"
#include "body_harness.h"
#include "core/module.h"
#include "domain/custom_field.h"
#include "domain/resource.h"

static const char *const colours[] = {"red", "green", NULL};
static const field_def every_type[] = {
    {"text", "text", FT_TEXT, 0, 20, NULL, NULL},
    {"int", "int", FT_INT, 0, 1000, NULL, NULL},
    {"big", "big", FT_INT, 0, 0, NULL, NULL},
    {"flag", "flag", FT_BOOL, 0, 0, NULL, NULL},
    {"at", "at", FT_TIME, 0, 0, NULL, NULL},
    {"day", "day", FT_DATE, 0, 0, NULL, NULL},
    {"owner_id", "owner_id", FT_REF, 0, 0, NULL, "users"},
    {"colour", "colour", FT_ENUM, 0, 0, colours, NULL},
    {"email", "email", FT_EMAIL, 0, 0, NULL, NULL},
    {"site", "site", FT_URL, 0, 0, NULL, NULL},
    {"currency", "currency", FT_CURRENCY, 0, 0, NULL, NULL},
    {"ratio", "ratio", FT_REAL, 0, 0, NULL, NULL},
    {"extra", "extra", FT_JSON, 0, 0, NULL, NULL},
    {"name", "name", FT_TEXT, FF_REQUIRED, 0, NULL, NULL},
    {"fixed", "fixed", FT_TEXT, FF_READONLY, 0, NULL, NULL},
    {"once", "once", FT_TEXT, FF_CREATEONLY, 0, NULL, NULL},
    {"virtual", NULL, FT_TEXT, 0, 0, NULL, NULL},
    {0},
};
static const resource probe = {
    .name = "probe", .plural = "probes", .table = "probes", .kind = OBJ_CONTACTS, .fields = every_type,
    .owner_sql = "t.owner_id IN ({users})", .owner_column = "owner_id",
};

static principal g_manager;

static void setup(void)
{
    body_harness_open();
    if (db_exec(g_db, "CREATE TABLE probes(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_by INTEGER,"
                      " created_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z', updated_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z',"
                      " text TEXT, int INTEGER, big INTEGER, flag INTEGER, at TEXT, day TEXT, owner_id INTEGER, colour TEXT,"
                      " email TEXT, site TEXT, currency TEXT, ratio REAL, extra TEXT, name TEXT NOT NULL, fixed TEXT, once TEXT)") != 0)
        die("probe table", db_errmsg(g_db));
    arena a;
    arena_init(&a);
    /* a user, a team, a role, a custom field and a probe for the updates to work on */
    if (db_exec(g_db, "INSERT INTO teams(name) VALUES('Sales');"
                      "INSERT INTO users(email, name, role_id) VALUES('m@fuzz.example', 'M', (SELECT id FROM roles WHERE name='manager'));"
                      "INSERT INTO team_members VALUES(1, 1);"
                      "INSERT INTO roles(name, scopes) VALUES('custom', '{\"users\":\"own\"}');"
                      "INSERT INTO custom_fields(object, name, type, options) VALUES('contact', 'tier', 'enum', '[\"a\",\"b\"]');"
                      "INSERT INTO probes(name, owner_id) VALUES('first', 1)") != 0)
        die("rows", db_errmsg(g_db));
    if (principal_load(g_db, &a, 1, &g_manager) != 0) die("manager", NULL);
    arena_release(&a);
}

/* one create and one update of `res` with the body, as `who`, rolled back */
static void exercise(const resource *res, long long existing, json_t *body, const principal *who)
{
    arena a;
    arena_init(&a);
    ctx c = {&a, g_db, who, "fuzz"};
    for (int update = 0; update < 2; update++) {
        errs e;
        errs_init(&e, &a);
        buf out;
        buf_init(&out, 0);
        if (db_begin(g_db) != 0) die("begin", db_errmsg(g_db));
        long long id = 0;
        int st = update ? resource_update(&c, res, existing, body, 0, &out, &e)
                        : resource_create(&c, res, body, &id, &out, &e);
        if (st == 200 || st == 201) check_record(&out);
        else if (st == 422) check_errs(&e);
        else if (st != 403 && st != 404 && st != 409 && st != 412) die("unexpected status", db_errmsg(g_db));
        db_rollback(g_db);
        if (db_in_tx(g_db)) die("transaction left open", res->name);
        buf_release(&out);
    }
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_db) setup();
    json_error_t je;
    json_t *body = json_loadb((const char *)data, size, REQ_JSON_FLAGS, &je);
    if (!body) {
        /* jansson quotes the offending bytes; the problem answer must still be valid JSON */
        buf b;
        buf_init(&b, 0);
        buf_json_str(&b, je.text);
        json_t *detail = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
        if (!detail || !utf8_valid(b.data, b.len)) die("parse message breaks the answer", b.data);
        json_decref(detail);
        buf_release(&b);
        return 0;
    }
    /* a password would spend the run in Argon2id; its rules are a length check */
    json_t *user_body = json_is_object(body) ? json_deep_copy(body) : json_incref(body);
    if (json_is_object(user_body)) json_object_del(user_body, "password");
    exercise(&probe, 1, body, &g_system);
    exercise(&probe, 1, body, &g_manager);
    exercise(&user_resource, 1, user_body, &g_system);
    exercise(&user_resource, 1, user_body, &g_manager);
    exercise(&team_resource, 1, body, &g_system);
    exercise(&role_resource, 4, body, &g_system);
    exercise(&custom_field_resource, 1, body, &g_system);
    json_decref(user_body);
    json_decref(body);
    return 0;
}
