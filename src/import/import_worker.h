/* import_worker: the background thread that runs imports and undos.
 *
 * The thread takes the oldest import that is queued, running (left so by a restart: it
 * resumes after its last committed batch), cancelling or undoing, and runs it as the user
 * who uploaded it (their role's scopes, their name in the audit trail). It sleeps until
 * poked or for a second. import_worker_stop() makes a running import stop after its
 * current batch (it stays "running" and resumes at the next start) and joins the thread.
 * The user hears about it through notifications, and so on the live event stream
 * (http/sse.h): "import_progress" every 10 s of a long run, then "import_done",
 * "import_failed" or "import_undone". An uploaded file is removed once a real run ended
 * (a failed run keeps it to resume, a dry run to run for real), and export files a day
 * after they were made. */
#ifndef KT_IMPORT_WORKER_H
#define KT_IMPORT_WORKER_H
#include <stdbool.h>

void import_worker_start(void);
void import_worker_stop(void);
/* a job was queued: look now rather than at the next tick (any thread) */
void import_worker_poke(void);
#endif
