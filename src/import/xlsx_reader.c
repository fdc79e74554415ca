/* XLSX import: placeholder until the streaming reader lands. */
#include "import/reader_impl.h"

int xlsx_reader_open(import_reader *r, char *err, size_t errlen)
{
    (void)r;
    import_seterr(err, errlen, "XLSX import is not available yet");
    return -1;
}
int xlsx_reader_next(import_reader *r, import_row *row, char *err, size_t errlen)
{
    (void)r; (void)row; (void)err; (void)errlen;
    return 0;
}
int xlsx_reader_sheets(import_reader *r, const char ***names, size_t *n)
{
    (void)r;
    *names = NULL;
    *n = 0;
    return -1;
}
void xlsx_reader_close(import_reader *r) { (void)r; }
