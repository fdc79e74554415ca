/* import_floor: the least an import of a CSV file can cost on this machine, measured on the
 * parts no importer can skip, so that the import's own rate has a floor beside it.
 *
 * Reading: the file through the importer's own reader (import_next) alone, then again with
 * the phone cell of every row normalised (phone_parse, default region RU as `kartoteka
 * import`); one thread, µs per data row.
 *
 * Writing: every table a real import of that file filled (BASE: the database of a data
 * directory `kartoteka import` just filled from the file), copied by SQLite itself into the
 * empty tables of a freshly initialised base (EMPTY, copied by VACUUM INTO to a scratch
 * file per run): INSERT INTO t SELECT ... FROM base.t ORDER BY the order the import wrote
 * them, one transaction per table, on a connection of src/store/db.c. That is SQLite's own
 * price for storing what each imported row keeps (the card, its indexes, its phone and
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
#include "core/arena.h"
#include "import/reader.h"
#include "store/db.h"
#include "util/phone.h"
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

/* the database parts go through store/db.h: a connection db_open makes has the server's
 * own settings */
static db *open_db(const char *path)
{
    char err[256];
    db *d = db_open(path, err, sizeof err);
    if (!d) die(path, err);
    return d;
}

static void run(db *d, const char *sql, const dbparams *p)
{
    if (db_run(d, sql, p) < 0) die(sql, db_errmsg(d));
}

/* INSERT ... SELECT of table i of `written`; "*" spelt out by name, so the order in which
 * columns were declared (or added by a migration) does not matter */
static const char *insert_sql(db *d, arena *a, int i)
{
    const char *cols = written[i].columns;
    if (!strcmp(cols, "*")) {
        dbparams p;
        dbparams_init(&p, a);
        dbp_text(&p, written[i].table);
        cols = db_scalar_text(d, a, "SELECT group_concat(name, ', ') FROM pragma_table_info(?)", &p);
        if (!cols) die(written[i].table, "no such table");
    }
    return arena_printf(a, "INSERT INTO main.%s(%s) SELECT %s FROM base.%s WHERE %s ORDER BY %s", written[i].table, cols, cols,
                        written[i].table, written[i].where, written[i].order);
}

/* one run into a fresh copy of the empty base at `scratch`: seconds per table of `written`
 * into secs, and the rows the base's imports read into *imported */
static void write_tables(const char *base, const char *empty, const char *scratch, double *secs, long long *imported)
{
    arena a;
    arena_init(&a);
    dbparams p;
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) unlink(arena_printf(&a, "%s%s", scratch, suffixes[i]));
    db *e = open_db(empty);
    dbparams_init(&p, &a);
    dbp_text(&p, scratch);
    run(e, "VACUUM INTO ?", &p);
    db_close(e);

    db *d = open_db(scratch);
    dbparams_init(&p, &a);
    dbp_text(&p, base);
    run(d, "ATTACH ? AS base", &p);
    /* what the written rows refer to, not timed */
    run(d, "INSERT OR REPLACE INTO users SELECT * FROM base.users", NULL);
    run(d, "INSERT OR REPLACE INTO imports SELECT * FROM base.imports", NULL);
    *imported = db_scalar(d, "SELECT coalesce(sum(rows_read), 0) FROM base.imports", NULL, 0);
    for (int i = 0; i < NWRITTEN; i++) {
        const char *sql = insert_sql(d, &a, i);
        double t0 = bench_now();
        if (db_exec(d, "BEGIN") != 0 || db_run(d, sql, NULL) < 0 || db_exec(d, "COMMIT") != 0) die(sql, db_errmsg(d));
        secs[i] = bench_now() - t0;
    }
    db_close(d);
    for (int i = 0; i < 3; i++) unlink(arena_printf(&a, "%s%s", scratch, suffixes[i]));
    arena_release(&a);
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
    long long imported = 0;
    for (int k = 0; k < runs; k++) {
        rd[k] = read_file(file, 0, &rows);
        ph[k] = read_file(file, 1, &rows);
        double secs[NWRITTEN];
        write_tables(base, empty, scratch, secs, &imported);
        for (int i = 0; i < NWRITTEN; i++) wr[i][k] = secs[i];
    }
    if (rows <= 0) die(file, "no data rows");
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
