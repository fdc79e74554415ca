/* card_fields: the stored form of a client card's lists (phones kept as typed beside
 * E.164, invalid ones flagged, emails checked, tags unique) and the name keys that find
 * duplicates whatever the word order, case, diacritics and punctuation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/card_fields.h"

typedef struct fixture {
    arena a;
    ctx c;
    errs e;
    write_set w;
    const char *cols[16];
} fixture;

/* a write set as the generic layer leaves it: every list member of `body` bound raw */
static void fixture_init(fixture *f, const char *body)
{
    memset(f, 0, sizeof *f);
    arena_init(&f->a);
    f->c.a = &f->a;
    errs_init(&f->e, &f->a);
    f->w.in = json_loads(body, 0, NULL);
    assert_non_null(f->w.in);
    f->w.cols = f->cols;
    dbparams_init(&f->w.vals, &f->a);
    const char *k;
    json_t *v;
    json_object_foreach(f->w.in, k, v) {
        f->cols[f->w.n++] = k;
        dbp_text(&f->w.vals, "raw");
    }
}

static void fixture_release(fixture *f)
{
    json_decref(f->w.in);
    arena_release(&f->a);
}

static const char *stored(fixture *f, const char *col)
{
    for (size_t i = 0; i < f->w.n; i++)
        if (!strcmp(f->w.cols[i], col)) return f->w.vals.v[i].s;
    return NULL;
}

static void test_phones_stored_form(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, "{\"phones\": [\"8 (495) 123-45-67\", {\"value\": \" +48 22 123 45 67 wew. 12 \", \"label\": \"office\"},"
                     " {\"value\": \"call me\", \"e164\": \"+1\", \"valid\": true}]}");
    card_validate_lists(&f.c, &f.w, &f.e);
    assert_int_equal(f.e.n, 0);
    assert_string_equal(stored(&f, "phones"),
        "[{\"value\":\"8 (495) 123-45-67\",\"label\":null,\"e164\":\"+74951234567\",\"valid\":true},"
        "{\"value\":\"+48 22 123 45 67 wew. 12\",\"label\":\"office\",\"e164\":\"+48221234567\",\"valid\":true,\"extension\":\"12\"},"
        "{\"value\":\"call me\",\"label\":null,\"e164\":null,\"valid\":false}]");
    fixture_release(&f);
}

static void test_hostile_lists(void **state)
{
    (void)state;
    char *huge = malloc(10100);
    strcpy(huge, "{\"phones\": [\"");
    memset(huge + strlen(huge), '7', 10000);
    strcpy(huge + 13 + 10000, "\"], \"tags\": [\"a\", 5], \"emails\": [{\"value\": \"x@y\"}], \"addresses\": [{\"zip\": \"1\"}]}");
    fixture f;
    fixture_init(&f, huge);
    free(huge);
    card_validate_lists(&f.c, &f.w, &f.e);
    assert_int_equal(f.e.n, 4);
    assert_string_equal(f.e.v[0].field, "phones[0]");
    assert_string_equal(f.e.v[0].code, "too_long");
    assert_string_equal(stored(&f, "phones"), "raw");   /* nothing replaced on error */
    fixture_release(&f);
}

static void test_tags_and_nulls(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, "{\"tags\": [\" vip \", \"vip\", \"Vip\"], \"emails\": null, \"messengers\": [{\"value\": \"@a\", \"label\": \"telegram\"}]}");
    card_validate_lists(&f.c, &f.w, &f.e);
    assert_int_equal(f.e.n, 0);
    assert_string_equal(stored(&f, "tags"), "[\"vip\",\"Vip\"]");
    assert_string_equal(stored(&f, "emails"), "[]");
    assert_string_equal(stored(&f, "messengers"), "[{\"value\":\"@a\",\"label\":\"telegram\"}]");
    fixture_release(&f);
}

static void key_is(const char *in, const char *want)
{
    arena a;
    arena_init(&a);
    const char *k = card_name_key(&a, in);
    if (strcmp(k, want)) fprintf(stderr, "key(%s) = [%s], want [%s]\n", in, k, want);
    assert_string_equal(k, want);
    arena_release(&a);
}

static void test_name_keys(void **state)
{
    (void)state;
    key_is("Ivan Petrov", "ivan petrov");
    key_is("PETROV  ivan", "ivan petrov");
    key_is("Łukasz Żółw", "lukasz zolw");
    key_is("ООО «Ромашка»", "ооо ромашка");
    key_is("Ёлкин—Пётр", "елкин петр");
    key_is("  ", "");
    key_is("\xff\xfe", "");
    key_is("Müller-Straße № 5", "5 muller strasse");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phones_stored_form),
        cmocka_unit_test(test_hostile_lists),
        cmocka_unit_test(test_tags_and_nulls),
        cmocka_unit_test(test_name_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
