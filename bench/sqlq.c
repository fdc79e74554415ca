/* sqlq: the storage baseline of the benchmarks — one SQL query on raw SQLite.
 *
 * For each latency figure measured over HTTP (search, phone lookup, board, timeline...),
 * sqlq runs the same query the server runs, on the same database file, with the same
 * connection settings as src/store/db.c, from one thread, and prints the same JSON line
 * as bench/lat: so the ratio HTTP/raw shows what the server adds to the bare query.
 * Every row is stepped and every column read as text, as a handler writing JSON would.
 *
 * Parameters come from a file, one line per query, TAB-separated values bound to ?1, ?2...
 * (as text, like the server's parameters; write CAST(?1 AS INTEGER) where a number is
 * meant), cycled in order. When the server picks
 * one of several queries per request (an exact or a suffix phone lookup), give each SQL
 * and start every line with the number of the one it runs (1, 2...).
 *
 * usage: sqlq [-d SECONDS] [-w WARMUP_SECONDS] -f PARAMS DB 'SQL' ['SQL2'...] */
#include "measure.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    double seconds = 5, warmup = 0.5;
    const char *file = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "d:w:f:")) != -1) {
        if (opt == 'd') seconds = atof(optarg);
        else if (opt == 'w') warmup = atof(optarg);
        else if (opt == 'f') file = optarg;
        else goto usage;
    }
    int nsql = argc - optind - 1;
    if (nsql < 1 || nsql > 8 || !file || seconds <= 0) goto usage;

    FILE *f = fopen(file, "r");
    if (!f) { perror(file); return 2; }
    char **lines = NULL, *line = NULL;
    size_t nlines = 0, cap = 0, linecap = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (nlines == cap) {
            cap = cap ? cap * 2 : 1024;
            char **grown = realloc(lines, cap * sizeof *grown);
            if (!grown) { fprintf(stderr, "sqlq: out of memory\n"); return 1; }
            lines = grown;
        }
        lines[nlines++] = strdup(line);
    }
    fclose(f);
    if (!nlines) { fprintf(stderr, "sqlq: no parameters in %s\n", file); return 2; }

    sqlite3 *db;
    if (sqlite3_open_v2(argv[optind], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlq: %s: %s\n", argv[optind], sqlite3_errmsg(db));
        return 1;
    }
    /* the server's settings (src/store/db.c) */
    sqlite3_exec(db, "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; PRAGMA mmap_size=0;", NULL, NULL, NULL);
    sqlite3_stmt *stmts[8];
    for (int k = 0; k < nsql; k++) {
        if (sqlite3_prepare_v2(db, argv[optind + 1 + k], -1, &stmts[k], NULL) != SQLITE_OK) {
            fprintf(stderr, "sqlq: %s\n  in: %s\n", sqlite3_errmsg(db), argv[optind + 1 + k]);
            return 1;
        }
    }

    size_t n = 0, ncap = 1 << 16, rows = 0;
    double *lat = malloc(ncap * sizeof *lat);
    if (!lat) { fprintf(stderr, "sqlq: out of memory\n"); return 1; }
    long errors = 0;
    double t0 = bench_now(), t_measure = t0 + warmup, t_end = t_measure + seconds;
    for (size_t q = 0;; q++) {
        double a = bench_now();
        if (a >= t_end) break;
        /* bind this line's values */
        char *copy = strdup(lines[q % nlines]), *save = NULL;
        char *v = strtok_r(copy, "\t", &save);
        sqlite3_stmt *st = stmts[0];
        if (nsql > 1) {   /* the line names its statement */
            int k = v ? atoi(v) : 0;
            if (k < 1 || k > nsql) { fprintf(stderr, "sqlq: line %zu: no statement '%s'\n", q % nlines + 1, v ? v : ""); return 2; }
            st = stmts[k - 1];
            v = strtok_r(NULL, "\t", &save);
        }
        int i = 1;
        for (; v; v = strtok_r(NULL, "\t", &save), i++) {
            sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
        }
        free(copy);
        int rc;
        size_t got = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            for (int c = 0, nc = sqlite3_column_count(st); c < nc; c++) (void)sqlite3_column_text(st, c);
            got++;
        }
        if (rc != SQLITE_DONE && errors++ < 3) fprintf(stderr, "sqlq: %s\n", sqlite3_errmsg(db));
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        double b = bench_now();
        if (a < t_measure) continue;
        rows += got;
        if (n == ncap) {
            ncap *= 2;
            double *grown = realloc(lat, ncap * sizeof *grown);
            if (!grown) { fprintf(stderr, "sqlq: out of memory\n"); return 1; }
            lat = grown;
        }
        lat[n++] = (b - a) * 1000.0;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += lat[i];
    bench_sort(lat, n);
    printf("{\"requests\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"rps\":%.1f,\"mean_ms\":%.3f,"
           "\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"rows_per_query\":%.1f}\n",
           n, errors, seconds, (double)n / seconds, n ? sum / (double)n : 0, bench_pct(lat, n, 50), bench_pct(lat, n, 95),
           bench_pct(lat, n, 99), n ? lat[n - 1] : 0, n ? (double)rows / (double)n : 0);
    for (int k = 0; k < nsql; k++) sqlite3_finalize(stmts[k]);
    sqlite3_close(db);
    for (size_t i = 0; i < nlines; i++) free(lines[i]);
    free(lines);
    free(line);
    free(lat);
    return errors ? 1 : 0;
usage:
    fprintf(stderr, "usage: sqlq [-d SECONDS] [-w WARMUP_SECONDS] -f PARAMS DB 'SQL' ['SQL2'...]\n"
                    "  PARAMS: one query per line, TAB-separated values for ?1, ?2...;\n"
                    "          with several SQL, each line starts with the number of its SQL\n");
    return 2;
}
