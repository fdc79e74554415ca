/* vCard import: placeholder until the reader lands. */
#include "import/reader_impl.h"

int vcard_reader_open(import_reader *r, char *err, size_t errlen)
{
    (void)r;
    import_seterr(err, errlen, "vCard import is not available yet");
    return -1;
}
int vcard_reader_next(import_reader *r, import_row *row, char *err, size_t errlen)
{
    (void)r; (void)row; (void)err; (void)errlen;
    return 0;
}
void vcard_reader_close(import_reader *r) { (void)r; }
