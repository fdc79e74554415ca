/* Cell text of stored JSON read in place, with jansson's rules of what is valid JSON.
 * See json_cell.h. */
#include "export/json_cell.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 32, MAX_INT_DIGITS = 18 };

/* one value of the text: its kind ('s' 'i' 'r' 't' 'f' 'n' 'a' 'o') and where it lies */
typedef struct span {
    char kind;
    bool escaped;                /* a string with backslashes: decode before use */
    const char *start, *end;     /* the whole value, quotes and brackets included */
} span;

/* trusted: the text passed the scan before, so strings are only skipped, not checked */
typedef struct reader { const char *p, *end; bool trusted; } reader;

static void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

/* one UTF-8 sequence as jansson accepts it (no overlongs, surrogates or > U+10FFFF);
 * its length, 0 when invalid */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n;
    unsigned v;
    if (c < 0x80) return 1;
    if (c < 0xc2) return 0;
    if (c < 0xe0) { n = 2; v = c & 0x1f; }
    else if (c < 0xf0) { n = 3; v = c & 0x0f; }
    else if (c < 0xf5) { n = 4; v = c & 0x07; }
    else return 0;
    if ((size_t)(end - s) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    return n;
}

/* eight bytes of a string at a time: whether any is a quote or backslash (high bits of
 * the answer), and whether all need no look (ASCII, no control character, quote or
 * backslash) */
static const uint64_t ONES = 0x0101010101010101u, HIGH = 0x8080808080808080u;

static uint64_t quote_or_slash8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t quote = w ^ (ONES * '"'), slash = w ^ (ONES * '\\');
    return (((quote - ONES) & ~quote) | ((slash - ONES) & ~slash)) & HIGH;
}

static bool plain8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return !((w | ((w - ONES * 0x20) & ~w)) & HIGH) && !quote_or_slash8(p);
}

/* a string from its opening quote; escapes are checked here and decoded by put_string */
static int scan_string(reader *r, span *out)
{
    out->kind = 's';
    out->escaped = false;
    out->start = r->p++;
    if (r->trusted) {   /* the closing quote, stepping over escapes */
        const char *q = r->p;
        for (;;) {
            while (r->end - q >= 8 && !quote_or_slash8(q)) q += 8;
            while (q < r->end && *q != '"' && *q != '\\') q++;
            if (q >= r->end || *q == '"') break;
            out->escaped = true;
            q += 2;
        }
        r->p = q + 1;
        out->end = r->p;
        return 0;
    }
    while (r->p < r->end) {
        while (r->end - r->p >= 8 && plain8(r->p)) r->p += 8;
        unsigned char c = 0;
        while (r->p < r->end && (c = (unsigned char)*r->p) >= 0x20 && c < 0x80 && c != '"' && c != '\\') r->p++;
        if (r->p == r->end) break;
        if (c == '"') { out->end = ++r->p; return 0; }
        if (c < 0x20) return -1;
        if (c == '\\') {
            out->escaped = true;
            if (r->end - r->p < 2) return -1;
            char e = r->p[1];
            if (e == 'u') {
                if (r->end - r->p < 6) return -1;
                int u = hex4(r->p + 2);
                if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff)) return -1;   /* NUL, or a lone low surrogate */
                r->p += 6;
                if (u >= 0xd800 && u <= 0xdbff) {
                    if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u') return -1;
                    int lo = hex4(r->p + 2);
                    if (lo < 0xdc00 || lo > 0xdfff) return -1;
                    r->p += 6;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || !e) return -1;
            r->p += 2;
            continue;
        }
        size_t n = utf8_seq((const unsigned char *)r->p, (const unsigned char *)r->end);
        if (!n) return -1;
        r->p += n;
    }
    return -1;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int scan_number(reader *r, span *out)
{
    out->start = r->p;
    if (r->p < r->end && *r->p == '-') r->p++;
    const char *digits = r->p;
    if (r->p < r->end && *r->p == '0') {
        r->p++;
        if (r->p < r->end && is_digit(*r->p)) return -1;
    } else {
        while (r->p < r->end && is_digit(*r->p)) r->p++;
    }
    if (r->p == digits) return -1;
    out->kind = 'i';
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p == r->end || !is_digit(*r->p)) return -1;
        while (r->p < r->end && is_digit(*r->p)) r->p++;
        out->kind = 'r';
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
        if (r->p == r->end || !is_digit(*r->p)) return -1;
        while (r->p < r->end && is_digit(*r->p)) r->p++;
        out->kind = 'r';
    }
    out->end = r->p;
    if (out->kind == 'i') return r->p - digits > MAX_INT_DIGITS ? -1 : 0;   /* jansson's range check is not ours to copy */
    /* jansson refuses the whole text for a real that overflows, wherever it stands */
    char tmp[64];
    size_t n = (size_t)(out->end - out->start);
    if (n >= sizeof tmp) return -1;
    memcpy(tmp, out->start, n);
    tmp[n] = 0;
    return isfinite(strtod(tmp, NULL)) ? 0 : -1;
}

static int scan_value(reader *r, span *out, int depth);
static void put_string(buf *b, const span *s);

/* members looked for while an object is scanned: the last value of each (jansson keeps the
 * last of repeated names) */
typedef struct wanted {
    const char *const *keys;
    size_t n;
    span *got;
    bool *has;
} wanted;

static bool key_is(const span *k, const char *key, size_t klen)
{
    if (!k->escaped) return (size_t)(k->end - k->start - 2) == klen && !memcmp(k->start + 1, key, klen);
    buf t;
    buf_init(&t, 0);
    put_string(&t, k);
    bool same = t.len == klen && !memcmp(t.data, key, klen);
    buf_release(&t);
    return same;
}

static void keep(const wanted *w, const span *k, const span *v)
{
    char first = k->end - k->start > 2 ? k->start[1] : 0;   /* most names differ there */
    for (size_t i = 0; i < w->n; i++) {
        if (!k->escaped && w->keys[i][0] != first) continue;
        if (key_is(k, w->keys[i], strlen(w->keys[i]))) { w->got[i] = *v; w->has[i] = true; }
    }
}

/* the members of an object (or entries of an array) from its opening bracket; `w` (or
 * NULL) collects members of this object, not of those inside it */
static int scan_container(reader *r, span *out, int depth, const wanted *w)
{
    char close = *r->p == '{' ? '}' : ']';
    out->kind = *r->p == '{' ? 'o' : 'a';
    out->start = r->p++;
    if (depth > MAX_DEPTH) return -1;
    skip_ws(r);
    if (r->p < r->end && *r->p == close) { out->end = ++r->p; return 0; }
    for (;;) {
        span k, v;
        if (close == '}') {
            if (r->p == r->end || *r->p != '"' || scan_string(r, &k) != 0) return -1;
            skip_ws(r);
            if (r->p == r->end || *r->p != ':') return -1;
            r->p++;
            skip_ws(r);
        }
        if (scan_value(r, &v, depth + 1) != 0) return -1;
        if (w && close == '}') keep(w, &k, &v);
        skip_ws(r);
        if (r->p == r->end) return -1;
        if (*r->p == close) { out->end = ++r->p; return 0; }
        if (*r->p != ',') return -1;
        r->p++;
        skip_ws(r);
    }
}

static int scan_word(reader *r, span *out, const char *word, char kind)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n)) return -1;
    out->kind = kind;
    out->start = r->p;
    r->p += n;
    out->end = r->p;
    if (r->p < r->end && ((*r->p >= 'a' && *r->p <= 'z') || (*r->p >= 'A' && *r->p <= 'Z'))) return -1;
    return 0;
}

static int scan_value(reader *r, span *out, int depth)
{
    if (r->p == r->end) return -1;
    char c = *r->p;
    if (c == '"') return scan_string(r, out);
    if (c == '{' || c == '[') return scan_container(r, out, depth, NULL);
    if (c == '-' || is_digit(c)) return scan_number(r, out);
    if (c == 't') return scan_word(r, out, "true", 't');
    if (c == 'f') return scan_word(r, out, "false", 'f');
    if (c == 'n') return scan_word(r, out, "null", 'n');
    return -1;
}

/* ---------- values out (the text was checked by the scan) ---------- */

static void put_utf8(buf *b, unsigned u)
{
    char t[4];
    size_t n;
    if (u < 0x80) { t[0] = (char)u; n = 1; }
    else if (u < 0x800) { t[0] = (char)(0xc0 | u >> 6); t[1] = (char)(0x80 | (u & 0x3f)); n = 2; }
    else if (u < 0x10000) { t[0] = (char)(0xe0 | u >> 12); t[1] = (char)(0x80 | ((u >> 6) & 0x3f)); t[2] = (char)(0x80 | (u & 0x3f)); n = 3; }
    else {
        t[0] = (char)(0xf0 | u >> 18); t[1] = (char)(0x80 | ((u >> 12) & 0x3f));
        t[2] = (char)(0x80 | ((u >> 6) & 0x3f)); t[3] = (char)(0x80 | (u & 0x3f)); n = 4;
    }
    buf_add(b, t, n);
}

static void put_string(buf *b, const span *s)
{
    const char *p = s->start + 1, *end = s->end - 1;
    if (!s->escaped) { buf_add(b, p, (size_t)(end - p)); return; }
    while (p < end) {
        const char *q = memchr(p, '\\', (size_t)(end - p));
        if (!q) { buf_add(b, p, (size_t)(end - p)); return; }
        buf_add(b, p, (size_t)(q - p));
        char e = q[1];
        p = q + 2;
        switch (e) {
        case 'b': buf_addc(b, '\b'); break;
        case 'f': buf_addc(b, '\f'); break;
        case 'n': buf_addc(b, '\n'); break;
        case 'r': buf_addc(b, '\r'); break;
        case 't': buf_addc(b, '\t'); break;
        case 'u': {
            unsigned u = (unsigned)hex4(p);
            p += 4;
            if (u >= 0xd800 && u <= 0xdbff) {
                u = 0x10000 + ((u - 0xd800) << 10) + ((unsigned)hex4(p + 2) - 0xdc00);
                p += 6;
            }
            put_utf8(b, u);
            break;
        }
        default: buf_addc(b, e); break;   /* " \ / */
        }
    }
}

static void put_int(buf *b, const span *s)
{
    /* as jansson prints the integer it read: the scan let through no leading zeros, so the
     * text is already that, but for "-0" */
    size_t n = (size_t)(s->end - s->start);
    if (n == 2 && s->start[0] == '-' && s->start[1] == '0') buf_addc(b, '0');
    else buf_add(b, s->start, n);
}

static const char *const item_keys[] = {"value", "name", "street", "city", "region", "postcode", "country"};
enum { NITEM = sizeof item_keys / sizeof *item_keys };

/* an object as a list entry, from its item_keys members: the value, else the name, else
 * the address parts; -1 where item_text would dump it as JSON */
static int put_object(buf *b, const span *got, const bool *has)
{
    const span *v = has[0] ? &got[0] : has[1] ? &got[1] : NULL;
    if (v && v->kind == 's') { put_string(b, v); return 0; }
    bool any = false;
    for (int i = 2; i < NITEM; i++) {
        if (!has[i] || got[i].kind != 's' || got[i].end - got[i].start == 2) continue;
        if (any) buf_adds(b, ", ");
        put_string(b, &got[i]);
        any = true;
    }
    return any ? 0 : -1;
}

/* a list entry: as item_text below; -1 where that would dump the entry as JSON */
static int put_item(buf *b, const span *x)
{
    switch (x->kind) {
    case 's': put_string(b, x); return 0;
    case 'i': put_int(b, x); return 0;
    case 'n': buf_adds(b, "null"); return 0;
    case 't': buf_adds(b, "true"); return 0;
    case 'f': buf_adds(b, "false"); return 0;
    case 'o': {   /* checked already: scanned again for its members */
        reader r = {x->start, x->end, true};
        span got[NITEM], whole;
        bool has[NITEM] = {false};
        wanted w = {item_keys, NITEM, got, has};
        scan_container(&r, &whole, 0, &w);
        return put_object(b, got, has);
    }
    default: return -1;
    }
}

static int put_list(buf *b, reader *r, const char *sep);

/* a value: as json_cell_of below */
static int put_value(buf *b, const span *v, const char *sep)
{
    switch (v->kind) {
    case 'n': return 0;
    case 't': buf_adds(b, "true"); return 0;
    case 'f': buf_adds(b, "false"); return 0;
    case 'r': {
        char tmp[64];   /* the scan saw it is shorter */
        size_t n = (size_t)(v->end - v->start);
        memcpy(tmp, v->start, n);
        tmp[n] = 0;
        buf_printf(b, "%.15g", strtod(tmp, NULL));
        return 0;
    }
    case 'a': {   /* checked already: written again by put_list */
        reader r = {v->start, v->end, true};
        return put_list(b, &r, sep);
    }
    default: return put_item(b, v);
    }
}

/* one value checked and written as a list entry; an object is scanned once for both */
static int put_entry(buf *b, reader *r, int depth)
{
    span x;
    if (r->p < r->end && *r->p == '{') {
        span got[NITEM];
        bool has[NITEM] = {false};
        wanted w = {item_keys, NITEM, got, has};
        if (scan_container(r, &x, depth, &w) != 0) return -1;
        return put_object(b, got, has);
    }
    if (scan_value(r, &x, depth) != 0) return -1;
    return put_item(b, &x);
}

/* a list checked and written as it is read */
static int put_list(buf *b, reader *r, const char *sep)
{
    r->p++;   /* [ */
    skip_ws(r);
    if (r->p < r->end && *r->p == ']') { r->p++; return 0; }
    for (bool first = true;; first = false) {
        if (!first) buf_adds(b, sep);
        if (put_entry(b, r, 2) != 0) return -1;
        skip_ws(r);
        if (r->p == r->end) return -1;
        if (*r->p == ']') { r->p++; return 0; }
        if (*r->p != ',') return -1;
        r->p++;
        skip_ws(r);
    }
}

int json_cell_text(buf *b, const char *s, size_t n, const char *sep)
{
    size_t len = b->len;
    reader r = {s, s + n, false};
    skip_ws(&r);
    int rc = -1;
    if (r.p < r.end && *r.p == '[') rc = put_list(b, &r, sep);
    else if (r.p < r.end && *r.p == '{') rc = put_entry(b, &r, 1);
    skip_ws(&r);
    if (rc == 0 && r.p == r.end) return 0;
    b->len = len;
    b->data[len] = 0;
    return -1;
}

int json_cell_members(const char *s, size_t n, const char *const *keys, size_t nkeys, const char *sep, buf *const *out,
                      bool *number, bool *done)
{
    span got[JSON_CELL_MAX_KEYS], doc;
    bool has[JSON_CELL_MAX_KEYS] = {false};
    if (nkeys > JSON_CELL_MAX_KEYS) return -1;
    reader r = {s, s + n, false};
    skip_ws(&r);
    if (r.p == r.end || (*r.p != '{' && *r.p != '[')) return -1;
    wanted w = {keys, nkeys, got, has};
    if (scan_container(&r, &doc, 1, *r.p == '{' ? &w : NULL) != 0) return -1;
    skip_ws(&r);
    if (r.p != r.end) return -1;
    for (size_t i = 0; i < nkeys; i++) {
        number[i] = false;
        done[i] = true;
        if (!has[i]) continue;   /* no such member (or a list, which has none) */
        size_t len = out[i]->len;
        if (put_value(out[i], &got[i], sep) != 0) {
            out[i]->len = len;
            out[i]->data[len] = 0;
            done[i] = false;
            continue;
        }
        number[i] = got[i].kind == 'i' || got[i].kind == 'r';
    }
    return 0;
}

/* ---------- the same from a parsed value ---------- */

/* a list entry as a cell: its value, an address's parts, a link's name, or the scalar */
static void item_text(buf *b, json_t *x)
{
    if (json_is_string(x)) { buf_add(b, json_string_value(x), json_string_length(x)); return; }
    if (json_is_integer(x)) { buf_printf(b, "%lld", (long long)json_integer_value(x)); return; }
    if (json_is_object(x)) {
        json_t *v = json_object_get(x, "value");
        if (!v) v = json_object_get(x, "name");
        if (json_is_string(v)) { buf_add(b, json_string_value(v), json_string_length(v)); return; }
        static const char *const parts[] = {"street", "city", "region", "postcode", "country", NULL};
        bool any = false;
        for (const char *const *p = parts; *p; p++) {
            const char *s = json_string_value(json_object_get(x, *p));
            if (!s || !*s) continue;
            if (any) buf_adds(b, ", ");
            buf_adds(b, s);
            any = true;
        }
        if (any) return;
    }
    char *s = json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s) buf_adds(b, s);
    free(s);
}

void json_cell_of(buf *b, json_t *v, const char *sep)
{
    if (!v || json_is_null(v)) return;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (i) buf_adds(b, sep);
            item_text(b, x);
        }
        return;
    }
    if (json_is_true(v)) { buf_adds(b, "true"); return; }
    if (json_is_false(v)) { buf_adds(b, "false"); return; }
    if (json_is_real(v)) { buf_printf(b, "%.15g", json_real_value(v)); return; }
    item_text(b, v);
}
