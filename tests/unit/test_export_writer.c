/* Export writers: CSV cells a spreadsheet cannot run, XLSX that our own reader (and so
 * Excel's format) reads back cell for cell, vCard lines escaped and folded by RFC 6350. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "export/writer.h"
#include "import/reader.h"

static void cell_is(const char *in, bool number, char delim, const char *want)
{
    buf b;
    buf_init(&b, 0);
    csv_cell(&b, in, strlen(in), number, delim);
    if (strcmp(b.data, want)) fprintf(stderr, "csv_cell(%s) = [%s], want [%s]\n", in, b.data, want);
    assert_string_equal(b.data, want);
    buf_release(&b);
}

static void test_csv_cells(void **state)
{
    (void)state;
    cell_is("plain", false, ',', "plain");
    cell_is("", false, ',', "");
    cell_is("=1+1", false, ',', "'=1+1");
    cell_is("+7 495 123-45-67", false, ',', "'+7 495 123-45-67");
    cell_is("-2+3", false, ',', "'-2+3");
    cell_is("@SUM(A1)", false, ',', "'@SUM(A1)");
    cell_is("\t=cmd", false, ',', "\"'\t=cmd\"");
    cell_is("\r@x", false, ',', "\"'\r@x\"");
    cell_is("-12.5", true, ',', "-12.5");
    cell_is("-12.5", false, ',', "'-12.5");
    cell_is("-1e5", true, ',', "'-1e5");
    /* a delimiter, quote or line end found wherever it stands in a long cell */
    cell_is("0123456789abcdef,tail", false, ',', "\"0123456789abcdef,tail\"");
    cell_is("0123456789abcdefgh\"", false, ',', "\"0123456789abcdefgh\"\"\"");
    cell_is("01234567\n", false, ',', "\"01234567\n\"");
    cell_is("0123456789abcdef;x", false, ',', "0123456789abcdef;x");
    cell_is("0123456789abcdef;x", false, ';', "\"0123456789abcdef;x\"");
    cell_is("a,b", false, ',', "\"a,b\"");
    cell_is("a,b", false, ';', "a,b");
    cell_is("a;b", false, ';', "\"a;b\"");
    cell_is("say \"hi\"", false, ',', "\"say \"\"hi\"\"\"");
    cell_is("two\nlines", false, ',', "\"two\nlines\"");
    cell_is(" padded ", false, ',', "\" padded \"");
    cell_is("=HYPERLINK(\"http://x\",\"y\")", false, ',', "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
}

static char *tmp_path(const char *ext)
{
    static char p[64];
    snprintf(p, sizeof p, "/tmp/kt-writer-%d.%s", (int)getpid(), ext);
    return p;
}

static void test_xlsx_reads_back(void **state)
{
    (void)state;
    char err[256];
    const char *path = tmp_path("xlsx");
    table_writer *w;
    assert_int_equal(table_open(&w, EXPORT_XLSX, path, "Клиенты [2024]: all/one", 0, err, sizeof err), 0);
    table_cell head[3] = {{"id", 2, false}, {"name", 4, false}, {"notes", 5, false}};
    assert_int_equal(table_row(w, head, 3, err, sizeof err), 0);
    table_cell r1[3] = {{"1", 1, true}, {"Łódź =1+1", strlen("Łódź =1+1"), false}, {NULL, 0, false}};
    assert_int_equal(table_row(w, r1, 3, err, sizeof err), 0);
    char *big = malloc(40000);
    memset(big, 'x', 40000);
    table_cell r2[3] = {{"2", 1, true}, {"-3", 2, false}, {big, 40000, false}};
    assert_int_equal(table_row(w, r2, 3, err, sizeof err), 0);
    free(big);
    assert_int_equal(table_close(w, err, sizeof err), 0);

    import_reader *r;
    assert_int_equal(import_open(&r, IMPORT_XLSX, path, NULL, err, sizeof err), 0);
    const char **names;
    size_t n;
    assert_int_equal(import_sheets(r, &names, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "Клиенты _2024__ all_one");   /* []:/ are not allowed in sheet names */
    import_row row;
    assert_int_equal(import_next(r, &row, err, sizeof err), 1);
    assert_int_equal(row.ncells, 3);
    assert_string_equal(row.cells[2], "notes");
    assert_int_equal(import_next(r, &row, err, sizeof err), 1);
    assert_string_equal(row.cells[0], "1");
    assert_string_equal(row.cells[1], "Łódź =1+1");
    assert_int_equal(import_next(r, &row, err, sizeof err), 1);
    assert_string_equal(row.cells[1], "-3");
    assert_int_equal(row.lens[2], 32767);   /* cut at Excel's limit */
    assert_int_equal(import_next(r, &row, err, sizeof err), 0);
    import_close(r);
    unlink(path);
}

static void test_csv_file(void **state)
{
    (void)state;
    char err[256];
    const char *path = tmp_path("csv");
    table_writer *w;
    assert_int_equal(table_open(&w, EXPORT_CSV, path, NULL, ';', err, sizeof err), 0);
    table_cell c[2] = {{"a;b", 3, false}, {"=x", 2, false}};
    assert_int_equal(table_row(w, c, 2, err, sizeof err), 0);
    assert_int_equal(table_close(w, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    char data[64] = {0};
    size_t n = fread(data, 1, sizeof data - 1, f);
    fclose(f);
    assert_int_equal(n, 14);
    assert_memory_equal(data, "\xef\xbb\xbf\"a;b\";'=x\r\n", 14);
    unlink(path);
    assert_int_equal(table_open(&w, EXPORT_CSV, "/nonexistent/dir/x.csv", NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot create"));
    assert_int_equal(table_open(&w, EXPORT_VCARD, path, NULL, 0, err, sizeof err), -1);
}

/* a row larger than the writer's line buffer (a cell of 3 MB of quotes doubles to 6 MB)
 * between two small ones: every byte written, in order */
static void test_csv_big_row(void **state)
{
    (void)state;
    char err[256];
    const char *path = tmp_path("csv");
    table_writer *w;
    assert_int_equal(table_open(&w, EXPORT_CSV, path, NULL, 0, err, sizeof err), 0);
    size_t n = 3u << 20;
    char *big = malloc(n);
    memset(big, '"', n);
    table_cell small[1] = {{"a", 1, false}}, huge[2] = {{big, n, false}, {"@b", 2, false}};
    assert_int_equal(table_row(w, small, 1, err, sizeof err), 0);
    assert_int_equal(table_row(w, huge, 2, err, sizeof err), 0);
    assert_int_equal(table_row(w, small, 1, err, sizeof err), 0);
    assert_int_equal(table_close(w, err, sizeof err), 0);
    free(big);
    FILE *f = fopen(path, "rb");
    size_t want = 3 + 3 + (2 * n + 2) + 4 + 2 + 3;
    char *data = malloc(want + 1);
    assert_int_equal(fread(data, 1, want + 1, f), want);
    fclose(f);
    assert_memory_equal(data, "\xef\xbb\xbf" "a\r\n\"\"\"", 8);
    for (size_t i = 6; i < 6 + 2 * n + 2; i++)
        if (data[i] != '"') fail_msg("byte %zu is %d", i, data[i]);
    assert_memory_equal(data + 6 + 2 * n + 2, ",'@b\r\na\r\n", 9);
    free(data);
    unlink(path);
}

static void test_vcard(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 0);
    vcard_value phones[] = {{"+48 601 234 567", "mobile"}, {"22 123 45 67", "other"}};
    vcard_value emails[] = {{"anna@example.pl", "work"}};
    const char *tags[] = {"vip", "b2b, retail"};
    vcard_card c = {
        .uid = "urn:kartoteka:contact:7", .first_name = "Anna", .last_name = "Kowalska",
        .org = "Żółć; Spółka", .title = "Prezes", .birthday = "1985-02-28",
        .note = "line one\nline two, with a comma and a very long tail that certainly goes past seventy-five octets of UTF-8: zażółć gęślą jaźń",
        .rev = "2026-05-01T09:30:00Z", .phones = phones, .nphones = 2, .emails = emails, .nemails = 1,
        .categories = tags, .ncategories = 2,
    };
    vcard_write(&b, &c);
    const char *want_start = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:kartoteka:contact:7\r\nFN:Anna Kowalska\r\nN:Kowalska;Anna;;;\r\n"
                             "ORG:Żółć\\; Spółka\r\nTITLE:Prezes\r\nTEL;TYPE=cell;PREF=1:+48 601 234 567\r\nTEL:22 123 45 67\r\n"
                             "EMAIL;TYPE=work;PREF=1:anna@example.pl\r\nBDAY:19850228\r\n";
    assert_memory_equal(b.data, want_start, strlen(want_start));
    assert_non_null(strstr(b.data, "CATEGORIES:vip,b2b\\, retail\r\n"));
    assert_non_null(strstr(b.data, "REV:20260501T093000Z\r\nEND:VCARD\r\n"));
    /* every physical line is at most 75 octets and never splits a UTF-8 sequence */
    for (char *line = b.data; *line;) {
        char *end = strstr(line, "\r\n");
        assert_non_null(end);
        assert_true(end - line <= 75);
        if (end[2] == ' ') assert_true(((unsigned char)end[3] & 0xc0) != 0x80);
        line = end + 2;
    }
    assert_non_null(strstr(b.data, "NOTE:line one\\nline two\\, with"));
    buf_reset(&b);
    vcard_card org = {.organization = true, .org = "ACME", .full_name = NULL};
    vcard_write(&b, &org);
    assert_non_null(strstr(b.data, "KIND:org\r\nFN:ACME\r\nORG:ACME\r\n"));
    buf_reset(&b);
    vcard_card empty = {0};
    vcard_write(&b, &empty);
    assert_non_null(strstr(b.data, "FN:-\r\n"));   /* FN is required even when nothing names the card */
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_cells),
        cmocka_unit_test(test_csv_file),
        cmocka_unit_test(test_csv_big_row),
        cmocka_unit_test(test_xlsx_reads_back),
        cmocka_unit_test(test_vcard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
