/* The filter language: a one-token-lookahead lexer and a recursive-descent parser that
 * writes SQL while it parses. Grammar (keywords are case-insensitive):
 *
 *   filter     := or_expr END
 *   or_expr    := and_expr ("or" and_expr)*
 *   and_expr   := not_expr ("and" not_expr)*
 *   not_expr   := "not" not_expr | primary
 *   primary    := "(" or_expr ")" | comparison
 *   comparison := FIELD cmp VALUE | FIELD "in" "(" VALUE ("," VALUE)* ")"
 *               | FIELD ("contains" | "starts") VALUE | FIELD "is" ["not"] "null"
 *   cmp        := eq | ne | lt | le | gt | ge | = | != | < | <= | > | >=
 *
 * Every production leaves exactly one parenthesised SQL expression behind, so a user's own
 * parentheses need no output of their own and the caller can paste the result anywhere. */
#include "http/filter.h"
#include "core/utf8.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_COMMA, T_OP } tok_kind;

typedef struct token {
    tok_kind kind;
    size_t off, len;    /* raw span in the expression, for messages */
    const char *text;   /* WORD/OP: points into the expression; STRING: decoded arena copy */
    size_t n;
} token;

typedef struct parser {
    arena *a;
    const char *s;
    size_t len, pos;
    token tok;          /* the lookahead */
    filter_resolve_fn resolve;
    void *ctx;
    buf *sql;
    dbparams *params;
    filter_error *err;
    int depth;
    int comparisons;
} parser;

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_CONTAINS, OP_STARTS, OP_IS } op_kind;

static const struct {
    const char *word, *sym, *sql;
    op_kind op;
} ops[] = {
    { "eq", "=", "=", OP_EQ },
    /* IS NOT rather than <> so that `ne` keeps rows where the column is NULL: users read
     * "stage ne won" as "everything that is not won", and NULL is not won */
    { "ne", "!=", "IS NOT", OP_NE },
    { "lt", "<", "<", OP_LT },
    { "le", "<=", "<=", OP_LE },
    { "gt", ">", ">", OP_GT },
    { "ge", ">=", ">=", OP_GE },
    { "in", NULL, NULL, OP_IN },
    { "contains", NULL, NULL, OP_CONTAINS },
    { "starts", NULL, NULL, OP_STARTS },
    { "is", NULL, NULL, OP_IS },
};

typedef struct value {
    size_t off;
    bool quoted, is_null;
    const char *text;   /* as written for bare words, decoded for strings */
    size_t n;
} value;

/* ---- errors ---------------------------------------------------------------------------- */

static int fail(parser *p, size_t off, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(parser *p, size_t off, const char *field, const char *fmt, ...)
{
    if (!p->err) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    p->err->offset = off;
    snprintf(p->err->field, sizeof p->err->field, "%s", field ? field : "");
    return -1;
}

/* A bounded copy of user text for a message. Cut on a character boundary so the message
 * stays valid UTF-8 (it ends up in a JSON problem document). */
static const char *shown(parser *p, const char *s, size_t n)
{
    enum { SHOW_MAX = 40 };
    if (n <= SHOW_MAX) return arena_strndup(p->a, s, n);
    size_t cut = SHOW_MAX;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80) cut--;
    return arena_printf(p->a, "%.*s...", (int)cut, s);
}

/* how the lookahead reads in "unexpected X" messages */
static const char *tok_shown(parser *p, const token *t)
{
    if (t->kind == T_END) return "end of filter";
    return arena_printf(p->a, "'%s'", shown(p, p->s + t->off, t->len));
}

/* ---- lexer ----------------------------------------------------------------------------- */

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* bare words cover field names, keywords, numbers, dates and RFC 3339 times unquoted */
static bool is_word_char(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '+' || c == '@';
}

static bool eq_ci(const char *s, size_t n, const char *kw)
{
    size_t i = 0;
    for (; i < n && kw[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)kw[i]) return false;
    }
    return i == n && !kw[i];
}

static bool is_kw(const token *t, const char *kw)
{
    return t->kind == T_WORD && eq_ci(t->text, t->n, kw);
}

static int lex_string(parser *p, size_t start)
{
    /* find the closing quote first so the decoded copy is allocated at its real size */
    size_t end = start + 1;
    while (end < p->len && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) return fail(p, start, NULL, "unterminated string at offset %zu", start);

    char *out = arena_alloc(p->a, end - start);
    size_t n = 0;
    for (size_t i = start + 1; i < end;) {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '\\') {
            char e = p->s[i + 1];
            if (e != '"' && e != '\\') {
                if ((unsigned char)e >= 0x20 && (unsigned char)e < 0x7f)
                    return fail(p, i, NULL, "unknown escape '\\%c' in string at offset %zu", e, i);
                return fail(p, i, NULL, "unknown escape in string at offset %zu", i);
            }
            out[n++] = e;
            i += 2;
        } else if (c == 0) {
            /* a NUL would silently cut the value short in C string handling downstream */
            return fail(p, i, NULL, "unexpected byte 0x00 in string at offset %zu", i);
        } else if (c < 0x80) {
            out[n++] = (char)c;
            i++;
        } else {
            size_t k = utf8_valid_prefix_char(p->s + i, end - i);
            if (!k) return fail(p, i, NULL, "invalid UTF-8 in string at offset %zu", i);
            memcpy(out + n, p->s + i, k);
            n += k;
            i += k;
        }
    }
    out[n] = 0;
    p->tok = (token){ T_STRING, start, end + 1 - start, out, n };
    p->pos = end + 1;
    return 0;
}

/* read the next token into p->tok */
static int advance(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
        p->pos++;
    size_t at = p->pos;
    if (at == p->len) {
        p->tok = (token){ T_END, at, 0, p->s + at, 0 };
        return 0;
    }
    unsigned char c = (unsigned char)p->s[at];
    size_t n = 1;
    tok_kind kind;
    switch (c) {
    case '(': kind = T_LPAREN; break;
    case ')': kind = T_RPAREN; break;
    case ',': kind = T_COMMA; break;
    case '"': return lex_string(p, at);
    case '=': kind = T_OP; break;
    case '<':
    case '>':
        kind = T_OP;
        if (at + 1 < p->len && p->s[at + 1] == '=') n = 2;
        break;
    case '!':
        if (at + 1 < p->len && p->s[at + 1] == '=') { kind = T_OP; n = 2; break; }
        return fail(p, at, NULL, "unexpected character '!' at offset %zu", at);
    default:
        if (!is_word_char(c)) {
            if (c > 0x20 && c < 0x7f)
                return fail(p, at, NULL, "unexpected character '%c' at offset %zu", c, at);
            return fail(p, at, NULL, "unexpected byte 0x%02x at offset %zu", c, at);
        }
        kind = T_WORD;
        while (at + n < p->len && is_word_char((unsigned char)p->s[at + n])) n++;
    }
    p->tok = (token){ kind, at, n, p->s + at, n };
    p->pos = at + n;
    return 0;
}

/* ---- values ---------------------------------------------------------------------------- */

static bool digits(const char *s, size_t n, size_t *i)
{
    size_t from = *i;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') (*i)++;
    return *i > from;
}

static bool int_syntax(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    return digits(s, n, &i) && i == n;
}

/* decimal notation only: strtod alone would also take "inf", "nan" and hex floats */
static bool real_syntax(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    bool whole = digits(s, n, &i), frac = false;
    if (i < n && s[i] == '.') {
        i++;
        frac = digits(s, n, &i);
    }
    if (!whole && !frac) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (!digits(s, n, &i)) return false;
    }
    return i == n;
}

static int num2(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* exactly YYYY-MM-DD naming a real calendar day */
static bool parse_date(const char *s, size_t n, int *y, int *m, int *d)
{
    if (n < 10 || s[4] != '-' || s[7] != '-') return false;
    int hi = num2(s), lo = num2(s + 2);
    *m = num2(s + 5);
    *d = num2(s + 8);
    if (hi < 0 || lo < 0 || *m < 1 || *m > 12 || *d < 1) return false;
    *y = hi * 100 + lo;
    return *d <= days_in_month(*y, *m);
}

/* RFC 3339 date-time (or a bare date, meaning midnight UTC) to the stored form
 * YYYY-MM-DDTHH:MM:SSZ. Stored times have whole seconds, so a fraction is dropped. */
static const char *normalise_time(parser *p, const char *s, size_t n)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!parse_date(s, n, &y, &mo, &d)) return NULL;
    if (n > 10) {
        if (n < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return NULL;
        if (s[13] != ':' || s[16] != ':') return NULL;
        h = num2(s + 11);
        mi = num2(s + 14);
        sec = num2(s + 17);
        /* a leap second (:60) cannot be stored, so it cannot be matched either */
        if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return NULL;
        size_t i = 19;
        if (s[i] == '.') {
            i++;
            if (!digits(s, n, &i)) return NULL;
        }
        int shift = 0;   /* minutes east of UTC */
        if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
            /* already UTC */
        } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
            int oh = num2(s + i + 1), om = num2(s + i + 4);
            if (oh < 0 || oh > 23 || om < 0 || om > 59) return NULL;
            shift = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
        } else {
            return NULL;
        }
        /* offsets are under a day, so converting moves the date by one day at most */
        int minutes = h * 60 + mi - shift;
        if (minutes < 0) {
            minutes += 24 * 60;
            if (--d == 0) {
                if (--mo == 0) { mo = 12; y--; }
                if (y < 0) return NULL;
                d = days_in_month(y, mo);
            }
        } else if (minutes >= 24 * 60) {
            minutes -= 24 * 60;
            if (++d > days_in_month(y, mo)) {
                d = 1;
                if (++mo == 13) { mo = 1; y++; }
                if (y > 9999) return NULL;
            }
        }
        h = minutes / 60;
        mi = minutes % 60;
    }
    return arena_printf(p->a, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
}

static const char *type_name(filter_type t)
{
    switch (t) {
    case FILTER_TEXT: return "text";
    case FILTER_INT: return "integer";
    case FILTER_REAL: return "number";
    case FILTER_BOOL: return "boolean";
    case FILTER_TIME: return "time";
    case FILTER_DATE: return "date";
    }
    return "unknown";
}

/* Convert a non-null value to the field's type and bind it. Quoting does not change what a
 * value means (only `null` differs from "null"), so `amount eq "42"` and `zip eq 01234` work
 * and text keeps leading zeros exactly as written. */
static int bind_value(parser *p, const filter_field *f, const char *name, const value *v)
{
    const char *s = v->text;
    size_t n = v->n;
    switch (f->type) {
    case FILTER_TEXT:
        dbp_textn(p->params, arena_strndup(p->a, s, n), n);
        return 0;
    case FILTER_INT: {
        if (!int_syntax(s, n))
            return fail(p, v->off, name, "'%s' expects an integer, got \"%s\"", name, shown(p, s, n));
        errno = 0;
        long long i = strtoll(arena_strndup(p->a, s, n), NULL, 10);
        if (errno == ERANGE)
            return fail(p, v->off, name, "integer out of range for '%s', got \"%s\"", name, shown(p, s, n));
        dbp_int(p->params, i);
        return 0;
    }
    case FILTER_REAL: {
        if (!real_syntax(s, n))
            return fail(p, v->off, name, "'%s' expects a number, got \"%s\"", name, shown(p, s, n));
        /* the server never calls setlocale, so strtod reads '.' as the decimal point */
        double d = strtod(arena_strndup(p->a, s, n), NULL);
        if (!isfinite(d))
            return fail(p, v->off, name, "number out of range for '%s', got \"%s\"", name, shown(p, s, n));
        dbp_real(p->params, d);
        return 0;
    }
    case FILTER_BOOL:
        if (eq_ci(s, n, "true") || (n == 1 && s[0] == '1')) dbp_int(p->params, 1);
        else if (eq_ci(s, n, "false") || (n == 1 && s[0] == '0')) dbp_int(p->params, 0);
        else return fail(p, v->off, name, "'%s' expects true or false, got \"%s\"", name, shown(p, s, n));
        return 0;
    case FILTER_TIME: {
        const char *t = normalise_time(p, s, n);
        if (!t)
            return fail(p, v->off, name, "'%s' expects an RFC 3339 time or a date YYYY-MM-DD, got \"%s\"",
                        name, shown(p, s, n));
        dbp_text(p->params, t);
        return 0;
    }
    case FILTER_DATE: {
        int y, m, d;
        if (n != 10 || !parse_date(s, n, &y, &m, &d))
            return fail(p, v->off, name, "'%s' expects a date YYYY-MM-DD, got \"%s\"", name, shown(p, s, n));
        dbp_textn(p->params, arena_strndup(p->a, s, n), n);
        return 0;
    }
    }
    return fail(p, v->off, name, "field '%s' has an unsupported type", name);
}

/* the LIKE pattern for contains/starts: the user's % and _ are literal characters */
static void bind_like(parser *p, const value *v, bool anywhere)
{
    char *out = arena_alloc(p->a, v->n * 2 + 3);
    size_t n = 0;
    if (anywhere) out[n++] = '%';
    for (size_t i = 0; i < v->n; i++) {
        char c = v->text[i];
        if (c == '%' || c == '_' || c == '\\') out[n++] = '\\';
        out[n++] = c;
    }
    out[n++] = '%';
    out[n] = 0;
    dbp_textn(p->params, out, n);
}

/* `after` is the preceding token as written, for the message */
static int read_value(parser *p, const char *after, value *v)
{
    const token *t = &p->tok;
    /* a bare and/or here is almost always a forgotten value, not the word "and" */
    if (t->kind != T_STRING && (t->kind != T_WORD || is_kw(t, "and") || is_kw(t, "or")))
        return fail(p, t->off, NULL, "expected a value after '%s' at offset %zu", after, t->off);
    *v = (value){ t->off, t->kind == T_STRING, t->kind == T_WORD && is_kw(t, "null"), t->text, t->n };
    return advance(p);
}

/* ---- parser ---------------------------------------------------------------------------- */

static int parse_or(parser *p);

static int enter(parser *p, size_t off)
{
    if (++p->depth > FILTER_MAX_DEPTH)
        return fail(p, off, NULL, "nesting too deep at offset %zu (max %d)", off, FILTER_MAX_DEPTH);
    return 0;
}

/* Open a parenthesis before output already written: a chain of and/or only shows itself
 * after its first operand, and a lone operand must not get a second pair of parentheses. */
static int open_at(parser *p, size_t mark)
{
    buf *b = p->sql;
    buf_addc(b, '(');
    if (b->overflow) return fail(p, p->tok.off, NULL, "filter produces too much SQL");
    memmove(b->data + mark + 1, b->data + mark, b->len - 1 - mark);
    b->data[mark] = '(';
    return 0;
}

static bool valid_field_name(const char *s, size_t n)
{
    /* dot-separated segments of letters, digits and `_`; none empty */
    if (n == 0 || s[0] == '.' || s[n - 1] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' ? s[i + 1] == '.' : !(is_alnum(c) || c == '_')) return false;
    }
    return true;
}

static int parse_comparison(parser *p)
{
    token ft = p->tok;
    /* and/or here means an operand is missing; never look them up as field names */
    if (ft.kind != T_WORD || is_kw(&ft, "and") || is_kw(&ft, "or"))
        return fail(p, ft.off, NULL, "expected a field name at offset %zu, got %s", ft.off, tok_shown(p, &ft));
    if (ft.n > FILTER_NAME_MAX)
        return fail(p, ft.off, NULL, "field name too long at offset %zu (max %d bytes)", ft.off, FILTER_NAME_MAX);
    const char *name = arena_strndup(p->a, ft.text, ft.n);
    if (!valid_field_name(ft.text, ft.n))
        return fail(p, ft.off, name, "invalid field name '%s' at offset %zu", name, ft.off);
    if (++p->comparisons > FILTER_MAX_COMPARISONS)
        return fail(p, ft.off, NULL, "too many comparisons at offset %zu (max %d)", ft.off,
                    FILTER_MAX_COMPARISONS);
    filter_field f = { 0 };
    if (p->resolve(p->ctx, name, &f) != 0 || !f.sql)
        return fail(p, ft.off, name, "unknown field '%s'", name);
    if (advance(p)) return -1;

    token ot = p->tok;
    int op = -1;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0] && op < 0; i++) {
        if (ot.kind == T_WORD && eq_ci(ot.text, ot.n, ops[i].word)) op = (int)i;
        if (ot.kind == T_OP && ops[i].sym && strlen(ops[i].sym) == ot.n && !memcmp(ot.text, ops[i].sym, ot.n))
            op = (int)i;
    }
    if (op < 0) {
        if (ot.kind == T_END)
            return fail(p, ot.off, name, "expected an operator after '%s' at offset %zu", name, ot.off);
        return fail(p, ot.off, name, "unknown operator %s after '%s' at offset %zu", tok_shown(p, &ot), name, ot.off);
    }
    const char *opw = arena_strndup(p->a, ot.text, ot.n);   /* as the user wrote it */
    if (advance(p)) return -1;
    buf *sql = p->sql;
    value v;

    switch (ops[op].op) {
    case OP_IS: {
        bool negated = is_kw(&p->tok, "not");
        if (negated && advance(p)) return -1;
        if (!is_kw(&p->tok, "null"))
            return fail(p, p->tok.off, name, "expected 'null' after '%s' at offset %zu",
                        negated ? "is not" : "is", p->tok.off);
        buf_printf(sql, "(%s IS %sNULL)", f.sql, negated ? "NOT " : "");
        return advance(p);
    }
    case OP_IN: {
        if (p->tok.kind != T_LPAREN)
            return fail(p, p->tok.off, name, "expected '(' after '%s' at offset %zu", opw, p->tok.off);
        if (advance(p)) return -1;
        /* NULL never equals anything inside IN, so a listed null becomes its own IS NULL */
        size_t count = 0, bound = 0;
        bool with_null = false;
        const char *after = "(";
        size_t mark = sql->len;
        buf_printf(sql, "(%s IN (", f.sql);
        for (;;) {
            if (read_value(p, after, &v)) return -1;
            if (++count > FILTER_MAX_IN_VALUES)
                return fail(p, v.off, name, "too many values in 'in' list at offset %zu (max %d)", v.off,
                            FILTER_MAX_IN_VALUES);
            if (v.is_null) {
                with_null = true;
            } else {
                if (bind_value(p, &f, name, &v)) return -1;
                buf_adds(sql, bound++ ? ", ?" : "?");
            }
            if (p->tok.kind == T_RPAREN) break;
            if (p->tok.kind != T_COMMA)
                return fail(p, p->tok.off, name, "expected ',' or ')' in 'in' list at offset %zu, got %s",
                            p->tok.off, tok_shown(p, &p->tok));
            after = ",";
            if (advance(p)) return -1;
        }
        if (!bound) {
            sql->len = mark;   /* only nulls were listed: drop the empty IN ( */
            sql->data[mark] = 0;
            buf_printf(sql, "(%s IS NULL)", f.sql);
        } else if (with_null) {
            buf_printf(sql, ") OR %s IS NULL)", f.sql);
        } else {
            buf_adds(sql, "))");
        }
        return advance(p);
    }
    case OP_CONTAINS:
    case OP_STARTS:
        if (f.type != FILTER_TEXT)
            return fail(p, ot.off, name, "text operator '%s' used on %s field '%s'", opw, type_name(f.type), name);
        if (read_value(p, opw, &v)) return -1;
        if (v.is_null) return fail(p, v.off, name, "null not allowed with '%s' at offset %zu", opw, v.off);
        bind_like(p, &v, ops[op].op == OP_CONTAINS);
        buf_printf(sql, "(%s LIKE ? ESCAPE '\\')", f.sql);
        return 0;
    default:
        if (read_value(p, opw, &v)) return -1;
        if (v.is_null) {
            if (ops[op].op != OP_EQ && ops[op].op != OP_NE)
                return fail(p, v.off, name, "null not allowed with '%s' at offset %zu, use 'is null'", opw, v.off);
            buf_printf(sql, "(%s IS %sNULL)", f.sql, ops[op].op == OP_NE ? "NOT " : "");
            return 0;
        }
        if (bind_value(p, &f, name, &v)) return -1;
        buf_printf(sql, "(%s %s ?)", f.sql, ops[op].sql);
        return 0;
    }
}

static int parse_primary(parser *p)
{
    if (p->tok.kind != T_LPAREN) return parse_comparison(p);
    size_t open = p->tok.off;
    if (enter(p, open) || advance(p) || parse_or(p)) return -1;
    if (p->tok.kind != T_RPAREN)
        return fail(p, p->tok.off, NULL, "expected ')' at offset %zu to close '(' at offset %zu, got %s",
                    p->tok.off, open, tok_shown(p, &p->tok));
    p->depth--;
    return advance(p);
}

static int parse_not(parser *p)
{
    if (!is_kw(&p->tok, "not")) return parse_primary(p);
    if (enter(p, p->tok.off) || advance(p)) return -1;
    buf_adds(p->sql, "(NOT ");
    if (parse_not(p)) return -1;
    buf_addc(p->sql, ')');
    p->depth--;
    return 0;
}

static int parse_and(parser *p)
{
    size_t mark = p->sql->len;
    if (parse_not(p)) return -1;
    bool chain = false;
    while (is_kw(&p->tok, "and")) {
        if (!chain && open_at(p, mark)) return -1;
        chain = true;
        buf_adds(p->sql, " AND ");
        if (advance(p) || parse_not(p)) return -1;
    }
    if (chain) buf_addc(p->sql, ')');
    return 0;
}

static int parse_or(parser *p)
{
    size_t mark = p->sql->len;
    if (parse_and(p)) return -1;
    bool chain = false;
    while (is_kw(&p->tok, "or")) {
        if (!chain && open_at(p, mark)) return -1;
        chain = true;
        buf_adds(p->sql, " OR ");
        if (advance(p) || parse_and(p)) return -1;
    }
    if (chain) buf_addc(p->sql, ')');
    return 0;
}

int filter_compile(arena *a, const char *expr, size_t len, filter_resolve_fn resolve, void *ctx,
                   buf *sql, dbparams *params, filter_error *err)
{
    parser p = { .a = a, .s = expr ? expr : "", .len = expr ? len : 0, .resolve = resolve, .ctx = ctx,
                 .sql = sql, .params = params, .err = err };
    if (err) memset(err, 0, sizeof *err);
    if (p.len > FILTER_MAX_LEN)
        return fail(&p, FILTER_MAX_LEN, NULL, "filter too long (%zu bytes, max %d)", p.len, FILTER_MAX_LEN);
    if (advance(&p)) return -1;
    if (p.tok.kind == T_END) return fail(&p, 0, NULL, "empty filter");
    if (parse_or(&p)) return -1;
    if (p.tok.kind != T_END)
        return fail(&p, p.tok.off, NULL, "unexpected %s at offset %zu", tok_shown(&p, &p.tok), p.tok.off);
    if (sql->overflow) return fail(&p, 0, NULL, "filter produces too much SQL");
    return 0;
}
