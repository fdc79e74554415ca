/* Unit tests for the filter language: generated SQL and parameters, every error class,
 * limits, and an end-to-end run against an in-memory SQLite table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "http/filter.h"

/* ---- fixture --------------------------------------------------------------------------- */

typedef struct fx {
    arena a;
    buf sql;
    dbparams params;
    filter_error err;
    int resolve_calls;
    char last_name[128];
    bool null_sql;        /* make the resolver misbehave: claim success without SQL */
} fx;

static const struct {
    const char *name, *sql;
    filter_type type;
} fields[] = {
    { "name", "c.name", FILTER_TEXT },
    { "stage", "c.stage", FILTER_TEXT },
    { "amount", "c.amount", FILTER_INT },
    { "score", "c.score", FILTER_REAL },
    { "active", "c.active", FILTER_BOOL },
    { "created_at", "c.created_at", FILTER_TIME },
    { "due", "c.due", FILTER_DATE },
};

/* fixed columns plus any custom field, whose SQL is built in the arena */
static int resolve(void *ctx, const char *name, filter_field *out)
{
    fx *f = ctx;
    f->resolve_calls++;
    snprintf(f->last_name, sizeof f->last_name, "%s", name);
    if (f->null_sql) {
        out->sql = NULL;
        return 0;
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!strcmp(fields[i].name, name)) {
            out->sql = fields[i].sql;
            out->type = fields[i].type;
            return 0;
        }
    }
    if (!strncmp(name, "custom_fields.", 14)) {
        out->sql = arena_printf(&f->a, "json_extract(c.custom,'$.%s')", name + 14);
        out->type = FILTER_TEXT;
        return 0;
    }
    return -1;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    arena_init(&f->a);
    buf_init(&f->sql, 0);
    dbparams_init(&f->params, &f->a);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    buf_release(&f->sql);
    arena_release(&f->a);
    free(f);
    return 0;
}

static int run_n(fx *f, const char *expr, size_t len)
{
    buf_reset(&f->sql);
    dbparams_init(&f->params, &f->a);
    f->resolve_calls = 0;
    return filter_compile(&f->a, expr, len, resolve, f, &f->sql, &f->params, &f->err);
}

static int run(fx *f, const char *expr) { return run_n(f, expr, strlen(expr)); }

/* the parameter list as "i:5 t:won r:1.5 n" */
static const char *params_str(fx *f)
{
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < f->params.n; i++) {
        const dbv *v = &f->params.v[i];
        if (i) buf_addc(&b, ' ');
        switch (v->type) {
        case DBV_NULL: buf_adds(&b, "n"); break;
        case DBV_INT: buf_printf(&b, "i:%lld", v->i); break;
        case DBV_REAL: buf_printf(&b, "r:%g", v->d); break;
        case DBV_TEXT: buf_printf(&b, "t:%.*s", (int)v->n, v->s); break;
        }
    }
    char *s = arena_strdup(&f->a, b.data);
    buf_release(&b);
    return s;
}

#define OK(f, expr, want_sql, want_params) do { \
        if (run(f, expr) != 0) fail_msg("%s: %s", expr, (f)->err.message); \
        assert_string_equal((f)->sql.data, want_sql); \
        assert_string_equal(params_str(f), want_params); \
        assert_string_equal((f)->err.message, ""); \
    } while (0)

#define ERR_N(f, expr, len, want_msg, want_off, want_field) do { \
        assert_int_equal(run_n(f, expr, len), -1); \
        assert_string_equal((f)->err.message, want_msg); \
        assert_int_equal((f)->err.offset, want_off); \
        assert_string_equal((f)->err.field, want_field); \
    } while (0)
#define ERR(f, expr, want_msg, want_off, want_field) ERR_N(f, expr, strlen(expr), want_msg, want_off, want_field)

/* ---- valid expressions ----------------------------------------------------------------- */

static void test_comparison_operators(void **state)
{
    fx *f = *state;
    OK(f, "amount eq 5", "(c.amount = ?)", "i:5");
    OK(f, "amount = 5", "(c.amount = ?)", "i:5");
    OK(f, "amount ne 5", "(c.amount IS NOT ?)", "i:5");
    OK(f, "amount != 5", "(c.amount IS NOT ?)", "i:5");
    OK(f, "amount lt -5", "(c.amount < ?)", "i:-5");
    OK(f, "amount<5", "(c.amount < ?)", "i:5");
    OK(f, "amount le +5", "(c.amount <= ?)", "i:5");
    OK(f, "amount<=5", "(c.amount <= ?)", "i:5");
    OK(f, "amount gt 0", "(c.amount > ?)", "i:0");
    OK(f, "amount>0", "(c.amount > ?)", "i:0");
    OK(f, "amount ge 7", "(c.amount >= ?)", "i:7");
    OK(f, "amount>=7", "(c.amount >= ?)", "i:7");
    OK(f, "amount EQ 5", "(c.amount = ?)", "i:5");          /* keywords ignore case */
    OK(f, " \t\r\namount\neq\t5  ", "(c.amount = ?)", "i:5");
    OK(f, "stage ne won", "(c.stage IS NOT ?)", "t:won");
}

static void test_null_forms(void **state)
{
    fx *f = *state;
    OK(f, "stage eq null", "(c.stage IS NULL)", "");
    OK(f, "stage = NULL", "(c.stage IS NULL)", "");
    OK(f, "stage ne null", "(c.stage IS NOT NULL)", "");
    OK(f, "stage != Null", "(c.stage IS NOT NULL)", "");
    OK(f, "stage is null", "(c.stage IS NULL)", "");
    OK(f, "stage IS NOT NULL", "(c.stage IS NOT NULL)", "");
    OK(f, "amount is not null", "(c.amount IS NOT NULL)", "");
    /* quoting turns the keyword into the word */
    OK(f, "stage eq \"null\"", "(c.stage = ?)", "t:null");
}

static void test_in_lists(void **state)
{
    fx *f = *state;
    OK(f, "stage in (won, lost, \"on hold\")", "(c.stage IN (?, ?, ?))", "t:won t:lost t:on hold");
    OK(f, "stage IN(won)", "(c.stage IN (?))", "t:won");
    OK(f, "amount in (1,2 , 3)", "(c.amount IN (?, ?, ?))", "i:1 i:2 i:3");
    OK(f, "stage in (won, null)", "(c.stage IN (?) OR c.stage IS NULL)", "t:won");
    OK(f, "stage in (null, won, null, lost)", "(c.stage IN (?, ?) OR c.stage IS NULL)", "t:won t:lost");
    OK(f, "stage in (null)", "(c.stage IS NULL)", "");
    OK(f, "stage in (null, NULL) and amount eq 1", "((c.stage IS NULL) AND (c.amount = ?))", "i:1");
}

static void test_contains_and_starts(void **state)
{
    fx *f = *state;
    OK(f, "name contains ali", "(c.name LIKE ? ESCAPE '\\')", "t:%ali%");
    OK(f, "name starts Al", "(c.name LIKE ? ESCAPE '\\')", "t:Al%");
    /* LIKE wildcards and the escape character in the value are literal */
    OK(f, "name contains \"50%_off\\\\\"", "(c.name LIKE ? ESCAPE '\\')", "t:%50\\%\\_off\\\\%");
    OK(f, "name starts \"\"", "(c.name LIKE ? ESCAPE '\\')", "t:%");
    OK(f, "name CONTAINS \"Zoë\"", "(c.name LIKE ? ESCAPE '\\')", "t:%Zoë%");
}

static void test_boolean_structure(void **state)
{
    fx *f = *state;
    OK(f, "amount eq 1 and stage eq a", "((c.amount = ?) AND (c.stage = ?))", "i:1 t:a");
    OK(f, "amount eq 1 or stage eq a or stage eq b",
       "((c.amount = ?) OR (c.stage = ?) OR (c.stage = ?))", "i:1 t:a t:b");
    /* not binds tighter than and, and tighter than or */
    OK(f, "amount eq 1 or stage eq a and not stage eq b",
       "((c.amount = ?) OR ((c.stage = ?) AND (NOT (c.stage = ?))))", "i:1 t:a t:b");
    OK(f, "not amount eq 1 and stage eq a", "((NOT (c.amount = ?)) AND (c.stage = ?))", "i:1 t:a");
    OK(f, "(amount eq 1 or stage eq a) and stage eq b",
       "(((c.amount = ?) OR (c.stage = ?)) AND (c.stage = ?))", "i:1 t:a t:b");
    OK(f, "not (amount eq 1 or amount eq 2)", "(NOT ((c.amount = ?) OR (c.amount = ?)))", "i:1 i:2");
    OK(f, "not not amount eq 1", "(NOT (NOT (c.amount = ?)))", "i:1");
    OK(f, "((amount eq 1))", "(c.amount = ?)", "i:1");
    OK(f, "(amount eq 1)and(amount eq 2)OR(amount eq 3)",
       "(((c.amount = ?) AND (c.amount = ?)) OR (c.amount = ?))", "i:1 i:2 i:3");
}

static int resolve_ab(void *ctx, const char *name, filter_field *out)
{
    if (!strcmp(name, "a.b")) {
        out->sql = "c.stage";
        out->type = FILTER_TEXT;
        return 0;
    }
    return resolve(ctx, name, out);
}

static void test_dotted_and_custom_fields(void **state)
{
    fx *f = *state;
    OK(f, "custom_fields.region eq north", "(json_extract(c.custom,'$.region') = ?)", "t:north");
    assert_string_equal(f->last_name, "custom_fields.region");
    OK(f, "custom_fields.x_1 in (a, b)", "(json_extract(c.custom,'$.x_1') IN (?, ?))", "t:a t:b");
}

static void test_output_is_appended(void **state)
{
    fx *f = *state;
    buf_reset(&f->sql);
    buf_adds(&f->sql, "SELECT id FROM c WHERE c.org = ? AND ");
    dbparams_init(&f->params, &f->a);
    dbp_int(&f->params, 42);
    const char *e = "stage eq a or stage eq b";
    assert_int_equal(filter_compile(&f->a, e, strlen(e), resolve, f, &f->sql, &f->params, &f->err), 0);
    assert_string_equal(f->sql.data, "SELECT id FROM c WHERE c.org = ? AND ((c.stage = ?) OR (c.stage = ?))");
    assert_string_equal(params_str(f), "i:42 t:a t:b");
}

static void test_typing(void **state)
{
    fx *f = *state;
    /* text keeps the value exactly as written, whatever it looks like */
    OK(f, "name eq 007", "(c.name = ?)", "t:007");
    OK(f, "name eq true", "(c.name = ?)", "t:true");
    OK(f, "name eq a-b.c:d+e@f_g", "(c.name = ?)", "t:a-b.c:d+e@f_g");
    OK(f, "name eq \"say \\\"hi\\\" \\\\ bye\"", "(c.name = ?)", "t:say \"hi\" \\ bye");
    OK(f, "name eq \"and\"", "(c.name = ?)", "t:and");
    OK(f, "name eq \"\"", "(c.name = ?)", "t:");
    /* integers */
    OK(f, "amount eq \"42\"", "(c.amount = ?)", "i:42");
    OK(f, "amount eq 007", "(c.amount = ?)", "i:7");
    OK(f, "amount eq 9223372036854775807", "(c.amount = ?)", "i:9223372036854775807");
    OK(f, "amount eq -9223372036854775808", "(c.amount = ?)", "i:-9223372036854775808");
    /* reals take integers, decimals and exponents */
    OK(f, "score ge 3", "(c.score >= ?)", "r:3");
    OK(f, "score gt 1.5e2", "(c.score > ?)", "r:150");
    OK(f, "score lt -.25", "(c.score < ?)", "r:-0.25");
    OK(f, "score lt 2.", "(c.score < ?)", "r:2");
    OK(f, "score eq 1E-3", "(c.score = ?)", "r:0.001");
    /* booleans are stored as 0/1 */
    OK(f, "active eq true", "(c.active = ?)", "i:1");
    OK(f, "active eq FALSE", "(c.active = ?)", "i:0");
    OK(f, "active ne 1", "(c.active IS NOT ?)", "i:1");
    OK(f, "active eq \"0\"", "(c.active = ?)", "i:0");
    /* dates */
    OK(f, "due eq 2024-02-29", "(c.due = ?)", "t:2024-02-29");
    OK(f, "due lt 2000-02-29", "(c.due < ?)", "t:2000-02-29");
}

static void test_time_normalisation(void **state)
{
    fx *f = *state;
    OK(f, "created_at eq 2024-03-01T10:00:00Z", "(c.created_at = ?)", "t:2024-03-01T10:00:00Z");
    OK(f, "created_at eq 2024-03-01t10:00:00z", "(c.created_at = ?)", "t:2024-03-01T10:00:00Z");
    OK(f, "created_at eq \"2024-03-01 10:00:00Z\"", "(c.created_at = ?)", "t:2024-03-01T10:00:00Z");
    OK(f, "created_at gt 2024-03-01T10:00:00+02:00", "(c.created_at > ?)", "t:2024-03-01T08:00:00Z");
    OK(f, "created_at gt 2024-03-01T10:00:00-05:30", "(c.created_at > ?)", "t:2024-03-01T15:30:00Z");
    OK(f, "created_at ge 2024-03-01", "(c.created_at >= ?)", "t:2024-03-01T00:00:00Z");
    OK(f, "created_at ge 2024-03-01T10:00:00.123456Z", "(c.created_at >= ?)", "t:2024-03-01T10:00:00Z");
    /* offsets that cross day, month, year and leap-day boundaries */
    OK(f, "created_at eq 2023-12-31T23:30:00-01:00", "(c.created_at = ?)", "t:2024-01-01T00:30:00Z");
    OK(f, "created_at eq 2024-01-01T00:30:00+01:00", "(c.created_at = ?)", "t:2023-12-31T23:30:00Z");
    OK(f, "created_at eq 2024-03-01T00:30:00+01:00", "(c.created_at = ?)", "t:2024-02-29T23:30:00Z");
    OK(f, "created_at eq 2023-03-01T00:30:00+01:00", "(c.created_at = ?)", "t:2023-02-28T23:30:00Z");
    OK(f, "created_at eq 2024-04-30T23:00:00-01:00", "(c.created_at = ?)", "t:2024-05-01T00:00:00Z");
    OK(f, "created_at in (2024-01-01, 2024-01-02T00:00:00Z)", "(c.created_at IN (?, ?))",
       "t:2024-01-01T00:00:00Z t:2024-01-02T00:00:00Z");
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_lexical_errors(void **state)
{
    fx *f = *state;
    ERR(f, "", "empty filter", 0, "");
    ERR(f, "  \t ", "empty filter", 0, "");
    ERR(f, "amount eq 5 ; drop table c", "unexpected character ';' at offset 12", 12, "");
    ERR(f, "amount eq 'x'", "unexpected character ''' at offset 10", 10, "");
    ERR(f, "amount ! 5", "unexpected character '!' at offset 7", 7, "");
    ERR(f, "name eq Zo\xc3\xab", "unexpected byte 0xc3 at offset 10", 10, "");
    ERR(f, "name eq \"abc", "unterminated string at offset 8", 8, "");
    ERR(f, "name eq \"abc\\\"", "unterminated string at offset 8", 8, "");
    ERR(f, "name eq \"abc\\", "unterminated string at offset 8", 8, "");
    ERR(f, "name eq \"a\\nb\"", "unknown escape '\\n' in string at offset 10", 10, "");
    ERR(f, "name eq \"a\\\x01\"", "unknown escape in string at offset 10", 10, "");
    ERR_N(f, "name eq \"a\0b\"", 13, "unexpected byte 0x00 in string at offset 10", 10, "");
    ERR_N(f, "amount eq 5\0", 12, "unexpected byte 0x00 at offset 11", 11, "");
}

static void test_invalid_utf8(void **state)
{
    fx *f = *state;
    ERR(f, "name eq \"\xc3\x28\"", "invalid UTF-8 in string at offset 9", 9, "");          /* bad continuation */
    ERR(f, "name eq \"ab\xc0\xaf\"", "invalid UTF-8 in string at offset 11", 11, "");      /* overlong '/' */
    ERR(f, "name eq \"\xed\xa0\x80\"", "invalid UTF-8 in string at offset 9", 9, "");      /* surrogate */
    ERR(f, "name eq \"\xf4\x90\x80\x80\"", "invalid UTF-8 in string at offset 9", 9, "");  /* past U+10FFFF */
    ERR(f, "name eq \"\xe2\x82\"", "invalid UTF-8 in string at offset 9", 9, "");          /* cut short by the quote */
    ERR(f, "name eq \"\x80\"", "invalid UTF-8 in string at offset 9", 9, "");
    ERR(f, "name in (ok, \"\xff\")", "invalid UTF-8 in string at offset 14", 14, "");
    OK(f, "name eq \"\xe2\x82\xac \xf0\x9f\x98\x80\"", "(c.name = ?)", "t:\xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_syntax_errors(void **state)
{
    fx *f = *state;
    ERR(f, "amount eq 1 and", "expected a field name at offset 15, got end of filter", 15, "");
    ERR(f, "( )", "expected a field name at offset 2, got ')'", 2, "");
    ERR(f, "\"amount\" eq 1", "expected a field name at offset 0, got '\"amount\"'", 0, "");
    ERR(f, "amount eq 1 or or", "expected a field name at offset 15, got 'or'", 15, "");
    ERR(f, "a-b eq 1", "invalid field name 'a-b' at offset 0", 0, "a-b");
    ERR(f, "a..b eq 1", "invalid field name 'a..b' at offset 0", 0, "a..b");
    ERR(f, ".a eq 1", "invalid field name '.a' at offset 0", 0, ".a");
    ERR(f, "a. eq 1", "invalid field name 'a.' at offset 0", 0, "a.");
    ERR(f, "amount eq 1 or a@b eq 1", "invalid field name 'a@b' at offset 15", 15, "a@b");
    ERR(f, "amount", "expected an operator after 'amount' at offset 6", 6, "amount");
    ERR(f, "amount like 5", "unknown operator 'like' after 'amount' at offset 7", 7, "amount");
    ERR(f, "amount 5", "unknown operator '5' after 'amount' at offset 7", 7, "amount");
    ERR(f, "amount (5)", "unknown operator '(' after 'amount' at offset 7", 7, "amount");
    ERR(f, "amount eq", "expected a value after 'eq' at offset 9", 9, "");
    ERR(f, "amount >= )", "expected a value after '>=' at offset 10", 10, "");
    ERR(f, "stage eq and amount eq 1", "expected a value after 'eq' at offset 9", 9, "");
    ERR(f, "stage EQ or", "expected a value after 'EQ' at offset 9", 9, "");
    ERR(f, "stage contains", "expected a value after 'contains' at offset 14", 14, "");
    ERR(f, "stage is 5", "expected 'null' after 'is' at offset 9", 9, "stage");
    ERR(f, "stage is not", "expected 'null' after 'is not' at offset 12", 12, "stage");
    ERR(f, "stage is \"null\"", "expected 'null' after 'is' at offset 9", 9, "stage");
    ERR(f, "stage in a", "expected '(' after 'in' at offset 9", 9, "stage");
    ERR(f, "stage in ()", "expected a value after '(' at offset 10", 10, "");
    ERR(f, "stage in (a,)", "expected a value after ',' at offset 12", 12, "");
    ERR(f, "stage in (a b)", "expected ',' or ')' in 'in' list at offset 12, got 'b'", 12, "stage");
    ERR(f, "stage in (a", "expected ',' or ')' in 'in' list at offset 11, got end of filter", 11, "stage");
    ERR(f, "(amount eq 1", "expected ')' at offset 12 to close '(' at offset 0, got end of filter", 12, "");
    ERR(f, "((amount eq 1) stage eq 2)",
        "expected ')' at offset 15 to close '(' at offset 0, got 'stage'", 15, "");
    ERR(f, "amount eq 1)", "unexpected ')' at offset 11", 11, "");
    ERR(f, "amount eq 1 stage eq 2", "unexpected 'stage' at offset 12", 12, "");
    ERR(f, "amount eq 1 2", "unexpected '2' at offset 12", 12, "");
    ERR(f, "amount eq 1 not stage eq 2", "unexpected 'not' at offset 12", 12, "");
}

static void test_semantic_errors(void **state)
{
    fx *f = *state;
    ERR(f, "amount lt null", "null not allowed with 'lt' at offset 10, use 'is null'", 10, "amount");
    ERR(f, "amount >= NULL", "null not allowed with '>=' at offset 10, use 'is null'", 10, "amount");
    ERR(f, "name contains null", "null not allowed with 'contains' at offset 14", 14, "name");
    ERR(f, "amount contains 5", "text operator 'contains' used on integer field 'amount'", 7, "amount");
    ERR(f, "created_at starts 2024", "text operator 'starts' used on time field 'created_at'", 11, "created_at");
    ERR(f, "active Contains x", "text operator 'Contains' used on boolean field 'active'", 7, "active");
}

static void test_type_errors(void **state)
{
    fx *f = *state;
    ERR(f, "amount eq abc", "'amount' expects an integer, got \"abc\"", 10, "amount");
    ERR(f, "amount eq 1.5", "'amount' expects an integer, got \"1.5\"", 10, "amount");
    ERR(f, "amount eq \"\"", "'amount' expects an integer, got \"\"", 10, "amount");
    ERR(f, "amount eq \" 1\"", "'amount' expects an integer, got \" 1\"", 10, "amount");
    ERR(f, "amount eq true", "'amount' expects an integer, got \"true\"", 10, "amount");
    ERR(f, "amount in (1, 2, x)", "'amount' expects an integer, got \"x\"", 17, "amount");
    ERR(f, "score eq abc", "'score' expects a number, got \"abc\"", 9, "score");
    ERR(f, "score eq inf", "'score' expects a number, got \"inf\"", 9, "score");
    ERR(f, "score eq nan", "'score' expects a number, got \"nan\"", 9, "score");
    ERR(f, "score eq 0x10", "'score' expects a number, got \"0x10\"", 9, "score");
    ERR(f, "score eq 1e", "'score' expects a number, got \"1e\"", 9, "score");
    ERR(f, "score eq .", "'score' expects a number, got \".\"", 9, "score");
    ERR(f, "score eq 1e999", "number out of range for 'score', got \"1e999\"", 9, "score");
    ERR(f, "active eq yes", "'active' expects true or false, got \"yes\"", 10, "active");
    ERR(f, "active eq 2", "'active' expects true or false, got \"2\"", 10, "active");
    ERR(f, "due eq 2024-02-30", "'due' expects a date YYYY-MM-DD, got \"2024-02-30\"", 7, "due");
    ERR(f, "due eq 2023-02-29", "'due' expects a date YYYY-MM-DD, got \"2023-02-29\"", 7, "due");
    ERR(f, "due eq 1900-02-29", "'due' expects a date YYYY-MM-DD, got \"1900-02-29\"", 7, "due");
    ERR(f, "due eq 2024-13-01", "'due' expects a date YYYY-MM-DD, got \"2024-13-01\"", 7, "due");
    ERR(f, "due eq 2024-1-01", "'due' expects a date YYYY-MM-DD, got \"2024-1-01\"", 7, "due");
    ERR(f, "due eq 2024-01-01T00:00:00Z", "'due' expects a date YYYY-MM-DD, got \"2024-01-01T00:00:00Z\"", 7, "due");
    const char *bad_times[] = {
        "2024-03-01T24:00:00Z", "2024-03-01T10:60:00Z", "2024-03-01T10:00:60Z", "2024-03-01T10:00:00",
        "2024-03-01T10:00Z", "2024-03-01T10:00:00+0200", "2024-03-01T10:00:00+24:00", "2024-03-01T10:00:00+02:60",
        "2024-03-01T10:00:00.Z", "2024-03-01X10:00:00Z", "2024-03-01T10:00:00ZZ", "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:59:00-00:01", "2024-02-30", "yesterday", "1709287200",
    };
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
        char expr[128], msg[256];
        snprintf(expr, sizeof expr, "created_at lt %s", bad_times[i]);
        snprintf(msg, sizeof msg, "'created_at' expects an RFC 3339 time or a date YYYY-MM-DD, got \"%s\"",
                 bad_times[i]);
        ERR(f, expr, msg, 14, "created_at");
    }
    OK(f, "created_at eq 0000-01-01T00:00:00-00:01", "(c.created_at = ?)", "t:0000-01-01T00:01:00Z");
    /* a long value is shortened in the message, on a character boundary */
    ERR(f, "amount eq \"\xc3\xa9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9xxxxxxxxxxxxxxxx\"",
        "'amount' expects an integer, got \"\xc3\xa9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"", 10, "amount");
}

static void test_huge_integers(void **state)
{
    fx *f = *state;
    ERR(f, "amount eq 9223372036854775808", "integer out of range for 'amount', got \"9223372036854775808\"", 10,
        "amount");
    ERR(f, "amount gt -9223372036854775809", "integer out of range for 'amount', got \"-9223372036854775809\"", 10,
        "amount");
    ERR(f, "amount in (1, 99999999999999999999999999999)",
        "integer out of range for 'amount', got \"99999999999999999999999999999\"", 14, "amount");
    /* reals take what integers cannot */
    OK(f, "score gt 99999999999999999999999999999", "(c.score > ?)", "r:1e+29");
}

static void test_resolve_errors(void **state)
{
    fx *f = *state;
    ERR(f, "foo eq 1", "unknown field 'foo'", 0, "foo");
    assert_string_equal(f->last_name, "foo");
    ERR(f, "amount eq 1 and Amount eq 2", "unknown field 'Amount'", 16, "Amount");
    ERR(f, "custom_field.region eq x", "unknown field 'custom_field.region'", 0, "custom_field.region");
    ERR(f, "5 eq 5", "unknown field '5'", 0, "5");
    ERR(f, "eq eq 1", "unknown field 'eq'", 0, "eq");
    /* names failing the character check never reach the resolver */
    ERR(f, "a:b eq 1", "invalid field name 'a:b' at offset 0", 0, "a:b");
    assert_int_equal(f->resolve_calls, 0);
    /* a resolver that returns success without SQL is treated as not knowing the field */
    f->null_sql = true;
    ERR(f, "amount eq 1", "unknown field 'amount'", 0, "amount");
    f->null_sql = false;
    /* the name given to the resolver is exactly the field name */
    OK(f, "amount eq 1 and custom_fields.a_b.c eq 2",
       "((c.amount = ?) AND (json_extract(c.custom,'$.a_b.c') = ?))", "i:1 t:2");
    assert_int_equal(f->resolve_calls, 2);
    assert_string_equal(f->last_name, "custom_fields.a_b.c");
    /* a name one byte over the limit is refused before resolving */
    char expr[200];
    snprintf(expr, sizeof expr, "custom_fields.%.*s eq 1", FILTER_NAME_MAX - 14 + 1,
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    ERR(f, expr, "field name too long at offset 0 (max 63 bytes)", 0, "");
    snprintf(expr, sizeof expr, "custom_fields.%.*s eq 1", FILTER_NAME_MAX - 14,
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    assert_int_equal(run(f, expr), 0);
    assert_int_equal(strlen(f->last_name), FILTER_NAME_MAX);
}

static void test_resolver_with_other_field(void **state)
{
    fx *f = *state;
    const char *e = "a.b eq 1 or custom_fields.region eq north";
    buf_reset(&f->sql);
    dbparams_init(&f->params, &f->a);
    assert_int_equal(filter_compile(&f->a, e, strlen(e), resolve_ab, f, &f->sql, &f->params, &f->err), 0);
    assert_string_equal(f->sql.data, "((c.stage = ?) OR (json_extract(c.custom,'$.region') = ?))");
}

/* ---- limits ---------------------------------------------------------------------------- */

static char *repeat(const char *s, int n, const char *mid, const char *close)
{
    buf b;
    buf_init(&b, 0);
    for (int i = 0; i < n; i++) buf_adds(&b, s);
    buf_adds(&b, mid);
    for (int i = 0; close && i < n; i++) buf_adds(&b, close);
    return buf_detach(&b);
}

static void test_depth_limit(void **state)
{
    fx *f = *state;
    char *e = repeat("(", FILTER_MAX_DEPTH, "amount eq 1", ")");
    assert_int_equal(run(f, e), 0);
    assert_string_equal(f->sql.data, "(c.amount = ?)");
    free(e);
    e = repeat("(", FILTER_MAX_DEPTH + 1, "amount eq 1", ")");
    ERR(f, e, "nesting too deep at offset 32 (max 32)", 32, "");
    free(e);
    e = repeat("not ", FILTER_MAX_DEPTH, "amount eq 1", NULL);
    assert_int_equal(run(f, e), 0);
    free(e);
    e = repeat("not ", FILTER_MAX_DEPTH + 1, "amount eq 1", NULL);
    ERR(f, e, "nesting too deep at offset 128 (max 32)", 128, "");
    free(e);
    /* parentheses and not count together */
    e = repeat("not (", 16, "amount eq 1", ")");
    assert_int_equal(run(f, e), 0);
    free(e);
    e = repeat("not (", 16, "not amount eq 1", ")");
    ERR(f, e, "nesting too deep at offset 80 (max 32)", 80, "");
    free(e);
    /* depth is nesting, not the number of groups: siblings do not add up */
    buf b;
    buf_init(&b, 0);
    for (int i = 0; i < 100; i++) buf_printf(&b, "%s((amount eq %d))", i ? " or " : "", i);
    assert_int_equal(run(f, b.data), 0);
    buf_release(&b);
}

static void test_length_limit(void **state)
{
    fx *f = *state;
    /* exactly the limit passes, one byte more fails before anything is parsed */
    char *e = malloc(FILTER_MAX_LEN + 2);
    memset(e, 'x', FILTER_MAX_LEN + 1);
    memcpy(e, "name eq \"", 9);
    e[FILTER_MAX_LEN - 1] = '"';
    e[FILTER_MAX_LEN] = 0;
    assert_int_equal(run(f, e), 0);
    assert_int_equal(f->params.v[0].n, FILTER_MAX_LEN - 10);
    e[FILTER_MAX_LEN - 1] = 'x';
    e[FILTER_MAX_LEN] = '"';
    e[FILTER_MAX_LEN + 1] = 0;
    ERR(f, e, "filter too long (8193 bytes, max 8192)", FILTER_MAX_LEN, "");
    free(e);
}

static void test_comparison_limit(void **state)
{
    fx *f = *state;
    buf b;
    buf_init(&b, 0);
    for (int i = 0; i < FILTER_MAX_COMPARISONS; i++) buf_printf(&b, "%sa eq %d", i ? " or " : "", i % 10);
    assert_int_equal(run(f, b.data), -1);   /* 'a' is unknown: proves the text is well formed */
    buf_reset(&b);
    for (int i = 0; i < FILTER_MAX_COMPARISONS; i++) buf_printf(&b, "%samount eq %d", i ? " or " : "", i % 10);
    assert_int_equal(run(f, b.data), 0);
    assert_int_equal(f->params.n, FILTER_MAX_COMPARISONS);
    size_t off = b.len + 4;
    buf_adds(&b, " or amount eq 1");
    char msg[128];
    snprintf(msg, sizeof msg, "too many comparisons at offset %zu (max 200)", off);
    ERR(f, b.data, msg, off, "");
    buf_release(&b);
}

static void test_in_limit(void **state)
{
    fx *f = *state;
    buf b;
    buf_init(&b, 0);
    buf_adds(&b, "amount in (");
    for (int i = 0; i < FILTER_MAX_IN_VALUES; i++) buf_printf(&b, "%s%d", i ? "," : "", i);
    buf_adds(&b, ")");
    assert_int_equal(run(f, b.data), 0);
    assert_int_equal(f->params.n, FILTER_MAX_IN_VALUES);
    assert_int_equal(f->params.v[499].i, 499);
    b.len--;
    size_t off = b.len + 1;
    buf_adds(&b, ",1)");
    char msg[128];
    snprintf(msg, sizeof msg, "too many values in 'in' list at offset %zu (max 500)", off);
    ERR(f, b.data, msg, off, "amount");
    buf_release(&b);
}

static void test_sql_buffer_cap(void **state)
{
    fx *f = *state;
    buf small;
    buf_init(&small, 16);
    dbparams_init(&f->params, &f->a);
    const char *e = "amount eq 1 or amount eq 2";
    assert_int_equal(filter_compile(&f->a, e, strlen(e), resolve, f, &small, &f->params, &f->err), -1);
    assert_string_equal(f->err.message, "filter produces too much SQL");
    buf_release(&small);
}

/* ---- invariants ------------------------------------------------------------------------ */

static void test_no_user_text_in_sql(void **state)
{
    fx *f = *state;
    const char *e = "name eq \"'; DROP TABLE c; --\" or name contains secret or stage in (hush, \"x)y\") "
                    "or custom_fields.region starts q7z";
    assert_int_equal(run(f, e), 0);
    assert_null(strstr(f->sql.data, "DROP"));
    assert_null(strstr(f->sql.data, "secret"));
    assert_null(strstr(f->sql.data, "hush"));
    assert_null(strstr(f->sql.data, "q7z"));
    size_t marks = 0;
    for (const char *s = f->sql.data; *s; s++) marks += *s == '?';
    assert_int_equal(marks, f->params.n);
    /* bound text lives in the arena, not in the caller's expression */
    char *copy = strdup("name eq abc");
    assert_int_equal(run(f, copy), 0);
    assert_true(f->params.v[0].s < copy || f->params.v[0].s >= copy + strlen(copy));
    free(copy);
    assert_int_equal(f->params.v[0].n, 3);
    assert_memory_equal(f->params.v[0].s, "abc", 3);
}

static void test_null_err_and_reset(void **state)
{
    fx *f = *state;
    const char *e = "amount eq x";
    assert_int_equal(filter_compile(&f->a, e, strlen(e), resolve, f, &f->sql, &f->params, NULL), -1);
    assert_int_equal(filter_compile(&f->a, NULL, 0, resolve, f, &f->sql, &f->params, &f->err), -1);
    assert_string_equal(f->err.message, "empty filter");
    /* a success clears a previous error */
    OK(f, "amount eq 1", "(c.amount = ?)", "i:1");
    assert_string_equal(f->err.field, "");
}

/* ---- end to end against SQLite --------------------------------------------------------- */

static sqlite3 *e2e_db;

static int e2e_setup(void **state)
{
    if (setup(state)) return -1;
    if (sqlite3_open(":memory:", &e2e_db) != SQLITE_OK) return -1;
    const char *ddl =
        "CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, stage TEXT, amount INTEGER, score REAL,"
        " active INTEGER, created_at TEXT, due TEXT, custom TEXT);"
        "INSERT INTO c VALUES"
        " (1, 'Alice', 'won', 500, 4.5, 1, '2024-01-10T09:00:00Z', '2024-02-01', '{\"region\":\"north\"}'),"
        " (2, 'Bob', 'lost', 100, 2.0, 0, '2024-02-15T12:00:00Z', NULL, '{\"region\":\"south\"}'),"
        " (3, 'carol_x', NULL, NULL, NULL, 1, '2024-03-01T00:00:00Z', '2024-03-01', '{}'),"
        " (4, 'Dave 50% off', 'on hold', 9223372036854775807, -1.25, 0, '2023-12-31T23:59:59Z',"
        "  '2024-01-01', '{\"region\":\"north\"}'),"
        " (5, 'Zoë', 'won', -3, 0.5, 1, '2024-02-29T23:30:00Z', '2024-02-29', '{\"region\":\"Nörth\"}');";
    return sqlite3_exec(e2e_db, ddl, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int e2e_teardown(void **state)
{
    sqlite3_close(e2e_db);
    return teardown(state);
}

/* the ids selected by a filter, as "1,3" */
static const char *select_ids(fx *f, const char *expr)
{
    buf_reset(&f->sql);
    dbparams_init(&f->params, &f->a);
    buf_adds(&f->sql, "SELECT id FROM c WHERE ");
    if (filter_compile(&f->a, expr, strlen(expr), resolve, f, &f->sql, &f->params, &f->err))
        fail_msg("%s: %s", expr, f->err.message);
    buf_adds(&f->sql, " ORDER BY id");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(e2e_db, f->sql.data, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", f->sql.data, sqlite3_errmsg(e2e_db));
    assert_int_equal(sqlite3_bind_parameter_count(st), (int)f->params.n);
    for (size_t i = 0; i < f->params.n; i++) {
        const dbv *v = &f->params.v[i];
        int k = (int)i + 1;
        switch (v->type) {
        case DBV_NULL: sqlite3_bind_null(st, k); break;
        case DBV_INT: sqlite3_bind_int64(st, k, v->i); break;
        case DBV_REAL: sqlite3_bind_double(st, k, v->d); break;
        case DBV_TEXT: sqlite3_bind_text(st, k, v->s, (int)v->n, SQLITE_STATIC); break;
        }
    }
    buf ids;
    buf_init(&ids, 0);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        buf_printf(&ids, "%s%lld", ids.len ? "," : "", (long long)sqlite3_column_int64(st, 0));
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    char *s = arena_strdup(&f->a, ids.data);
    buf_release(&ids);
    return s;
}

static void test_end_to_end(void **state)
{
    fx *f = *state;
    assert_string_equal(select_ids(f, "stage eq won"), "1,5");
    assert_string_equal(select_ids(f, "stage ne won"), "2,3,4");              /* NULL stage included */
    assert_string_equal(select_ids(f, "stage != null"), "1,2,4,5");
    assert_string_equal(select_ids(f, "stage is null"), "3");
    assert_string_equal(select_ids(f, "stage in (won, null)"), "1,3,5");
    assert_string_equal(select_ids(f, "stage in (lost, \"on hold\")"), "2,4");
    assert_string_equal(select_ids(f, "not (stage eq won or stage eq lost)"), "4");   /* NULL stays out */
    assert_string_equal(select_ids(f, "name contains ALI"), "1");             /* ASCII case-insensitive */
    assert_string_equal(select_ids(f, "name contains \"%\""), "4");           /* % is literal */
    assert_string_equal(select_ids(f, "name contains _"), "3");               /* _ is literal */
    assert_string_equal(select_ids(f, "name starts car or name starts \"Zo\""), "3,5");
    assert_string_equal(select_ids(f, "name contains \"ë\""), "5");
    assert_string_equal(select_ids(f, "name eq \"dave 50% off\""), "");       /* eq is exact */
    assert_string_equal(select_ids(f, "amount ge 100 and not active eq true"), "2,4");
    assert_string_equal(select_ids(f, "amount eq 9223372036854775807"), "4");
    assert_string_equal(select_ids(f, "amount lt 0 or amount is null"), "3,5");
    assert_string_equal(select_ids(f, "amount ne 100"), "1,3,4,5");
    assert_string_equal(select_ids(f, "score in (4.5, 2)"), "1,2");
    assert_string_equal(select_ids(f, "score lt 0 or score ge 4.5"), "1,4");
    assert_string_equal(select_ids(f, "active eq false"), "2,4");
    assert_string_equal(select_ids(f, "active = 1 and stage = won"), "1,5");
    assert_string_equal(select_ids(f, "created_at ge 2024-01-01 and created_at lt 2024-03-01T01:00:00+01:00"),
                        "1,2,5");
    assert_string_equal(select_ids(f, "created_at eq 2024-03-01T00:30:00+01:00"), "5");
    assert_string_equal(select_ids(f, "created_at lt 2024-01-01T00:59:59+01:00"), "");
    assert_string_equal(select_ids(f, "created_at le 2024-01-01T00:59:59+01:00"), "4");
    assert_string_equal(select_ids(f, "due le 2024-02-01"), "1,4");
    assert_string_equal(select_ids(f, "due eq null"), "2");
    assert_string_equal(select_ids(f, "custom_fields.region eq north or score lt 0"), "1,4");
    assert_string_equal(select_ids(f, "custom_fields.region is null"), "3");
    assert_string_equal(select_ids(f, "custom_fields.region starts \"N\""), "1,4,5");
    assert_string_equal(select_ids(f, "(stage eq won or stage eq lost) and (amount gt 0 and score ge 2)"),
                        "1,2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_comparison_operators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contains_and_starts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boolean_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotted_and_custom_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_is_appended, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_normalisation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexical_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semantic_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolver_with_other_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comparison_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sql_buffer_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_user_text_in_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_err_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_to_end, e2e_setup, e2e_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
