/* vCard import (2.1, 3.0, 4.0): one row per card under a fixed header row (VCARD_COLUMNS).
 *
 * The file is read as a stream of physical lines, unfolded into logical lines (a line that
 * starts with a space or tab continues the previous one; a quoted-printable value ending in
 * "=" continues on the next line, as 2.1 writers do). Each logical line is split into group,
 * name, parameters and value; values are decoded (quoted-printable, CHARSET or the file's
 * encoding, backslash escapes) and collected per card. Lines are capped at max_cell: an
 * over-long PHOTO or other property we do not import is skipped, an over-long value we do
 * import makes its card an error row. */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "import/reader_impl.h"

enum col {
    C_FULL, C_LAST, C_FIRST, C_MIDDLE, C_COMPANY, C_POSITION,
    C_PHONES, C_EMAILS, C_ADDRESS, C_BIRTHDAY, C_NOTE, C_URL, C_COUNT
};
static const char *const header[C_COUNT] = { VCARD_COLUMNS };

/* a TEL, EMAIL or ADR of the card, kept until END so that an Apple X-ABLabel given later
 * in the card can still name it */
typedef struct entry {
    enum col col;
    size_t group, label, value;   /* offsets into vcard.pool; group/label 0 = none */
} entry;

typedef struct vcard {
    import_enc enc;               /* for values with no CHARSET when the caller chose one */
    bool enc_forced;
    size_t max_cell, line_cap;

    const unsigned char *chunk;
    size_t clen, cpos;
    bool eof;
    size_t phys_line;             /* lines read so far */

    buf phys;                     /* the physical line being read */
    bool phys_over;
    buf pending;                  /* the logical line being unfolded */
    bool pending_over, pending_qp, have_pending;
    size_t pending_line;
    buf logical;                  /* the complete logical line */
    bool logical_over;
    size_t logical_line;

    bool header_done, in_card, outside_reported, begin_waiting;
    size_t card_line, begin_line;
    char card_err[200];

    buf f[C_COUNT];               /* the card's cells */
    buf pool;                     /* entry strings, NUL-separated */
    entry *entries;
    size_t nentries, entries_cap;
    buf tmp, tmp2;                /* scratch for decoding */

    const char *cells[C_COUNT];
    size_t lens[C_COUNT];
} vcard;

/* ---- reading lines --------------------------------------------------------------------- */

/* append, keeping at most cap bytes; *over records that something was cut */
static void cap_add(buf *b, size_t cap, bool *over, const void *p, size_t n)
{
    if (b->len + n > cap) {
        *over = true;
        n = b->len < cap ? cap - b->len : 0;
    }
    if (n) buf_add(b, p, n);
}

/* 1 = a physical line is in v->phys (without its CR LF), 0 = end, -1 = read error */
static int read_phys(import_reader *r, vcard *v)
{
    buf_reset(&v->phys);
    v->phys_over = false;
    bool any = false;
    for (;;) {
        if (v->cpos == v->clen) {
            if (v->eof) break;
            size_t n = import_stream_next(&r->st, &v->chunk);
            if (n == (size_t)-1) return -1;
            v->clen = n;
            v->cpos = 0;
            if (n == 0) { v->eof = true; break; }
            continue;
        }
        const unsigned char *s = v->chunk + v->cpos;
        size_t rest = v->clen - v->cpos;
        const unsigned char *nl = memchr(s, '\n', rest);
        size_t n = nl ? (size_t)(nl - s) : rest;
        cap_add(&v->phys, v->line_cap, &v->phys_over, s, n);
        any = true;
        v->cpos += n + (nl ? 1 : 0);
        if (nl) break;
    }
    if (!any) return 0;
    v->phys_line++;
    if (v->phys.len && v->phys.data[v->phys.len - 1] == '\r') v->phys.data[--v->phys.len] = 0;
    r->bytes_read = r->st.consumed - (v->clen - v->cpos);
    return 1;
}

/* does the line's parameter part (before the first ':' outside quotes) say QUOTED-PRINTABLE? */
static bool line_is_qp(const char *s, size_t n)
{
    bool q = false;
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '"') q = !q;
        else if (s[i] == ':' && !q) break;
    }
    for (size_t k = 0; k + 16 <= i; k++)
        if (!strncasecmp(s + k, "QUOTED-PRINTABLE", 16)) return true;
    return false;
}

static void start_pending(vcard *v)
{
    buf t = v->pending;
    v->pending = v->phys;
    v->phys = t;
    v->pending_over = v->phys_over;
    v->pending_qp = line_is_qp(v->pending.data, v->pending.len);
    v->pending_line = v->phys_line;
    v->have_pending = true;
}

/* 1 = a logical line is in v->logical, 0 = end, -1 = read error */
static int read_logical(import_reader *r, vcard *v)
{
    for (;;) {
        int rc = read_phys(r, v);
        if (rc < 0) return -1;
        bool done = false;
        if (rc == 0) {
            if (!v->have_pending) return 0;
            done = true;
        } else if (v->have_pending && v->phys.len &&
                   (v->phys.data[0] == ' ' || v->phys.data[0] == '\t')) {
            cap_add(&v->pending, v->line_cap, &v->pending_over, v->phys.data + 1, v->phys.len - 1);
            if (v->phys_over) v->pending_over = true;
            continue;
        } else if (v->have_pending && v->pending_qp && v->pending.len &&
                   v->pending.data[v->pending.len - 1] == '=') {
            v->pending.data[--v->pending.len] = 0;   /* a soft line break */
            cap_add(&v->pending, v->line_cap, &v->pending_over, v->phys.data, v->phys.len);
            if (v->phys_over) v->pending_over = true;
            continue;
        } else if (!v->have_pending) {
            start_pending(v);
            continue;
        }
        /* the pending line is complete: hand it out and keep the new one pending */
        buf t = v->logical;
        v->logical = v->pending;
        v->pending = t;
        v->logical_over = v->pending_over;
        v->logical_line = v->pending_line;
        v->have_pending = false;
        buf_reset(&v->pending);
        if (!done) start_pending(v);
        return 1;
    }
}

/* ---- decoding values ------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static void qp_decode(const char *s, size_t n, buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            buf_addc(out, (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2])));
            i += 2;
        } else {
            buf_addc(out, s[i]);
        }
    }
}

/* Convert with iconv for the charsets old phones wrote that we have no table for
 * (KOI8-R, ISO-8859-2, ...). false if the charset is unknown or the bytes do not fit it. */
static bool iconv_to_utf8(const char *charset, const char *s, size_t n, buf *out)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1) return false;
    buf_reset(out);
    char *in = (char *)s;
    size_t inleft = n;
    bool ok = true;
    while (inleft) {
        char tmp[1024];
        char *o = tmp;
        size_t oleft = sizeof tmp;
        size_t rc = iconv(cd, &in, &inleft, &o, &oleft);
        buf_add(out, tmp, (size_t)(o - tmp));
        if (rc == (size_t)-1 && errno != E2BIG) { ok = false; break; }
    }
    iconv_close(cd);
    return ok && !memchr(out->data, 0, out->len) && utf8_valid(out->data, out->len);
}

/* ---- parsing one property -------------------------------------------------------------- */

typedef struct prop {
    const char *group; size_t group_len;
    const char *name; size_t name_len;
    const char *value; size_t value_len;
    bool qp;
    char charset[40];
    char types[120];              /* lower-case, comma-separated, without pref/internet */
    bool voice;                   /* TYPE=voice, the default, kept only if nothing else */
} prop;

static bool name_is(const prop *p, const char *n)
{
    return p->name_len == strlen(n) && !strncasecmp(p->name, n, p->name_len);
}

static void add_types(prop *p, const char *s, size_t n)
{
    /* a TYPE value may itself be a list: "home,voice" */
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ',') j++;
        const char *t = s + i;
        size_t tl = j - i;
        /* TYPE values are tokens; anything else would end up raw in the label */
        bool token = true;
        for (size_t k = 0; k < tl; k++) {
            char c = t[k];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                token = false;
        }
        if (token && tl && tl < 30 &&
            !(tl == 4 && !strncasecmp(t, "pref", 4)) &&
            !(tl == 8 && !strncasecmp(t, "internet", 8)) &&
            !(tl == 4 && !strncasecmp(t, "x400", 4)) &&
            !(tl == 5 && !strncasecmp(t, "voice", 5) && (p->voice = true))) {
            size_t cur = strlen(p->types);
            if (cur + tl + 2 < sizeof p->types) {
                if (cur) p->types[cur++] = ',';
                for (size_t k = 0; k < tl; k++) {
                    p->types[cur++] = (char)(t[k] >= 'A' && t[k] <= 'Z' ? t[k] + 32 : t[k]);
                }
                p->types[cur] = 0;
            }
        }
        i = j + 1;
    }
}

static void take_param(prop *p, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    const char *key = s, *val = s;
    size_t kl = n, vl = n;
    if (eq) {
        kl = (size_t)(eq - s);
        val = eq + 1;
        vl = n - kl - 1;
        if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') { val++; vl -= 2; }
    }
    if (eq && kl == 4 && !strncasecmp(key, "TYPE", 4)) add_types(p, val, vl);
    else if (eq && kl == 8 && !strncasecmp(key, "ENCODING", 8))
        p->qp = (vl == 16 && !strncasecmp(val, "QUOTED-PRINTABLE", 16)) || (vl == 2 && !strncasecmp(val, "QP", 2));
    else if (eq && kl == 7 && !strncasecmp(key, "CHARSET", 7)) {
        if (vl < sizeof p->charset) { memcpy(p->charset, val, vl); p->charset[vl] = 0; }
        else snprintf(p->charset, sizeof p->charset, "?");
    } else if (!eq) {
        /* 2.1 writes bare parameters: TEL;WORK;VOICE:..., NOTE;QUOTED-PRINTABLE:... */
        if (n == 16 && !strncasecmp(s, "QUOTED-PRINTABLE", 16)) p->qp = true;
        else if (n == 6 && !strncasecmp(s, "BASE64", 6)) { /* not a label */ }
        else add_types(p, s, n);
    }
}

/* false when the line has no ':' (not a property) */
static bool parse_prop(const char *s, size_t n, prop *p)
{
    memset(p, 0, sizeof *p);
    size_t i = 0;
    while (i < n && s[i] != ':' && s[i] != ';') i++;
    if (i == n) return false;
    p->name = s;
    p->name_len = i;
    const char *dot = memchr(s, '.', i);
    if (dot) {
        p->group = s;
        p->group_len = (size_t)(dot - s);
        p->name = dot + 1;
        p->name_len = i - p->group_len - 1;
    }
    while (i < n && s[i] == ';') {
        size_t start = ++i;
        bool q = false;
        while (i < n && (q || (s[i] != ';' && s[i] != ':'))) {
            if (s[i] == '"') q = !q;
            i++;
        }
        take_param(p, s + start, i - start);
    }
    if (i >= n || s[i] != ':') return false;
    p->value = s + i + 1;
    p->value_len = n - i - 1;
    return true;
}

/* ---- the card -------------------------------------------------------------------------- */

/* the first problem found in a card is the one reported */
static void card_error(vcard *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void card_error(vcard *v, const char *fmt, ...)
{
    if (v->card_err[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->card_err, sizeof v->card_err, fmt, ap);
    va_end(ap);
}

static void card_reset(vcard *v)
{
    for (int i = 0; i < C_COUNT; i++) buf_reset(&v->f[i]);
    buf_reset(&v->pool);
    buf_addc(&v->pool, 0);   /* offset 0 means "none" */
    buf_add(&v->pool, "", 1);
    v->nentries = 0;
    v->card_err[0] = 0;
}

/* the raw value turned into UTF-8 in v->tmp; false with the card marked when it cannot be */
static bool decode_value(import_reader *r, vcard *v, const prop *p, size_t line)
{
    const char *s = p->value;
    size_t n = p->value_len;
    if (p->qp) {
        qp_decode(s, n, &v->tmp2);
        s = v->tmp2.data;
        n = v->tmp2.len;
    }
    buf_reset(&v->tmp);
    if (memchr(s, 0, n)) {
        card_error(v, "NUL byte in a value (line %zu)", line);
        return false;
    }
    const char *cs = p->charset;
    int known = cs[0] ? import_enc_parse(cs) : -1;
    if (cs[0] && known < 0 && strcasecmp(cs, "us-ascii") != 0) {
        if (!iconv_to_utf8(cs, s, n, &v->tmp)) {
            card_error(v, "cannot decode charset %s (line %zu)", cs, line);
            return false;
        }
        return true;
    }
    bool valid = utf8_valid(s, n);
    import_enc e;
    if (known >= 0) e = (import_enc)known;                /* CHARSET said so */
    else if (v->enc_forced || valid) e = v->enc_forced ? v->enc : IMPORT_ENC_UTF8;
    else if (v->enc != IMPORT_ENC_UTF8) e = v->enc;       /* the file's guess */
    else {
        /* a UTF-8 file with one value in an old phone's code page (often quoted-printable
         * without CHARSET): guess that value's code page on its own */
        e = import_enc_guess((const unsigned char *)s, n);
        if (e != IMPORT_ENC_UTF8) r->enc = e;
    }
    if (e == IMPORT_ENC_UTF8) {
        if (!valid) {
            card_error(v, "invalid UTF-8 in a value (line %zu)", line);
            return false;
        }
        buf_add(&v->tmp, s, n);
        return true;
    }
    import_enc_to_utf8(e, s, n, &v->tmp);
    return true;
}

/* unescape \\ \, \; \n \N into out (appending); stops at an unescaped ';' when split is set
 * and returns how much of the input was used */
static size_t unescape(const char *s, size_t n, bool split, buf *out)
{
    size_t i = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char d = s[++i];
            buf_addc(out, (d == 'n' || d == 'N') ? '\n' : d);
            continue;
        }
        if (split && c == ';') return i;
        buf_addc(out, c);
    }
    return i;
}

static void field_add(vcard *v, enum col c, const char *s, size_t n, const char *sep)
{
    buf *f = &v->f[c];
    if (f->len && sep) buf_adds(f, sep);
    buf_add(f, s, n);
    if (f->len > v->max_cell) card_error(v, "%s longer than %zu bytes", header[c], v->max_cell);
}

static size_t pool_add(vcard *v, const char *s, size_t n)
{
    size_t off = v->pool.len;
    for (size_t i = 0; i < n; i++) {
        /* one entry per line in the cell: line breaks inside become spaces */
        char c = s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
        buf_addc(&v->pool, c);
    }
    buf_add(&v->pool, "", 1);
    return off;
}

/* structured value -> components joined by ", " (empty ones left out) */
static void join_components(const char *s, size_t n, buf *out)
{
    buf_reset(out);
    size_t i = 0;
    while (i <= n) {
        size_t mark = out->len;
        if (mark) buf_adds(out, ", ");
        size_t start = out->len;
        i += unescape(s + i, n - i, true, out) + 1;
        /* trim spaces and drop empty components */
        while (out->len > start && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\n')) out->len--;
        if (out->len == start) out->len = mark;
        out->data[out->len] = 0;
    }
}

static void add_entry(vcard *v, enum col c, const prop *p, const char *val, size_t n)
{
    if (v->nentries == v->entries_cap) {
        v->entries_cap = v->entries_cap ? v->entries_cap * 2 : 8;
        v->entries = xrealloc(v->entries, v->entries_cap * sizeof *v->entries);
    }
    entry *e = &v->entries[v->nentries++];
    e->col = c;
    e->group = p->group ? pool_add(v, p->group, p->group_len) : 0;
    e->label = p->types[0] ? pool_add(v, p->types, strlen(p->types))
               : p->voice ? pool_add(v, "voice", 5) : 0;
    e->value = pool_add(v, val, n);
    if (v->pool.len > (size_t)16 * v->max_cell) card_error(v, "too many phones, emails or addresses in one card");
}

/* BDAY: 19850412, 1985-04-12, 1985-04-12T10:00:00Z, --0412 -> ISO date; else as written */
static void birthday(vcard *v, const char *s, size_t n)
{
    char out[16];
    const char *t = memchr(s, 'T', n);
    size_t dl = t ? (size_t)(t - s) : n;
    bool digits = true;
    char d[8];
    size_t k = 0;
    for (size_t i = 0; i < dl; i++) {
        if (s[i] >= '0' && s[i] <= '9') { if (k < 8) d[k] = s[i]; k++; }
        else if (s[i] != '-') digits = false;
    }
    if (digits && k == 8 && dl >= 8) {
        snprintf(out, sizeof out, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
        field_add(v, C_BIRTHDAY, out, 10, NULL);
    } else if (digits && k == 4 && dl >= 4 && s[0] == '-' && s[1] == '-') {
        snprintf(out, sizeof out, "--%.2s-%.2s", d, d + 2);   /* no year given */
        field_add(v, C_BIRTHDAY, out, 7, NULL);
    } else {
        field_add(v, C_BIRTHDAY, s, n, NULL);
    }
}

static void take_property(import_reader *r, vcard *v, const prop *p, size_t line)
{
    enum { P_FN, P_N, P_ORG, P_TITLE, P_TEL, P_EMAIL, P_ADR, P_BDAY, P_NOTE, P_URL, P_LABEL, P_OTHER } k = P_OTHER;
    if (name_is(p, "FN")) k = P_FN;
    else if (name_is(p, "N")) k = P_N;
    else if (name_is(p, "ORG")) k = P_ORG;
    else if (name_is(p, "TITLE")) k = P_TITLE;
    else if (name_is(p, "TEL")) k = P_TEL;
    else if (name_is(p, "EMAIL")) k = P_EMAIL;
    else if (name_is(p, "ADR")) k = P_ADR;
    else if (name_is(p, "BDAY")) k = P_BDAY;
    else if (name_is(p, "NOTE")) k = P_NOTE;
    else if (name_is(p, "URL")) k = P_URL;
    else if (name_is(p, "X-ABLabel")) k = P_LABEL;
    if (k == P_OTHER) return;
    if (v->logical_over) {
        card_error(v, "%.*s value longer than %zu bytes (line %zu)", (int)p->name_len, p->name, v->max_cell, line);
        return;
    }
    if (!decode_value(r, v, p, line)) return;
    const char *s = v->tmp.data;
    size_t n = v->tmp.len;
    buf *u = &v->tmp2;   /* the QP scratch is free again once decoded */
    buf_reset(u);

    switch (k) {
    case P_FN:
        if (!v->f[C_FULL].len) { unescape(s, n, false, u); field_add(v, C_FULL, u->data, u->len, NULL); }
        break;
    case P_N: {
        if (v->f[C_LAST].len || v->f[C_FIRST].len || v->f[C_MIDDLE].len) break;
        static const enum col order[3] = { C_LAST, C_FIRST, C_MIDDLE };
        size_t i = 0;
        for (int c = 0; c < 3 && i <= n; c++) {
            buf_reset(u);
            i += unescape(s + i, n - i, true, u) + 1;
            field_add(v, order[c], u->data, u->len, NULL);
        }
        break;
    }
    case P_ORG:
        join_components(s, n, u);
        field_add(v, C_COMPANY, u->data, u->len, "\n");
        break;
    case P_TITLE:
        unescape(s, n, false, u);
        field_add(v, C_POSITION, u->data, u->len, "\n");
        break;
    case P_NOTE:
        unescape(s, n, false, u);
        field_add(v, C_NOTE, u->data, u->len, "\n");
        break;
    case P_URL:
        unescape(s, n, false, u);
        field_add(v, C_URL, u->data, u->len, "\n");
        break;
    case P_BDAY:
        unescape(s, n, false, u);
        if (!v->f[C_BIRTHDAY].len) birthday(v, u->data, u->len);
        break;
    case P_TEL:
    case P_EMAIL: {
        unescape(s, n, false, u);
        const char *val = u->data;
        size_t vl = u->len;
        if (k == P_TEL && vl > 4 && !strncasecmp(val, "tel:", 4)) { val += 4; vl -= 4; }
        if (k == P_EMAIL && vl > 7 && !strncasecmp(val, "mailto:", 7)) { val += 7; vl -= 7; }
        while (vl && (*val == ' ')) { val++; vl--; }
        while (vl && (val[vl - 1] == ' ')) vl--;
        if (vl) add_entry(v, k == P_TEL ? C_PHONES : C_EMAILS, p, val, vl);
        break;
    }
    case P_ADR:
        join_components(s, n, u);
        if (u->len) add_entry(v, C_ADDRESS, p, u->data, u->len);
        break;
    case P_LABEL: {
        /* Apple: item1.TEL ... item1.X-ABLabel:_$!<Mobile>!$_ (built-in) or a custom text */
        if (!p->group) break;
        unescape(s, n, false, u);
        char *lab = u->data;
        size_t ll = u->len;
        if (ll > 8 && !strncmp(lab, "_$!<", 4) && !strncmp(lab + ll - 4, ">!$_", 4)) {
            lab += 4;
            ll -= 8;
            for (size_t i = 0; i < ll; i++)
                if (lab[i] >= 'A' && lab[i] <= 'Z') lab[i] = (char)(lab[i] + 32);
        }
        for (size_t i = 0; i < ll; i++)
            if (lab[i] == ':' || lab[i] == '\n' || lab[i] == '\r') lab[i] = ' ';
        if (!ll) break;
        size_t off = 0;
        for (size_t e = 0; e < v->nentries; e++) {
            entry *en = &v->entries[e];
            if (!en->group || strlen(v->pool.data + en->group) != p->group_len ||
                strncasecmp(v->pool.data + en->group, p->group, p->group_len)) continue;
            if (!off) off = pool_add(v, lab, ll);
            en->label = off;
        }
        break;
    }
    default:
        break;
    }
}

/* END: entries into their cells, FN made up from N when missing */
static void card_finish(vcard *v)
{
    for (size_t e = 0; e < v->nentries; e++) {
        const entry *en = &v->entries[e];
        const char *label = en->label ? v->pool.data + en->label : "other";
        buf *f = &v->f[en->col];
        if (f->len) buf_addc(f, '\n');
        buf_adds(f, label);
        buf_addc(f, ':');
        buf_adds(f, v->pool.data + en->value);
        if (f->len > v->max_cell) card_error(v, "%s longer than %zu bytes", header[en->col], v->max_cell);
    }
    if (!v->f[C_FULL].len) {
        static const enum col parts[3] = { C_FIRST, C_MIDDLE, C_LAST };
        for (int i = 0; i < 3; i++) {
            buf *src = &v->f[parts[i]];
            if (!src->len) continue;
            if (v->f[C_FULL].len) buf_addc(&v->f[C_FULL], ' ');
            buf_add(&v->f[C_FULL], src->data, src->len);
        }
    }
}

static bool is_line(const buf *b, const char *what)
{
    size_t n = strlen(what), len = b->len;
    while (len && (b->data[len - 1] == ' ' || b->data[len - 1] == '\t')) len--;
    return len == n && !strncasecmp(b->data, what, n);
}

static bool blank(const buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] != ' ' && b->data[i] != '\t') return false;
    return true;
}

/* ---- open / next / close --------------------------------------------------------------- */

int vcard_reader_open(import_reader *r, char *err, size_t errlen)
{
    vcard *v = xmalloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->max_cell = r->opt.max_cell;
    v->line_cap = v->max_cell + 4096;   /* room for name and parameters */
    buf_init(&v->phys, 0);
    buf_init(&v->pending, 0);
    buf_init(&v->logical, 0);
    for (int i = 0; i < C_COUNT; i++) buf_init(&v->f[i], 0);
    buf_init(&v->pool, 0);
    buf_init(&v->tmp, 0);
    buf_init(&v->tmp2, 0);
    r->impl = v;

    size_t n = import_stream_next(&r->st, &v->chunk);
    if (n == (size_t)-1) {
        import_seterr(err, errlen, "read error");
        goto fail;
    }
    v->clen = n;
    if (n == 0) v->eof = true;
    if (n >= 3 && !memcmp(v->chunk, "\xef\xbb\xbf", 3)) v->cpos = 3;
    const unsigned char *s = v->chunk + v->cpos;
    size_t slen = n - v->cpos;
    if (slen > IMPORT_CHUNK) slen = IMPORT_CHUNK;
    if (import_looks_binary(s, slen < 65536 ? slen : 65536)) {
        import_seterr(err, errlen, "not a text file");
        goto fail;
    }
    /* the first thing that is not white space must open a card */
    size_t i = 0;
    while (i < slen && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
    if (i < slen && (slen - i < 11 || strncasecmp((const char *)s + i, "BEGIN:VCARD", 11) != 0)) {
        import_seterr(err, errlen, "not a vCard file (it does not start with BEGIN:VCARD)");
        goto fail;
    }
    if (r->opt.encoding) {
        v->enc = (import_enc)import_enc_parse(r->opt.encoding);
        v->enc_forced = true;
    } else {
        v->enc = import_enc_guess(s, slen);
    }
    r->enc = v->enc;
    return 0;
fail:
    vcard_reader_close(r);
    return -1;
}

static int emit_card(vcard *v, import_row *row, char *err, size_t errlen)
{
    row->line = v->card_line;
    if (v->card_err[0]) {
        import_seterr(err, errlen, "%s", v->card_err);
        return -1;
    }
    for (int i = 0; i < C_COUNT; i++) {
        v->cells[i] = v->f[i].data;
        v->lens[i] = v->f[i].len;
    }
    row->ncells = C_COUNT;
    row->cells = v->cells;
    row->lens = v->lens;
    return 1;
}

int vcard_reader_next(import_reader *r, import_row *row, char *err, size_t errlen)
{
    vcard *v = r->impl;
    if (!v->header_done) {
        v->header_done = true;
        for (int i = 0; i < C_COUNT; i++) {
            v->cells[i] = header[i];
            v->lens[i] = strlen(header[i]);
        }
        row->ncells = C_COUNT;
        row->cells = v->cells;
        row->lens = v->lens;
        row->line = 0;   /* made up, not from the file */
        return 1;
    }
    if (v->begin_waiting) {   /* a BEGIN that closed the previous, unfinished card */
        v->begin_waiting = false;
        v->in_card = true;
        v->card_line = v->begin_line;
        card_reset(v);
    }
    for (;;) {
        int rc = read_logical(r, v);
        if (rc < 0) {
            r->fatal = true;
            row->line = v->phys_line;
            import_seterr(err, errlen, "read error");
            return -1;
        }
        if (rc == 0) {
            if (v->in_card) {
                v->in_card = false;
                row->line = v->card_line;
                import_seterr(err, errlen, "vCard not closed (missing END:VCARD)");
                return -1;
            }
            return 0;
        }
        size_t line = v->logical_line;
        if (blank(&v->logical)) continue;
        if (is_line(&v->logical, "BEGIN:VCARD")) {
            if (v->in_card) {
                v->begin_waiting = true;
                v->begin_line = line;
                v->in_card = false;
                row->line = v->card_line;
                import_seterr(err, errlen, "vCard not closed (missing END:VCARD)");
                return -1;
            }
            v->in_card = true;
            v->outside_reported = false;
            v->card_line = line;
            card_reset(v);
            continue;
        }
        if (!v->in_card) {
            /* stray text between cards: reported once per stretch, never silently */
            if (v->outside_reported) continue;
            v->outside_reported = true;
            row->line = line;
            import_seterr(err, errlen, "text outside BEGIN:VCARD ... END:VCARD");
            return -1;
        }
        if (is_line(&v->logical, "END:VCARD")) {
            v->in_card = false;
            card_finish(v);
            return emit_card(v, row, err, errlen);
        }
        prop p;
        if (!parse_prop(v->logical.data, v->logical.len, &p)) {
            card_error(v, "line %zu is not a vCard property", line);
            continue;
        }
        take_property(r, v, &p, line);
    }
}

void vcard_reader_close(import_reader *r)
{
    vcard *v = r->impl;
    if (!v) return;
    buf_release(&v->phys);
    buf_release(&v->pending);
    buf_release(&v->logical);
    for (int i = 0; i < C_COUNT; i++) buf_release(&v->f[i]);
    buf_release(&v->pool);
    buf_release(&v->tmp);
    buf_release(&v->tmp2);
    free(v->entries);
    free(v);
    r->impl = NULL;
}
