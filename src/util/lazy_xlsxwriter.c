/* libxlsxwriter, opened on the first call (util/lazylib.h): it writes XLSX exports, and
 * brings libcrypto and minizip with it. The functions the program calls, nothing else. */
#include <xlsxwriter.h>

#include "util/lazylib.h"

#define XLSXWRITER_FUNCTIONS(F, V)                                                         \
    F(char *, lxw_strerror, (lxw_error e), (e))                                            \
    F(lxw_worksheet *, workbook_add_worksheet, (lxw_workbook *wb, const char *name), (wb, name)) \
    F(lxw_error, workbook_close, (lxw_workbook *wb), (wb))                                 \
    F(lxw_workbook *, workbook_new_opt, (const char *path, lxw_workbook_options *opt), (path, opt)) \
    F(lxw_error, worksheet_write_number,                                                   \
      (lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double n, lxw_format *fmt),        \
      (ws, row, col, n, fmt))                                                              \
    F(lxw_error, worksheet_write_string,                                                   \
      (lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *fmt),   \
      (ws, row, col, s, fmt))

LAZYLIB_DEFINE("libxlsxwriter.so.4", XLSXWRITER_FUNCTIONS)
