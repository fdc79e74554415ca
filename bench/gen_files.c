/* gen_files: contacts as an office worker's spreadsheet, for the import benchmarks.
 *
 * One row per person with the columns a typical export from another CRM or a hand-kept
 * Excel list has: names, a phone as typed, an e-mail, the company, position, city,
 * birthday, tags and a note. The CSV is RFC 4180 (comma, quotes doubled, CRLF); the XLSX
 * is written by libxlsxwriter with shared strings, as Excel and LibreOffice write them. */
#include "gen.h"
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

static const char *const header[] = {"First name", "Last name", "Middle name", "Phone", "Email", "Company",
                                     "Position", "City", "Birthday", "Tags", "Notes"};
#define NCOLS (int)(sizeof header / sizeof *header)

void gen_import_row(uint64_t seed, long long i, int dup_every, import_row *row)
{
    rng r;
    rng_seed(&r, seed, S_IMPORT, (uint64_t)i);
    locale_id loc = gen_locale(&r);
    gen_person(&r, loc, (uint64_t)i + 1000000000ull, &row->p);
    gen_phone(&r, loc, &row->ph);
    company c;
    gen_company(&r, loc, (uint64_t)i, &c);
    snprintf(row->company, sizeof row->company, "%s", rng_chance(&r, 70) ? c.name : "");
    const char *tags[4];
    int nt = gen_tags(&r, tags, 4);
    row->tags[0] = 0;
    for (int t = 0; t < nt; t++) {
        size_t len = strlen(row->tags);
        snprintf(row->tags + len, sizeof row->tags - len, "%s%s", t ? ", " : "", tags[t]);
    }
    row->note = rng_chance(&r, 30) ? gen_note(&r, loc) : "";
    if (dup_every > 0 && i >= dup_every && i % dup_every == 0) {
        /* the same person again, typed by someone else: phone and e-mail of an earlier row */
        import_row earlier;
        gen_import_row(seed, i - 1 - (long long)rng_below(&r, (uint32_t)dup_every), 0, &earlier);
        row->ph = earlier.ph;
        memcpy(row->p.email, earlier.p.email, sizeof row->p.email);
    }
}

static void row_cells(const import_row *row, const char *cell[NCOLS])
{
    cell[0] = row->p.first; cell[1] = row->p.last; cell[2] = row->p.middle; cell[3] = row->ph.text;
    cell[4] = row->p.email; cell[5] = row->company; cell[6] = row->p.position; cell[7] = row->p.city;
    cell[8] = row->p.birthday; cell[9] = row->tags; cell[10] = row->note;
}

static void csv_cell(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int gen_csv(const char *path, uint64_t seed, long long rows, int dup_every)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return -1; }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    for (int c = 0; c < NCOLS; c++) { if (c) fputc(',', f); csv_cell(f, header[c]); }
    fputs("\r\n", f);
    for (long long i = 0; i < rows; i++) {
        import_row row;
        const char *cell[NCOLS];
        gen_import_row(seed, i, dup_every, &row);
        row_cells(&row, cell);
        for (int c = 0; c < NCOLS; c++) { if (c) fputc(',', f); csv_cell(f, cell[c]); }
        fputs("\r\n", f);
    }
    if (fclose(f) != 0) { perror(path); return -1; }
    return 0;
}

int gen_xlsx(const char *path, uint64_t seed, long long rows, int dup_every)
{
    if (rows > 1048575) { fprintf(stderr, "gen: an XLSX sheet holds at most 1048575 rows\n"); return -1; }
    lxw_workbook *wb = workbook_new(path);
    if (!wb) { fprintf(stderr, "gen: cannot create %s\n", path); return -1; }
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Contacts");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "dd.mm.yyyy");
    for (int c = 0; c < NCOLS; c++) worksheet_write_string(ws, 0, (lxw_col_t)c, header[c], NULL);
    for (long long i = 0; i < rows; i++) {
        import_row row;
        const char *cell[NCOLS];
        gen_import_row(seed, i, dup_every, &row);
        row_cells(&row, cell);
        lxw_row_t y = (lxw_row_t)(i + 1);
        for (int c = 0; c < NCOLS; c++) {
            lxw_datetime d = {0};
            if (!*cell[c]) continue;
            /* birthdays as real date cells, the way a spreadsheet keeps them */
            if (cell[c] == row.p.birthday && sscanf(cell[c], "%d-%d-%d", &d.year, &d.month, &d.day) == 3)
                worksheet_write_datetime(ws, y, (lxw_col_t)c, &d, date);
            else
                worksheet_write_string(ws, y, (lxw_col_t)c, cell[c], NULL);
        }
    }
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR) { fprintf(stderr, "gen: %s: %s\n", path, lxw_strerror(err)); return -1; }
    return 0;
}
