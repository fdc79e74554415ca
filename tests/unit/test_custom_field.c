/* custom_field: the definitions custom_fields_merge keeps between custom_field_memo_begin
 * and _end (an import's reading thread) never hide a definition made, changed or removed
 * since: by this connection, by another one, or inside a transaction not yet committed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "domain/custom_field.h"

typedef struct fx {
    char path[64];
    arena a;
    db *d, *other;
    ctx c;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/kt-test-cf-%d.db", (int)getpid());
    unlink(f->path);
    char err[200];
    f->d = db_open(f->path, err, sizeof err);
    assert_non_null(f->d);
    assert_int_equal(db_exec(f->d, "CREATE TABLE custom_fields(id INTEGER PRIMARY KEY, object TEXT NOT NULL, name TEXT NOT NULL,"
                                   " label TEXT, type TEXT NOT NULL, required INTEGER NOT NULL DEFAULT 0, options TEXT,"
                                   " position INTEGER NOT NULL DEFAULT 0)"), 0);
    f->other = db_open(f->path, err, sizeof err);
    assert_non_null(f->other);
    arena_init(&f->a);
    f->c = (ctx){&f->a, f->d, NULL, "test"};
    custom_field_memo_begin();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    custom_field_memo_end();
    arena_release(&f->a);
    db_close(f->other);
    db_close(f->d);
    unlink(f->path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", f->path);
    unlink(side);
    free(f);
    return 0;
}

/* the merge of `in` for a contact: its JSON, or "!" and the first error's code */
static const char *merge(fx *f, const char *in)
{
    json_t *j = json_loads(in, 0, NULL);
    assert_non_null(j);
    errs e;
    errs_init(&e, &f->a);
    const char *r = custom_fields_merge(&f->c, "contact", j, NULL, &e);
    json_decref(j);
    return r ? r : arena_printf(&f->a, "!%s", e.v[0].code);
}

static void test_definitions_are_never_stale(void **state)
{
    fx *f = *state;
    assert_string_equal(merge(f, "{\"code\":\"A\"}"), "!unknown_field");
    assert_string_equal(merge(f, "{}"), "{}");

    /* made by this connection, outside a transaction */
    assert_int_equal(db_exec(f->d, "INSERT INTO custom_fields(object, name, type) VALUES ('contact', 'code', 'text')"), 0);
    assert_string_equal(merge(f, "{\"code\":\"A\"}"), "{\"code\":\"A\"}");

    /* made required by another connection */
    assert_int_equal(db_exec(f->other, "UPDATE custom_fields SET required = 1 WHERE name = 'code'"), 0);
    assert_string_equal(merge(f, "{}"), "!required");
    assert_string_equal(merge(f, "{\"code\":\"B\"}"), "{\"code\":\"B\"}");

    /* options changed by another connection */
    assert_int_equal(db_exec(f->other, "INSERT INTO custom_fields(object, name, type, options)"
                                       " VALUES ('contact', 'tier', 'enum', '[\"gold\"]')"), 0);
    assert_string_equal(merge(f, "{\"code\":\"C\",\"tier\":\"gold\"}"), "{\"code\":\"C\",\"tier\":\"gold\"}");
    assert_int_equal(db_exec(f->other, "UPDATE custom_fields SET options = '[\"silver\"]' WHERE name = 'tier'"), 0);
    assert_string_equal(merge(f, "{\"code\":\"C\",\"tier\":\"gold\"}"), "!invalid_choice");

    /* inside a transaction: what it wrote counts before its commit, and not after a rollback */
    assert_int_equal(db_begin(f->d), 0);
    assert_int_equal(db_exec(f->d, "DELETE FROM custom_fields WHERE name = 'code'"), 0);
    assert_string_equal(merge(f, "{}"), "{}");
    db_rollback(f->d);
    assert_string_equal(merge(f, "{}"), "!required");

    /* removed by another connection */
    assert_int_equal(db_exec(f->other, "DELETE FROM custom_fields"), 0);
    assert_string_equal(merge(f, "{\"code\":\"A\"}"), "!unknown_field");
    assert_string_equal(merge(f, "{}"), "{}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_definitions_are_never_stale, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
