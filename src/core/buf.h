/* buf: a growable byte buffer, always NUL-terminated, with an optional size cap.
 *
 * Memory is malloc'd and owned by the buf: buf_release() frees it. Appending past `max`
 * (0 = unlimited) sets `overflow` and drops the bytes, so hostile input cannot grow a
 * buffer without bound; callers check `overflow` once at the end. */
#ifndef KT_BUF_H
#define KT_BUF_H
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct buf {
    char *data;     /* never NULL after buf_init */
    size_t len, cap, max;
    bool overflow;
} buf;

void buf_init(buf *b, size_t max);
void buf_release(buf *b);
void buf_reset(buf *b);
void buf_add(buf *b, const void *p, size_t n);
void buf_adds(buf *b, const char *s);
void buf_addc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
char *buf_detach(buf *b);   /* caller frees */

/* JSON writing straight into a buf: strings are escaped and invalid UTF-8 is replaced
 * with U+FFFD so the output is always valid JSON. Commas are the caller's business
 * except through the jw_* helpers below. */
void buf_json_str(buf *b, const char *s);
void buf_json_strn(buf *b, const char *s, size_t n);

/* jw: a tiny JSON writer over a buf that places commas itself. */
typedef struct jw {
    buf *b;
    int depth;
    uint64_t need_comma;   /* bit per depth */
} jw;
void jw_init(jw *w, buf *b);
void jw_obj(jw *w);
void jw_obj_end(jw *w);
void jw_arr(jw *w);
void jw_arr_end(jw *w);
void jw_key(jw *w, const char *k);
void jw_str(jw *w, const char *s);       /* NULL writes null */
void jw_int(jw *w, long long v);
void jw_double(jw *w, double v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
void jw_raw(jw *w, const char *json);    /* already-valid JSON text as one value */
/* key + value shortcuts */
void jw_kstr(jw *w, const char *k, const char *v);
void jw_kint(jw *w, const char *k, long long v);
void jw_kbool(jw *w, const char *k, bool v);
void jw_knull(jw *w, const char *k);
void jw_kraw(jw *w, const char *k, const char *json);
#endif
