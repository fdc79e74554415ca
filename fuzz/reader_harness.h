/* Shared by the import reader fuzz targets (fuzz_csv, fuzz_vcard, fuzz_xlsx): reads every
 * row the reader hands out for the bytes and aborts, for libFuzzer to report, when a row is
 * not valid UTF-8, a cell's length disagrees with its NUL, an error comes without a message,
 * or the reader yields more rows than its input could hold (an endless loop). */
#ifndef KT_FUZZ_READER_HARNESS_H
#define KT_FUZZ_READER_HARNESS_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "import/reader.h"

static void reader_harness_run(import_format fmt, const uint8_t *data, size_t size, const import_options *opt, size_t max_rows)
{
    import_reader *r;
    char err[256];
    if (import_open_memory(&r, fmt, data, size, opt, err, sizeof err) != 0) return;
    import_row row;
    int rc;
    size_t guard = 0;
    while ((rc = import_next(r, &row, err, sizeof err)) != 0) {
        if (++guard > max_rows) abort();
        if (rc < 0) {
            if (!err[0]) abort();
            continue;
        }
        for (size_t i = 0; i < row.ncells; i++) {
            if (strlen(row.cells[i]) != row.lens[i]) abort();
            if (!utf8_valid(row.cells[i], row.lens[i])) abort();
        }
    }
    import_close(r);
}
#endif
