/* libFuzzer target: the vCard import reader on arbitrary bytes. Besides not crashing or
 * leaking, every row it hands out must be valid UTF-8 with lens matching the NUL. The first
 * byte picks small limits sometimes, so the line and cell caps get exercised too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "import/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import_options opt = { 0 };
    if (size > 0 && (data[0] & 0x80)) {
        opt.max_cell = (size_t)(data[0] & 0x3f) + 1;
        opt.max_row_cells = (size_t)(data[0] & 0x07) + 1;
    }
    import_reader *r;
    char err[256];
    if (import_open_memory(&r, IMPORT_VCARD, data, size, &opt, err, sizeof err) != 0) return 0;
    import_row row;
    int rc;
    size_t guard = 0;
    while ((rc = import_next(r, &row, err, sizeof err)) != 0) {
        if (++guard > size + 2) abort();   /* every card consumes input: no endless loop */
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
    return 0;
}
