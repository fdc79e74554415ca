/* XLSX import: libzip for the package, expat for the XML, one sheet streamed row by row.
 *
 * The small parts (relationships, workbook, styles, shared strings) are parsed whole at
 * open; the sheet is fed to expat in chunks and the parser is suspended at each </row>, so
 * one import_next() call costs one row no matter how large the sheet is.
 *
 * The file comes from outside, so every zip entry is opened through zentry_*, which refuses
 * entries that claim more than XLSX_MAX_ENTRY bytes or a compression ratio over
 * XLSX_MAX_RATIO, and counts what it actually inflates (a lying header stops there too).
 * Expat is told to refuse DOCTYPE, which OOXML never has, and a token that swallows many
 * megabytes without a single parser event is treated as hostile. */
#include <expat.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "core/arena.h"
#include "core/buf.h"
#include "import/reader_impl.h"

#define XLSX_MAX_ENTRY ((uint64_t)512 << 20)
#define XLSX_MAX_RATIO 1000
#define XLSX_MAX_SST ((size_t)16 << 20)     /* shared strings kept in memory */
#define XLSX_MAX_XF ((size_t)1 << 16)       /* cell formats (Excel allows 64000) */
#define XLSX_MAX_SHEETS ((size_t)4096)
#define XLSX_MAX_RELS ((size_t)1 << 16)
#define XLSX_READ_CHUNK (64 << 10)
#define XLSX_QUIET_MAX ((size_t)16 << 20)   /* bytes fed without any parser event */
#define SST_TOO_LONG UINT32_MAX

enum fmt_kind { FMT_NONE, FMT_DATE, FMT_DATETIME, FMT_TIME };
enum row_err { ROW_OK, ROW_CELL_TOO_LONG, ROW_TOO_MANY_CELLS, ROW_BAD_SST, ROW_ORDER };

typedef struct zentry {
    zip_file_t *f;
    uint64_t size, comp, inflated;
    char name[128];
} zentry;

typedef struct rel { char *id, *type, *target; } rel;

typedef struct xlsx {
    import_reader *r;
    zip_t *za;
    size_t max_cell, max_cells;

    /* whole-part parsing */
    XML_Parser cur;
    bool aborted;
    char abort_msg[200];
    size_t events;

    rel *rels;
    size_t nrels, rels_cap;

    char **sheet_names, **sheet_rids;
    size_t nsheets, sheets_cap;
    bool date1904;

    /* styles.xml */
    int in_numfmts, in_cellxfs;
    struct { unsigned id; unsigned char kind; } *fmts;
    size_t nfmts, fmts_cap;
    unsigned *xf_fmt;                   /* numFmtId per cellXfs entry */
    size_t nxf, xf_cap;
    unsigned char *xf_kind;

    /* sharedStrings.xml */
    buf sst;
    uint32_t *sst_off, *sst_len;
    size_t nsst, sst_cap;
    bool si_open;
    int t_depth, rph_depth;
    buf si;                             /* the string being assembled, capped at max_cell */

    /* the sheet */
    XML_Parser sp;
    zentry sheet;
    bool sheet_eof, sheet_done, suspended, have_sheet;
    bool in_row, in_c, in_v, in_is;
    char ctype;                         /* s b n e d S(str) i(inlineStr) */
    unsigned cstyle;
    size_t ccol, next_col;
    size_t row_num, last_row;
    buf text;                           /* <v> or inline string text, capped at max_cell */
    buf cells;                          /* the row: cells separated by NULs */
    size_t *offs, offs_cap, ncells, last_nonempty;
    enum row_err err;
    size_t err_col;
    bool row_ready;

    const char **out_cells;
    size_t *out_lens, out_cap;
} xlsx;

/* ---- protected zip entries ------------------------------------------------------------- */

static int zentry_open(xlsx *x, const char *name, zentry *e, bool required, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    zip_int64_t idx = zip_name_locate(x->za, name, ZIP_FL_NOCASE);
    if (idx < 0) {
        if (required) import_seterr(err, errlen, "not a valid XLSX file: %s is missing", name);
        return required ? -1 : 1;
    }
    zip_stat_t sb;
    zip_stat_init(&sb);
    if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &sb) != 0 ||
        !(sb.valid & ZIP_STAT_SIZE) || !(sb.valid & ZIP_STAT_COMP_SIZE)) {
        import_seterr(err, errlen, "%s: cannot read zip entry", name);
        return -1;
    }
    if (sb.size > XLSX_MAX_ENTRY) {
        import_seterr(err, errlen, "%s: uncompressed size %llu exceeds the %llu byte limit",
                      name, (unsigned long long)sb.size, (unsigned long long)XLSX_MAX_ENTRY);
        return -1;
    }
    if (sb.size > 0 && (sb.comp_size == 0 || sb.size / sb.comp_size > XLSX_MAX_RATIO)) {
        import_seterr(err, errlen, "%s: compression ratio over %d:1, refusing a likely zip bomb",
                      name, XLSX_MAX_RATIO);
        return -1;
    }
    e->size = sb.size;
    e->comp = sb.comp_size;
    e->f = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
    if (!e->f) {
        import_seterr(err, errlen, "%s: %s", name, zip_strerror(x->za));
        return -1;
    }
    return 0;
}

/* bytes read, 0 at the end, -1 with err set */
static long zentry_read(zentry *e, void *p, size_t n, char *err, size_t errlen)
{
    zip_int64_t k = zip_fread(e->f, p, n);
    if (k < 0) {
        import_seterr(err, errlen, "%s: %s", e->name, zip_file_strerror(e->f));
        return -1;
    }
    e->inflated += (uint64_t)k;
    /* the header's sizes were checked at open; this catches a header that lied */
    if (e->inflated > e->size || e->inflated > XLSX_MAX_ENTRY ||
        e->inflated / (e->comp ? e->comp : 1) > XLSX_MAX_RATIO) {
        import_seterr(err, errlen, "%s: inflates past its declared size, refusing a likely zip bomb", e->name);
        return -1;
    }
    return (long)k;
}

static void zentry_close(zentry *e)
{
    if (e->f) zip_fclose(e->f);
    e->f = NULL;
}

/* ---- XML helpers ----------------------------------------------------------------------- */

/* element and attribute names without their namespace prefix: writers differ ("x:c") */
static const char *lname(const char *n)
{
    const char *c = strrchr(n, ':');
    return c ? c + 1 : n;
}

static const char *attr(const char **a, const char *local)
{
    for (; a && a[0]; a += 2)
        if (!strcmp(lname(a[0]), local)) return a[1];
    return NULL;
}

static void xml_abort(xlsx *x, const char *msg)
{
    if (!x->aborted) {
        x->aborted = true;
        snprintf(x->abort_msg, sizeof x->abort_msg, "%s", msg);
    }
    XML_StopParser(x->cur, XML_FALSE);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name; (void)sysid; (void)pubid; (void)has_internal_subset;
    xml_abort(ud, "DOCTYPE is not allowed in XLSX parts");
}

static XML_Parser new_parser(xlsx *x)
{
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (!p) abort();   /* out of memory, as everywhere else */
    XML_SetUserData(p, x);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    return p;
}

/* Parse one whole part with the given handlers. 0 ok, 1 missing (when !required), -1 error. */
static int parse_part(xlsx *x, const char *name, bool required, XML_StartElementHandler s,
                      XML_EndElementHandler e, XML_CharacterDataHandler c, char *err, size_t errlen)
{
    zentry z;
    int rc = zentry_open(x, name, &z, required, err, errlen);
    if (rc) return rc;
    XML_Parser p = new_parser(x);
    x->cur = p;
    x->aborted = false;
    XML_SetElementHandler(p, s, e);
    if (c) XML_SetCharacterDataHandler(p, c);
    size_t quiet = 0;
    rc = 0;
    for (;;) {
        void *b = XML_GetBuffer(p, XLSX_READ_CHUNK);
        if (!b) abort();
        long n = zentry_read(&z, b, XLSX_READ_CHUNK, err, errlen);
        if (n < 0) { rc = -1; break; }
        size_t ev = x->events;
        if (XML_ParseBuffer(p, (int)n, n == 0) != XML_STATUS_OK) {
            if (x->aborted) import_seterr(err, errlen, "%s: %s", name, x->abort_msg);
            else import_seterr(err, errlen, "%s: XML error at line %lu: %s", name,
                               (unsigned long)XML_GetCurrentLineNumber(p),
                               XML_ErrorString(XML_GetErrorCode(p)));
            rc = -1;
            break;
        }
        quiet = ev == x->events ? quiet + (size_t)n : 0;
        if (quiet > XLSX_QUIET_MAX + x->max_cell) {
            import_seterr(err, errlen, "%s: XML token too large", name);
            rc = -1;
            break;
        }
        if (n == 0) break;
    }
    XML_ParserFree(p);
    x->cur = NULL;
    zentry_close(&z);
    return rc;
}

/* "xl/workbook.xml" + "worksheets/sheet1.xml" -> "xl/worksheets/sheet1.xml"; handles "/abs"
 * and ".." segments. Caller frees. */
static char *part_resolve(const char *from, const char *target)
{
    buf b;
    buf_init(&b, 0);
    if (target[0] == '/') {
        target++;
    } else {
        const char *slash = strrchr(from, '/');
        if (slash) buf_add(&b, from, (size_t)(slash - from) + 1);
    }
    buf_adds(&b, target);
    /* normalise segments in place */
    char *s = b.data, *out = b.data;
    size_t seglen;
    while (*s) {
        char *slash = strchr(s, '/');
        seglen = slash ? (size_t)(slash - s) : strlen(s);
        if (seglen == 0 || (seglen == 1 && s[0] == '.')) {
            /* skip */
        } else if (seglen == 2 && s[0] == '.' && s[1] == '.') {
            if (out > b.data) {
                out--;   /* drop the previous segment */
                while (out > b.data && out[-1] != '/') out--;
            }
        } else {
            memmove(out, s, seglen);
            out += seglen;
            if (slash) *out++ = '/';
        }
        s += seglen + (slash ? 1 : 0);
    }
    *out = 0;
    return buf_detach(&b);
}

/* ---- relationships --------------------------------------------------------------------- */

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    xlsx *x = ud;
    x->events++;
    if (strcmp(lname(name), "Relationship")) return;
    const char *id = attr(a, "Id"), *type = attr(a, "Type"), *target = attr(a, "Target");
    if (!id || !type || !target) return;
    if (x->nrels == XLSX_MAX_RELS) { xml_abort(x, "too many relationships"); return; }
    if (x->nrels == x->rels_cap) {
        x->rels_cap = x->rels_cap ? x->rels_cap * 2 : 16;
        x->rels = xrealloc(x->rels, x->rels_cap * sizeof *x->rels);
    }
    x->rels[x->nrels].id = xstrdup(id);
    x->rels[x->nrels].type = xstrdup(type);
    x->rels[x->nrels].target = xstrdup(target);
    x->nrels++;
}

static void XMLCALL count_end(void *ud, const XML_Char *name)
{
    (void)name;
    ((xlsx *)ud)->events++;
}

static void rels_clear(xlsx *x)
{
    for (size_t i = 0; i < x->nrels; i++) {
        free(x->rels[i].id);
        free(x->rels[i].type);
        free(x->rels[i].target);
    }
    x->nrels = 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static const rel *rel_by_type(xlsx *x, const char *suffix)
{
    for (size_t i = 0; i < x->nrels; i++)
        if (ends_with(x->rels[i].type, suffix)) return &x->rels[i];
    return NULL;
}

/* ---- workbook -------------------------------------------------------------------------- */

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    xlsx *x = ud;
    x->events++;
    const char *n = lname(name);
    if (!strcmp(n, "workbookPr")) {
        const char *d = attr(a, "date1904");
        x->date1904 = d && (!strcmp(d, "1") || !strcmp(d, "true"));
    } else if (!strcmp(n, "sheet")) {
        const char *sn = attr(a, "name"), *rid = attr(a, "id");
        if (!sn) return;
        if (x->nsheets == XLSX_MAX_SHEETS) { xml_abort(x, "too many sheets"); return; }
        if (x->nsheets == x->sheets_cap) {
            x->sheets_cap = x->sheets_cap ? x->sheets_cap * 2 : 8;
            x->sheet_names = xrealloc(x->sheet_names, x->sheets_cap * sizeof *x->sheet_names);
            x->sheet_rids = xrealloc(x->sheet_rids, x->sheets_cap * sizeof *x->sheet_rids);
        }
        x->sheet_names[x->nsheets] = xstrdup(sn);
        x->sheet_rids[x->nsheets] = xstrdup(rid ? rid : "");
        x->nsheets++;
    }
}

/* ---- styles ---------------------------------------------------------------------------- */

/* Whether a number format shows a date, a time or both. Quoted text, backslash escapes,
 * [colour]/[$-locale] brackets, fill/padding characters and AM/PM are not date letters;
 * an "m" is a month unless hours or seconds are around (then it is minutes). */
static enum fmt_kind classify_format(const char *f)
{
    bool y = false, d = false, m = false, h = false, s = false;
    for (const char *p = f; *p && *p != ';'; p++) {
        char c = *p;
        if (c == '"') {
            p++;
            while (*p && *p != '"') p++;
            if (!*p) break;
            continue;
        }
        if (c == '\\' || c == '_' || c == '*') {
            if (!p[1]) break;
            p++;
            continue;
        }
        if (c == '[') {
            const char *q = p + 1;
            /* [h], [mm], [ss]: elapsed time */
            char t = (char)(*q | 0x20);
            if (t == 'h') h = true;
            else if (t == 's') s = true;
            else if (t == 'm' && (q[1] | 0x20) == 'm') h = true;
            while (*p && *p != ']') p++;
            if (!*p) break;
            continue;
        }
        if (!strncasecmp(p, "AM/PM", 5)) { h = true; p += 4; continue; }
        if (!strncasecmp(p, "A/P", 3)) { h = true; p += 2; continue; }
        switch (c | 0x20) {
        case 'y': y = true; break;
        case 'd': d = true; break;
        case 'm': m = true; break;
        case 'h': h = true; break;
        case 's': s = true; break;
        default: break;
        }
    }
    bool date = y || d || (m && !h && !s);
    bool time = h || s;
    if (date && time) return FMT_DATETIME;
    if (date) return FMT_DATE;
    if (time) return FMT_TIME;
    return FMT_NONE;
}

static enum fmt_kind builtin_kind(unsigned id)
{
    if (id >= 14 && id <= 17) return FMT_DATE;
    if (id >= 18 && id <= 21) return FMT_TIME;
    if (id == 22) return FMT_DATETIME;
    if (id == 45 || id == 46 || id == 47) return FMT_TIME;
    /* East Asian locale dates */
    if ((id >= 27 && id <= 31) || (id >= 34 && id <= 36) || (id >= 50 && id <= 58)) return FMT_DATE;
    if (id == 32 || id == 33) return FMT_TIME;
    return FMT_NONE;
}

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    xlsx *x = ud;
    x->events++;
    const char *n = lname(name);
    if (!strcmp(n, "numFmts")) x->in_numfmts++;
    else if (!strcmp(n, "cellXfs")) x->in_cellxfs++;
    else if (!strcmp(n, "numFmt") && x->in_numfmts) {
        const char *id = attr(a, "numFmtId"), *code = attr(a, "formatCode");
        if (!id || !code || x->nfmts >= XLSX_MAX_XF) return;
        if (x->nfmts == x->fmts_cap) {
            x->fmts_cap = x->fmts_cap ? x->fmts_cap * 2 : 16;
            x->fmts = xrealloc(x->fmts, x->fmts_cap * sizeof *x->fmts);
        }
        x->fmts[x->nfmts].id = (unsigned)strtoul(id, NULL, 10);
        x->fmts[x->nfmts].kind = (unsigned char)classify_format(code);
        x->nfmts++;
    } else if (!strcmp(n, "xf") && x->in_cellxfs) {
        if (x->nxf >= XLSX_MAX_XF) return;
        const char *id = attr(a, "numFmtId");
        if (x->nxf == x->xf_cap) {
            x->xf_cap = x->xf_cap ? x->xf_cap * 2 : 16;
            x->xf_fmt = xrealloc(x->xf_fmt, x->xf_cap * sizeof *x->xf_fmt);
        }
        x->xf_fmt[x->nxf++] = id ? (unsigned)strtoul(id, NULL, 10) : 0;
    }
}

static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
    xlsx *x = ud;
    x->events++;
    const char *n = lname(name);
    if (!strcmp(n, "numFmts") && x->in_numfmts) x->in_numfmts--;
    else if (!strcmp(n, "cellXfs") && x->in_cellxfs) x->in_cellxfs--;
}

static void styles_resolve(xlsx *x)
{
    x->xf_kind = xmalloc(x->nxf ? x->nxf : 1);
    for (size_t i = 0; i < x->nxf; i++) {
        unsigned id = x->xf_fmt[i];
        enum fmt_kind k = builtin_kind(id);
        /* a custom format may redefine any id */
        for (size_t j = 0; j < x->nfmts; j++)
            if (x->fmts[j].id == id) k = (enum fmt_kind)x->fmts[j].kind;
        x->xf_kind[i] = (unsigned char)k;
    }
}

/* ---- text escapes ---------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* OOXML writes characters XML cannot hold as _xHHHH_ (Excel: "_x000D_" for CR). Decode them
 * in place from b->data[from]; the result is never longer. NUL and surrogates stay as text. */
static void decode_x_escapes(buf *b, size_t from)
{
    char *s = b->data + from, *end = b->data + b->len, *o = s;
    if (!memchr(s, '_', (size_t)(end - s))) return;
    while (s < end) {
        if (s[0] == '_' && end - s >= 7 && s[1] == 'x' && s[6] == '_') {
            int h0 = hexval(s[2]), h1 = hexval(s[3]), h2 = hexval(s[4]), h3 = hexval(s[5]);
            if (h0 >= 0 && h1 >= 0 && h2 >= 0 && h3 >= 0) {
                unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
                if (cp && (cp < 0xd800 || cp > 0xdfff)) {
                    if (cp < 0x80) *o++ = (char)cp;
                    else if (cp < 0x800) { *o++ = (char)(0xc0 | cp >> 6); *o++ = (char)(0x80 | (cp & 0x3f)); }
                    else {
                        *o++ = (char)(0xe0 | cp >> 12);
                        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                        *o++ = (char)(0x80 | (cp & 0x3f));
                    }
                    s += 7;
                    continue;
                }
            }
        }
        *o++ = *s++;
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = 0;
}

/* ---- shared strings -------------------------------------------------------------------- */

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    (void)a;
    xlsx *x = ud;
    x->events++;
    const char *n = lname(name);
    if (!strcmp(n, "si")) {
        x->si_open = true;
        x->t_depth = x->rph_depth = 0;
        buf_reset(&x->si);
    } else if (x->si_open && !strcmp(n, "t")) {
        x->t_depth++;
    } else if (x->si_open && !strcmp(n, "rPh")) {
        x->rph_depth++;   /* phonetic hints are not part of the text */
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    xlsx *x = ud;
    x->events++;
    const char *n = lname(name);
    if (!x->si_open) return;
    if (!strcmp(n, "t") && x->t_depth) x->t_depth--;
    else if (!strcmp(n, "rPh") && x->rph_depth) x->rph_depth--;
    else if (!strcmp(n, "si")) {
        x->si_open = false;
        if (x->nsst == XLSX_MAX_SST) { xml_abort(x, "too many shared strings"); return; }
        if (x->nsst == x->sst_cap) {
            x->sst_cap = x->sst_cap ? x->sst_cap * 2 : 1024;
            x->sst_off = xrealloc(x->sst_off, x->sst_cap * sizeof *x->sst_off);
            x->sst_len = xrealloc(x->sst_len, x->sst_cap * sizeof *x->sst_len);
        }
        if (x->si.overflow) {
            x->sst_off[x->nsst] = 0;
            x->sst_len[x->nsst] = SST_TOO_LONG;
        } else {
            decode_x_escapes(&x->si, 0);
            if (x->sst.len + x->si.len + 1 >= UINT32_MAX) { xml_abort(x, "shared strings too large"); return; }
            x->sst_off[x->nsst] = (uint32_t)x->sst.len;
            x->sst_len[x->nsst] = (uint32_t)x->si.len;
            buf_add(&x->sst, x->si.data, x->si.len);
            buf_add(&x->sst, "", 1);
        }
        x->nsst++;
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    xlsx *x = ud;
    x->events++;
    if (x->si_open && x->t_depth && !x->rph_depth) buf_add(&x->si, s, (size_t)len);
}

/* ---- dates ----------------------------------------------------------------------------- */

/* civil date from days since 1970-01-01 (proleptic Gregorian) */
static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;   /* shift the epoch to 0000-03-01 so leap days end each 4/100/400 cycle */
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long yy = (long long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

/* Serial day number to ISO text. Returns false (keep the number) when out of range. */
static bool format_serial(const char *v, enum fmt_kind kind, bool date1904, char *out, size_t outlen)
{
    char *end;
    double val = strtod(v, &end);
    if (end == v || *end || !isfinite(val) || val < 0 || val >= 2958466.0) return false;
    long long days = (long long)floor(val);
    long long secs = llround((val - (double)days) * 86400.0);
    if (secs >= 86400) { days++; secs -= 86400; }
    long long unix_days;
    if (date1904) {
        unix_days = days - 24107;          /* 1904-01-01 */
    } else if (days >= 61) {
        unix_days = days - 25569;          /* 1899-12-30: serial 61 is 1900-03-01 */
    } else {
        /* Excel counts a 29 February 1900 that never was (serial 60); before it the
         * serials are one day off. 60 itself is shown as the 28th. */
        unix_days = (days == 60 ? 59 : days) - 25568;
    }
    int y;
    unsigned mo, d;
    civil_from_days(unix_days, &y, &mo, &d);
    unsigned hh = (unsigned)(secs / 3600), mi = (unsigned)(secs / 60 % 60), ss = (unsigned)(secs % 60);
    if (kind == FMT_TIME && days == 0)
        snprintf(out, outlen, "%02u:%02u:%02u", hh, mi, ss);
    else if (kind == FMT_DATE)
        snprintf(out, outlen, "%04d-%02u-%02u", y, mo, d);
    else
        snprintf(out, outlen, "%04d-%02u-%02uT%02u:%02u:%02u", y, mo, d, hh, mi, ss);
    return true;
}

/* ---- the sheet ------------------------------------------------------------------------- */

static void row_begin(xlsx *x, size_t num)
{
    buf_reset(&x->cells);
    x->ncells = 0;
    x->last_nonempty = 0;
    x->next_col = 0;
    x->err = ROW_OK;
    x->err_col = 0;
    x->row_num = num;
}

static void row_error(xlsx *x, enum row_err e, size_t col)
{
    if (x->err == ROW_OK) {
        x->err = e;
        x->err_col = col + 1;
    }
}

static void row_push(xlsx *x, const char *s, size_t n)
{
    if (x->ncells == x->offs_cap) {
        x->offs_cap = x->offs_cap ? x->offs_cap * 2 : 64;
        x->offs = xrealloc(x->offs, x->offs_cap * sizeof *x->offs);
    }
    x->offs[x->ncells++] = x->cells.len;
    buf_add(&x->cells, s, n);
    buf_add(&x->cells, "", 1);
    if (n) x->last_nonempty = x->ncells;
}

/* column letters of a reference like "AB12" -> 0-based column, or -1 */
static long ref_col(const char *r)
{
    long col = 0;
    int k = 0;
    for (; *r >= 'A' && *r <= 'Z' && k < 4; r++, k++) col = col * 26 + (*r - 'A' + 1);
    if (k == 0 || k > 3 || !(*r >= '0' && *r <= '9')) return -1;
    return col - 1;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    xlsx *x = ud;
    x->events++;
    const char *n = lname(name);
    if (!strcmp(n, "row")) {
        const char *r = attr(a, "r");
        size_t num = x->last_row + 1;
        if (r) {
            unsigned long v = strtoul(r, NULL, 10);
            if (v > 0) num = v;
        }
        x->in_row = true;
        row_begin(x, num);
    } else if (!strcmp(n, "c") && x->in_row) {
        x->in_c = true;
        const char *t = attr(a, "t"), *s = attr(a, "s"), *r = attr(a, "r");
        x->ctype = 'n';
        if (t) {
            if (!strcmp(t, "s")) x->ctype = 's';
            else if (!strcmp(t, "b")) x->ctype = 'b';
            else if (!strcmp(t, "e")) x->ctype = 'e';
            else if (!strcmp(t, "d")) x->ctype = 'd';
            else if (!strcmp(t, "str")) x->ctype = 'S';
            else if (!strcmp(t, "inlineStr")) x->ctype = 'i';
        }
        x->cstyle = s ? (unsigned)strtoul(s, NULL, 10) : 0;
        long col = r ? ref_col(r) : -1;
        if (col < 0) col = (long)x->next_col;
        x->ccol = (size_t)col;
        buf_reset(&x->text);
    } else if (x->in_c && !strcmp(n, "v")) {
        x->in_v = true;
    } else if (x->in_c && !strcmp(n, "is")) {
        x->in_is = true;
        x->t_depth = x->rph_depth = 0;
    } else if (x->in_is && !strcmp(n, "t")) {
        x->t_depth++;
    } else if (x->in_is && !strcmp(n, "rPh")) {
        x->rph_depth++;
    }
}

static void cell_finish(xlsx *x)
{
    size_t col = x->ccol;
    if (x->err != ROW_OK) return;   /* the row is lost: do not bother */
    if (col < x->next_col) { row_error(x, ROW_ORDER, col); return; }
    if (col >= x->max_cells) { row_error(x, ROW_TOO_MANY_CELLS, col); return; }
    if (x->text.overflow) { row_error(x, ROW_CELL_TOO_LONG, col); return; }

    const char *v = x->text.data;
    size_t vlen = x->text.len;
    char tmp[40];
    switch (x->ctype) {
    case 's': {
        char *end;
        unsigned long idx = strtoul(v, &end, 10);
        if (end == v || *end || idx >= x->nsst) { row_error(x, ROW_BAD_SST, col); return; }
        if (x->sst_len[idx] == SST_TOO_LONG) { row_error(x, ROW_CELL_TOO_LONG, col); return; }
        v = x->sst.data + x->sst_off[idx];
        vlen = x->sst_len[idx];
        break;
    }
    case 'b':
        if (!strcmp(v, "1")) { v = "TRUE"; vlen = 4; }
        else if (!strcmp(v, "0")) { v = "FALSE"; vlen = 5; }
        break;
    case 'i':
        decode_x_escapes(&x->text, 0);
        v = x->text.data;
        vlen = x->text.len;
        break;
    case 'n':
        if (vlen && x->cstyle < x->nxf && x->xf_kind[x->cstyle] != FMT_NONE &&
            format_serial(v, (enum fmt_kind)x->xf_kind[x->cstyle], x->date1904, tmp, sizeof tmp)) {
            v = tmp;
            vlen = strlen(tmp);
        }
        break;
    default:
        break;
    }
    /* empty cells are not written: the gap before the next one is filled instead */
    if (!vlen) return;
    while (x->ncells < col) row_push(x, "", 0);
    row_push(x, v, vlen);
    x->next_col = col + 1;
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    xlsx *x = ud;
    x->events++;
    const char *n = lname(name);
    if (!strcmp(n, "v")) x->in_v = false;
    else if (!strcmp(n, "t") && x->t_depth) x->t_depth--;
    else if (!strcmp(n, "rPh") && x->rph_depth) x->rph_depth--;
    else if (!strcmp(n, "is")) x->in_is = false;
    else if (!strcmp(n, "c") && x->in_c) {
        x->in_c = x->in_v = x->in_is = false;
        cell_finish(x);
    } else if (!strcmp(n, "row") && x->in_row) {
        x->in_row = false;
        x->last_row = x->row_num;
        /* a row with nothing in it is formatting, not data */
        if (x->err == ROW_OK && x->last_nonempty == 0) return;
        x->row_ready = true;
        XML_StopParser(x->sp, XML_TRUE);
    }
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
    xlsx *x = ud;
    x->events++;
    if (!x->in_c) return;
    if (x->in_v || (x->in_is && x->t_depth && !x->rph_depth)) buf_add(&x->text, s, (size_t)len);
}

/* ---- open / next / close --------------------------------------------------------------- */

static void xlsx_free(xlsx *x)
{
    if (x->sp) XML_ParserFree(x->sp);
    zentry_close(&x->sheet);
    if (x->za) zip_discard(x->za);
    rels_clear(x);
    free(x->rels);
    for (size_t i = 0; i < x->nsheets; i++) {
        free(x->sheet_names[i]);
        free(x->sheet_rids[i]);
    }
    free(x->sheet_names);
    free(x->sheet_rids);
    free(x->fmts);
    free(x->xf_fmt);
    free(x->xf_kind);
    buf_release(&x->sst);
    free(x->sst_off);
    free(x->sst_len);
    buf_release(&x->si);
    buf_release(&x->text);
    buf_release(&x->cells);
    free(x->offs);
    free(x->out_cells);
    free(x->out_lens);
    free(x);
}

int xlsx_reader_open(import_reader *r, char *err, size_t errlen)
{
    xlsx *x = xmalloc(sizeof *x);
    memset(x, 0, sizeof *x);
    x->r = r;
    x->max_cell = r->opt.max_cell;
    x->max_cells = r->opt.max_row_cells;
    buf_init(&x->sst, 0);
    buf_init(&x->si, x->max_cell);
    buf_init(&x->text, x->max_cell);
    buf_init(&x->cells, 0);
    char *wb_path = NULL, *wb_rels = NULL, *sheet_path = NULL;

    zip_error_t ze;
    zip_error_init(&ze);
    if (r->path) {
        int code = 0;
        x->za = zip_open(r->path, ZIP_RDONLY, &code);
        if (!x->za) zip_error_init_with_code(&ze, code);
    } else {
        zip_source_t *src = zip_source_buffer_create(r->data, r->datalen, 0, &ze);
        if (src) {
            x->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
            if (!x->za) zip_source_free(src);
        }
    }
    if (!x->za) {
        import_seterr(err, errlen, "not an XLSX file (%s)", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        goto fail;
    }
    zip_error_fini(&ze);

    /* the package points at the workbook; the workbook's relationships at everything else */
    int rc = parse_part(x, "_rels/.rels", false, rels_start, count_end, NULL, err, errlen);
    if (rc < 0) goto fail;
    const rel *doc = rel_by_type(x, "/officeDocument");
    wb_path = doc ? part_resolve("", doc->target) : xstrdup("xl/workbook.xml");
    rels_clear(x);
    {
        const char *slash = strrchr(wb_path, '/');
        size_t dl = slash ? (size_t)(slash - wb_path) + 1 : 0;
        buf b;
        buf_init(&b, 0);
        buf_add(&b, wb_path, dl);
        buf_adds(&b, "_rels/");
        buf_adds(&b, wb_path + dl);
        buf_adds(&b, ".rels");
        wb_rels = buf_detach(&b);
    }
    if (parse_part(x, wb_path, true, wb_start, count_end, NULL, err, errlen) < 0) goto fail;
    if (x->nsheets == 0) {
        import_seterr(err, errlen, "the workbook has no sheets");
        goto fail;
    }
    if (parse_part(x, wb_rels, true, rels_start, count_end, NULL, err, errlen) < 0) goto fail;

    size_t pick = 0;
    if (r->opt.sheet) {
        for (pick = 0; pick < x->nsheets; pick++)
            if (!strcmp(x->sheet_names[pick], r->opt.sheet)) break;
        if (pick == x->nsheets) {
            import_seterr(err, errlen, "no sheet named \"%s\"", r->opt.sheet);
            goto fail;
        }
    }
    for (size_t i = 0; i < x->nrels; i++)
        if (!strcmp(x->rels[i].id, x->sheet_rids[pick])) {
            if (!ends_with(x->rels[i].type, "/worksheet")) {
                import_seterr(err, errlen, "sheet \"%s\" is not a worksheet", x->sheet_names[pick]);
                goto fail;
            }
            sheet_path = part_resolve(wb_path, x->rels[i].target);
            break;
        }
    if (!sheet_path) {
        import_seterr(err, errlen, "sheet \"%s\" has no part in the package", x->sheet_names[pick]);
        goto fail;
    }

    const rel *st = rel_by_type(x, "/styles");
    char *styles_path = part_resolve(wb_path, st ? st->target : "styles.xml");
    rc = parse_part(x, styles_path, false, styles_start, styles_end, NULL, err, errlen);
    free(styles_path);
    if (rc < 0) goto fail;
    styles_resolve(x);

    const rel *ss = rel_by_type(x, "/sharedStrings");
    char *sst_path = part_resolve(wb_path, ss ? ss->target : "sharedStrings.xml");
    rc = parse_part(x, sst_path, false, sst_start, sst_end, sst_text, err, errlen);
    free(sst_path);
    if (rc < 0) goto fail;
    buf_release(&x->si);
    buf_init(&x->si, 0);

    if (zentry_open(x, sheet_path, &x->sheet, true, err, errlen) != 0) goto fail;
    x->sp = new_parser(x);
    XML_SetElementHandler(x->sp, sheet_start, sheet_end);
    XML_SetCharacterDataHandler(x->sp, sheet_text);
    r->bytes_total = (size_t)x->sheet.size;
    r->enc = IMPORT_ENC_UTF8;
    free(wb_path);
    free(wb_rels);
    free(sheet_path);
    r->impl = x;
    return 0;
fail:
    free(wb_path);
    free(wb_rels);
    free(sheet_path);
    xlsx_free(x);
    return -1;
}

static int emit(xlsx *x, import_row *row, char *err, size_t errlen)
{
    row->line = x->row_num;
    switch (x->err) {
    case ROW_OK: break;
    case ROW_CELL_TOO_LONG:
        import_seterr(err, errlen, "cell longer than %zu bytes (column %zu)", x->max_cell, x->err_col);
        return -1;
    case ROW_TOO_MANY_CELLS:
        import_seterr(err, errlen, "row has more than %zu cells", x->max_cells);
        return -1;
    case ROW_BAD_SST:
        import_seterr(err, errlen, "shared string index out of range (column %zu)", x->err_col);
        return -1;
    case ROW_ORDER:
        import_seterr(err, errlen, "cells out of order (column %zu)", x->err_col);
        return -1;
    }
    size_t n = x->last_nonempty;   /* trailing empty cells are only formatting */
    if (n > x->out_cap) {
        x->out_cap = n * 2;
        x->out_cells = xrealloc(x->out_cells, x->out_cap * sizeof *x->out_cells);
        x->out_lens = xrealloc(x->out_lens, x->out_cap * sizeof *x->out_lens);
    }
    for (size_t i = 0; i < n; i++) {
        size_t end = i + 1 < x->ncells ? x->offs[i + 1] : x->cells.len;
        x->out_cells[i] = x->cells.data + x->offs[i];
        x->out_lens[i] = end - x->offs[i] - 1;
    }
    row->ncells = n;
    row->cells = x->out_cells;
    row->lens = x->out_lens;
    return 1;
}

int xlsx_reader_next(import_reader *r, import_row *row, char *err, size_t errlen)
{
    xlsx *x = r->impl;
    x->row_ready = false;
    size_t quiet = 0;
    for (;;) {
        if (x->sheet_done) return 0;
        enum XML_Status status;
        size_t ev = x->events, fed = 0;
        x->cur = x->sp;
        if (x->suspended) {
            x->suspended = false;
            status = XML_ResumeParser(x->sp);
        } else if (!x->sheet_eof) {
            void *b = XML_GetBuffer(x->sp, XLSX_READ_CHUNK);
            if (!b) abort();
            long n = zentry_read(&x->sheet, b, XLSX_READ_CHUNK, err, errlen);
            if (n < 0) goto fatal_msg;
            if (n == 0) x->sheet_eof = true;
            fed = (size_t)n;
            status = XML_ParseBuffer(x->sp, (int)n, n == 0);
        } else {
            x->sheet_done = true;
            return 0;
        }
        r->bytes_read = (size_t)x->sheet.inflated;
        if (status == XML_STATUS_ERROR) {
            if (x->aborted) import_seterr(err, errlen, "sheet: %s", x->abort_msg);
            else import_seterr(err, errlen, "sheet XML error at line %lu: %s",
                               (unsigned long)XML_GetCurrentLineNumber(x->sp),
                               XML_ErrorString(XML_GetErrorCode(x->sp)));
            goto fatal_msg;
        }
        if (status == XML_STATUS_SUSPENDED) {
            x->suspended = true;
            if (x->row_ready) return emit(x, row, err, errlen);
            continue;
        }
        if (x->sheet_eof) {
            x->sheet_done = true;
            return 0;
        }
        quiet = ev == x->events ? quiet + fed : 0;
        if (quiet > XLSX_QUIET_MAX + x->max_cell) {
            import_seterr(err, errlen, "sheet: XML token too large");
            goto fatal_msg;
        }
    }
fatal_msg:
    r->fatal = true;
    x->sheet_done = true;
    row->line = x->in_row ? x->row_num : x->last_row + 1;
    return -1;
}

int xlsx_reader_sheets(import_reader *r, const char ***names, size_t *n)
{
    xlsx *x = r->impl;
    *names = (const char **)x->sheet_names;
    *n = x->nsheets;
    return 0;
}

void xlsx_reader_close(import_reader *r)
{
    if (r->impl) xlsx_free(r->impl);
    r->impl = NULL;
}
