/* export writers: rows of text cells out to a CSV or XLSX file, contact cards out to vCard.
 *
 * Client bases leak through exports and spreadsheets run what they open, so:
 *   - a CSV cell that starts with = + - @ TAB or CR is written with a leading apostrophe
 *     (OWASP's CSV-injection advice), unless it is a plain number such as -12.5; the
 *     importer (import/mapping.h, map_trim) strips that apostrophe again, so an export
 *     imports back unchanged;
 *   - an XLSX cell is always a string or a number, never a formula, so it needs no escape.
 * CSV is UTF-8 with a byte-order mark (Excel reads UTF-8 only with one), CRLF line ends,
 * RFC 4180 quoting. XLSX is streamed (libxlsxwriter's constant-memory mode, temporary
 * files in the output's directory); a sheet holds at most 1,048,575 data rows, so larger
 * exports continue on sheets named "<name> (2)", "<name> (3)"...; a cell longer than
 * Excel's 32,767 characters is cut there.
 *
 * Memory: a writer holds one row at most (CSV: a megabyte of rows, written out in one go);
 * cells are copied out before the call returns.
 * Errors: every function returns 0 or -1 with a message in err (I/O, disk full). */
#ifndef KT_EXPORT_WRITER_H
#define KT_EXPORT_WRITER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { EXPORT_CSV, EXPORT_XLSX, EXPORT_VCARD } export_format;
/* "csv", "xlsx", "vcard" (or "vcf"); -1 when unknown */
int export_format_parse(const char *s);
const char *export_format_name(export_format f);
const char *export_format_mime(export_format f);
const char *export_format_ext(export_format f);

/* --- tables (CSV, XLSX) -------------------------------------------------------------------- */
typedef struct table_writer table_writer;

typedef struct table_cell {
    const char *s;     /* NULL: an empty cell */
    size_t n;
    bool number;       /* the text is a number (written as one in XLSX, never escaped in CSV) */
} table_cell;

/* sheet: the XLSX sheet name (cut to 31 characters); delimiter: CSV only, 0 = ',' */
int table_open(table_writer **w, export_format f, const char *path, const char *sheet, char delimiter, char *err, size_t errlen);
/* the first call writes the header; every later one a data row */
int table_row(table_writer *w, const table_cell *cells, size_t n, char *err, size_t errlen);
/* finishes the file; the writer is freed either way */
int table_close(table_writer *w, char *err, size_t errlen);
/* frees without finishing (after an error); the half-written file is the caller's to remove */
void table_abort(table_writer *w);

/* CSV: appends one cell, quoted and escaped as above (exposed for tests and the error report) */
struct buf;
void csv_cell(struct buf *out, const char *s, size_t n, bool number, char delimiter);

/* --- vCard 4.0 ----------------------------------------------------------------------------- */
typedef struct vcard_value { const char *value, *label; } vcard_value;

typedef struct vcard_card {
    const char *uid;                     /* "urn:kartoteka:contact:12" */
    bool organization;                   /* KIND:org (a company) */
    const char *full_name;               /* FN; built from the parts when NULL */
    const char *first_name, *middle_name, *last_name;
    const char *org, *title, *birthday, *note, *url, *address, *rev;
    const vcard_value *phones, *emails;
    size_t nphones, nemails;
    const char *const *categories;
    size_t ncategories;
} vcard_card;

/* appends one card (CRLF line ends, folded at 75 octets, values escaped) */
void vcard_write(struct buf *out, const vcard_card *card);
#endif
