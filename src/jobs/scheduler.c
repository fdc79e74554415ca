/* The periodic job thread: see scheduler.h. */
#include "jobs/scheduler.h"
#include "core/log.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct scheduler {
    const char *name;
    unsigned period_ms;
    scheduler_step step;
    void *cls;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* signalled on poke and stop; waits use CLOCK_MONOTONIC */
    bool stop;
};

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) { ts->tv_sec++; ts->tv_nsec -= 1000000000L; }
}

static void *run(void *arg)
{
    scheduler *s = arg;
    principal sys;
    principal_system(&sys);
    db *d = db_thread();
    for (;;) {
        arena a;
        arena_init(&a);
        ctx c = {&a, d, &sys, s->name};
        int n = s->step(&c, s->cls);
        if (db_in_tx(d)) {   /* a step that forgot to finish must not hold the write lock */
            log_error(s->name, "job step left a transaction open");
            db_rollback(d);
        }
        arena_release(&a);
        if (n < 0) log_error(s->name, "job step failed; retrying in %u ms", s->period_ms);

        pthread_mutex_lock(&s->mu);
        if (n <= 0 && !s->stop) {
            struct timespec ts;
            deadline_after(&ts, s->period_ms);
            while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) == 0) {}
        }
        bool stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop) break;
    }
    db_thread_close();
    return NULL;
}

scheduler *scheduler_start(const char *name, unsigned period_ms, scheduler_step step, void *cls)
{
    scheduler *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->name = name;
    s->period_ms = period_ms;
    s->step = step;
    s->cls = cls;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        log_error(name, "cannot start the job thread");
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    log_info(name, "job started period_ms=%u", period_ms);
    return s;
}

void scheduler_stop(scheduler *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    log_info(s->name, "job stopped");
    free(s);
}
