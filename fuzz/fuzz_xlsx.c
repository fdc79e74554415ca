/* libFuzzer target: the XLSX import reader on arbitrary bytes. Besides not crashing or
 * leaking, every row it hands out must be valid UTF-8 with lens matching the NUL. A zip's
 * first and last bytes are not free to vary, so the input's length picks small limits for a
 * third of the inputs, to exercise the cell and row limits too. */
#include "reader_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import_options opt = { 0 };
    if (size % 3 == 0) {
        opt.max_cell = size % 61 + 1;
        opt.max_row_cells = size % 7 + 1;
    }
    /* a sheet cannot hold more rows than this */
    reader_harness_run(IMPORT_XLSX, data, size, &opt, ((size_t)1 << 24));
    return 0;
}
