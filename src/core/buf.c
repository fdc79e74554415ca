/* Growable NUL-terminated buffer and the streaming JSON writer on top of it. */
#include "core/buf.h"
#include "core/arena.h"
#include "core/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max)
{
    b->cap = 256;
    b->data = xmalloc(b->cap);
    b->data[0] = 0;
    b->len = 0;
    b->max = max;
    b->overflow = false;
}

void buf_release(buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_reset(buf *b)
{
    b->len = 0;
    b->data[0] = 0;
    b->overflow = false;
}

static bool buf_grow(buf *b, size_t n)
{
    if (b->max && b->len + n > b->max) {
        b->overflow = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap * 2;
        while (cap < b->len + n + 1) cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    return true;
}

void buf_add(buf *b, const void *p, size_t n)
{
    if (!buf_grow(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void buf_adds(buf *b, const char *s) { buf_add(b, s, strlen(s)); }
void buf_addc(buf *b, char c) { buf_add(b, &c, 1); }

void buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !buf_grow(b, (size_t)n)) return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *buf_detach(buf *b)
{
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_json_strn(buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_addc(b, '"');
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { i++; run++; continue; }
        /* a valid multibyte character joins the run: Cyrillic text is copied in one piece */
        size_t len = c >= 0x80 ? utf8_valid_prefix_char(s + i, n - i) : 0;
        if (len) { i += len; run += len; continue; }
        buf_add(b, s + i - run, run);
        run = 0;
        if (c >= 0x80) { buf_adds(b, "\xef\xbf\xbd"); i++; continue; }
        switch (c) {
        case '"': buf_adds(b, "\\\""); break;
        case '\\': buf_adds(b, "\\\\"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\r': buf_adds(b, "\\r"); break;
        case '\t': buf_adds(b, "\\t"); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_add(b, e, 6);
        }
        }
        i++;
    }
    buf_add(b, s + i - run, run);
    buf_addc(b, '"');
}

void buf_json_str(buf *b, const char *s) { buf_json_strn(b, s, strlen(s)); }

void jw_init(jw *w, buf *b) { w->b = b; w->depth = 0; w->need_comma = 0; }

static void jw_sep(jw *w)
{
    uint64_t bit = 1ull << (w->depth & 63);
    if (w->need_comma & bit) buf_addc(w->b, ',');
    w->need_comma |= bit;
}

static void jw_open(jw *w, char c)
{
    jw_sep(w);
    buf_addc(w->b, c);
    w->depth++;
    w->need_comma &= ~(1ull << (w->depth & 63));
}

static void jw_close(jw *w, char c) { w->depth--; buf_addc(w->b, c); }

void jw_obj(jw *w) { jw_open(w, '{'); }
void jw_obj_end(jw *w) { jw_close(w, '}'); }
void jw_arr(jw *w) { jw_open(w, '['); }
void jw_arr_end(jw *w) { jw_close(w, ']'); }

void jw_key(jw *w, const char *k)
{
    jw_sep(w);
    buf_json_str(w->b, k);
    buf_addc(w->b, ':');
    w->need_comma &= ~(1ull << (w->depth & 63));   /* the value follows without a comma */
}

void jw_str(jw *w, const char *s) { jw_sep(w); if (s) buf_json_str(w->b, s); else buf_adds(w->b, "null"); }
/* decimal digits without printf's format parsing: a JSON writer prints ids by the million */
static void buf_add_int(buf *b, long long v)
{
    char d[24], *p = d + sizeof d;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do *--p = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--p = '-';
    buf_add(b, p, (size_t)(d + sizeof d - p));
}

void jw_int(jw *w, long long v) { jw_sep(w); buf_add_int(w->b, v); }
void jw_double(jw *w, double v) { jw_sep(w); buf_printf(w->b, "%.17g", v); }
void jw_bool(jw *w, bool v) { jw_sep(w); buf_adds(w->b, v ? "true" : "false"); }
void jw_null(jw *w) { jw_sep(w); buf_adds(w->b, "null"); }
void jw_raw(jw *w, const char *json) { jw_sep(w); buf_adds(w->b, json ? json : "null"); }
void jw_kstr(jw *w, const char *k, const char *v) { jw_key(w, k); jw_str(w, v); }
void jw_kint(jw *w, const char *k, long long v) { jw_key(w, k); jw_int(w, v); }
void jw_kbool(jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
void jw_knull(jw *w, const char *k) { jw_key(w, k); jw_null(w); }
void jw_kraw(jw *w, const char *k, const char *json) { jw_key(w, k); jw_raw(w, json); }
