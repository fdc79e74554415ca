/* The background thread of imports and undos. See import_worker.h. */
#include "import/import_worker.h"
#include "import/import_job.h"
#include "import/import_store.h"
#include "export/export.h"
#include "domain/auth.h"
#include "domain/notification.h"
#include "core/config.h"
#include "core/log.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_t g_thread;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_running, g_stop, g_poked;

enum { PROGRESS_EVERY_S = 10 };

typedef struct run_state {
    ctx *c;              /* the importing user's */
    ctx *sys;            /* the worker's own: notify() tells nobody about their own acts */
    long long id, user_id;
    const char *file;
    time_t started, told;
} run_state;

static bool stop_requested(void)
{
    pthread_mutex_lock(&g_mu);
    bool s = g_stop;
    pthread_mutex_unlock(&g_mu);
    return s;
}

/* between batches: the server going down (resume later) or an API cancel */
static bool cancelled(void *cls, bool *stopping)
{
    run_state *rs = cls;
    if (stop_requested()) { *stopping = true; return true; }
    const char *st = import_store_status(rs->c, rs->id);
    return st && !strcmp(st, "cancelling");
}

/* the live event stream (http/sse.h) carries notifications: a long import tells its user
 * how far it got every PROGRESS_EVERY_S seconds, and every import how it ended */
static void progress(void *cls, const import_counts *n, size_t done, size_t total)
{
    run_state *rs = cls;
    time_t now = time(NULL);
    if (!rs->user_id || now - rs->told < PROGRESS_EVERY_S) return;
    rs->told = now;
    long long secs = now - rs->started > 0 ? now - rs->started : 1;
    long long rate = n->read / secs;
    long long left = done && total > done ? (long long)((double)(total - done) * (double)secs / (double)done) : 0;
    int pct = total ? (int)((double)done * 100.0 / (double)total) : 0;
    notify(rs->sys, rs->user_id, "import_progress",
           arena_printf(rs->sys->a, "Import of %s: %d%% (%lld rows, %lld rows/s, about %lld s left)", rs->file, pct, n->read, rate, left),
           "import", rs->id);
}

static void tell_end(run_state *rs, const import_counts *n, const char *err)
{
    if (!rs->user_id) return;
    const char *status = import_store_status(rs->sys, rs->id);
    const char *text = err ? arena_printf(rs->sys->a, "Import of %s failed: %s", rs->file, err)
                           : arena_printf(rs->sys->a, "Import of %s %s: %lld read, %lld created, %lld updated, %lld skipped, %lld rejected",
                                          rs->file, status && !strcmp(status, "cancelled") ? "cancelled" : "finished",
                                          n->read, n->created, n->updated, n->skipped, n->rejected);
    if (status && !strcmp(status, "running")) return;   /* stopped by a shutdown: it goes on later */
    notify(rs->sys, rs->user_id, err ? "import_failed" : "import_done", text, "import", rs->id);
}

/* an upload is a copy of the client base: gone once nothing can need it again (a real run
 * ended; a failed one keeps it to resume, a dry run to run for real). Files of command-line
 * imports are the administrator's own and stay where they are. */
static void drop_upload(ctx *sys, long long id)
{
    import_record rec;
    if (import_store_load(sys, id, &rec) != 1 || !rec.file_path) return;
    const char *dir = arena_printf(sys->a, "%s/imports/", g_config.data);
    if (strncmp(rec.file_path, dir, strlen(dir)) || (strcmp(rec.status, "done") && strcmp(rec.status, "cancelled"))) return;
    import_settings s;
    import_settings_default(&s);
    errs e;
    errs_init(&e, sys->a);
    json_t *j = json_loads(rec.settings ? rec.settings : "{}", 0, NULL);
    bool dry = !j || import_settings_parse(sys->a, j, &s, &e) != 0 || s.dry_run;
    json_decref(j);
    if (dry) return;
    if (import_store_set_file(sys, id, NULL) == 0) unlink(rec.file_path);
}

static void run_one(ctx *sys, long long id, const char *status)
{
    import_record rec;
    if (import_store_load(sys, id, &rec) != 1) return;
    principal who;
    if (!rec.created_by) {
        who = *sys->user;
    } else if (principal_load(sys->db, sys->a, rec.created_by, &who) != 0) {
        import_store_finish(sys, id, strcmp(status, "undoing") ? "failed" : "done", "the user who started it is disabled");
        return;
    }
    ctx c = *sys;
    c.user = &who;
    run_state rs = {&c, sys, id, rec.created_by, rec.file_name ? rec.file_name : "a file", time(NULL), time(NULL)};
    import_hooks h = {progress, cancelled, &rs};
    char err[512];
    if (!strcmp(status, "undoing")) {
        undo_counts u;
        import_hooks uh = {NULL, cancelled, &rs};
        if (import_undo(&c, id, &uh, &u, err, sizeof err) != 0) {
            log_error(NULL, "import undo id=%lld failed: %s", id, err);
            import_store_undo_progress(&c, id, &u, "failed");
        } else {
            log_info(NULL, "import undo id=%lld deleted=%lld restored=%lld conflicts=%lld", id, u.deleted, u.restored, u.conflicts);
            const char *st = import_store_status(sys, id);
            if (rs.user_id && st && !strcmp(st, "undone"))
                notify(sys, rs.user_id, "import_undone",
                       arena_printf(sys->a, "Import of %s undone: %lld deleted, %lld restored, %lld changed since and left alone",
                                    rs.file, u.deleted + u.gone, u.restored, u.conflicts),
                       "import", id);
        }
        return;
    }
    import_counts n = {0, 0, 0, 0, 0};
    if (import_run(&c, id, &h, &n, err, sizeof err) == 0) {
        log_info(NULL, "import id=%lld read=%lld created=%lld updated=%lld skipped=%lld rejected=%lld", id, n.read,
                 n.created, n.updated, n.skipped, n.rejected);
        tell_end(&rs, &n, NULL);
    } else {
        tell_end(&rs, &n, err);
    }
    drop_upload(sys, id);
}

static void *worker(void *unused)
{
    (void)unused;
    principal sys;
    principal_system(&sys);
    time_t last_sweep = 0;
    for (;;) {
        pthread_mutex_lock(&g_mu);
        if (!g_poked && !g_stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&g_cv, &g_mu, &ts);
        }
        bool stop = g_stop;
        g_poked = false;
        pthread_mutex_unlock(&g_mu);
        if (stop) break;
        arena a;
        arena_init(&a);
        ctx c = {&a, db_thread(), &sys, "import-worker"};
        const char *status = NULL;
        long long id = import_store_next_job(&c, &status);
        if (id > 0) {
            run_one(&c, id, status);
            import_worker_poke();   /* there may be more */
        }
        if (time(NULL) - last_sweep > 600) {
            export_sweep(&c);
            last_sweep = time(NULL);
        }
        arena_release(&a);
    }
    db_thread_close();
    return NULL;
}

void import_worker_start(void)
{
    pthread_mutex_lock(&g_mu);
    g_stop = false;
    g_poked = true;
    pthread_mutex_unlock(&g_mu);
    if (pthread_create(&g_thread, NULL, worker, NULL) != 0) {
        log_error(NULL, "cannot start the import worker");
        return;
    }
    g_running = true;
}

void import_worker_stop(void)
{
    if (!g_running) return;
    pthread_mutex_lock(&g_mu);
    g_stop = true;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_running = false;
}

void import_worker_poke(void)
{
    pthread_mutex_lock(&g_mu);
    g_poked = true;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}
