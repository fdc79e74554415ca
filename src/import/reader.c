/* Import dispatch, the byte stream under CSV and vCard, and the single-byte encodings. */
#include "import/reader_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/utf8.h"

void import_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- encodings ------------------------------------------------------------------------ */

/* Unicode code points of bytes 0x80..0xFF. Bytes the code page leaves undefined become
 * U+FFFD so that a wrong guess shows up as visible damage instead of control characters. */
static const unsigned short cp1251_table[128] = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,
    0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
    0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
    0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
    0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,
    0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,
    0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
};

static const unsigned short cp1250_table[128] = {
    0x20AC, 0xFFFD, 0x201A, 0xFFFD, 0x201E, 0x2026, 0x2020, 0x2021,
    0xFFFD, 0x2030, 0x0160, 0x2039, 0x015A, 0x0164, 0x017D, 0x0179,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0xFFFD, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A,
    0x00A0, 0x02C7, 0x02D8, 0x0141, 0x00A4, 0x0104, 0x00A6, 0x00A7,
    0x00A8, 0x00A9, 0x015E, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x017B,
    0x00B0, 0x00B1, 0x02DB, 0x0142, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
    0x00B8, 0x0105, 0x015F, 0x00BB, 0x013D, 0x02DD, 0x013E, 0x017C,
    0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,
    0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7,
    0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7,
    0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,
    0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};

int import_enc_parse(const char *name)
{
    if (!name) return -1;
    if (!strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8")) return IMPORT_ENC_UTF8;
    if (!strcasecmp(name, "windows-1251") || !strcasecmp(name, "cp1251")) return IMPORT_ENC_CP1251;
    if (!strcasecmp(name, "windows-1250") || !strcasecmp(name, "cp1250")) return IMPORT_ENC_CP1250;
    return -1;
}

const char *import_enc_name(import_enc e)
{
    switch (e) {
    case IMPORT_ENC_CP1251: return "windows-1251";
    case IMPORT_ENC_CP1250: return "windows-1250";
    default: return "utf-8";
    }
}

static bool ascii_letter(unsigned c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Bytes that are letters in Windows-1250 but not in -1251 and the reverse are rare, so the
 * guess rests on word shape instead: Russian words are made of high bytes only (Cyrillic
 * lives at 0xC0-0xFF), while Polish and Czech words are Latin letters with an accented
 * letter here and there. Count letter pairs of high+high against high+ASCII. */
import_enc import_enc_guess(const unsigned char *p, size_t n)
{
    /* Text in a single-byte code page almost never forms valid multi-byte UTF-8 sequences,
     * so a sample where they clearly outnumber the broken ones is UTF-8 with some damage
     * (the damaged rows are then reported), not Windows-125x. */
    size_t i = 0, good = 0, bad = 0;
    while (i < n) {
        if (p[i] < 0x80) { i++; continue; }
        size_t len = utf8_valid_prefix_char((const char *)p + i, n - i);
        if (len) { good++; i += len; continue; }
        /* a sequence cut off by the end of the sample is not evidence against UTF-8 */
        if (n - i < 4 && p[i] >= 0xc2) {
            size_t need = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2, k = i + 1;
            while (k < n && (p[k] & 0xc0) == 0x80) k++;
            if (k == n && n - i < need) break;
        }
        bad++;
        i++;
    }
    if (bad == 0 || good >= 4 * bad) return IMPORT_ENC_UTF8;

    size_t high_pairs = 0, mixed_pairs = 0;
    for (i = 1; i < n; i++) {
        unsigned a = p[i - 1], b = p[i];
        bool ha = a >= 0xc0 || (a >= 0x8a && a != 0x98 && a < 0xc0 && a != 0xa0 && a != 0xab && a != 0xbb);
        bool hb = b >= 0xc0 || (b >= 0x8a && b != 0x98 && b < 0xc0 && b != 0xa0 && b != 0xab && b != 0xbb);
        if (ha && hb) high_pairs++;
        else if ((ha && ascii_letter(b)) || (hb && ascii_letter(a))) mixed_pairs++;
    }
    /* a tie (for instance a lone "№" sign) goes to 1251, the more common of the two here */
    return mixed_pairs > high_pairs ? IMPORT_ENC_CP1250 : IMPORT_ENC_CP1251;
}

bool import_looks_binary(const unsigned char *p, size_t n)
{
    size_t ctl = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) return true;
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f') ctl++;
    }
    /* a few stray control characters happen in real exports; a tenth is not text */
    return ctl * 10 > n;
}

void import_enc_to_utf8(import_enc e, const char *s, size_t n, buf *out)
{
    const unsigned short *t = e == IMPORT_ENC_CP1250 ? cp1250_table : cp1251_table;
    /* worst case 3 output bytes per input byte: reserve once, then write directly */
    size_t need = out->len + 3 * n + 1;
    if (out->max && need > out->max + 1) {
        /* a capped buf keeps its overflow contract: fall back to byte-wise appends */
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x80) { buf_addc(out, (char)c); continue; }
            unsigned cp = t[c - 0x80];
            char tmp[3];
            if (cp < 0x800) { tmp[0] = (char)(0xc0 | cp >> 6); tmp[1] = (char)(0x80 | (cp & 0x3f)); buf_add(out, tmp, 2); }
            else { tmp[0] = (char)(0xe0 | cp >> 12); tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); tmp[2] = (char)(0x80 | (cp & 0x3f)); buf_add(out, tmp, 3); }
        }
        return;
    }
    if (need > out->cap) {
        size_t cap = out->cap ? out->cap : 64;
        while (cap < need) cap *= 2;
        out->data = xrealloc(out->data, cap);
        out->cap = cap;
    }
    unsigned char *d = (unsigned char *)out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) { *d++ = c; continue; }
        unsigned cp = t[c - 0x80];
        if (cp < 0x800) {
            *d++ = (unsigned char)(0xc0 | cp >> 6);
            *d++ = (unsigned char)(0x80 | (cp & 0x3f));
        } else {
            *d++ = (unsigned char)(0xe0 | cp >> 12);
            *d++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            *d++ = (unsigned char)(0x80 | (cp & 0x3f));
        }
    }
    out->len = (size_t)(d - (unsigned char *)out->data);
    out->data[out->len] = 0;
}

/* ---- byte stream ---------------------------------------------------------------------- */

size_t import_stream_next(import_stream *s, const unsigned char **p)
{
    if (s->fd < 0) {
        /* memory: hand out the rest in place */
        size_t n = s->memlen - s->mempos;
        *p = s->mem + s->mempos;
        s->mempos = s->memlen;
        s->consumed += n;
        return n;
    }
    if (!s->buf) {
        s->bufcap = IMPORT_CHUNK;
        s->buf = xmalloc(s->bufcap);
    }
    size_t n = 0;
    while (n < s->bufcap) {
        ssize_t k = read(s->fd, s->buf + n, s->bufcap - n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return (size_t)-1;
        }
        if (k == 0) break;
        n += (size_t)k;
    }
    *p = s->buf;
    s->consumed += n;
    return n;
}

/* ---- dispatch ------------------------------------------------------------------------- */

static int open_common(import_reader **out, import_format fmt, const char *path,
                       const void *data, size_t len, const import_options *opt,
                       char *err, size_t errlen)
{
    *out = NULL;
    if (fmt != IMPORT_CSV && fmt != IMPORT_XLSX && fmt != IMPORT_VCARD) {
        import_seterr(err, errlen, "unknown import format");
        return -1;
    }
    import_reader *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    r->fmt = fmt;
    if (opt) r->opt = *opt;
    if (!r->opt.max_cell) r->opt.max_cell = IMPORT_DEFAULT_MAX_CELL;
    if (!r->opt.max_row_cells) r->opt.max_row_cells = IMPORT_DEFAULT_MAX_ROW_CELLS;
    r->path = path;
    r->data = data;
    r->datalen = len;
    r->st.fd = -1;
    r->enc = IMPORT_ENC_UTF8;

    if (r->opt.encoding && import_enc_parse(r->opt.encoding) < 0) {
        import_seterr(err, errlen, "unsupported encoding \"%s\" (use utf-8, windows-1251 or windows-1250)",
                      r->opt.encoding);
        free(r);
        return -1;
    }
    if (fmt != IMPORT_XLSX) {
        if (path) {
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            struct stat sb;
            if (fd < 0 || fstat(fd, &sb) < 0) {
                import_seterr(err, errlen, "%s: %s", path, strerror(errno));
                if (fd >= 0) close(fd);
                free(r);
                return -1;
            }
            if (!S_ISREG(sb.st_mode)) {
                import_seterr(err, errlen, "%s: not a regular file", path);
                close(fd);
                free(r);
                return -1;
            }
            r->st.fd = fd;
            r->st.total = (size_t)sb.st_size;
        } else {
            r->st.mem = data;
            r->st.memlen = len;
            r->st.total = len;
        }
        r->bytes_total = r->st.total;
    }
    int rc;
    switch (fmt) {
    case IMPORT_CSV: rc = csv_reader_open(r, err, errlen); break;
    case IMPORT_XLSX: rc = xlsx_reader_open(r, err, errlen); break;
    default: rc = vcard_reader_open(r, err, errlen); break;
    }
    if (rc < 0) {
        if (r->st.fd >= 0) close(r->st.fd);
        free(r->st.buf);
        free(r);
        return -1;
    }
    r->path = NULL;   /* the caller's string need not outlive the open */
    *out = r;
    return 0;
}

int import_open(import_reader **r, import_format fmt, const char *path,
                const import_options *opt, char *err, size_t errlen)
{
    if (!path) {
        *r = NULL;
        import_seterr(err, errlen, "no file given");
        return -1;
    }
    return open_common(r, fmt, path, NULL, 0, opt, err, errlen);
}

int import_open_memory(import_reader **r, import_format fmt, const void *data, size_t len,
                       const import_options *opt, char *err, size_t errlen)
{
    static const char empty[1];
    return open_common(r, fmt, NULL, data ? data : empty, data ? len : 0, opt, err, errlen);
}

int import_next(import_reader *r, import_row *row, char *err, size_t errlen)
{
    memset(row, 0, sizeof *row);
    if (err && errlen) err[0] = 0;
    if (r->fatal) return 0;
    switch (r->fmt) {
    case IMPORT_CSV: return csv_reader_next(r, row, err, errlen);
    case IMPORT_XLSX: return xlsx_reader_next(r, row, err, errlen);
    default: return vcard_reader_next(r, row, err, errlen);
    }
}

bool import_fatal(const import_reader *r) { return r->fatal; }

int import_sheets(import_reader *r, const char ***names, size_t *n)
{
    if (r->fmt != IMPORT_XLSX) {
        *names = NULL;
        *n = 0;
        return -1;
    }
    return xlsx_reader_sheets(r, names, n);
}

const char *import_detected_encoding(const import_reader *r) { return import_enc_name(r->enc); }
char import_detected_delimiter(const import_reader *r) { return r->fmt == IMPORT_CSV ? r->delimiter : 0; }
size_t import_bytes_read(const import_reader *r) { return r->bytes_read; }
size_t import_bytes_total(const import_reader *r) { return r->bytes_total; }

void import_close(import_reader *r)
{
    if (!r) return;
    switch (r->fmt) {
    case IMPORT_CSV: csv_reader_close(r); break;
    case IMPORT_XLSX: xlsx_reader_close(r); break;
    default: vcard_reader_close(r); break;
    }
    if (r->st.fd >= 0) close(r->st.fd);
    free(r->st.buf);
    free(r);
}
