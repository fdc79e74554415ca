/* import and export from the command line: the same engine as /api/v1/imports and
 * /api/v1/exports, run in this process with the system principal. An import shows a
 * progress bar when stderr is a terminal and ends with one JSON line of counts on stdout;
 * it is recorded like any import, so it can be undone (`kartoteka import undo ID`). */
#include "cli/cli.h"
#include "core/config.h"
#include "export/export.h"
#include "import/import_job.h"
#include "import/import_store.h"
#include "import/mapping.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_interrupted;
static void on_interrupt(int sig) { (void)sig; g_interrupted = 1; }

typedef struct bar {
    bool tty;
    struct timespec start;
} bar;

static double elapsed(const bar *b)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - b->start.tv_sec) + (double)(now.tv_nsec - b->start.tv_nsec) / 1e9;
}

static void progress(void *cls, const import_counts *n, size_t done, size_t total)
{
    bar *b = cls;   /* the first member of run_state */
    if (!b->tty) return;
    double t = elapsed(b), frac = total ? (double)done / (double)total : 0;
    if (frac > 1) frac = 1;
    char line[41];
    int fill = (int)(frac * 40);
    for (int i = 0; i < 40; i++) line[i] = i < fill ? '#' : '.';
    line[40] = 0;
    double rate = t > 0 ? (double)n->read / t : 0;
    double eta = frac > 0 ? t / frac - t : 0;
    fprintf(stderr, "\r[%s] %3d%%  %lld rows  %.0f rows/s  ETA %.0fs  ", line, (int)(frac * 100), n->read, rate, eta);
    fflush(stderr);
}

/* Ctrl-C, or a cancel asked through the API while the command runs */
typedef struct run_state {
    bar b;
    ctx *c;
    long long id;
} run_state;

static bool interrupted(void *cls, bool *stopping)
{
    run_state *rs = cls;
    *stopping = false;
    if (g_interrupted) return true;
    const char *st = import_store_status(rs->c, rs->id);
    return st && !strcmp(st, "cancelling");
}

/* the --flag NAME values of an import as the settings object */
static int settings_from_args(const cli_args *a, const char *object, const char *file, json_t *j, char *err, size_t errlen)
{
    json_object_set_new(j, "object", json_string(object));
    static const char *const pass[][2] = {
        {"format", "format"}, {"encoding", "encoding"}, {"delimiter", "delimiter"}, {"sheet", "sheet"},
        {"on-duplicate", "on_duplicate"}, {"match", "match"}, {"match-field", "match_field"}, {"date-order", "date_order"},
    };
    for (size_t i = 0; i < sizeof pass / sizeof *pass; i++) {
        const char *v = cli_arg(a, pass[i][0]);
        if (v && json_object_set_new(j, pass[i][1], json_string(v)) != 0) { snprintf(err, errlen, "--%s is not valid UTF-8", pass[i][0]); return -1; }
    }
    if (!cli_arg(a, "format")) {
        const char *dot = strrchr(file, '.');
        int f = dot ? import_format_parse(dot + 1) : -1;
        if (f < 0) {   /* no telling extension: look at the first bytes */
            FILE *fp = fopen(file, "rb");
            unsigned char head[64];
            size_t n = fp ? fread(head, 1, sizeof head, fp) : 0;
            if (fp) fclose(fp);
            f = import_format_sniff(head, n);
        }
        json_object_set_new(j, "format", json_string(import_format_name((import_format)f)));
    }
    if (cli_flag(a, "dry-run")) json_object_set_new(j, "dry_run", json_true());
    if (cli_flag(a, "no-guess")) json_object_set_new(j, "guess", json_false());
    const char *map = cli_arg(a, "map");
    if (map) {
        char text[65536];
        const char *spec = map;
        if (map[0] == '@') {   /* --map @file.json */
            FILE *fp = fopen(map + 1, "rb");
            size_t n = fp ? fread(text, 1, sizeof text - 1, fp) : 0;
            if (!fp) { snprintf(err, errlen, "cannot read %s: %s", map + 1, strerror(errno)); return -1; }
            fclose(fp);
            text[n] = 0;
            spec = text;
        }
        json_t *m = mapping_parse_spec(spec, strlen(spec), err, errlen);
        if (!m) return -1;
        json_object_set_new(j, "mapping", m);
    }
    return 0;
}

static int import_undo_cmd(ctx *c, const char *idtext)
{
    char *end;
    long long id = strtoll(idtext, &end, 10);
    if (*end || id <= 0) { fprintf(stderr, "error: '%s' is not an import id\n", idtext); return 2; }
    /* moved and claimed in one transaction, so a running server's worker does not take it too */
    if (db_begin(c->db) != 0) { fprintf(stderr, "error: the database is busy\n"); return 1; }
    int moved = import_store_transition(c, id, "done|cancelled|failed|undoing", "undoing");
    if (moved != 1 || import_store_claim(c, id) != 1) {
        db_rollback(c->db);
        fprintf(stderr, "error: import %lld is not a finished import, or another process is undoing it\n", id);
        return 1;
    }
    if (db_commit(c->db) != 0) { fprintf(stderr, "error: %s\n", db_errmsg(c->db)); return 1; }
    undo_counts u;
    char err[512];
    if (import_undo(c, id, NULL, &u, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 1; }
    printf("{\"deleted\":%lld,\"restored\":%lld,\"conflicts\":%lld,\"gone\":%lld}\n", u.deleted, u.restored, u.conflicts, u.gone);
    return 0;
}

int cmd_import(int argc, char **argv)
{
    const cli_command *self = cli_command_named("import");
    /* the default region of this import is --region; the cards' own normalisation keeps
     * the server's setting (environment or default), as it will when the server runs */
    char store_region[sizeof g_config.region];
    snprintf(store_region, sizeof store_region, "%s", g_config.region);
    cli_args a;
    int rc = cli_parse(argc, argv, self, &a);
    if (rc) return rc < 0 ? 2 : 0;
    char import_region[sizeof g_config.region];
    snprintf(import_region, sizeof import_region, "%s", g_config.region);
    snprintf(g_config.region, sizeof g_config.region, "%s", store_region);
    /* boolean flags swallow the next word as their value: give it back as a positional */
    const char *bools[] = {"dry-run", "no-guess"};
    for (int i = 0; i < 2; i++) {
        const char *v = cli_arg(&a, bools[i]);
        if (v && *v && a.npos < 8) a.positional[a.npos++] = v;
    }
    bool undo = a.npos >= 1 && !strcmp(a.positional[0], "undo");
    if (a.npos != 2 || (!undo && strcmp(a.positional[0], "contacts") && strcmp(a.positional[0], "companies") &&
                        strcmp(a.positional[0], "deals"))) {
        fprintf(stderr, "usage: %s\n", self->usage);
        return 2;
    }
    static const char *const known[] = {"map", "dry-run", "no-guess", "on-duplicate", "match", "match-field", "errors",
                                        "sheet", "encoding", "delimiter", "format", "date-order", "owner", NULL};
    for (int i = 0; i < a.n; i++) {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++) ok = !strcmp(*k, a.names[i]);
        if (!ok) { fprintf(stderr, "error: unknown option --%s\n", a.names[i]); return 2; }
    }
    cli_session cs;
    if (cli_session_open(&cs, false) != 0) return 1;
    int status = 1;
    if (undo) { status = import_undo_cmd(&cs.c, a.positional[1]); goto done; }

    const char *file = a.positional[1];
    char abs[PATH_MAX];
    if (!realpath(file, abs)) { fprintf(stderr, "error: cannot open %s: %s\n", file, strerror(errno)); goto done; }
    json_t *sj = json_object();
    char err[512];
    if (settings_from_args(&a, a.positional[0], abs, sj, err, sizeof err) != 0) {
        fprintf(stderr, "error: %s\n", err);
        json_decref(sj);
        status = 2;
        goto done;
    }
    if (strcmp(import_region, store_region)) json_object_set_new(sj, "region", json_string(import_region));
    const char *owner = cli_arg(&a, "owner");
    if (owner) {
        dbparams p;
        dbparams_init(&p, &cs.a);
        dbp_text(&p, owner);
        long long uid = db_scalar(cs.c.db, "SELECT id FROM users WHERE email = ? COLLATE NOCASE AND disabled = 0", &p, 0);
        if (uid <= 0) { fprintf(stderr, "error: no active user with the email %s\n", owner); json_decref(sj); goto done; }
        json_object_set_new(sj, "owner_id", json_integer(uid));
    }
    import_settings s;
    import_settings_default(&s);
    errs e;
    errs_init(&e, &cs.a);
    import_settings_parse(&cs.a, sj, &s, &e);
    json_decref(sj);
    if (e.n) {
        for (size_t i = 0; i < e.n; i++) fprintf(stderr, "error: %s\n", e.v[i].message);
        status = 2;
        goto done;
    }
    buf st;
    buf_init(&st, 0);
    jw w;
    jw_init(&w, &st);
    import_settings_write(&s, &w);
    const char *base = strrchr(abs, '/');
    FILE *fp = fopen(abs, "rb");
    long long size = 0;
    if (fp) { fseek(fp, 0, SEEK_END); size = ftell(fp); fclose(fp); }
    /* created already claimed (one transaction): a running server's worker leaves it to us */
    long long id = -1;
    if (db_begin(cs.c.db) == 0) {
        id = import_store_create(&cs.c, s.object, import_format_name(s.format), base ? base + 1 : abs, size, st.data, "running");
        if (id < 0 || import_store_set_file(&cs.c, id, abs) != 0 || import_store_claim(&cs.c, id) != 1 || db_commit(cs.c.db) != 0) {
            db_rollback(cs.c.db);
            id = -1;
        }
    }
    buf_release(&st);
    if (id < 0) { fprintf(stderr, "error: %s\n", db_errmsg(cs.c.db)); goto done; }

    run_state rs = {{isatty(2) != 0, {0, 0}}, &cs.c, id};
    clock_gettime(CLOCK_MONOTONIC, &rs.b.start);
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_interrupt;
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
    import_hooks h = {progress, interrupted, &rs};
    import_counts n = {0, 0, 0, 0, 0};
    int r = import_run(&cs.c, id, &h, &n, err, sizeof err);
    if (rs.b.tty) fprintf(stderr, "\r%*s\r", 100, "");
    if (r != 0) fprintf(stderr, "error: %s\n", err);
    const char *errors = cli_arg(&a, "errors");
    if (errors) {
        FILE *ef = fopen(errors, "wb");
        if (!ef || import_store_report_csv(&cs.c, id, ef) != 0) { fprintf(stderr, "error: cannot write %s\n", errors); r = -1; }
        if (ef && fclose(ef) != 0) r = -1;
    }
    fprintf(stderr, "import %lld %s in %.1f s%s\n", id, g_interrupted ? "interrupted" : r ? "failed" : "finished", elapsed(&rs.b),
            s.dry_run || r ? "" : "; undo it with: kartoteka import undo <id>");
    printf("{\"read\":%lld,\"created\":%lld,\"updated\":%lld,\"skipped\":%lld,\"rejected\":%lld}\n", n.read, n.created,
           n.updated, n.skipped, n.rejected);
    status = r ? 1 : g_interrupted ? 130 : 0;
done:
    cli_session_close(&cs);
    return status;
}

int cmd_export(int argc, char **argv)
{
    const cli_command *self = cli_command_named("export");
    cli_args a;
    int rc = cli_parse(argc, argv, self, &a);
    if (rc) return rc < 0 ? 2 : 0;
    static const char *const known[] = {"format", "out", "filter", "q", "fields", "delimiter", NULL};
    for (int i = 0; i < a.n; i++) {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++) ok = !strcmp(*k, a.names[i]);
        if (!ok) { fprintf(stderr, "error: unknown option --%s\n", a.names[i]); return 2; }
    }
    const char *out = cli_arg(&a, "out");
    if (a.npos != 1 || !out || !*out) { fprintf(stderr, "usage: %s\n", self->usage); return 2; }
    export_request rq = {0};
    rq.object = a.positional[0];
    const char *fmt = cli_arg(&a, "format");
    int f = fmt ? export_format_parse(fmt) : EXPORT_CSV;
    if (f < 0) { fprintf(stderr, "error: --format must be csv, xlsx or vcard\n"); return 2; }
    rq.format = (export_format)f;
    rq.filter = cli_arg(&a, "filter");
    rq.q = cli_arg(&a, "q");
    rq.fields = cli_arg(&a, "fields");
    const char *d = cli_arg(&a, "delimiter");
    if (d) rq.delimiter = !strcmp(d, "tab") ? '\t' : d[0];
    cli_session cs;
    if (cli_session_open(&cs, false) != 0) return 1;
    errs e;
    errs_init(&e, &cs.a);
    long long id = 0, rows = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = export_run(&cs.c, &rq, out, &id, &rows, &e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int status = 0;
    if (st != 201) {
        for (size_t i = 0; i < e.n; i++) fprintf(stderr, "error: %s\n", e.v[i].message);
        if (!e.n) fprintf(stderr, "error: export failed (%d): %s\n", st, db_errmsg(cs.c.db));
        status = st == 422 ? 2 : 1;
    } else {
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(stderr, "exported %lld %s to %s in %.2f s\n", rows, rq.object, out, s);
        printf("{\"rows\":%lld,\"format\":\"%s\",\"export_id\":%lld}\n", rows, export_format_name(rq.format), id);
    }
    cli_session_close(&cs);
    return status;
}
