/* Table exports: CSV (escaped against formula injection) and streamed XLSX. See writer.h. */
#include "export/writer.h"
#include "core/arena.h"
#include "core/buf.h"
#include <errno.h>
#include <stdint.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xlsxwriter.h>

#define XLSX_MAX_ROWS 1048576   /* rows of a sheet, the header included */
#define XLSX_MAX_CHARS 32767    /* characters of a cell */

struct table_writer {
    export_format fmt;
    /* CSV */
    FILE *f;
    char delimiter;
    char *line;                  /* rows not yet written: flushed by the megabyte, past stdio */
    size_t len, cap;
    /* XLSX */
    lxw_workbook *wb;
    lxw_worksheet *ws;
    char sheet[128];             /* at most 31 characters, as Excel allows */
    int sheets;
    lxw_row_t row;
    table_cell *header;          /* repeated on every continuation sheet */
    size_t nheader;
    arena a;
    char tmpdir[4096];
};

int export_format_parse(const char *s)
{
    if (!s) return -1;
    if (!strcasecmp(s, "csv")) return EXPORT_CSV;
    if (!strcasecmp(s, "xlsx")) return EXPORT_XLSX;
    if (!strcasecmp(s, "vcard") || !strcasecmp(s, "vcf")) return EXPORT_VCARD;
    return -1;
}

const char *export_format_name(export_format f)
{
    return f == EXPORT_XLSX ? "xlsx" : f == EXPORT_VCARD ? "vcard" : "csv";
}

const char *export_format_mime(export_format f)
{
    switch (f) {
    case EXPORT_XLSX: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    case EXPORT_VCARD: return "text/vcard; charset=utf-8";
    default: return "text/csv; charset=utf-8";
    }
}

const char *export_format_ext(export_format f) { return f == EXPORT_XLSX ? "xlsx" : f == EXPORT_VCARD ? "vcf" : "csv"; }

/* ---------- CSV ---------- */

static bool plain_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    }
    return digits && i == n;
}

/* whether any of the n bytes is the delimiter, a quote or a line end: eight at a time */
static bool has_special(const char *s, size_t n, char delimiter)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    const uint64_t d = ones * (unsigned char)delimiter, q = ones * '"', lf = ones * '\n', cr = ones * '\r';
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t a = w ^ d, b = w ^ q, c = w ^ lf, e = w ^ cr;
        if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c) | ((e - ones) & ~e)) & high) return true;
    }
    for (; i < n; i++)
        if (s[i] == delimiter || s[i] == '"' || s[i] == '\n' || s[i] == '\r') return true;
    return false;
}

/* the most bytes csv_put writes for an n-byte cell: quotes, apostrophe, every quote doubled */
static size_t csv_bound(size_t n) { return 2 * n + 3; }

/* one cell, quoted and escaped as writer.h says, written at dst in one pass; the bytes written */
static size_t csv_put(char *dst, const char *s, size_t n, bool number, char delimiter)
{
    if (!s || !n) return 0;
    /* a spreadsheet runs a cell that starts like a formula; an apostrophe makes it text
     * (a NUL first byte too, as strchr over the set has always said) */
    char c0 = s[0];
    bool formula = c0 == '=' || c0 == '+' || c0 == '-' || c0 == '@' || c0 == '\t' || c0 == '\r' || c0 == '\0';
    bool escape = formula && !(number && plain_number(s, n));
    bool quote = (escape && (c0 == '\t' || c0 == '\r')) || c0 == ' ' || s[n - 1] == ' ' || has_special(s, n, delimiter);
    char *d = dst;
    if (quote) *d++ = '"';
    if (escape) *d++ = '\'';
    if (!quote) {
        memcpy(d, s, n);
        return (size_t)(d + n - dst);
    }
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        size_t k = q ? (size_t)(q - p) + 1 : (size_t)(end - p);
        memcpy(d, p, k);
        d += k;
        if (!q) break;
        *d++ = '"';
        p = q + 1;
    }
    *d++ = '"';
    return (size_t)(d - dst);
}

void csv_cell(buf *out, const char *s, size_t n, bool number, char delimiter)
{
    if (!s || !n) return;
    char small[256];
    char *t = csv_bound(n) <= sizeof small ? small : xmalloc(csv_bound(n));
    buf_add(out, t, csv_put(t, s, n, number, delimiter));
    if (t != small) free(t);
}

enum { CSV_FLUSH = 1 << 20 };

static int csv_flush(table_writer *w, char *err, size_t errlen)
{
    if (w->len && fwrite(w->line, 1, w->len, w->f) != w->len) {
        snprintf(err, errlen, "cannot write the export: %s", strerror(errno));
        return -1;
    }
    w->len = 0;
    return 0;
}

/* a row goes straight into the line buffer: room for its worst case is made first, so the
 * cells are escaped and copied once, with no per-byte bounds checks */
static int csv_row(table_writer *w, const table_cell *cells, size_t n, char *err, size_t errlen)
{
    size_t need = n + 2;
    for (size_t i = 0; i < n; i++) need += cells[i].s ? csv_bound(cells[i].n) : 0;
    if (w->len + need > w->cap) {
        if (csv_flush(w, err, errlen) != 0) return -1;
        if (need > w->cap) {   /* a row larger than the buffer: room for it alone */
            free(w->line);
            w->cap = need;
            w->line = xmalloc(w->cap);
        }
    }
    char *d = w->line + w->len;
    for (size_t i = 0; i < n; i++) {
        if (i) *d++ = w->delimiter;
        d += csv_put(d, cells[i].s, cells[i].n, cells[i].number, w->delimiter);
    }
    *d++ = '\r';
    *d++ = '\n';
    w->len = (size_t)(d - w->line);
    return w->len >= CSV_FLUSH ? csv_flush(w, err, errlen) : 0;
}

/* ---------- XLSX ---------- */

static int xlsx_new_sheet(table_writer *w, char *err, size_t errlen)
{
    char name[160];
    w->sheets++;
    if (w->sheets == 1) snprintf(name, sizeof name, "%s", w->sheet);
    else {   /* "<name> (2)": the name cut to 24 characters keeps it within 31 */
        size_t k = 0, chars = 0;
        while (w->sheet[k] && chars < 24) {
            k++;
            while (((unsigned char)w->sheet[k] & 0xc0) == 0x80) k++;
            chars++;
        }
        snprintf(name, sizeof name, "%.*s (%d)", (int)k, w->sheet, w->sheets);
    }
    w->ws = workbook_add_worksheet(w->wb, name);
    if (!w->ws) { snprintf(err, errlen, "cannot add sheet '%s' to the workbook", name); return -1; }
    w->row = 0;
    return 0;
}

static int xlsx_row(table_writer *w, const table_cell *cells, size_t n, char *err, size_t errlen)
{
    if (w->row == XLSX_MAX_ROWS) {
        if (xlsx_new_sheet(w, err, errlen) != 0 || xlsx_row(w, w->header, w->nheader, err, errlen) != 0) return -1;
    }
    for (size_t i = 0; i < n && i < 16384; i++) {
        const table_cell *c = &cells[i];
        if (!c->s || !c->n) continue;
        lxw_error rc;
        if (c->number) {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(c->n < 63 ? c->n : 63), c->s);
            char *end;
            double d = strtod(tmp, &end);
            rc = *end ? worksheet_write_string(w->ws, w->row, (lxw_col_t)i, tmp, NULL)
                      : worksheet_write_number(w->ws, w->row, (lxw_col_t)i, d, NULL);
        } else {
            /* cut at Excel's limit, on a character boundary */
            size_t len = c->n, chars = 0, k = 0;
            while (k < len && chars < XLSX_MAX_CHARS) {
                unsigned char b = (unsigned char)c->s[k];
                k += b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
                chars += b >= 0xf0 ? 2 : 1;   /* Excel counts UTF-16 units */
            }
            if (k > len) k = len;
            char *z = arena_strndup(&w->a, c->s, k);
            rc = worksheet_write_string(w->ws, w->row, (lxw_col_t)i, z, NULL);
        }
        if (rc != LXW_NO_ERROR) {
            snprintf(err, errlen, "cannot write row %u of the workbook: %s", (unsigned)w->row + 1, lxw_strerror(rc));
            return -1;
        }
    }
    w->row++;
    /* the cut copies live until the row is written out: one row at a time */
    arena_release(&w->a);
    arena_init(&w->a);
    return 0;
}

/* ---------- the writer ---------- */

int table_open(table_writer **out, export_format f, const char *path, const char *sheet, char delimiter, char *err, size_t errlen)
{
    *out = NULL;
    if (f == EXPORT_VCARD) { snprintf(err, errlen, "vCard is not a table format"); return -1; }
    table_writer *w = xmalloc(sizeof *w);
    memset(w, 0, sizeof *w);
    w->fmt = f;
    w->delimiter = delimiter ? delimiter : ',';
    arena_init(&w->a);
    if (f == EXPORT_CSV) {
        w->f = fopen(path, "wb");
        if (!w->f) {
            snprintf(err, errlen, "cannot create '%s': %s", path, strerror(errno));
            free(w);
            return -1;
        }
        setvbuf(w->f, NULL, _IONBF, 0);   /* csv_row buffers whole rows itself */
        w->cap = 2 * CSV_FLUSH;
        w->line = xmalloc(w->cap);
        memcpy(w->line, "\xef\xbb\xbf", 3);
        w->len = 3;
        *out = w;
        return 0;
    }
    /* temporary files beside the output: /tmp may be a small memory file system */
    snprintf(w->tmpdir, sizeof w->tmpdir, "%s", path);
    char *dir = dirname(w->tmpdir);
    if (dir != w->tmpdir) memmove(w->tmpdir, dir, strlen(dir) + 1);
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = w->tmpdir, .use_zip64 = LXW_TRUE};
    w->wb = workbook_new_opt(path, &o);
    if (!w->wb) {
        snprintf(err, errlen, "cannot create the workbook '%s'", path);
        free(w);
        return -1;
    }
    /* a sheet name may not hold []:*?/\ and is at most 31 characters (whole ones) */
    size_t k = 0, chars = 0;
    for (const char *p = sheet && *sheet ? sheet : "export"; *p && k < sizeof w->sheet - 1; p++) {
        unsigned char b = (unsigned char)*p;
        if ((b & 0xc0) != 0x80 && ++chars > 31) break;
        w->sheet[k++] = strchr("[]:*?/\\", *p) ? '_' : *p;
    }
    w->sheet[k] = 0;
    if (xlsx_new_sheet(w, err, errlen) != 0) {
        workbook_close(w->wb);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

int table_row(table_writer *w, const table_cell *cells, size_t n, char *err, size_t errlen)
{
    if (w->fmt == EXPORT_CSV) return csv_row(w, cells, n, err, errlen);
    if (!w->header) {   /* keep the header for continuation sheets */
        w->header = xmalloc((n ? n : 1) * sizeof *w->header);
        for (size_t i = 0; i < n; i++) {
            w->header[i] = cells[i];
            w->header[i].s = cells[i].s ? xstrdup(arena_strndup(&w->a, cells[i].s, cells[i].n)) : NULL;
        }
        w->nheader = n;
    }
    return xlsx_row(w, cells, n, err, errlen);
}

static void free_header(table_writer *w)
{
    for (size_t i = 0; i < w->nheader; i++) free((void *)w->header[i].s);
    free(w->header);
}

int table_close(table_writer *w, char *err, size_t errlen)
{
    int rc = 0;
    if (w->fmt == EXPORT_CSV) {
        rc = csv_flush(w, err, errlen);
        if (fclose(w->f) != 0 && rc == 0) { snprintf(err, errlen, "cannot finish the export: %s", strerror(errno)); rc = -1; }
        free(w->line);
    } else {
        lxw_error e = workbook_close(w->wb);
        if (e != LXW_NO_ERROR) { snprintf(err, errlen, "cannot finish the workbook: %s", lxw_strerror(e)); rc = -1; }
        free_header(w);
    }
    arena_release(&w->a);
    free(w);
    return rc;
}

void table_abort(table_writer *w)
{
    if (!w) return;
    char err[64];
    table_close(w, err, sizeof err);
}
