/* import_floor: the least an import of a CSV file can cost on this machine, measured on the
 * parts no importer can skip, so that the import's own rate has a floor beside it.
 *
 * Reading: the file through the importer's own reader (import_next) alone, then again with
 * the phone cell of every row normalised (phone_parse, default region RU as `kartoteka
 * import`); one thread, µs per data row.
 *
 * Writing: every table a real import of that file filled (BASE: the database of a data
 * directory `kartoteka import` just filled from the file), copied by SQLite itself into the
 * empty tables of a freshly initialised base (EMPTY, copied to a scratch file per run):
 * INSERT INTO t SELECT ... FROM base.t ORDER BY the order the import wrote them, one
 * transaction per table, with the connection settings of src/store/db.c. That is SQLite's
 * own price for storing what each imported row keeps (the card, its indexes, its phone and
 * e-mail keys, its full-text row, its audit row, the import's log row) without any parsing,
 * checking, statement preparing or per-row call; it is a lower bound: the import
 * interleaves the tables in transactions of 8,192 rows, which costs more cache misses than
 * one table at a time. µs per data row of the file, per table, the median of the runs.
 *
 * A single SQLite connection writes every row, so no importer can beat 1 / (writing floor)
 * rows per second; with the reading on the other core, the ceiling is
 * 1 / max(reading floor, writing floor).
 *
 * usage: import_floor [--runs N] FILE BASE_DB EMPTY_DB     (prints one JSON line)
 * FILE: a .csv or .xlsx file with a Phone column, as bench/gen writes them */
#include "measure.h"
#include "import/reader.h"
#include "util/phone.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* what an import of contacts writes, in the order it writes it */
static const struct { const char *table, *columns, *order, *where; } written[] = {
    {"contacts", "*", "id", "1"},
    {"companies", "*", "id", "1"},
    {"contact_companies", "*", "contact_id", "1"},
    {"phone_index", "*", "object, object_id", "1"},
    {"email_index", "*", "object, object_id", "1"},
    {"contacts_fts", "rowid, body", "rowid", "1"},
    {"companies_fts", "rowid, body", "rowid", "1"},
    /* the empty base has audit rows of its own: the import's get new ids, as they would */
    {"audit", "at, user_id, request_id, object, object_id, action, owner_id, changes", "id", "request_id LIKE 'import-%'"},
    {"import_rows", "*", "id", "1"},
};
enum { NWRITTEN = sizeof written / sizeof written[0], MAX_RUNS = 9 };

static double median(double *v, int n)
{
    bench_sort(v, (size_t)n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static _Noreturn void die(const char *what, const char *why)
{
    fprintf(stderr, "import_floor: %s: %s\n", what, why);
    exit(1);
}

/* seconds to read every row of file; with phones, each row's phone cell normalised too.
 * *rows: data rows read */
static double read_file(const char *file, int phones, long *rows)
{
    import_reader *r;
    char err[256];
    size_t len = strlen(file);
    import_format fmt = len > 5 && !strcasecmp(file + len - 5, ".xlsx") ? IMPORT_XLSX : IMPORT_CSV;
    if (import_open(&r, fmt, file, NULL, err, sizeof err) != 0) die(file, err);
    import_row row;
    long phone_col = -1, n = 0;
    volatile int valid = 0;
    double t0 = bench_now();
    int rc;
    while ((rc = import_next(r, &row, err, sizeof err)) != 0) {
        if (rc < 0) continue;
        if (row.line == 1) {
            for (size_t i = 0; i < row.ncells; i++)
                if (!strcasecmp(row.cells[i], "phone")) phone_col = (long)i;
            if (phones && phone_col < 0) die(file, "no Phone column in the header");
            continue;
        }
        n++;
        if (phones && (size_t)phone_col < row.ncells) {
            phone_result p;
            phone_parse(row.cells[phone_col], row.lens[phone_col], "RU", &p);
            valid += p.valid;
        }
    }
    double t = bench_now() - t0;
    import_close(r);
    *rows = n;
    return t;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) die(sql, msg ? msg : "failed");
}

static long long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(sql, sqlite3_errmsg(db));
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return v;
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out) die(from, "cannot copy");
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) die(to, "cannot write");
    fclose(in);
    if (fclose(out) != 0) die(to, "cannot write");
}

/* INSERT ... SELECT of table i of `written`; "*" spelt out by name, so the order in which
 * columns were declared (or added by a migration) does not matter */
static char *insert_sql(sqlite3 *db, int i)
{
    const char *cols = written[i].columns;
    sqlite3_stmt *st = NULL;
    if (!strcmp(cols, "*")) {
        char *q = sqlite3_mprintf("SELECT group_concat(name, ', ') FROM pragma_table_info(%Q)", written[i].table);
        if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) die(q, sqlite3_errmsg(db));
        sqlite3_free(q);
        cols = (const char *)sqlite3_column_text(st, 0);
    }
    char *sql = sqlite3_mprintf("INSERT INTO main.%s(%s) SELECT %s FROM base.%s WHERE %s ORDER BY %s", written[i].table, cols,
                                cols, written[i].table, written[i].where, written[i].order);
    sqlite3_finalize(st);
    return sql;
}

/* one run: seconds per table of `written`, into secs */
static void write_tables(const char *base, const char *empty, const char *scratch, double *secs)
{
    char wal[4096], shm[4096];
    snprintf(wal, sizeof wal, "%s-wal", scratch);
    snprintf(shm, sizeof shm, "%s-shm", scratch);
    unlink(wal);
    unlink(shm);
    copy_file(empty, scratch);
    sqlite3 *db;
    if (sqlite3_open(scratch, &db) != SQLITE_OK) die(scratch, sqlite3_errmsg(db));
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; PRAGMA mmap_size=0;");
    char *sql = sqlite3_mprintf("ATTACH %Q AS base", base);
    exec(db, sql);
    sqlite3_free(sql);
    /* what the written rows refer to, not timed */
    exec(db, "INSERT OR REPLACE INTO users SELECT * FROM base.users; INSERT OR REPLACE INTO imports SELECT * FROM base.imports");
    for (int i = 0; i < NWRITTEN; i++) {
        sql = insert_sql(db, i);
        double t0 = bench_now();
        exec(db, "BEGIN");
        exec(db, sql);
        exec(db, "COMMIT");
        secs[i] = bench_now() - t0;
        sqlite3_free(sql);
    }
    sqlite3_close(db);
    unlink(scratch);
    unlink(wal);
    unlink(shm);
}

int main(int argc, char **argv)
{
    int runs = 3, a = 1;
    if (argc > 2 && !strcmp(argv[1], "--runs")) { runs = atoi(argv[2]); a = 3; }
    if (argc - a != 3 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: import_floor [--runs 1..%d] FILE BASE_DB EMPTY_DB\n", MAX_RUNS);
        return 2;
    }
    const char *file = argv[a], *base = argv[a + 1], *empty = argv[a + 2];
    char scratch[4096];
    snprintf(scratch, sizeof scratch, "%s.floor", empty);

    double rd[MAX_RUNS], ph[MAX_RUNS], wr[NWRITTEN][MAX_RUNS];
    long rows = 0;
    for (int k = 0; k < runs; k++) {
        rd[k] = read_file(file, 0, &rows);
        ph[k] = read_file(file, 1, &rows);
        double secs[NWRITTEN];
        write_tables(base, empty, scratch, secs);
        for (int i = 0; i < NWRITTEN; i++) wr[i][k] = secs[i];
    }
    if (rows <= 0) die(file, "no data rows");
    sqlite3 *b;
    if (sqlite3_open_v2(base, &b, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die(base, sqlite3_errmsg(b));
    long long imported = scalar(b, "SELECT coalesce(sum(rows_read), 0) FROM imports");
    sqlite3_close(b);
    if (imported != rows)
        fprintf(stderr, "import_floor: warning: the base imported %lld rows, the file has %ld\n", imported, rows);

    double per = 1e6 / (double)rows, write_us = 0, search_audit_us = 0;
    double read_us = median(rd, runs) * per, phone_us = median(ph, runs) * per;
    printf("{\"rows\":%ld,\"runs\":%d,\"read_us\":%.2f,\"read_phone_us\":%.2f,\"write_us\":{", rows, runs, read_us, phone_us);
    for (int i = 0; i < NWRITTEN; i++) {
        double us = median(wr[i], runs) * per;
        write_us += us;
        if (strstr(written[i].table, "_fts") || !strcmp(written[i].table, "audit")) search_audit_us += us;
        printf("%s\"%s\":%.2f", i ? "," : "", written[i].table, us);
    }
    double slower = write_us > phone_us ? write_us : phone_us;
    printf("},\"write_total_us\":%.2f,\"write_without_search_audit_us\":%.2f,\"ceiling_rows_per_s\":%.0f}\n", write_us,
           write_us - search_audit_us, 1e6 / slower);
    return 0;
}
