/* libFuzzer target: the CSV import reader on arbitrary bytes. Besides not crashing or
 * leaking, every row it hands out must be valid UTF-8 with lens matching the NUL. The first
 * byte picks small limits sometimes, so the cell-cutting paths get exercised too. */
#include "reader_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import_options opt = { 0 };
    if (size > 0 && (data[0] & 0x80)) {
        opt.max_cell = (size_t)(data[0] & 0x3f) + 1;
        opt.max_row_cells = (size_t)(data[0] & 0x07) + 1;
    }
    /* every row consumes input: no endless loop */
    reader_harness_run(IMPORT_CSV, data, size, &opt, size + 2);
    return 0;
}
