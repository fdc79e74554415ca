/* import reader: turns a file an administrator uploads (CSV, XLSX, vCard) into a stream of
 * rows of UTF-8 cells. Mapping cells to contact/company fields is the caller's job.
 *
 * Caller's rules:
 * - Open with import_open() (a path) or import_open_memory() (bytes the caller keeps alive and
 *   unchanged until import_close(); nothing is copied, so a large upload costs no second copy).
 * - Call import_next() until it returns 0. A row it hands out (cells, lens and the strings)
 *   belongs to the reader and is valid only until the next import_next()/import_close().
 *   Every cell is valid UTF-8 and NUL-terminated; lens[i] is its length in bytes.
 * - import_next() returning -1 means one source row was bad: err says why and row->line says
 *   where, the bad row is skipped, and reading goes on with the next call. Only when
 *   import_fatal() is true is the file unreadable past that point (the next call returns 0).
 *   So rows returned + error rows reported = rows in the file: nothing is dropped silently.
 * - The first row of a CSV or XLSX file is its header row exactly as in the file. A vCard file
 *   first yields a fixed header row (see VCARD_COLUMNS below), then one row per card.
 * - Limits protect the server from hostile files: a cell over max_cell bytes, or a row over
 *   max_row_cells cells, makes that row an error row without ever holding it in memory.
 * - One reader is used by one thread at a time; separate readers are independent.
 */
#ifndef KT_IMPORT_READER_H
#define KT_IMPORT_READER_H
#include <stdbool.h>
#include <stddef.h>

typedef struct import_row {
    size_t ncells;
    const char **cells;
    const size_t *lens;
    size_t line;   /* 1-based: source line (CSV, vCard BEGIN line) or sheet row number (XLSX);
                      0 for the vCard header row, which is not in the file */
} import_row;

typedef struct import_reader import_reader;

typedef enum { IMPORT_CSV, IMPORT_XLSX, IMPORT_VCARD } import_format;

typedef struct import_options {
    const char *encoding;   /* NULL = detect; "utf-8", "windows-1251", "windows-1250" */
    char delimiter;         /* CSV only; 0 = detect among , ; TAB | */
    const char *sheet;      /* XLSX sheet name, NULL = the first sheet */
    size_t max_cell;        /* bytes; 0 = IMPORT_DEFAULT_MAX_CELL */
    size_t max_row_cells;   /* 0 = IMPORT_DEFAULT_MAX_ROW_CELLS */
} import_options;

#define IMPORT_DEFAULT_MAX_CELL ((size_t)1 << 20)
#define IMPORT_DEFAULT_MAX_ROW_CELLS ((size_t)16384)   /* Excel's column limit */

/* The fixed header row of the vCard reader, in order. phones, emails and address hold one
 * "label:value" entry per line ("\n" between entries); label is the vCard TYPE in lower case
 * ("cell", "work", "home,fax"; "other" when the card gave none). */
#define VCARD_COLUMNS "full_name", "last_name", "first_name", "middle_name", "company", \
    "position", "phones", "emails", "address", "birthday", "note", "url"
#define VCARD_NCOLUMNS 12

/* Both return 0 on success, -1 with a message in err (err may be NULL). opt may be NULL. */
int import_open(import_reader **r, import_format fmt, const char *path,
                const import_options *opt, char *err, size_t errlen);
int import_open_memory(import_reader **r, import_format fmt, const void *data, size_t len,
                       const import_options *opt, char *err, size_t errlen);

/* 1 = a row is in *row, 0 = end of data, -1 = this row is bad (see the rules above) */
int import_next(import_reader *r, import_row *row, char *err, size_t errlen);
bool import_fatal(const import_reader *r);

/* XLSX only: the workbook's sheet names in workbook order (owned by the reader).
 * Returns 0, or -1 for other formats. */
int import_sheets(import_reader *r, const char ***names, size_t *n);

/* "utf-8", "windows-1251" or "windows-1250": what the reader decided the text is */
const char *import_detected_encoding(const import_reader *r);
/* CSV: the delimiter in use (given or detected); 0 for other formats */
char import_detected_delimiter(const import_reader *r);

/* progress: bytes consumed so far out of the total (XLSX: of the sheet's uncompressed XML) */
size_t import_bytes_read(const import_reader *r);
size_t import_bytes_total(const import_reader *r);

void import_close(import_reader *r);   /* NULL is fine */
#endif
