/* The background thread of imports and undos. See import_worker.h. */
#include "import/import_worker.h"
#include "import/import_job.h"
#include "import/import_store.h"
#include "export/export.h"
#include "domain/auth.h"
#include "core/log.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_t g_thread;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_running, g_stop, g_poked;

typedef struct run_state {
    ctx *c;
    long long id;
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
    run_state rs = {&c, id};
    import_hooks h = {NULL, cancelled, &rs};
    char err[512];
    if (!strcmp(status, "undoing")) {
        undo_counts u;
        if (import_undo(&c, id, &h, &u, err, sizeof err) != 0) {
            log_error(NULL, "import undo id=%lld failed: %s", id, err);
            import_store_undo_progress(&c, id, &u, "failed");
        } else {
            log_info(NULL, "import undo id=%lld deleted=%lld restored=%lld conflicts=%lld", id, u.deleted, u.restored, u.conflicts);
        }
        return;
    }
    import_counts n;
    if (import_run(&c, id, &h, &n, err, sizeof err) == 0)
        log_info(NULL, "import id=%lld read=%lld created=%lld updated=%lld skipped=%lld rejected=%lld", id, n.read,
                 n.created, n.updated, n.skipped, n.rejected);
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
