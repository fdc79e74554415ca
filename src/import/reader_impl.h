/* Private to src/import/: what the format readers (csv_reader.c, xlsx_reader.c,
 * vcard_reader.c) share with the dispatcher in reader.c. Callers use reader.h only.
 *
 * Rules for a format reader: its open function fills r->impl and the detected encoding /
 * delimiter, its next function follows import_next()'s contract and sets r->fatal when the
 * rest of the file cannot be read, and it keeps r->bytes_read / r->bytes_total current. */
#ifndef KT_IMPORT_READER_IMPL_H
#define KT_IMPORT_READER_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include "core/buf.h"
#include "import/reader.h"

/* --- text encodings the importers understand ------------------------------------------- */
typedef enum { IMPORT_ENC_UTF8, IMPORT_ENC_CP1251, IMPORT_ENC_CP1250 } import_enc;

/* "utf-8"/"utf8", "windows-1251"/"cp1251", "windows-1250"/"cp1250", any case; -1 if unknown */
int import_enc_parse(const char *name);
const char *import_enc_name(import_enc e);
/* Guess from a sample: UTF-8 when the bytes are valid UTF-8 (a sequence cut by the end of
 * the sample is forgiven), else Windows-1251 or -1250 by how the high bytes sit in words. */
import_enc import_enc_guess(const unsigned char *p, size_t n);
/* NUL bytes or many control characters: not a text file */
bool import_looks_binary(const unsigned char *p, size_t n);
/* Append n bytes of single-byte text converted to UTF-8 (e must not be UTF-8). */
void import_enc_to_utf8(import_enc e, const char *s, size_t n, buf *out);

/* --- where the bytes come from ----------------------------------------------------------- */
/* A byte stream over a file or caller-owned memory. Memory is handed out in place (no copy);
 * a file is read into one reusable buffer. */
typedef struct import_stream {
    int fd;                       /* -1 for memory */
    const unsigned char *mem;
    size_t memlen, mempos;
    unsigned char *buf;           /* file chunk buffer */
    size_t bufcap;
    size_t total;                 /* file size or memlen */
    size_t consumed;              /* bytes handed out so far */
} import_stream;

#define IMPORT_CHUNK ((size_t)1 << 20)

/* The next chunk of the stream (valid until the next call): its length, 0 at end, or
 * (size_t)-1 on a read error. A file chunk is filled up to IMPORT_CHUNK unless the file ends,
 * so the first chunk is a fair sample for detection. */
size_t import_stream_next(import_stream *s, const unsigned char **p);

/* --- the reader object ------------------------------------------------------------------- */
struct import_reader {
    import_format fmt;
    import_options opt;           /* limits filled with defaults */
    const char *path;             /* one of path / data is set while opening */
    const void *data;
    size_t datalen;
    import_stream st;             /* CSV and vCard read through this */
    void *impl;
    bool fatal;
    import_enc enc;
    char delimiter;
    size_t bytes_read, bytes_total;
};

int csv_reader_open(import_reader *r, char *err, size_t errlen);
int csv_reader_next(import_reader *r, import_row *row, char *err, size_t errlen);
void csv_reader_close(import_reader *r);

int xlsx_reader_open(import_reader *r, char *err, size_t errlen);
int xlsx_reader_next(import_reader *r, import_row *row, char *err, size_t errlen);
int xlsx_reader_sheets(import_reader *r, const char ***names, size_t *n);
void xlsx_reader_close(import_reader *r);

int vcard_reader_open(import_reader *r, char *err, size_t errlen);
int vcard_reader_next(import_reader *r, import_row *row, char *err, size_t errlen);
void vcard_reader_close(import_reader *r);

/* snprintf into err when err is not NULL */
void import_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif
