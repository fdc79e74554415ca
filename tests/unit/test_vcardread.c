/* vCard import reader: 2.1/3.0/4.0 cards as phones and mail programs export them (folding,
 * quoted-printable, CHARSET, escapes, Apple labels), mapped onto the fixed header row, and
 * hostile files. Every test checks that cards returned + error rows = cards in the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "import/reader.h"

static char fixture_dir[512] = "tests/fixtures/import";

static const char *fixture(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    return path;
}

enum { FULL, LAST, FIRST, MIDDLE, COMPANY, POSITION, PHONES, EMAILS, ADDRESS, BIRTHDAY, NOTE, URL };

typedef struct result {
    size_t cards, errors;         /* the header row is not counted as a card */
    size_t line[16];
    char *cell[16][12];
    char err[8][256];
    size_t err_line[8];
} result;

static void result_free(result *res)
{
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 12; j++) free(res->cell[i][j]);
    memset(res, 0, sizeof *res);
}

static void drain(import_reader *r, result *res)
{
    memset(res, 0, sizeof *res);
    import_row row;
    char err[256];
    /* the header row comes first, always */
    assert_int_equal(import_next(r, &row, err, sizeof err), 1);
    assert_int_equal(row.ncells, 12);
    assert_int_equal(row.line, 0);
    static const char *want[12] = { VCARD_COLUMNS };
    for (int i = 0; i < 12; i++) assert_string_equal(row.cells[i], want[i]);
    int rc;
    while ((rc = import_next(r, &row, err, sizeof err)) != 0) {
        if (rc < 0) {
            assert_true(err[0] != 0);
            if (res->errors < 8) {
                snprintf(res->err[res->errors], sizeof res->err[0], "%s", err);
                res->err_line[res->errors] = row.line;
            }
            res->errors++;
            continue;
        }
        assert_int_equal(row.ncells, 12);
        if (res->cards < 16) {
            res->line[res->cards] = row.line;
            for (int j = 0; j < 12; j++) {
                assert_int_equal(strlen(row.cells[j]), row.lens[j]);
                res->cell[res->cards][j] = strdup(row.cells[j]);
            }
        }
        res->cards++;
    }
    assert_int_equal(import_next(r, &row, err, sizeof err), 0);
}

static void read_file(const char *name, result *res)
{
    import_reader *r;
    char err[256];
    int rc = import_open(&r, IMPORT_VCARD, fixture(name), NULL, err, sizeof err);
    if (rc) fprintf(stderr, "open %s: %s\n", name, err);
    assert_int_equal(rc, 0);
    drain(r, res);
    assert_int_equal(import_bytes_read(r), import_bytes_total(r));
    import_close(r);
}

static void read_mem(const char *s, size_t n, const import_options *opt, result *res)
{
    import_reader *r;
    char err[256];
    int rc = import_open_memory(&r, IMPORT_VCARD, s, n, opt, err, sizeof err);
    if (rc) fprintf(stderr, "open: %s\n", err);
    assert_int_equal(rc, 0);
    drain(r, res);
    import_close(r);
}

static void test_vcard3_file(void **state)
{
    (void)state;
    result res;
    read_file("contacts_v3.vcf", &res);
    assert_int_equal(res.cards + res.errors, 5);
    assert_int_equal(res.errors, 1);

    /* 3.0: escapes, folding, TYPE lists, structured N / ORG / ADR, PHOTO ignored */
    assert_int_equal(res.line[0], 1);
    assert_string_equal(res.cell[0][FULL], "Иван Петрович Иванов");
    assert_string_equal(res.cell[0][LAST], "Иванов");
    assert_string_equal(res.cell[0][FIRST], "Иван");
    assert_string_equal(res.cell[0][MIDDLE], "Петрович");
    assert_string_equal(res.cell[0][COMPANY], "ООО \"Ромашка\", Отдел продаж");
    assert_string_equal(res.cell[0][POSITION], "Директор по развитию");
    assert_string_equal(res.cell[0][PHONES], "work:+7 495 123-45-67\ncell:+7 916 555-12-34");
    assert_string_equal(res.cell[0][EMAILS], "work:ivanov@romashka.ru\nhome:ivan@example.ru");
    assert_string_equal(res.cell[0][ADDRESS], "work:ул. Тверская, д. 1, Москва, 125009, Россия");
    assert_string_equal(res.cell[0][BIRTHDAY], "1975-03-08");
    assert_string_equal(res.cell[0][NOTE], "Предпочитает звонки утром.\nДругие заметки: см. CRM; важно продолжение строки");
    assert_string_equal(res.cell[0][URL], "https://romashka.example.ru");

    /* Apple: grouped X-ABLabel names the phone and the email */
    assert_string_equal(res.cell[1][FULL], "Anna Kowalska");
    assert_string_equal(res.cell[1][COMPANY], "Żółć i Spółka");
    assert_string_equal(res.cell[1][PHONES], "mobile:+48 601 234 567");
    assert_string_equal(res.cell[1][EMAILS], "biuro:anna@zolc.example.pl");
    assert_string_equal(res.cell[1][BIRTHDAY], "1980-02-29");
    assert_string_equal(res.cell[1][ADDRESS], "");

    /* 2.1: quoted-printable with CHARSET=WINDOWS-1251, bare TYPE parameters, a soft break */
    assert_string_equal(res.cell[2][LAST], "Сидоров");
    assert_string_equal(res.cell[2][FIRST], "Пётр");
    assert_string_equal(res.cell[2][FULL], "Пётр Сидоров");       /* made up from N */
    assert_string_equal(res.cell[2][PHONES], "cell:+79031234567\nhome:8 (812) 000-00-00");
    assert_string_equal(res.cell[2][NOTE], "Длинная заметка");

    /* the broken card is reported at its BEGIN line, naming the bad line */
    assert_int_equal(res.err_line[0], 39);
    assert_string_equal(res.err[0], "line 42 is not a vCard property");

    /* no FN: made up from N; an EMAIL without TYPE is "other" */
    assert_int_equal(res.line[3], 45);
    assert_string_equal(res.cell[3][FULL], "Jiří Dvořák");
    assert_string_equal(res.cell[3][EMAILS], "other:jiri@dvorak.example.cz");
    result_free(&res);
}

static void test_vcard4_file(void **state)
{
    (void)state;
    result res;
    read_file("contacts_v4.vcf", &res);
    /* two complete cards, and a third cut off at the end of the file */
    assert_int_equal(res.cards + res.errors, 3);
    assert_int_equal(res.errors, 1);
    assert_string_equal(res.cell[0][FULL], "Dr. Jane Q. Public");
    assert_string_equal(res.cell[0][MIDDLE], "Quinlan");
    assert_string_equal(res.cell[0][PHONES], "work:+1-555-555-5555;ext=5555\ncell:+33-1-23-45-67-89");
    assert_string_equal(res.cell[0][EMAILS], "work:jane.public@example.com");
    assert_string_equal(res.cell[0][ADDRESS], "home:123 Main St Apt 4, Anytown, CA, 91921-1234, USA");
    assert_string_equal(res.cell[0][BIRTHDAY], "--04-15");
    assert_string_equal(res.cell[0][URL], "https://example.com/jane\nhttps://blog.example.com");
    assert_string_equal(res.cell[0][NOTE], "Likes \\backslashes\\, commas and\nnew lines");
    assert_string_equal(res.cell[1][PHONES], "home,fax:+380 44 123 4567");
    assert_string_equal(res.cell[1][BIRTHDAY], "1990-01-02");
    assert_int_equal(res.err_line[0], 24);
    assert_string_equal(res.err[0], "vCard not closed (missing END:VCARD)");
    result_free(&res);
}

static void test_charsets(void **state)
{
    (void)state;
    result res;
    /* KOI8-R through iconv; an unknown charset costs its card */
    const char koi[] =
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=KOI8-R:\xf0\xc5\xd4\xd2\xcf\xd7;\xe9\xd7\xc1\xce\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=X-NO-SUCH:abc\r\nEND:VCARD\r\n";
    read_mem(koi, sizeof koi - 1, NULL, &res);
    assert_int_equal(res.cards + res.errors, 2);
    assert_int_equal(res.errors, 1);
    assert_string_equal(res.cell[0][LAST], "Петров");
    assert_string_equal(res.cell[0][FIRST], "Иван");
    assert_non_null(strstr(res.err[0], "X-NO-SUCH"));
    result_free(&res);

    /* Windows-1250 quoted-printable without CHARSET in an otherwise ASCII file */
    const char qp[] =
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:=A3ukasz Wi=9Cniewski\r\nEND:VCARD\r\n";
    import_reader *r;
    char err[256];
    assert_int_equal(import_open_memory(&r, IMPORT_VCARD, qp, sizeof qp - 1, NULL, err, sizeof err), 0);
    assert_string_equal(import_detected_encoding(r), "utf-8");
    drain(r, &res);
    assert_string_equal(import_detected_encoding(r), "windows-1250");
    import_close(r);
    assert_int_equal(res.cards, 1);
    assert_string_equal(res.cell[0][FULL], "Łukasz Wiśniewski");
    result_free(&res);

    /* a whole file in Windows-1251, told so */
    const char cp[] = "BEGIN:VCARD\nFN:\xc8\xe2\xe0\xed \xcf\xe5\xf2\xf0\xee\xe2\nEND:VCARD\n";
    import_options opt = { .encoding = "windows-1251" };
    read_mem(cp, sizeof cp - 1, &opt, &res);
    assert_int_equal(res.cards, 1);
    assert_string_equal(res.cell[0][FULL], "Иван Петров");
    result_free(&res);
    /* told UTF-8, the same card is an error, not mojibake */
    opt.encoding = "utf-8";
    read_mem(cp, sizeof cp - 1, &opt, &res);
    assert_int_equal(res.cards + res.errors, 1);
    assert_int_equal(res.errors, 1);
    assert_non_null(strstr(res.err[0], "invalid UTF-8"));
    result_free(&res);
    /* and left to detect, the file's own guess applies */
    read_mem(cp, sizeof cp - 1, NULL, &res);
    assert_int_equal(res.cards, 1);
    assert_string_equal(res.cell[0][FULL], "Иван Петров");
    result_free(&res);
}

static void test_structure_errors(void **state)
{
    (void)state;
    result res;
    /* BEGIN inside a card closes it as an error; stray text between cards is one error */
    const char s[] =
        "BEGIN:VCARD\nFN:One\n"
        "BEGIN:VCARD\nFN:Two\nEND:VCARD\n"
        "garbage line\nmore garbage\n"
        "BEGIN:VCARD\nFN:Three\nEND:VCARD\n"
        "END:VCARD\n";
    read_mem(s, sizeof s - 1, NULL, &res);
    assert_int_equal(res.cards, 2);
    assert_int_equal(res.errors, 3);
    assert_int_equal(res.err_line[0], 1);
    assert_string_equal(res.err[0], "vCard not closed (missing END:VCARD)");
    assert_string_equal(res.cell[0][FULL], "Two");
    assert_int_equal(res.line[0], 3);
    assert_int_equal(res.err_line[1], 6);
    assert_string_equal(res.cell[1][FULL], "Three");
    assert_int_equal(res.err_line[2], 11);
    result_free(&res);

    /* empty file and a file of blank lines: the header row and nothing else */
    read_mem("", 0, NULL, &res);
    assert_int_equal(res.cards + res.errors, 0);
    read_file("empty.csv", &res);
    assert_int_equal(res.cards + res.errors, 0);
    read_mem("\r\n\r\n  \n", 7, NULL, &res);
    assert_int_equal(res.cards + res.errors, 0);
}

static void test_hostile(void **state)
{
    (void)state;
    import_reader *r = NULL;
    char err[256];
    assert_int_equal(import_open(&r, IMPORT_VCARD, fixture("garbage.bin"), NULL, err, sizeof err), -1);
    assert_null(r);
    assert_int_equal(import_open(&r, IMPORT_VCARD, fixture("contacts_cp1251.csv"), NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a vCard file"));

    /* a 3 MiB PHOTO is skipped (we do not import it); a 2 MiB NOTE costs its card */
    size_t big = (size_t)3 << 20, n = 0;
    char *s = malloc(2 * big + 1024);
    n += (size_t)sprintf(s + n, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Photo Person\r\nPHOTO;ENCODING=b:");
    for (size_t i = 0; i < big; i++) {
        s[n++] = 'A';
        if (i % 74 == 73) { s[n++] = '\r'; s[n++] = '\n'; s[n++] = ' '; }
    }
    n += (size_t)sprintf(s + n, "\r\nTEL:1\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Long Note\r\nNOTE:");
    memset(s + n, 'n', (size_t)2 << 20);
    n += (size_t)2 << 20;
    n += (size_t)sprintf(s + n, "\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:After\r\nEND:VCARD\r\n");
    result res;
    read_mem(s, n, NULL, &res);
    free(s);
    assert_int_equal(res.cards + res.errors, 3);
    assert_int_equal(res.errors, 1);
    assert_string_equal(res.cell[0][FULL], "Photo Person");
    assert_string_equal(res.cell[0][PHONES], "other:1");
    assert_non_null(strstr(res.err[0], "NOTE value longer than 1048576 bytes"));
    assert_string_equal(res.cell[1][FULL], "After");
    result_free(&res);

    /* many phones cannot make a cell past max_cell */
    import_options opt = { .max_cell = 64 };
    const char many[] = "BEGIN:VCARD\nTEL:+1 555 000 0001\nTEL:+1 555 000 0002\nTEL:+1 555 000 0003\n"
                        "TEL:+1 555 000 0004\nEND:VCARD\nBEGIN:VCARD\nTEL:1\nEND:VCARD\n";
    read_mem(many, sizeof many - 1, &opt, &res);
    assert_int_equal(res.cards + res.errors, 2);
    assert_int_equal(res.errors, 1);
    assert_string_equal(res.err[0], "phones longer than 64 bytes");
    result_free(&res);

    /* NUL bytes inside a value */
    const char nul[] = "BEGIN:VCARD\nFN;ENCODING=QUOTED-PRINTABLE:a=00b\nEND:VCARD\n";
    read_mem(nul, sizeof nul - 1, NULL, &res);
    assert_int_equal(res.errors, 1);
    assert_non_null(strstr(res.err[0], "NUL"));
    result_free(&res);
}

/* A large file streams card by card through the 1 MiB chunks. */
static void test_many_cards(void **state)
{
    (void)state;
    char path[] = "/tmp/kt_vcfXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    size_t cards = 30000;
    for (size_t i = 0; i < cards; i++)
        fprintf(f, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Фамилия%zu;Имя;;;\r\nFN:Имя Фамилия%zu\r\n"
                   "TEL;TYPE=CELL:+7 900 %07zu\r\nNOTE:a long note that is folded over\r\n  two lines %zu\r\nEND:VCARD\r\n",
                i, i, i, i);
    fclose(f);
    import_reader *r;
    char err[256];
    assert_int_equal(import_open(&r, IMPORT_VCARD, path, NULL, err, sizeof err), 0);
    import_row row;
    assert_int_equal(import_next(r, &row, err, sizeof err), 1);
    size_t n = 0;
    int rc;
    while ((rc = import_next(r, &row, err, sizeof err)) == 1) {
        char want[64];
        snprintf(want, sizeof want, "Имя Фамилия%zu", n);
        assert_string_equal(row.cells[FULL], want);
        snprintf(want, sizeof want, "a long note that is folded over two lines %zu", n);
        assert_string_equal(row.cells[NOTE], want);
        assert_int_equal(row.line, 1 + 8 * n);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, cards);
    assert_int_equal(import_bytes_read(r), import_bytes_total(r));
    import_close(r);
    unlink(path);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (access(fixture_dir, R_OK) != 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        int dl = slash ? (int)(slash - argv[0]) : 1;
        snprintf(fixture_dir, sizeof fixture_dir, "%.*s/../../tests/fixtures/import", dl,
                 slash ? argv[0] : ".");
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vcard3_file),
        cmocka_unit_test(test_vcard4_file),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_many_cards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
