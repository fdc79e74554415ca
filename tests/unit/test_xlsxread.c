/* XLSX import reader: a workbook LibreOffice wrote (two sheets, dates, numbers), hand-made
 * packages for what other writers do (prefixed XML, inline strings, sparse cells, custom
 * date formats, the 1904 date system), and hostile packages: zip bombs built here, lying zip
 * headers, DOCTYPE entities, oversized cells, garbage. Every test checks that rows + error
 * rows = the rows in the sheet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>
#include <cmocka.h>

#include "import/reader.h"

static char fixture_dir[512] = "tests/fixtures/import";

static const char *fixture(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    return path;
}

typedef struct result {
    size_t rows, errors;
    size_t ncells[32], line[32];
    char *cell[32][10];
    char err[8][256];
    size_t err_line[8];
    bool fatal;
} result;

static void result_free(result *res)
{
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 10; j++) free(res->cell[i][j]);
    memset(res, 0, sizeof *res);
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
            if (res->errors < 8) {
                snprintf(res->err[res->errors], sizeof res->err[0], "%s", err);
                res->err_line[res->errors] = row.line;
            }
            res->errors++;
            continue;
        }
        if (res->rows < 32) {
            res->ncells[res->rows] = row.ncells;
            res->line[res->rows] = row.line;
            for (size_t j = 0; j < row.ncells && j < 10; j++) {
                assert_int_equal(strlen(row.cells[j]), row.lens[j]);
                res->cell[res->rows][j] = strdup(row.cells[j]);
            }
        }
        res->rows++;
    }
    res->fatal = import_fatal(r);
    assert_int_equal(import_next(r, &row, err, sizeof err), 0);
}

/* ---- building packages ----------------------------------------------------------------- */

typedef struct part { const char *name; const char *data; size_t len; } part;

static const char *CT =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
static const char *ROOT_RELS =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";
static const char *WB_RELS =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/../worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";

/* Writes the parts into a temporary .xlsx and returns its path (static buffer). */
static const char *write_xlsx(const part *parts, size_t n, int level)
{
    static char path[64];
    strcpy(path, "/tmp/kt_xlsxXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int code;
    zip_t *za = zip_open(path, ZIP_TRUNCATE, &code);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
        zip_source_t *s = zip_source_buffer(za, parts[i].data, len, 0);
        zip_int64_t idx = zip_file_add(za, parts[i].name, s, ZIP_FL_ENC_UTF_8);
        assert_true(idx >= 0);
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, (zip_uint32_t)level);
    }
    assert_int_equal(zip_close(za), 0);
    return path;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *d = malloc(*len ? *len : 1);
    assert_int_equal(fread(d, 1, *len, f), *len);
    fclose(f);
    return d;
}

/* a workbook with one sheet named "Data" around the given sheet, styles and strings */
static const char *simple_xlsx(const char *sheet, const char *styles, const char *sst, bool d1904)
{
    static char wb[512];
    snprintf(wb, sizeof wb,
             "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
             "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
             "<workbookPr date1904=\"%s\"/><sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
             d1904 ? "1" : "0");
    part parts[7] = {
        { "[Content_Types].xml", CT, 0 },
        { "_rels/.rels", ROOT_RELS, 0 },
        { "xl/workbook.xml", wb, 0 },
        { "xl/_rels/workbook.xml.rels", WB_RELS, 0 },
        { "xl/worksheets/sheet1.xml", sheet, 0 },
    };
    size_t n = 5;
    if (styles) parts[n++] = (part){ "xl/styles.xml", styles, 0 };
    if (sst) parts[n++] = (part){ "xl/sharedStrings.xml", sst, 0 };
    return write_xlsx(parts, n, 6);
}

static int open_path(const char *path, const import_options *opt, import_reader **r, char *err)
{
    return import_open(r, IMPORT_XLSX, path, opt, err, 256);
}

/* ---- the tests ------------------------------------------------------------------------- */

static void test_libreoffice_workbook(void **state)
{
    (void)state;
    import_reader *r;
    char err[256];
    assert_int_equal(open_path(fixture("contacts_libreoffice.xlsx"), NULL, &r, err), 0);
    const char **names;
    size_t n;
    assert_int_equal(import_sheets(r, &names, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "Contacts");
    assert_string_equal(names[1], "Deals");
    assert_string_equal(import_detected_encoding(r), "utf-8");
    assert_true(import_bytes_total(r) > 0);
    result res;
    drain(r, &res);
    assert_int_equal(import_bytes_read(r), import_bytes_total(r));
    import_close(r);

    /* 4 rows with data; sheet row 4 is empty and is not a row */
    assert_int_equal(res.rows + res.errors, 4);
    assert_int_equal(res.errors, 0);
    assert_int_equal(res.ncells[0], 8);
    assert_string_equal(res.cell[0][0], "Name");
    assert_string_equal(res.cell[0][7], "Phone");
    assert_string_equal(res.cell[1][0], "Иванов Иван");
    assert_string_equal(res.cell[1][1], "ООО \"Ромашка\"");
    assert_string_equal(res.cell[1][2], "1985-04-12");            /* yyyy-mm-dd custom format */
    assert_string_equal(res.cell[1][3], "2024-03-01T14:30:15");   /* dd.mm.yyyy hh:mm:ss */
    assert_string_equal(res.cell[1][4], "3");
    assert_string_equal(res.cell[1][5], "1234.5");                /* #,##0.00 is no date */
    assert_string_equal(res.cell[1][7], "+7 495 123-45-67");
    assert_string_equal(res.cell[2][0], "Łukasz Żółkiewski");
    assert_string_equal(res.cell[2][1], "");                      /* sparse: filled in */
    assert_string_equal(res.cell[2][2], "1999-12-31");
    assert_string_equal(res.cell[2][5], "-17.25");
    assert_string_equal(res.cell[2][7], "48601234567");
    assert_int_equal(res.line[3], 5);
    assert_int_equal(res.ncells[3], 5);                           /* trailing blanks dropped */
    assert_string_equal(res.cell[3][1], "Škoda & Syn\nsecond line");
    assert_string_equal(res.cell[3][4], "12");
    result_free(&res);

    import_options opt = { .sheet = "Deals" };
    assert_int_equal(open_path(fixture("contacts_libreoffice.xlsx"), &opt, &r, err), 0);
    drain(r, &res);
    import_close(r);
    assert_int_equal(res.rows + res.errors, 3);
    assert_string_equal(res.cell[1][0], "Поставка оборудования");
    assert_string_equal(res.cell[1][1], "250000");
    assert_string_equal(res.cell[1][2], "2024-06-30");
    assert_string_equal(res.cell[2][1], "0.1");
    assert_string_equal(res.cell[2][2], "2031-12-01");
    result_free(&res);

    opt.sheet = "Missing";
    assert_int_equal(open_path(fixture("contacts_libreoffice.xlsx"), &opt, &r, err), -1);
    assert_string_equal(err, "no sheet named \"Missing\"");

    /* the same bytes from memory */
    size_t len;
    char *data = slurp(fixture("contacts_libreoffice.xlsx"), &len);
    assert_int_equal(import_open_memory(&r, IMPORT_XLSX, data, len, NULL, err, sizeof err), 0);
    drain(r, &res);
    import_close(r);
    free(data);
    assert_int_equal(res.rows, 4);
    result_free(&res);
}

static const char *STYLES =
    "<?xml version=\"1.0\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<numFmts count=\"5\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"[$-409]mmmm d, yyyy;@\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"#,##0 &quot;dd&quot;\"/>"
    "<numFmt numFmtId=\"167\" formatCode=\"mm:ss\"/>"
    "<numFmt numFmtId=\"168\" formatCode=\"0.00\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"9\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"22\"/><xf numFmtId=\"20\"/>"
    "<xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"167\"/><xf numFmtId=\"168\"/></cellXfs>"
    "</styleSheet>";

static const char *SST =
    "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"3\" uniqueCount=\"3\">"
    "<si><t>name</t></si>"
    "<si><r><rPr><b/></rPr><t>Rich </t></r><r><t xml:space=\"preserve\">text</t></r><rPh><t>ふりがな</t></rPh></si>"
    "<si><t>line_x000D_break</t></si></sst>";

static void test_cell_kinds(void **state)
{
    (void)state;
    /* prefixed element names, as some writers produce */
    const char *sheet =
        "<?xml version=\"1.0\"?><x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:sheetData>"
        "<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"C1\" t=\"inlineStr\"><x:is><x:t>inline ę</x:t></x:is></x:c></x:row>"
        "<x:row r=\"2\"><x:c r=\"A2\" t=\"s\"><x:v>1</x:v></x:c><x:c r=\"B2\" t=\"s\"><x:v>2</x:v></x:c>"
        "<x:c r=\"C2\" t=\"b\"><x:v>1</x:v></x:c><x:c r=\"D2\" t=\"b\"><x:v>0</x:v></x:c>"
        "<x:c r=\"E2\" t=\"e\"><x:v>#N/A</x:v></x:c><x:c r=\"F2\" t=\"str\"><x:f>A1&amp;\"!\"</x:f><x:v>name!</x:v></x:c></x:row>"
        "<x:row r=\"3\"><x:c r=\"A3\" s=\"1\"><x:v>45292</x:v></x:c><x:c r=\"B3\" s=\"2\"><x:v>45292.75</x:v></x:c>"
        "<x:c r=\"C3\" s=\"3\"><x:v>0.5</x:v></x:c><x:c r=\"D3\" s=\"4\"><x:v>1</x:v></x:c>"
        "<x:c r=\"E3\" s=\"5\"><x:v>59</x:v></x:c><x:c r=\"F3\" s=\"6\"><x:v>61</x:v></x:c>"
        "<x:c r=\"G3\" s=\"7\"><x:v>0.001</x:v></x:c><x:c r=\"H3\" s=\"8\"><x:v>2.5</x:v></x:c>"
        "<x:c r=\"I3\" s=\"1\"><x:v>-1</x:v></x:c><x:c r=\"J3\" s=\"1\"><x:v>abc</x:v></x:c></x:row>"
        "<x:row r=\"4\"><x:c r=\"A4\" s=\"1\"/><x:c r=\"B4\" s=\"2\"/></x:row>"
        "<x:row><x:c><x:v>7</x:v></x:c><x:c><x:v>8</x:v></x:c><x:c r=\"E5\"><x:v>9</x:v></x:c></x:row>"
        "<x:row r=\"9\"><x:c r=\"B9\" s=\"1\"><x:v>2958465</x:v></x:c><x:c r=\"C9\" s=\"1\"><x:v>60</x:v></x:c></x:row>"
        "</x:sheetData></x:worksheet>";
    const char *path = simple_xlsx(sheet, STYLES, SST, false);
    import_reader *r;
    char err[256];
    assert_int_equal(open_path(path, NULL, &r, err), 0);
    result res;
    drain(r, &res);
    import_close(r);
    unlink(path);
    assert_int_equal(res.rows + res.errors, 5);
    assert_int_equal(res.errors, 0);

    assert_int_equal(res.ncells[0], 3);
    assert_string_equal(res.cell[0][0], "name");
    assert_string_equal(res.cell[0][1], "");
    assert_string_equal(res.cell[0][2], "inline ę");

    assert_string_equal(res.cell[1][0], "Rich text");           /* runs joined, phonetics not */
    assert_string_equal(res.cell[1][1], "line\rbreak");         /* _x000D_ decoded */
    assert_string_equal(res.cell[1][2], "TRUE");
    assert_string_equal(res.cell[1][3], "FALSE");
    assert_string_equal(res.cell[1][4], "#N/A");
    assert_string_equal(res.cell[1][5], "name!");               /* formula result, not formula */

    assert_string_equal(res.cell[2][0], "2024-01-01");          /* built-in 14 */
    assert_string_equal(res.cell[2][1], "2024-01-01T18:00:00"); /* built-in 22 */
    assert_string_equal(res.cell[2][2], "12:00:00");            /* built-in 20, time only */
    assert_string_equal(res.cell[2][3], "1900-01-01");          /* dd/mm/yyyy */
    assert_string_equal(res.cell[2][4], "1900-02-28");          /* [$-409]mmmm d, yyyy */
    assert_string_equal(res.cell[2][5], "61");                  /* "dd" is quoted text */
    assert_string_equal(res.cell[2][6], "00:01:26");            /* mm:ss is minutes */
    assert_string_equal(res.cell[2][7], "2.5");                 /* 0.00 */
    assert_string_equal(res.cell[2][8], "-1");                  /* no such date: as written */
    assert_string_equal(res.cell[2][9], "abc");
    assert_int_equal(res.line[2], 3);

    /* row 4 holds only styled blanks and is skipped; row 5 has no r attributes */
    assert_int_equal(res.line[3], 5);
    assert_int_equal(res.ncells[3], 5);
    assert_string_equal(res.cell[3][0], "7");
    assert_string_equal(res.cell[3][1], "8");
    assert_string_equal(res.cell[3][2], "");
    assert_string_equal(res.cell[3][4], "9");

    assert_int_equal(res.line[4], 9);
    assert_string_equal(res.cell[4][0], "");
    assert_string_equal(res.cell[4][1], "9999-12-31");
    assert_string_equal(res.cell[4][2], "1900-02-28");
    result_free(&res);
}

static void test_date1904(void **state)
{
    (void)state;
    const char *sheet =
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>43830</v></c></row>"
        "</sheetData></worksheet>";
    const char *path = simple_xlsx(sheet, STYLES, NULL, true);
    import_reader *r;
    char err[256];
    assert_int_equal(open_path(path, NULL, &r, err), 0);
    result res;
    drain(r, &res);
    import_close(r);
    unlink(path);
    assert_int_equal(res.rows, 1);
    assert_string_equal(res.cell[0][0], "1904-01-01");
    assert_string_equal(res.cell[0][1], "2024-01-01");
    result_free(&res);
}

static void test_bad_rows_are_reported(void **state)
{
    (void)state;
    /* a 2 MiB inline string, a shared string that does not exist, too many cells, and cells
     * out of order: each costs its row only */
    size_t big = (size_t)2 << 20;
    char *sheet = malloc(big + 4096);
    size_t n = (size_t)sprintf(sheet,
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>h</t></is></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>");
    memset(sheet + n, 'x', big);
    n += big;
    n += (size_t)sprintf(sheet + n,
        "</t></is></c></row>"
        "<row r=\"3\"><c r=\"A3\"><v>3</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>99</v></c></row>"
        "<row r=\"5\"><c r=\"A5\"><v>1</v></c><c r=\"XFD5\"><v>2</v></c></row>"
        "<row r=\"6\"><c r=\"C6\"><v>1</v></c><c r=\"B6\"><v>2</v></c></row>"
        "<row r=\"7\"><c r=\"A7\"><v>7</v></c></row>"
        "</sheetData></worksheet>");
    part parts[5] = {
        { "[Content_Types].xml", CT, 0 },
        { "_rels/.rels", ROOT_RELS, 0 },
        { "xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>", 0 },
        { "xl/_rels/workbook.xml.rels", WB_RELS, 0 },
        { "xl/worksheets/sheet1.xml", sheet, n },
    };
    const char *path = write_xlsx(parts, 5, 6);
    import_reader *r;
    char err[256];
    import_options opt = { .max_row_cells = 100 };
    assert_int_equal(open_path(path, &opt, &r, err), 0);
    result res;
    drain(r, &res);
    import_close(r);
    unlink(path);
    free(sheet);
    assert_int_equal(res.rows + res.errors, 7);
    assert_int_equal(res.rows, 3);
    assert_false(res.fatal);
    assert_string_equal(res.err[0], "cell longer than 1048576 bytes (column 1)");
    assert_int_equal(res.err_line[0], 2);
    assert_string_equal(res.err[1], "shared string index out of range (column 1)");
    assert_int_equal(res.err_line[1], 4);
    assert_string_equal(res.err[2], "row has more than 100 cells");
    assert_int_equal(res.err_line[2], 5);
    assert_string_equal(res.err[3], "cells out of order (column 2)");
    assert_string_equal(res.cell[1][0], "3");
    assert_string_equal(res.cell[2][0], "7");
    assert_int_equal(res.line[2], 7);
    result_free(&res);
}

/* A sheet of spaces compresses a thousandfold; the reader refuses it at open. */
static void test_zip_bomb_ratio(void **state)
{
    (void)state;
    size_t big = (size_t)32 << 20;
    char *sheet = malloc(big);
    memset(sheet, ' ', big);
    const char *head = "<worksheet><sheetData>";
    memcpy(sheet, head, strlen(head));
    memcpy(sheet + big - 24, "</sheetData></worksheet>", 24);
    part parts[5] = {
        { "[Content_Types].xml", CT, 0 },
        { "_rels/.rels", ROOT_RELS, 0 },
        { "xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>", 0 },
        { "xl/_rels/workbook.xml.rels", WB_RELS, 0 },
        { "xl/worksheets/sheet1.xml", sheet, big },
    };
    const char *path = write_xlsx(parts, 5, 9);
    free(sheet);
    size_t len;
    char *data = slurp(path, &len);
    unlink(path);
    assert_true(len < 64 * 1024);   /* small file, huge content */
    import_reader *r = NULL;
    char err[256];
    assert_int_equal(import_open_memory(&r, IMPORT_XLSX, data, len, NULL, err, sizeof err), -1);
    assert_null(r);
    assert_non_null(strstr(err, "zip bomb"));
    free(data);
}

/* Patch the sizes a zip claims for one entry, in its local and central headers. */
static void patch_size(char *data, size_t len, const char *entry, uint32_t size)
{
    size_t el = strlen(entry);
    for (size_t i = 0; i + 46 + el <= len; i++) {
        if (!memcmp(data + i, "PK\3\4", 4) && !memcmp(data + i + 30, entry, el))
            memcpy(data + i + 22, &size, 4);
        if (!memcmp(data + i, "PK\1\2", 4) && !memcmp(data + i + 46, entry, el))
            memcpy(data + i + 24, &size, 4);
    }
}

static char *rows_sheet(size_t nrows, size_t *n)
{
    char *sheet = malloc(nrows * 160 + 200);
    size_t k = (size_t)sprintf(sheet, "<worksheet><sheetData>");
    for (size_t i = 1; i <= nrows; i++)
        k += (size_t)sprintf(sheet + k, "<row r=\"%zu\"><c r=\"A%zu\"><v>%zu</v></c><c r=\"B%zu\" t=\"inlineStr\"><is><t>n%zu</t></is></c></row>",
                             i, i, i * 7, i, i);
    k += (size_t)sprintf(sheet + k, "</sheetData></worksheet>");
    *n = k;
    return sheet;
}

static void test_lying_zip_headers(void **state)
{
    (void)state;
    size_t n;
    char *sheet = rows_sheet(20000, &n);
    part parts[5] = {
        { "[Content_Types].xml", CT, 0 },
        { "_rels/.rels", ROOT_RELS, 0 },
        { "xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>", 0 },
        { "xl/_rels/workbook.xml.rels", WB_RELS, 0 },
        { "xl/worksheets/sheet1.xml", sheet, n },
    };
    const char *path = write_xlsx(parts, 5, 6);
    free(sheet);
    size_t len;
    char *data = slurp(path, &len);
    unlink(path);
    import_reader *r;
    char err[256];
    result res;

    /* honest: all rows */
    assert_int_equal(import_open_memory(&r, IMPORT_XLSX, data, len, NULL, err, sizeof err), 0);
    drain(r, &res);
    import_close(r);
    assert_int_equal(res.rows, 20000);
    assert_false(res.fatal);
    result_free(&res);

    /* claims 600 MiB: refused before inflating anything */
    char *copy = malloc(len);
    memcpy(copy, data, len);
    patch_size(copy, len, "xl/worksheets/sheet1.xml", 600u << 20);
    assert_int_equal(import_open_memory(&r, IMPORT_XLSX, copy, len, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceeds the 536870912 byte limit"));

    /* claims 100 KB but inflates to more: stopped while reading, the rows read so far count */
    memcpy(copy, data, len);
    patch_size(copy, len, "xl/worksheets/sheet1.xml", 100000);
    assert_int_equal(import_open_memory(&r, IMPORT_XLSX, copy, len, NULL, err, sizeof err), 0);
    drain(r, &res);
    import_close(r);
    assert_true(res.fatal);
    assert_int_equal(res.errors, 1);
    assert_true(res.rows > 0 && res.rows < 20000);
    assert_non_null(strstr(res.err[0], "declared size"));
    result_free(&res);
    free(copy);
    free(data);
}

static void test_hostile_packages(void **state)
{
    (void)state;
    import_reader *r = NULL;
    char err[256];
    assert_int_equal(import_open(&r, IMPORT_XLSX, fixture("garbage.bin"), NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an XLSX file"));
    assert_int_equal(import_open(&r, IMPORT_XLSX, fixture("empty.csv"), NULL, err, sizeof err), -1);
    assert_int_equal(import_open_memory(&r, IMPORT_XLSX, "", 0, NULL, err, sizeof err), -1);
    assert_int_equal(import_open_memory(&r, IMPORT_XLSX, "PK\3\4junk", 9, NULL, err, sizeof err), -1);
    assert_int_equal(import_open(&r, IMPORT_XLSX, fixture("nope.xlsx"), NULL, err, sizeof err), -1);

    /* entity expansion through a DOCTYPE never starts */
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
        "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>&b;</t></is></c></row></sheetData></worksheet>";
    const char *path = simple_xlsx(laughs, NULL, NULL, false);
    assert_int_equal(open_path(path, NULL, &r, err), 0);
    result res;
    drain(r, &res);
    import_close(r);
    unlink(path);
    assert_int_equal(res.rows, 0);
    assert_int_equal(res.errors, 1);
    assert_true(res.fatal);
    assert_non_null(strstr(res.err[0], "DOCTYPE"));

    /* broken XML mid-sheet: rows before it come through, then one fatal error */
    const char *broken =
        "<worksheet><sheetData><row r=\"1\"><c><v>1</v></c></row><row r=\"2\"><c><v>2</v></row></sheetData></worksheet>";
    path = simple_xlsx(broken, NULL, NULL, false);
    assert_int_equal(open_path(path, NULL, &r, err), 0);
    drain(r, &res);
    import_close(r);
    unlink(path);
    assert_int_equal(res.rows, 1);
    assert_int_equal(res.errors, 1);
    assert_true(res.fatal);
    assert_int_equal(res.err_line[0], 2);
    assert_non_null(strstr(res.err[0], "XML error"));
    result_free(&res);

    /* no workbook */
    part only[1] = { { "hello.txt", "hi", 0 } };
    path = write_xlsx(only, 1, 6);
    assert_int_equal(open_path(path, NULL, &r, err), -1);
    unlink(path);
    assert_non_null(strstr(err, "xl/workbook.xml is missing"));

    /* import_sheets is XLSX-only */
    assert_int_equal(import_open_memory(&r, IMPORT_CSV, "a\n", 2, NULL, err, sizeof err), 0);
    const char **names;
    size_t n;
    assert_int_equal(import_sheets(r, &names, &n), -1);
    import_close(r);
}

/* A large sheet streams: every row in order, progress reaching the total. */
static void test_large_sheet_streams(void **state)
{
    (void)state;
    size_t n;
    char *sheet = rows_sheet(200000, &n);
    part parts[5] = {
        { "[Content_Types].xml", CT, 0 },
        { "_rels/.rels", ROOT_RELS, 0 },
        { "xl/workbook.xml", "<workbook><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>", 0 },
        { "xl/_rels/workbook.xml.rels", WB_RELS, 0 },
        { "xl/worksheets/sheet1.xml", sheet, n },
    };
    const char *path = write_xlsx(parts, 5, 1);
    free(sheet);
    import_reader *r;
    char err[256];
    assert_int_equal(open_path(path, NULL, &r, err), 0);
    assert_int_equal(import_bytes_total(r), n);
    import_row row;
    size_t i = 0, last = 0;
    int rc;
    while ((rc = import_next(r, &row, err, sizeof err)) == 1) {
        i++;
        assert_int_equal(row.line, i);
        assert_int_equal(row.ncells, 2);
        assert_int_equal(strtoul(row.cells[0], NULL, 10), i * 7);
        assert_true(import_bytes_read(r) >= last);
        last = import_bytes_read(r);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, 200000);
    assert_int_equal(import_bytes_read(r), n);
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
        cmocka_unit_test(test_libreoffice_workbook),
        cmocka_unit_test(test_cell_kinds),
        cmocka_unit_test(test_date1904),
        cmocka_unit_test(test_bad_rows_are_reported),
        cmocka_unit_test(test_zip_bomb_ratio),
        cmocka_unit_test(test_lying_zip_headers),
        cmocka_unit_test(test_hostile_packages),
        cmocka_unit_test(test_large_sheet_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
