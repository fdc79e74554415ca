/* CSV import reader: encodings real exports come in, delimiter detection, quoted cells over
 * several lines, and hostile files. Every test counts rows + error rows against the rows in
 * the file: the reader may refuse a row, but never lose one. */
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
    if (name[0] == '/') return name;
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    return path;
}

/* Reads everything; keeps copies of the first cells of each row for the assertions. */
typedef struct result {
    size_t rows, errors;
    size_t ncells[64];
    size_t line[64];
    char *cell[64][8];
    size_t err_line[16];
    char err[16][256];
} result;

static void result_free(result *res)
{
    for (size_t i = 0; i < 64; i++)
        for (size_t j = 0; j < 8; j++) free(res->cell[i][j]);
}

static void drain(import_reader *r, result *res)
{
    memset(res, 0, sizeof *res);
    import_row row;
    char err[256];
    int rc;
    while ((rc = import_next(r, &row, err, sizeof err)) != 0) {
        if (rc < 0) {
            assert_true(err[0] != 0);
            if (res->errors < 16) {
                res->err_line[res->errors] = row.line;
                snprintf(res->err[res->errors], sizeof res->err[0], "%s", err);
            }
            res->errors++;
            continue;
        }
        assert_int_equal(rc, 1);
        if (res->rows < 64) {
            res->ncells[res->rows] = row.ncells;
            res->line[res->rows] = row.line;
            for (size_t j = 0; j < row.ncells && j < 8; j++) {
                assert_int_equal(strlen(row.cells[j]), row.lens[j]);
                res->cell[res->rows][j] = strdup(row.cells[j]);
            }
        }
        res->rows++;
    }
    /* the end stays the end */
    assert_int_equal(import_next(r, &row, err, sizeof err), 0);
}

static void read_file(const char *name, const import_options *opt, result *res, import_reader **keep)
{
    import_reader *r;
    char err[256];
    int rc = import_open(&r, IMPORT_CSV, fixture(name), opt, err, sizeof err);
    if (rc) fprintf(stderr, "open %s: %s\n", name, err);
    assert_int_equal(rc, 0);
    drain(r, res);
    if (keep) *keep = r;
    else import_close(r);
}

static void read_mem(const char *data, size_t len, const import_options *opt, result *res)
{
    import_reader *r;
    char err[256];
    int rc = import_open_memory(&r, IMPORT_CSV, data, len, opt, err, sizeof err);
    if (rc) fprintf(stderr, "open: %s\n", err);
    assert_int_equal(rc, 0);
    drain(r, res);
    import_close(r);
}

static void test_cp1251_semicolon(void **state)
{
    (void)state;
    result res;
    import_reader *r;
    read_file("contacts_cp1251.csv", NULL, &res, &r);
    assert_string_equal(import_detected_encoding(r), "windows-1251");
    assert_int_equal(import_detected_delimiter(r), ';');
    assert_int_equal(import_bytes_read(r), import_bytes_total(r));
    import_close(r);
    assert_int_equal(res.rows + res.errors, 6);
    assert_int_equal(res.errors, 0);
    assert_int_equal(res.ncells[0], 7);
    assert_string_equal(res.cell[0][0], "Фамилия");
    assert_string_equal(res.cell[1][0], "Иванов");
    assert_string_equal(res.cell[1][5], "ООО \"Ромашка\"");
    assert_string_equal(res.cell[2][5], "ЗАО \"Вектор\"");
    /* CRLF inside a quoted cell is kept as written */
    assert_string_equal(res.cell[2][6], "Звонить после 18:00,\r\nлучше на мобильный");
    assert_string_equal(res.cell[3][1], "Пётр");
    assert_string_equal(res.cell[5][6], "№ 5, эт. 3");
    /* the row after the two-line cell starts on line 5 */
    size_t want_lines[6] = { 1, 2, 3, 5, 6, 7 };
    for (int i = 0; i < 6; i++) assert_int_equal(res.line[i], want_lines[i]);
    result_free(&res);
}

static void test_cp1250_comma(void **state)
{
    (void)state;
    result res;
    import_reader *r;
    read_file("contacts_cp1250.csv", NULL, &res, &r);
    assert_string_equal(import_detected_encoding(r), "windows-1250");
    assert_int_equal(import_detected_delimiter(r), ',');
    import_close(r);
    assert_int_equal(res.rows + res.errors, 6);
    assert_int_equal(res.errors, 0);
    assert_string_equal(res.cell[0][1], "Imię");
    assert_string_equal(res.cell[1][0], "Wiśniewski");
    assert_string_equal(res.cell[1][3], "Łódź");
    assert_string_equal(res.cell[1][4], "Żółć i Spółka, sp. z o.o.");
    assert_string_equal(res.cell[2][0], "Dvořák");
    assert_string_equal(res.cell[2][1], "Jiří");
    assert_string_equal(res.cell[4][3], "České Budějovice");
    assert_string_equal(res.cell[5][2], "");
    assert_string_equal(res.cell[5][4], "Stocznia \"Północ\"");
    result_free(&res);
}

static void test_utf8_bom_semicolon(void **state)
{
    (void)state;
    result res;
    import_reader *r;
    read_file("contacts_utf8_bom.csv", NULL, &res, &r);
    assert_string_equal(import_detected_encoding(r), "utf-8");
    assert_int_equal(import_detected_delimiter(r), ';');
    import_close(r);
    assert_int_equal(res.rows + res.errors, 5);
    assert_int_equal(res.errors, 0);
    assert_string_equal(res.cell[0][0], "name");   /* no BOM in the first header */
    assert_string_equal(res.cell[1][0], "José Müller");
    assert_string_equal(res.cell[1][3], "12,50");
    assert_string_equal(res.cell[3][2], "Санкт-Петербург");
    assert_string_equal(res.cell[4][0], "Smith; John");
    assert_string_equal(res.cell[4][2], "New\nYork");
    assert_int_equal(res.line[4], 5);
    result_free(&res);
}

static void test_forced_encoding(void **state)
{
    (void)state;
    result res;
    /* told it is UTF-8, a Windows-1251 file yields error rows, one per row, not garbage */
    import_options opt = { .encoding = "utf-8" };
    read_file("contacts_cp1251.csv", &opt, &res, NULL);
    assert_int_equal(res.rows + res.errors, 6);
    assert_int_equal(res.rows, 0);
    assert_non_null(strstr(res.err[0], "UTF-8"));
    result_free(&res);

    /* and told it is 1250, the same bytes decode as 1250 */
    opt.encoding = "windows-1250";
    read_file("contacts_cp1251.csv", &opt, &res, NULL);
    assert_int_equal(res.rows, 6);
    result_free(&res);

    import_reader *r;
    char err[256];
    opt.encoding = "koi8-r";
    assert_int_equal(import_open(&r, IMPORT_CSV, fixture("contacts_cp1251.csv"), &opt, err, sizeof err), -1);
    assert_non_null(strstr(err, "koi8-r"));
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    result res;
    read_file("unterminated.csv", NULL, &res, NULL);
    /* the open quote on line 3 swallows the rest of the file into one bad row */
    assert_int_equal(res.rows, 2);
    assert_int_equal(res.errors, 1);
    assert_int_equal(res.err_line[0], 3);
    assert_string_equal(res.err[0], "unterminated quote");
    result_free(&res);
}

static void test_empty_and_blank(void **state)
{
    (void)state;
    result res;
    read_file("empty.csv", NULL, &res, NULL);
    assert_int_equal(res.rows + res.errors, 0);
    read_mem("\n\r\n   \n", 7, NULL, &res);
    assert_int_equal(res.rows + res.errors, 0);
    read_mem("\xef\xbb\xbf", 3, NULL, &res);
    assert_int_equal(res.rows + res.errors, 0);
    read_mem(NULL, 0, NULL, &res);
    assert_int_equal(res.rows + res.errors, 0);
}

static void test_binary_garbage(void **state)
{
    (void)state;
    import_reader *r = (import_reader *)1;
    char err[256];
    assert_int_equal(import_open(&r, IMPORT_CSV, fixture("garbage.bin"), NULL, err, sizeof err), -1);
    assert_null(r);
    assert_string_equal(err, "not a text file");
    assert_int_equal(import_open_memory(&r, IMPORT_CSV, "\xff\xfe" "a\0b\0", 6, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "UTF-16"));
    assert_int_equal(import_open(&r, IMPORT_CSV, fixture("no-such-file.csv"), NULL, err, sizeof err), -1);
}

/* a cell past max_cell is reported with its row; the rows around it survive and keep their
 * line numbers, whether the long cell is quoted over many lines or one endless line */
static void test_huge_cell(void **state)
{
    (void)state;
    size_t big = (size_t)3 << 20;
    char *data = malloc(2 * big + 256);
    size_t n = 0;
    n += (size_t)sprintf(data + n, "a,b\n1,x\n2,\"");
    for (size_t i = 0; i < big; i++) data[n++] = (i % 1000 == 999) ? '\n' : 'q';
    n += (size_t)sprintf(data + n, "\"\n3,y\n4,");
    size_t line_after = 3 + big / 1000 + 1;
    for (size_t i = 0; i < big; i++) data[n++] = 'z';
    n += (size_t)sprintf(data + n, "\n5,w");
    result res;
    read_mem(data, n, NULL, &res);
    assert_int_equal(res.rows + res.errors, 6);
    assert_int_equal(res.rows, 4);
    assert_int_equal(res.errors, 2);
    assert_string_equal(res.err[0], "cell longer than 1048576 bytes (column 2)");
    assert_int_equal(res.err_line[0], 3);
    assert_string_equal(res.cell[2][1], "y");
    assert_int_equal(res.line[2], line_after);
    assert_int_equal(res.err_line[1], line_after + 1);
    assert_string_equal(res.cell[3][1], "w");
    assert_int_equal(res.line[3], line_after + 2);
    result_free(&res);

    /* a smaller limit of the caller's choosing */
    import_options opt = { .max_cell = 4 };
    read_mem("abcd,e\nabcde,f\n", 15, &opt, &res);
    assert_int_equal(res.rows, 1);
    assert_int_equal(res.errors, 1);
    assert_string_equal(res.err[0], "cell longer than 4 bytes (column 1)");
    result_free(&res);
    free(data);
}

/* A 64 MiB line read from a file must not be held in memory. */
#if defined(__SANITIZE_ADDRESS__)
#define KT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KT_ASAN 1
#endif
#endif
#ifndef KT_ASAN
#define KT_ASAN 0
#endif

static size_t peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = (size_t)strtoull(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static void test_endless_line_bounded_memory(void **state)
{
    (void)state;
    char path[] = "/tmp/kt_csv_longXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("h1,h2\nx,\"", f);
    static char block[1 << 16];
    memset(block, 'L', sizeof block);
    for (int i = 0; i < 1024; i++) fwrite(block, 1, sizeof block, f);   /* 64 MiB */
    fputs("\",end\ny,z\n", f);
    fclose(f);

    size_t before = peak_rss_kb();
    result res;
    read_file(path, NULL, &res, NULL);
    size_t after = peak_rss_kb();
    unlink(path);
    assert_int_equal(res.rows, 2);
    assert_int_equal(res.errors, 1);
    assert_string_equal(res.cell[1][1], "z");
    assert_int_equal(res.line[1], 3);
    /* ASan's quarantine keeps freed blocks around, so the check means something only
     * without it */
    if (!KT_ASAN) assert_true(after - before < 16 * 1024);
    result_free(&res);
}

static void test_delimiters_and_lines(void **state)
{
    (void)state;
    result res;
    import_reader *r;
    char err[256];

    const char *tsv = "name\tcomment\nAnn\tsays, \"hi\"; ok\nBob\t\n";
    assert_int_equal(import_open_memory(&r, IMPORT_CSV, tsv, strlen(tsv), NULL, err, sizeof err), 0);
    assert_int_equal(import_detected_delimiter(r), '\t');
    drain(r, &res);
    import_close(r);
    assert_int_equal(res.rows, 3);
    assert_string_equal(res.cell[1][1], "says, \"hi\"; ok");
    assert_int_equal(res.ncells[2], 2);
    result_free(&res);

    const char *pipe = "a|b|c\r\n1|2,5|3\r\n\r\n4|5|6\r\n";
    assert_int_equal(import_open_memory(&r, IMPORT_CSV, pipe, strlen(pipe), NULL, err, sizeof err), 0);
    assert_int_equal(import_detected_delimiter(r), '|');
    drain(r, &res);
    import_close(r);
    assert_int_equal(res.rows, 3);
    assert_string_equal(res.cell[1][1], "2,5");
    assert_int_equal(res.line[2], 4);   /* the blank line is not a row but is a line */
    result_free(&res);

    /* a single column has nothing to detect: comma, and the rows come through whole */
    read_mem("email\na@b.c\n", 12, NULL, &res);
    assert_int_equal(res.rows, 2);
    assert_int_equal(res.ncells[1], 1);
    result_free(&res);

    /* the caller's delimiter wins over detection */
    import_options opt = { .delimiter = ';' };
    read_mem("a,b;c\n", 6, &opt, &res);
    assert_int_equal(res.ncells[0], 2);
    assert_string_equal(res.cell[0][0], "a,b");
    result_free(&res);

    /* no newline at the end, spaces around unquoted cells trimmed, quoted kept */
    read_mem("x, y ,\" z \"", 11, NULL, &res);
    assert_int_equal(res.rows, 1);
    assert_string_equal(res.cell[0][1], "y");
    assert_string_equal(res.cell[0][2], " z ");
    result_free(&res);
}

static void test_row_limits_and_bad_bytes(void **state)
{
    (void)state;
    result res;
    import_options opt = { .max_row_cells = 3 };
    read_mem("a,b,c\n1,2,3,4,5\n6,7,8\n", 22, &opt, &res);
    assert_int_equal(res.rows, 2);
    assert_int_equal(res.errors, 1);
    assert_string_equal(res.err[0], "row has more than 3 cells");
    assert_int_equal(res.err_line[0], 2);
    result_free(&res);

    /* a UTF-8 file with one broken sequence and a NUL byte: each costs only its row */
    size_t len = 100000, n = 0;
    char *data = malloc(len + 64);
    n += (size_t)sprintf(data, "k,v\n");
    size_t rows = 1;
    while (n < 80000) { n += (size_t)sprintf(data + n, "%zu,Zürich\n", rows); rows++; }
    memcpy(data + n, "bad,\xc3\x28\n", 7); n += 7; rows++;
    memcpy(data + n, "nul,a\0b\n", 8); n += 8; rows++;
    memcpy(data + n, "last,\xc3\xa9\n", 8); n += 8; rows++;
    read_mem(data, n, NULL, &res);
    assert_int_equal(res.rows + res.errors, rows);
    assert_int_equal(res.errors, 2);
    assert_non_null(strstr(res.err[0], "invalid UTF-8 in column 2"));
    assert_non_null(strstr(res.err[1], "NUL byte in column 2"));
    assert_int_equal(res.err_line[1], rows - 1);
    result_free(&res);
    free(data);
}

/* A file read in 1 MiB chunks gives the same rows as the same bytes in memory, with quoted
 * multi-line cells and CRLF pairs falling across chunk boundaries. */
static void test_chunk_boundaries(void **state)
{
    (void)state;
    char path[] = "/tmp/kt_csv_chunkXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    size_t rows = 0;
    fputs("id;name;note\r\n", f);
    rows++;
    for (size_t i = 0; i < 90000; i++, rows++)
        fprintf(f, "%zu;Имя %zu;\"line one\r\nline \"\"two\"\" %zu\"\r\n", i, i, i);
    fclose(f);

    FILE *in = fopen(path, "rb");
    fseek(in, 0, SEEK_END);
    size_t len = (size_t)ftell(in);
    rewind(in);
    char *data = malloc(len);
    assert_int_equal(fread(data, 1, len, in), len);
    fclose(in);
    assert_true(len > (size_t)3 << 20);

    import_reader *a, *b;
    char err[256];
    assert_int_equal(import_open(&a, IMPORT_CSV, path, NULL, err, sizeof err), 0);
    assert_int_equal(import_open_memory(&b, IMPORT_CSV, data, len, NULL, err, sizeof err), 0);
    assert_int_equal(import_bytes_total(a), len);
    size_t n = 0, last_progress = 0;
    for (;;) {
        import_row ra, rb;
        int x = import_next(a, &ra, err, sizeof err);
        int y = import_next(b, &rb, err, sizeof err);
        assert_int_equal(x, y);
        if (x == 0) break;
        assert_int_equal(x, 1);
        assert_int_equal(ra.ncells, 3);
        assert_int_equal(rb.ncells, 3);
        assert_int_equal(ra.line, n == 0 ? 1 : 2 * n);
        assert_int_equal(rb.line, ra.line);
        for (size_t j = 0; j < 3; j++) {
            assert_int_equal(ra.lens[j], rb.lens[j]);
            assert_memory_equal(ra.cells[j], rb.cells[j], ra.lens[j]);
        }
        if (n > 0) {
            char want[64];
            snprintf(want, sizeof want, "line one\r\nline \"two\" %zu", n - 1);
            assert_string_equal(ra.cells[2], want);
        }
        assert_true(import_bytes_read(a) >= last_progress);
        last_progress = import_bytes_read(a);
        n++;
    }
    assert_int_equal(n, rows);
    assert_int_equal(import_bytes_read(a), len);
    import_close(a);
    import_close(b);
    free(data);
    unlink(path);
}

int main(int argc, char **argv)
{
    (void)argc;
    /* run from the repository root or from anywhere, found relative to the binary */
    if (access(fixture_dir, R_OK) != 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        int dl = slash ? (int)(slash - argv[0]) : 1;
        snprintf(fixture_dir, sizeof fixture_dir, "%.*s/../../tests/fixtures/import", dl,
                 slash ? argv[0] : ".");
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cp1251_semicolon),
        cmocka_unit_test(test_cp1250_comma),
        cmocka_unit_test(test_utf8_bom_semicolon),
        cmocka_unit_test(test_forced_encoding),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_empty_and_blank),
        cmocka_unit_test(test_binary_garbage),
        cmocka_unit_test(test_huge_cell),
        cmocka_unit_test(test_endless_line_bounded_memory),
        cmocka_unit_test(test_delimiters_and_lines),
        cmocka_unit_test(test_row_limits_and_bad_bytes),
        cmocka_unit_test(test_chunk_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
