/* sse: Server-Sent Events (text/event-stream) to many browsers without a thread each.
 *
 * Every open stream is a suspended libmicrohttpd connection (MHD_suspend_connection) with a
 * small queue of bytes: a worker thread only runs for a stream while it has something to
 * send, so a thousand idle streams cost memory, not threads. One hub thread polls a feed
 * (the notifications table) a few times a second for rows past the last id it saw, queues
 * each row as an event to the streams of its user and resumes them; every 15 s it queues
 * a comment line as a heartbeat, which keeps proxies from closing an idle stream and
 * finds streams whose browser went away. A browser that reconnects sends Last-Event-ID
 * and the hub replays what it missed from the feed, so an event is never lost between
 * two connections. sse_stop() ends every stream cleanly (the last chunk is sent) and
 * refuses new ones, so the server's shutdown does not wait on them.
 *
 * Threads: sse_start/sse_stop from the module's start/stop; sse_events runs on a worker. */
#ifndef KT_SSE_H
#define KT_SSE_H
#include "http/req.h"

/* hands one row of the feed to the hub: `json` is the event's data (one line) */
typedef void (*sse_emit_fn)(void *cls, long long user_id, long long id, const char *json);

typedef struct sse_feed {
    const char *event;   /* event name written on each event: "notification" */
    /* the newest id at start (streams opened without Last-Event-ID begin after it) */
    long long (*latest)(db *d);
    /* rows with id > after, of one user (user_id > 0) or of all (0), in id order, at most
     * `limit`; returns the last id emitted, `after` when none, -1 on a database error */
    long long (*fetch)(db *d, long long user_id, long long after, int limit, sse_emit_fn emit, void *cls);
} sse_feed;

enum {
    SSE_POLL_MS = 250,             /* how often the hub looks for new rows */
    SSE_HEARTBEAT_S = 15,          /* comment line to every idle stream */
    SSE_QUEUE_MAX = 256 * 1024,    /* bytes waiting for a slow browser before it is cut off */
    SSE_STREAMS_PER_USER = 32,
    SSE_STREAMS_MAX = 8000,
};

/* starts the hub thread over `feed` (which must outlive it); -1 when it cannot start */
int sse_start(const sse_feed *feed);
/* ends every stream, refuses new ones (503) and joins the hub thread */
void sse_stop(void);
/* GET handler of the event stream of the requesting user (route data unused) */
int sse_events(req *r, const void *data);
#endif
