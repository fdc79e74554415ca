/* resource: the generic machinery on an in-memory database with a small owned object.
 * Scopes own/team/none inside list, count and read; creates outside one's reach refused
 * and rolled back; validate hooks answering 403; the audit of a record handed beyond
 * sight (regression: it recorded every field as erased); cursors over REAL sort values
 * that differ only past 15 digits (regression: rows repeated or vanished); the audit row of
 * resource_insert (imports), built from the write set and the columns' defaults, is the
 * text resource_create writes, and is read back from the row where the set cannot tell
 * (an expression default, a real, an affinity that changes a value, a trigger). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "domain/resource.h"

static const field_def thing_fields[] = {
    {"name", "name", FT_TEXT, FF_REQUIRED, 100, NULL, NULL},
    {"score", "score", FT_REAL, 0, 0, NULL, NULL},
    {"owner_id", "owner_id", FT_INT, 0, 0, NULL, NULL},
    {0},
};

static void thing_validate(ctx *c, write_set *w, errs *e)
{
    (void)c;
    json_t *n = json_object_get(w->in, "name");
    if (json_is_string(n) && !strcmp(json_string_value(n), "forbidden"))
        errs_add(e, "name", "forbidden", "this name is not yours to give");
}

static const resource thing = {
    .name = "thing", .plural = "things", .table = "things", .kind = OBJ_CONTACTS, .fields = thing_fields,
    .owner_sql = "t.owner_id IN ({users})", .owner_column = "owner_id", .validate = thing_validate,
};

typedef struct fx {
    arena a;
    db *d;
    principal p;
    ctx c;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char err[200];
    f->d = db_open(":memory:", err, sizeof err);
    assert_non_null(f->d);
    assert_int_equal(db_exec(f->d,
        "CREATE TABLE team_members(team_id INTEGER, user_id INTEGER, PRIMARY KEY(team_id, user_id));"
        "CREATE TABLE audit(id INTEGER PRIMARY KEY, at TEXT, user_id INTEGER, request_id TEXT, object TEXT NOT NULL,"
        " object_id INTEGER NOT NULL, action TEXT NOT NULL, owner_id INTEGER, changes TEXT);"
        "CREATE TABLE things(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_by INTEGER,"
        " created_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z', updated_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z',"
        " name TEXT NOT NULL, score REAL, owner_id INTEGER);"
        /* user 2 and 3 share team 1; user 4 is alone in team 2 */
        "INSERT INTO team_members VALUES (1, 2), (1, 3), (2, 4);"), 0);
    arena_init(&f->a);
    f->c = (ctx){&f->a, f->d, &f->p, "test-request"};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    assert_false(db_in_tx(f->d));   /* nothing may leave a transaction open */
    arena_release(&f->a);
    db_close(f->d);
    free(f);
    return 0;
}

static void as_user(fx *f, long long id, scope_level read, scope_level write)
{
    memset(&f->p, 0, sizeof f->p);
    f->p.user_id = id;
    f->p.scope[OBJ_CONTACTS][ACT_READ] = (unsigned char)read;
    f->p.scope[OBJ_CONTACTS][ACT_WRITE] = (unsigned char)write;
    f->p.scope[OBJ_CONTACTS][ACT_DELETE] = (unsigned char)write;
}

static void as_system(fx *f) { principal_system(&f->p); }

static long long create(fx *f, const char *json, int want)
{
    json_t *in = json_loads(json, 0, NULL);
    assert_non_null(in);
    errs e;
    errs_init(&e, &f->a);
    buf out;
    buf_init(&out, 0);
    long long id = 0;
    int st = resource_create(&f->c, &thing, in, &id, &out, &e);
    if (st != want) fail_msg("create %s: %d, want %d (%s)", json, st, want, e.n ? e.v[0].message : out.data);
    json_decref(in);
    buf_release(&out);
    return id;
}

static long long scalar(fx *f, const char *sql)
{
    return db_scalar(f->d, sql, NULL, -1);
}

/* ids of a list as "1,2,3" (and the count when asked) */
static const char *list_ids(fx *f, const char *sort, int limit, const char *after, const char **next, long long *count)
{
    list_query q;
    memset(&q, 0, sizeof q);
    q.sort = sort;
    q.limit = limit;
    q.after = after;
    q.count = count != NULL;
    errs e;
    errs_init(&e, &f->a);
    buf out;
    buf_init(&out, 0);
    int st = resource_list(&f->c, &thing, &q, &out, &e);
    if (st != 200) fail_msg("list: %d %s", st, e.n ? e.v[0].message : "");
    json_t *j = json_loads(out.data, 0, NULL);
    assert_non_null(j);
    buf ids;
    buf_init(&ids, 0);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(j, "data"), i, row) buf_printf(&ids, "%s%lld", i ? "," : "", (long long)json_integer_value(json_object_get(row, "id")));
    if (next) *next = json_is_string(json_object_get(j, "next")) ? arena_strdup(&f->a, json_string_value(json_object_get(j, "next"))) : NULL;
    if (count) *count = json_integer_value(json_object_get(j, "count"));
    const char *r = arena_strdup(&f->a, ids.data);
    buf_release(&ids);
    buf_release(&out);
    json_decref(j);
    return r;
}

static void test_scopes_in_lists_counts_and_reads(void **state)
{
    fx *f = *state;
    as_system(f);
    create(f, "{\"name\":\"a\",\"owner_id\":2}", 201);   /* 1 */
    create(f, "{\"name\":\"b\",\"owner_id\":3}", 201);   /* 2: teammate of 2 */
    create(f, "{\"name\":\"c\",\"owner_id\":4}", 201);   /* 3: other team */
    create(f, "{\"name\":\"d\"}", 201);                  /* 4: nobody's (system creates) */
    long long n;
    as_user(f, 2, SCOPE_OWN, SCOPE_OWN);
    assert_string_equal(list_ids(f, NULL, 50, NULL, NULL, &n), "1");
    assert_int_equal(n, 1);
    as_user(f, 2, SCOPE_TEAM, SCOPE_OWN);
    assert_string_equal(list_ids(f, "-id", 50, NULL, NULL, &n), "2,1");
    assert_int_equal(n, 2);
    as_user(f, 4, SCOPE_TEAM, SCOPE_OWN);
    assert_string_equal(list_ids(f, NULL, 50, NULL, NULL, &n), "3");
    as_user(f, 5, SCOPE_TEAM, SCOPE_OWN);   /* in no team: own rows only, here none */
    assert_string_equal(list_ids(f, NULL, 50, NULL, NULL, &n), "");
    assert_int_equal(n, 0);
    as_user(f, 2, SCOPE_ALL, SCOPE_OWN);
    assert_string_equal(list_ids(f, NULL, 50, NULL, NULL, &n), "1,2,3,4");
    /* single reads */
    as_user(f, 2, SCOPE_TEAM, SCOPE_OWN);
    buf out;
    buf_init(&out, 0);
    assert_int_equal(resource_get(&f->c, &thing, 2, NULL, &out), 200);
    buf_reset(&out);
    assert_int_equal(resource_get(&f->c, &thing, 3, NULL, &out), 404);
    assert_int_equal(resource_get(&f->c, &thing, 4, NULL, &out), 404);
    as_user(f, 2, SCOPE_NONE, SCOPE_NONE);
    assert_int_equal(resource_get(&f->c, &thing, 1, NULL, &out), 403);
    list_query q = {.limit = 5};
    errs e;
    errs_init(&e, &f->a);
    assert_int_equal(resource_list(&f->c, &thing, &q, &out, &e), 403);
    assert_int_equal(resource_count(&f->c, &thing, &q, &n, &e), 403);
    buf_release(&out);
}

static void test_create_outside_reach_is_refused_and_rolled_back(void **state)
{
    fx *f = *state;
    as_user(f, 2, SCOPE_TEAM, SCOPE_OWN);
    long long id = create(f, "{\"name\":\"mine\"}", 201);
    assert_int_equal(db_scalar(f->d, "SELECT owner_id FROM things WHERE id = 1", NULL, 0), 2);   /* stamped */
    assert_int_equal(id, 1);
    create(f, "{\"name\":\"for a teammate\",\"owner_id\":3}", 403);   /* write is own only */
    create(f, "{\"name\":\"forbidden\"}", 403);                       /* the hook says so */
    create(f, "{\"name\":5}", 422);
    assert_int_equal(scalar(f, "SELECT count(*) FROM things"), 1);
    assert_int_equal(scalar(f, "SELECT count(*) FROM audit"), 1);
    as_user(f, 2, SCOPE_TEAM, SCOPE_NONE);
    create(f, "{\"name\":\"x\"}", 403);
}

static void test_update_and_delete_scopes(void **state)
{
    fx *f = *state;
    as_system(f);
    create(f, "{\"name\":\"a\",\"owner_id\":2}", 201);
    create(f, "{\"name\":\"b\",\"owner_id\":3}", 201);
    as_user(f, 2, SCOPE_TEAM, SCOPE_OWN);
    errs e;
    errs_init(&e, &f->a);
    buf out;
    buf_init(&out, 0);
    json_t *in = json_pack("{s:s}", "name", "changed");
    assert_int_equal(resource_update(&f->c, &thing, 2, in, 0, &out, &e), 403);   /* readable, not writable */
    assert_int_equal(resource_update(&f->c, &thing, 9, in, 0, &out, &e), 404);
    assert_int_equal(resource_update(&f->c, &thing, 1, in, 5, &out, &e), 412);
    assert_int_equal(resource_update(&f->c, &thing, 1, in, 1, &out, &e), 200);
    assert_int_equal(resource_delete(&f->c, &thing, 2, 0, &e), 403);
    assert_int_equal(resource_delete(&f->c, &thing, 1, 1, &e), 412);
    assert_int_equal(resource_delete(&f->c, &thing, 1, 2, &e), 204);
    json_decref(in);
    buf_release(&out);
    assert_int_equal(scalar(f, "SELECT count(*) FROM things"), 1);
}

static void test_audit_of_a_handover(void **state)
{
    fx *f = *state;
    as_user(f, 2, SCOPE_TEAM, SCOPE_OWN);
    long long id = create(f, "{\"name\":\"deal of the year\",\"score\":1.5}", 201);
    /* handed to user 4, in another team: beyond what user 2 can see afterwards */
    json_t *in = json_pack("{s:I}", "owner_id", (json_int_t)4);
    errs e;
    errs_init(&e, &f->a);
    buf out;
    buf_init(&out, 0);
    assert_int_equal(resource_update(&f->c, &thing, id, in, 0, &out, &e), 200);
    json_decref(in);
    buf_release(&out);
    char *changes = db_scalar_text(f->d, &f->a, "SELECT changes FROM audit WHERE action = 'update'", NULL);
    assert_non_null(changes);
    assert_string_equal(changes, "{\"owner_id\":[2,4]}");
    assert_int_equal(scalar(f, "SELECT owner_id FROM audit WHERE action = 'update'"), 4);
    assert_int_equal(scalar(f, "SELECT user_id FROM audit WHERE action = 'update'"), 2);
    char *rid = db_scalar_text(f->d, &f->a, "SELECT request_id FROM audit WHERE action = 'update'", NULL);
    assert_string_equal(rid, "test-request");
}

static void test_cursor_over_close_reals(void **state)
{
    fx *f = *state;
    as_system(f);
    /* values equal to 15 significant digits, NULLs and exact ties */
    const char *scores[] = {"0.30000000000000004", "0.3", "0.30000000000000009", "null", "0.3",
                            "1e-300", "-0.0", "0", "null", "0.29999999999999999", "1.0000000000000002", "1"};
    int n = (int)(sizeof scores / sizeof *scores);
    for (int i = 0; i < n; i++) {
        char json[100];
        snprintf(json, sizeof json, "{\"name\":\"r%d\",\"score\":%s}", i, scores[i]);
        create(f, json, 201);
    }
    for (int desc = 0; desc < 2; desc++) {
        const char *sort = desc ? "-score" : "score";
        const char *all = list_ids(f, sort, 500, NULL, NULL, NULL);
        for (int limit = 1; limit <= 3; limit++) {
            buf walked;
            buf_init(&walked, 0);
            const char *next = NULL;
            int pages = 0;
            do {
                const char *ids = list_ids(f, sort, limit, next, &next, NULL);
                if (*ids) buf_printf(&walked, "%s%s", walked.len ? "," : "", ids);
                assert_true(++pages <= n + 1);
            } while (next);
            if (strcmp(walked.data, all) != 0) fail_msg("sort=%s limit=%d walked %s, want %s", sort, limit, walked.data, all);
            buf_release(&walked);
        }
    }
}

/* ---------- resource_insert's audit against resource_create's ---------- */

static const field_def gadget_fields[] = {
    {"name", "name", FT_TEXT, FF_REQUIRED, 100, NULL, NULL},
    {"flag", "flag", FT_BOOL, 0, 0, NULL, NULL},
    {"kind", "kind", FT_TEXT, 0, 100, NULL, NULL},
    {"list", "list", FT_JSON, 0, 0, NULL, NULL},
    {"stamp", "stamp", FT_TEXT, 0, 100, NULL, NULL},
    {"score", "score", FT_REAL, 0, 0, NULL, NULL},
    {"code", "code", FT_TEXT, 0, 100, NULL, NULL},
    {"secret", "secret", FT_TEXT, FF_NOAUDIT, 100, NULL, NULL},
    {"owner_id", "owner_id", FT_INT, 0, 0, NULL, NULL},
    {0},
};
static const resource gadget = {
    .name = "gadget", .plural = "gadgets", .table = "gadgets", .kind = OBJ_CONTACTS, .fields = gadget_fields,
    .owner_sql = "t.owner_id IN ({users})", .owner_column = "owner_id",
};
static const resource widget = {   /* the same fields; its table has a trigger */
    .name = "widget", .plural = "widgets", .table = "widgets", .kind = OBJ_CONTACTS, .fields = gadget_fields,
    .owner_sql = "t.owner_id IN ({users})", .owner_column = "owner_id",
};

#define GADGET_COLUMNS "(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_by INTEGER," \
    " created_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z', updated_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z'," \
    " name TEXT NOT NULL, flag INTEGER DEFAULT 1, kind TEXT NOT NULL DEFAULT 'it''s', list TEXT NOT NULL DEFAULT '[]'," \
    " stamp TEXT DEFAULT (strftime('%Y', 'now')), score REAL, code NUMERIC, secret TEXT DEFAULT 'x', owner_id INTEGER)"

static const char *audit_changes(fx *f, const char *object, long long id)
{
    dbparams p;
    dbparams_init(&p, &f->a);
    dbp_text(&p, object);
    dbp_int(&p, id);
    const char *s = db_scalar_text(f->d, &f->a, "SELECT changes FROM audit WHERE object = ? AND object_id = ? AND action = 'create'", &p);
    assert_non_null(s);
    return s;
}

/* body created once by resource_create, once by resource_insert: the same audit text */
static void same_audit(fx *f, const resource *res, const char *body)
{
    json_t *in = json_loads(body, 0, NULL);
    assert_non_null(in);
    errs e;
    errs_init(&e, &f->a);
    long long made = 0, inserted = 0;
    if (resource_create(&f->c, res, in, &made, NULL, &e) != 201) fail_msg("create %s: %s", body, e.n ? e.v[0].message : "");
    write_set w;
    assert_int_equal(resource_check_create(&f->c, res, in, &w, &e), 0);
    assert_int_equal(db_begin(f->d), 0);
    assert_int_equal(resource_insert(&f->c, res, &w, NULL, NULL, &inserted), 0);
    assert_int_equal(db_commit(f->d), 0);
    json_decref(in);
    const char *want = audit_changes(f, res->name, made), *got = audit_changes(f, res->name, inserted);
    if (strcmp(want, got)) fail_msg("%s %s: insert audited %s, create %s", res->name, body, got, want);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT coalesce(owner_id, -1)) FROM audit WHERE object_id IN (%lld, %lld) AND object = '%s'",
             made, inserted, res->name);
    assert_int_equal(scalar(f, sql), 1);
}

static void test_insert_audits_as_create(void **state)
{
    fx *f = *state;
    assert_int_equal(db_exec(f->d, "CREATE TABLE gadgets" GADGET_COLUMNS ";"
        "CREATE TABLE widgets" GADGET_COLUMNS ";"
        "CREATE TRIGGER widgets_name AFTER INSERT ON widgets BEGIN UPDATE widgets SET name = upper(NEW.name) WHERE id = NEW.id; END;"), 0);
    static const char *const bodies[] = {
        "{\"name\":\"defaults\",\"stamp\":\"s\"}",                         /* from the set and the literal defaults */
        "{\"name\":\"all\",\"stamp\":\"s\",\"flag\":false,\"kind\":\"k\",\"list\":[1,{\"a\":\"\\u00e9\"}],\"secret\":\"k\",\"owner_id\":3}",
        "{\"name\":\"q\\\"uote\\\\\",\"stamp\":\"s\",\"code\":\"x1\"}",
        "{\"name\":\"stamp left to its expression\"}",                    /* read back */
        "{\"name\":\"real\",\"stamp\":\"s\",\"score\":1.5}",                   /* read back */
        "{\"name\":\"numeric\",\"stamp\":\"s\",\"code\":\"007\"}",             /* read back: stored as 7 */
    };
    for (int who = 0; who < 2; who++) {
        if (who) as_user(f, 2, SCOPE_ALL, SCOPE_ALL); else as_system(f);   /* user 2: stamped as the owner */
        for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
            same_audit(f, &gadget, bodies[i]);
            same_audit(f, &widget, bodies[i]);
        }
    }
    assert_string_equal(audit_changes(f, "gadget", 2), "{\"name\":[null,\"defaults\"],\"flag\":[null,true],\"kind\":[null,\"it's\"],"
                                                       "\"list\":[null,[]],\"stamp\":[null,\"s\"]}");
    assert_non_null(strstr(audit_changes(f, "widget", 2), "\"name\":[null,\"DEFAULTS\"]"));
    assert_non_null(strstr(audit_changes(f, "gadget", 12), "\"code\":[null,\"7\"]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scopes_in_lists_counts_and_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_outside_reach_is_refused_and_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_and_delete_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_of_a_handover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_over_close_reals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_audits_as_create, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
