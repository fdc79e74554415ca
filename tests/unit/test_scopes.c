/* scopes_parse: a role's scopes JSON becomes the level table every query is filtered by;
 * anything malformed is refused with a message (a half-read role would grant or deny
 * the wrong things). scopes_within: the order between roles that stops anyone from
 * granting more than they hold. Also the names of kinds, actions and levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/auth.h"
#include "domain/principal.h"

typedef unsigned char table[OBJ_COUNT][4];

static void parse_ok(const char *json, table t)
{
    char err[160] = "";
    if (scopes_parse(json, t, err, sizeof err) != 0) fail_msg("'%s' refused: %s", json, err);
}

static void parse_bad(const char *json, const char *msg_part)
{
    table t;
    char err[160] = "";
    if (scopes_parse(json, t, err, sizeof err) == 0) fail_msg("'%s' accepted", json);
    if (!strstr(err, msg_part)) fail_msg("'%s': message '%s' lacks '%s'", json, err, msg_part);
}

static void test_levels(void **state)
{
    (void)state;
    table t;
    parse_ok("{\"*\":\"all\"}", t);
    for (int o = 0; o < OBJ_COUNT; o++)
        for (int a = 0; a < ACT_COUNT; a++) assert_int_equal(t[o][a], SCOPE_ALL);
    parse_ok("{}", t);
    for (int o = 0; o < OBJ_COUNT; o++)
        for (int a = 0; a < ACT_COUNT; a++) assert_int_equal(t[o][a], SCOPE_NONE);
    parse_ok("{\"contacts\":{\"read\":\"team\",\"write\":\"own\"},\"audit\":\"own\"}", t);
    assert_int_equal(t[OBJ_CONTACTS][ACT_READ], SCOPE_TEAM);
    assert_int_equal(t[OBJ_CONTACTS][ACT_WRITE], SCOPE_OWN);
    assert_int_equal(t[OBJ_CONTACTS][ACT_DELETE], SCOPE_NONE);   /* not named: none */
    assert_int_equal(t[OBJ_CONTACTS][ACT_EXPORT], SCOPE_NONE);
    for (int a = 0; a < ACT_COUNT; a++) assert_int_equal(t[OBJ_AUDIT][a], SCOPE_OWN);
    assert_int_equal(t[OBJ_DEALS][ACT_READ], SCOPE_NONE);
    /* later members override earlier ones, "*" included */
    parse_ok("{\"*\":\"team\",\"deals\":\"none\"}", t);
    assert_int_equal(t[OBJ_USERS][ACT_READ], SCOPE_TEAM);
    assert_int_equal(t[OBJ_DEALS][ACT_READ], SCOPE_NONE);
    parse_ok("{\"deals\":\"none\",\"*\":\"own\"}", t);
    assert_int_equal(t[OBJ_DEALS][ACT_READ], SCOPE_OWN);
}

static void test_malformed(void **state)
{
    (void)state;
    parse_bad("[]", "object");
    parse_bad("\"all\"", "object");
    parse_bad("{", "object");
    parse_bad("", "object");
    parse_bad("{\"spaceships\":\"all\"}", "unknown object 'spaceships'");
    parse_bad("{\"users\":\"everything\"}", "unknown level 'everything'");
    parse_bad("{\"users\":{\"fly\":\"all\"}}", "users.fly");
    parse_bad("{\"users\":{\"read\":\"most\"}}", "users.read");
    parse_bad("{\"users\":{\"read\":3}}", "users.read");
    parse_bad("{\"users\":3}", "level or an object");
    parse_bad("{\"users\":null}", "level or an object");
    parse_bad("{\"users\":[\"all\"]}", "level or an object");
    parse_bad("{\"Users\":\"all\"}", "unknown object");
    parse_bad("{\"*\":\"ALL\"}", "unknown level");
    /* the table is cleared before parsing: a failure never leaves an old role's rights */
    table t;
    char err[100];
    memset(t, SCOPE_ALL, sizeof t);
    assert_int_equal(scopes_parse("{\"users\":\"all\",\"nope\":\"all\"}", t, err, sizeof err), -1);
    assert_int_equal(t[OBJ_DEALS][ACT_READ], SCOPE_NONE);
    /* a tiny error buffer is enough */
    char small[8];
    assert_int_equal(scopes_parse("{\"nope\":\"all\"}", t, small, sizeof small), -1);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_builtin_roles(void **state)
{
    (void)state;
    table admin, head, manager;
    parse_ok(scopes_default_json("admin"), admin);
    parse_ok(scopes_default_json("head"), head);
    parse_ok(scopes_default_json("manager"), manager);
    assert_null(scopes_default_json("intern"));
    assert_int_equal(manager[OBJ_CONTACTS][ACT_READ], SCOPE_TEAM);
    assert_int_equal(manager[OBJ_CONTACTS][ACT_WRITE], SCOPE_OWN);
    assert_int_equal(manager[OBJ_USERS][ACT_WRITE], SCOPE_NONE);
    assert_int_equal(head[OBJ_DEALS][ACT_DELETE], SCOPE_ALL);
    assert_int_equal(head[OBJ_ROLES][ACT_WRITE], SCOPE_NONE);
    /* each built-in role holds the one below it */
    assert_true(scopes_within(manager, head));
    assert_true(scopes_within(head, admin));
    assert_false(scopes_within(head, manager));
    assert_false(scopes_within(admin, head));
}

static void test_within(void **state)
{
    (void)state;
    table a, b;
    parse_ok("{\"contacts\":{\"read\":\"team\"}}", a);
    parse_ok("{\"contacts\":{\"read\":\"team\"}}", b);
    assert_true(scopes_within(a, b));   /* equal */
    parse_ok("{\"contacts\":{\"read\":\"all\",\"write\":\"own\"}}", b);
    assert_true(scopes_within(a, b));
    assert_false(scopes_within(b, a));
    /* one cell beyond is enough to refuse, wherever it is */
    for (int o = 0; o < OBJ_COUNT; o++)
        for (int k = 0; k < ACT_COUNT; k++) {
            table x, y;
            memset(x, SCOPE_TEAM, sizeof x);
            memset(y, SCOPE_TEAM, sizeof y);
            x[o][k] = SCOPE_ALL;
            assert_false(scopes_within(x, y));
            assert_true(scopes_within(y, x));
        }
    principal sys;
    principal_system(&sys);
    assert_true(scopes_within(a, sys.scope));
    assert_int_equal(sys.user_id, 0);
    assert_string_equal(sys.role, "system");
}

static void test_names(void **state)
{
    (void)state;
    for (int k = 0; k < OBJ_COUNT; k++) assert_int_equal(obj_kind_parse(obj_kind_name((obj_kind)k)), k);
    for (int a = 0; a < ACT_COUNT; a++) assert_int_equal(scope_action_parse(scope_action_name((scope_action)a)), a);
    for (int l = 0; l <= SCOPE_ALL; l++) assert_int_equal(scope_level_parse(scope_level_name((scope_level)l)), l);
    assert_string_equal(obj_kind_name(OBJ_CUSTOM_FIELDS), "custom_fields");
    assert_int_equal(obj_kind_parse("nope"), -1);
    assert_int_equal(scope_action_parse(""), -1);
    assert_int_equal(scope_level_parse("al"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_builtin_roles),
        cmocka_unit_test(test_within),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
