/* Import mapping: headers in the UI languages land on the right fields, the administrator's
 * --map wins over guesses, and cell text becomes the values a user expects (dates in any
 * common order, numbers with decimal commas, names split the way they are written). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "import/mapping.h"

static void schema_contacts(map_schema *s, arena *a)
{
    map_schema_init(s, a, "contacts");
    s->linked = "company";
    map_schema_add(s, "first_name", MV_TEXT, NULL, NULL);
    map_schema_add(s, "last_name", MV_TEXT, NULL, NULL);
    map_schema_add(s, "middle_name", MV_TEXT, NULL, NULL);
    map_schema_add(s, "full_name", MV_FULL_NAME, NULL, NULL);
    map_schema_add(s, "phones", MV_PHONES, NULL, NULL);
    map_schema_add(s, "emails", MV_EMAILS, NULL, NULL);
    map_schema_add(s, "position", MV_TEXT, NULL, NULL);
    map_schema_add(s, "birthday", MV_DATE, NULL, NULL);
    map_schema_add(s, "owner", MV_OWNER, NULL, NULL);
    map_schema_add(s, "company.name", MV_TEXT, NULL, NULL);
    map_schema_add(s, "company.tax_id", MV_TEXT, NULL, NULL);
    json_t *choices = json_pack("[sss]", "new", "active", "closed");
    map_schema_add(s, "custom_fields.status", MV_ENUM, choices, "Статус клиента");
    arena_defer(a, (void (*)(void *))json_decref, choices);
}

static import_row row_of(const char **cells, size_t n, size_t *lens)
{
    for (size_t i = 0; i < n; i++) lens[i] = strlen(cells[i]);
    import_row r = {n, cells, lens, 1};
    return r;
}

static const char *field_of(const mapping *m, const char *header)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->cols[i].header, header)) return m->cols[i].target ? m->cols[i].target->path : "-";
    return "?";
}

static void test_guesses_in_five_languages(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    map_schema s;
    schema_contacts(&s, &a);
    const char *h[] = {"Фамилия", "Имя", "Отчество", "Телефон", "E-mail", "Nazwa firmy", "Correo electrónico",
                       "Příjmení", "Мобильный", "NIP", "Дата рождения", "Ответственный", "Статус клиента", "Unrelated"};
    size_t lens[14];
    import_row hr = row_of(h, 14, lens);
    mapping m;
    errs e;
    errs_init(&e, &a);
    assert_int_equal(mapping_build(&m, &a, &s, &hr, NULL, true, DATE_AUTO, &e), 0);
    assert_string_equal(field_of(&m, "Фамилия"), "last_name");
    assert_string_equal(field_of(&m, "Имя"), "first_name");
    assert_string_equal(field_of(&m, "Отчество"), "middle_name");
    assert_string_equal(field_of(&m, "Телефон"), "phones");
    assert_string_equal(field_of(&m, "E-mail"), "emails");
    assert_string_equal(field_of(&m, "Nazwa firmy"), "company.name");
    assert_string_equal(field_of(&m, "Correo electrónico"), "emails");   /* many columns may fill a list */
    assert_string_equal(field_of(&m, "Příjmení"), "-");                  /* last_name is taken already */
    assert_string_equal(field_of(&m, "Мобильный"), "phones");
    assert_string_equal(m.cols[8].label, "mobile");
    assert_string_equal(field_of(&m, "NIP"), "company.tax_id");
    assert_string_equal(field_of(&m, "Дата рождения"), "birthday");
    assert_string_equal(field_of(&m, "Ответственный"), "owner");
    assert_string_equal(field_of(&m, "Статус клиента"), "custom_fields.status");
    assert_string_equal(field_of(&m, "Unrelated"), "-");
    arena_release(&a);
}

static void test_spec_overrides_and_errors(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    map_schema s;
    schema_contacts(&s, &a);
    const char *h[] = {"Name", "Tel", "Tel", "Status", "Notes"};
    size_t lens[5];
    import_row hr = row_of(h, 5, lens);
    char err[200];
    json_t *spec = mapping_parse_spec("Name=full_name, #3=phones:work, Notes=-, Status=custom_fields.status",
                                      strlen("Name=full_name, #3=phones:work, Notes=-, Status=custom_fields.status"), err, sizeof err);
    assert_non_null(spec);
    json_object_set_new(spec, "Status", json_pack("{s:s, s:{s:s}}", "field", "custom_fields.status", "values", "Открыт", "active"));
    mapping m;
    errs e;
    errs_init(&e, &a);
    assert_int_equal(mapping_build(&m, &a, &s, &hr, spec, true, DATE_AUTO, &e), 0);
    assert_string_equal(m.cols[0].target->path, "full_name");
    assert_string_equal(m.cols[1].target->path, "phones");   /* guessed */
    assert_true(m.cols[1].guessed);
    assert_string_equal(m.cols[2].target->path, "phones");
    assert_string_equal(m.cols[2].label, "work");
    assert_null(m.cols[4].target);

    const char *cells[] = {"Иванов Иван Иванович", "8 (495) 123-45-67", "+48 22 123 45 67; 22 765 43 21", "открыт", "x"};
    size_t cl[5];
    import_row r = row_of(cells, 5, cl);
    map_apply_opts o = {"RU", "RU"};
    mapped_row out;
    assert_int_equal(mapping_apply(&m, &r, &o, &a, &out, &e), 0);
    assert_string_equal(json_string_value(json_object_get(out.record, "last_name")), "Иванов");
    assert_string_equal(json_string_value(json_object_get(out.record, "first_name")), "Иван");
    assert_string_equal(json_string_value(json_object_get(out.record, "middle_name")), "Иванович");
    json_t *phones = json_object_get(out.record, "phones");
    assert_int_equal(json_array_size(phones), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(phones, 1), "label")), "work");
    assert_int_equal(out.nphone_keys, 3);
    assert_string_equal(out.phone_keys[0], "+74951234567");
    assert_string_equal(out.phone_keys[1], "+48221234567");
    assert_string_equal(out.phone_keys[2], "+7227654321");   /* no +: read under RU, as asked */
    assert_string_equal(json_string_value(json_object_get(json_object_get(out.record, "custom_fields"), "status")), "active");

    /* unknown targets and columns are named */
    json_t *bad = json_pack("{s:s, s:s}", "Nope", "first_name", "Tel", "shoe_size");
    errs_init(&e, &a);
    assert_int_equal(mapping_build(&m, &a, &s, &hr, bad, true, DATE_AUTO, &e), -1);
    assert_int_equal(e.n, 2);
    json_decref(bad);
    json_decref(spec);
    arena_release(&a);
}

static void test_spec_text_form(void **state)
{
    (void)state;
    char err[200];
    const char *t = "Col\\,umn=first_name,A\\=B=last_name:x , C=phones:home:dmy";
    json_t *j = mapping_parse_spec(t, strlen(t), err, sizeof err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "Col,umn")), "first_name");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "A=B"), "label")), "x");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "C"), "date_order")), "dmy");
    json_decref(j);
    assert_null(mapping_parse_spec("first_name", 10, err, sizeof err));
    assert_non_null(strstr(err, "has no '='"));
    assert_null(mapping_parse_spec("a=b\\", 4, err, sizeof err));
    assert_null(mapping_parse_spec("a=b,a=c", 7, err, sizeof err));
    assert_null(mapping_parse_spec("a=b:no spaces", 13, err, sizeof err));
    assert_null(mapping_parse_spec("{\"a\": 1", 7, err, sizeof err));
    assert_null(mapping_parse_spec("=x", 2, err, sizeof err));
    j = mapping_parse_spec(" {\"a\": null}", 12, err, sizeof err);
    assert_non_null(j);
    json_decref(j);
}

static void date_is(const char *in, date_order o, const char *want)
{
    char out[11];
    bool ok = map_parse_date(in, strlen(in), o, out);
    if (!want) { if (ok) fprintf(stderr, "date(%s) = %s, want none\n", in, out); assert_false(ok); return; }
    if (!ok || strcmp(out, want)) fprintf(stderr, "date(%s) = %s, want %s\n", in, ok ? out : "none", want);
    assert_true(ok);
    assert_string_equal(out, want);
}

static void test_dates(void **state)
{
    (void)state;
    date_is("31.12.1980", DATE_AUTO, "1980-12-31");
    date_is(" 1980-12-31 ", DATE_AUTO, "1980-12-31");
    date_is("1980-12-31T10:00:00Z", DATE_AUTO, "1980-12-31");
    date_is("1980-12-31 10:00", DATE_AUTO, "1980-12-31");
    date_is("12/31/1980", DATE_AUTO, "1980-12-31");
    date_is("05/03/1980", DATE_AUTO, "1980-03-05");
    date_is("05/03/1980", DATE_MDY, "1980-05-03");
    date_is("05.03.80", DATE_AUTO, "1980-03-05");
    date_is("05.03.05", DATE_AUTO, "2005-03-05");
    date_is("19801231", DATE_AUTO, "1980-12-31");
    date_is("29480", DATE_AUTO, "1980-09-16");   /* spreadsheet serial */
    date_is("1", DATE_AUTO, "1900-01-01");
    date_is("61", DATE_AUTO, "1900-03-01");
    date_is("60", DATE_AUTO, NULL);
    date_is("31.02.1980", DATE_AUTO, NULL);
    date_is("29.02.1981", DATE_AUTO, NULL);
    date_is("29.02.1980", DATE_AUTO, "1980-02-29");
    date_is("yesterday", DATE_AUTO, NULL);
    date_is("1.2", DATE_AUTO, NULL);
    date_is("1.2.3.4", DATE_AUTO, NULL);
    date_is("99999.1.1", DATE_AUTO, NULL);
    date_is("", DATE_AUTO, NULL);
    date_is("--0415", DATE_AUTO, "1604-04-15");
    date_is("--02-29", DATE_AUTO, "1604-02-29");
    date_is("--1332", DATE_AUTO, NULL);
    date_is("--04", DATE_AUTO, NULL);
}

static void test_numbers_bools_trim(void **state)
{
    (void)state;
    double d;
    assert_true(map_parse_number("1 234,50", 8, &d)); assert_true(d == 1234.5);
    assert_true(map_parse_number("1,234.50", 8, &d)); assert_true(d == 1234.5);
    assert_true(map_parse_number("1.234.567", 9, &d)); assert_true(d == 1234567);
    assert_true(map_parse_number("-12", 3, &d)); assert_true(d == -12);
    assert_true(map_parse_number("1\xc2\xa0" "000", 6, &d)); assert_true(d == 1000);
    assert_false(map_parse_number("12abc", 5, &d));
    assert_false(map_parse_number("", 0, &d));
    assert_false(map_parse_number("nan", 3, &d));
    assert_false(map_parse_number("1e999", 5, &d));
    assert_int_equal(map_parse_bool("Да", strlen("Да")), 1);
    assert_int_equal(map_parse_bool("nie", 3), 0);
    assert_int_equal(map_parse_bool("Sí", strlen("Sí")), 1);
    assert_int_equal(map_parse_bool("ano", 3), 1);
    assert_int_equal(map_parse_bool("maybe", 5), -1);
    size_t n = 9;
    const char *s = map_trim(" '=1+1\xc2\xa0 ", &n);
    assert_int_equal(n, 4);
    assert_memory_equal(s, "=1+1", 4);
}

static void name_is(const char *in, const char *f, const char *m, const char *l)
{
    arena a;
    arena_init(&a);
    const char *first, *middle, *last;
    map_split_name(&a, in, strlen(in), &first, &middle, &last);
    if (f) assert_string_equal(first, f); else assert_null(first);
    if (m) assert_string_equal(middle, m); else assert_null(middle);
    if (l) assert_string_equal(last, l); else assert_null(last);
    arena_release(&a);
}

static void test_names(void **state)
{
    (void)state;
    name_is("John Smith", "John", NULL, "Smith");
    name_is("Smith, John Paul", "John", "Paul", "Smith");
    name_is("Иванов Иван Иванович", "Иван", "Иванович", "Иванов");
    name_is("Иван Петрович Сидоров", "Иван", "Петрович", "Сидоров");
    name_is("Петрова Мария", "Мария", NULL, "Петрова");
    name_is("Juan García López", "Juan", NULL, "García López");
    name_is("  Kasia  ", "Kasia", NULL, NULL);
    name_is("", NULL, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guesses_in_five_languages),
        cmocka_unit_test(test_spec_overrides_and_errors),
        cmocka_unit_test(test_spec_text_form),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_numbers_bools_trim),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
