/* Fuzz target for the filter compiler. Any input is compiled against a fixed resolver;
 * on success the SQL must hold no user text, have one `?` per bound value and be accepted
 * and executed by SQLite; on failure the error must be a short valid UTF-8 message with an
 * offset inside the input. Any violation aborts, which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "core/utf8.h"
#include "http/filter.h"

static const struct {
    const char *name, *sql;
    filter_type type;
} fields[] = {
    { "name", "c.t", FILTER_TEXT },
    { "t", "c.t", FILTER_TEXT },
    { "i", "c.i", FILTER_INT },
    { "r", "c.r", FILTER_REAL },
    { "b", "c.b", FILTER_BOOL },
    { "ts", "c.ts", FILTER_TIME },
    { "d", "c.d", FILTER_DATE },
};
/* custom fields all map to one fixed expression so the SQL check below knows every
 * piece of caller-provided SQL in advance */
static const char custom_sql[] = "json_extract(c.j,'$.x')";

static int resolve(void *ctx, const char *name, filter_field *out)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!strcmp(fields[i].name, name)) {
            out->sql = fields[i].sql;
            out->type = fields[i].type;
            return 0;
        }
    }
    if (!strncmp(name, "custom_fields.", 14)) {
        out->sql = custom_sql;
        out->type = FILTER_TEXT;
        return 0;
    }
    return -1;
}

static void check(int ok, const char *what, const char *sql)
{
    if (ok) return;
    fprintf(stderr, "fuzz_filter: %s\nSQL: %s\n", what, sql ? sql : "");
    abort();
}

/* everything in the SQL is either a resolver expression or filter syntax: uppercase
 * keywords, operators, parentheses, `?`, and the LIKE escape clause. User values are made
 * of anything else (lowercase letters, digits, quotes...), so they would stand out here. */
static int sql_is_clean(const char *s)
{
    static const char allowed[] = " ()?,=<>!ANDORTISNULKECP'\\";
    while (*s) {
        size_t skip = 0;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {   /* longest match: c.ts, not c.t */
            size_t n = strlen(fields[i].sql);
            if (n > skip && !strncmp(s, fields[i].sql, n)) skip = n;
        }
        if (!skip && !strncmp(s, custom_sql, sizeof custom_sql - 1)) skip = sizeof custom_sql - 1;
        if (skip) {
            s += skip;
            continue;
        }
        if (!strchr(allowed, *s)) return 0;
        s++;
    }
    return 1;
}

static sqlite3 *sdb;

static void open_db(void)
{
    if (sqlite3_open(":memory:", &sdb) != SQLITE_OK) abort();
    const char *ddl =
        "CREATE TABLE c (t TEXT, i INTEGER, r REAL, b INTEGER, ts TEXT, d TEXT, j TEXT);"
        "INSERT INTO c VALUES ('Alice', 5, 1.5, 1, '2024-01-01T00:00:00Z', '2024-01-01', '{\"x\":\"n\"}'),"
        " (NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
        " ('50% _off\\', -9223372036854775808, -0.0, 0, '1999-12-31T23:59:59Z', '1999-12-31', '{}');";
    if (sqlite3_exec(sdb, ddl, NULL, NULL, NULL) != SQLITE_OK) abort();
}

static void run_sql(const buf *sql, const dbparams *p)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(sdb, sql->data, -1, &st, NULL);
    check(rc == SQLITE_OK, sqlite3_errmsg(sdb), sql->data);
    check(sqlite3_bind_parameter_count(st) == (int)p->n, "placeholder count differs from SQLite's", sql->data);
    for (size_t i = 0; i < p->n; i++) {
        const dbv *v = &p->v[i];
        int k = (int)i + 1;
        if (v->type == DBV_INT) sqlite3_bind_int64(st, k, v->i);
        else if (v->type == DBV_REAL) sqlite3_bind_double(st, k, v->d);
        else if (v->type == DBV_TEXT) sqlite3_bind_text(st, k, v->s, (int)v->n, SQLITE_STATIC);
        else sqlite3_bind_null(st, k);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {}
    check(rc == SQLITE_DONE, sqlite3_errmsg(sdb), sql->data);
    sqlite3_finalize(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sdb) open_db();
    arena a;
    arena_init(&a);
    buf sql;
    buf_init(&sql, 0);
    buf_adds(&sql, "SELECT count(*) FROM c WHERE ");
    size_t prefix = sql.len;
    dbparams params;
    dbparams_init(&params, &a);
    filter_error err;

    /* a copy of exactly `size` bytes, so reading past the end is caught by ASan */
    char *expr = malloc(size ? size : 1);
    if (size) memcpy(expr, data, size);
    int rc = filter_compile(&a, expr, size, resolve, NULL, &sql, &params, &err);
    free(expr);   /* bound values must not point into the expression */

    if (rc == 0) {
        size_t marks = 0;
        for (const char *s = sql.data; *s; s++) marks += *s == '?';
        check(marks == params.n, "placeholder count differs from parameter count", sql.data);
        check(sql_is_clean(sql.data + prefix), "unexpected text in SQL", sql.data);
        check(err.message[0] == 0, "message set on success", sql.data);
        for (size_t i = 0; i < params.n; i++)
            if (params.v[i].type == DBV_TEXT)
                check(utf8_valid(params.v[i].s, params.v[i].n), "bound text is not UTF-8", sql.data);
        run_sql(&sql, &params);
    } else {
        size_t n = strnlen(err.message, sizeof err.message);
        check(rc == -1, "unexpected return value", NULL);
        check(n > 0 && n < sizeof err.message, "missing or unterminated message", NULL);
        check(utf8_valid(err.message, n), "message is not UTF-8", err.message);
        check(err.message[0] < 'A' || err.message[0] > 'Z', "message starts upper-case", err.message);
        check(err.message[n - 1] != '.', "message ends with a full stop", err.message);
        check(strnlen(err.field, sizeof err.field) < sizeof err.field, "unterminated field", err.message);
        check(err.offset <= size, "offset past the input", err.message);
    }
    buf_release(&sql);
    arena_release(&a);
    return 0;
}
