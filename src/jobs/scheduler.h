/* scheduler: one background thread that runs a job step at a fixed period until stopped
 * (the reminder scheduler of activities; automation timers later).
 *
 * Each step runs with a fresh arena, the thread's own database connection (db_thread) and
 * the system principal, so a step is written like a handler: it opens and commits its own
 * transaction and keeps its state in the database, never in memory, so a restart neither
 * repeats nor skips work. Steps never overlap; a step that returns a positive count of
 * items it handled is run again at once (a backlog drains without waiting a period). */
#ifndef KT_SCHEDULER_H
#define KT_SCHEDULER_H
#include "domain/ctx.h"

typedef struct scheduler scheduler;
/* returns how many items it handled (0 = nothing due), -1 on error (logged, retried
 * next period) */
typedef int (*scheduler_step)(ctx *c, void *cls);

/* starts the thread; the first step runs at once. NULL when no thread can be made. */
scheduler *scheduler_start(const char *name, unsigned period_ms, scheduler_step step, void *cls);
/* wakes the thread, waits for the step in progress to end, joins and frees. NULL is ignored */
void scheduler_stop(scheduler *s);
#endif
