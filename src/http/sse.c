/* The event-stream hub: see sse.h.
 *
 * Locks: the hub mutex guards the list of streams and the hub's own state; each stream's
 * mutex guards its queue and flags. Order: hub, then stream. libmicrohttpd calls the
 * reader with the response's mutex held and the reader suspends the connection with the
 * stream mutex held; so nothing here calls into libmicrohttpd with the hub mutex held.
 * Resuming happens with no lock at all: only the hub flips `suspended` back and resumes,
 * and libmicrohttpd never frees a suspended connection, so the connection is alive when
 * the hub resumes it. */
#include "http/sse.h"
#include "http/reply.h"
#include "core/log.h"
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { REPLAY_BATCH = 100, FEED_BATCH = 1000 };

typedef struct stream {
    struct MHD_Connection *conn;
    int fd;                   /* the connection's socket, watched for hang-ups while suspended */
    long long user_id;
    long long since;          /* newest event id queued (hub only) */
    bool replaying;           /* Last-Event-ID older than the hub: the hub replays first */
    struct stream *prev, *next;

    pthread_mutex_t mu;       /* guards what follows */
    char *q;
    size_t qlen, qcap;
    bool suspended;           /* the reader suspended the connection; only the hub resumes */
    bool closing;             /* end after the queue drains */
} stream;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    stream *head;
    long count;
    bool running, stopping;
    long long seen;           /* newest feed id handed out */
    const sse_feed *feed;
    pthread_t thread;
} g_hub = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ---------- a stream's queue ---------- */

/* appends bytes; false (and the stream is marked to close) when a slow reader would make
 * the queue exceed its cap. Caller holds s->mu. */
static bool queue_add(stream *s, const char *p, size_t n)
{
    if (s->closing) return false;
    if (s->qlen + n > SSE_QUEUE_MAX) {
        s->closing = true;
        return false;
    }
    if (s->qlen + n > s->qcap) {
        size_t cap = s->qcap ? s->qcap : 1024;
        while (cap < s->qlen + n) cap *= 2;
        s->q = xrealloc(s->q, cap);
        s->qcap = cap;
    }
    memcpy(s->q + s->qlen, p, n);
    s->qlen += n;
    return true;
}

/* the reader libmicrohttpd calls for the body: queued bytes, or suspend until there are */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    stream *s = cls;
    pthread_mutex_lock(&s->mu);
    ssize_t n;
    if (s->qlen) {
        size_t k = s->qlen < max ? s->qlen : max;
        memcpy(out, s->q, k);
        memmove(s->q, s->q + k, s->qlen - k);
        s->qlen -= k;
        if (s->qlen == 0 && s->qcap > 16 * 1024) {   /* give back what a burst grew */
            free(s->q);
            s->q = NULL;
            s->qcap = 0;
        }
        n = (ssize_t)k;
    } else if (s->closing) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        n = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* libmicrohttpd frees the response: the connection is done with the stream */
static void stream_free(void *cls)
{
    stream *s = cls;
    pthread_mutex_lock(&g_hub.mu);
    if (s->prev) s->prev->next = s->next; else g_hub.head = s->next;
    if (s->next) s->next->prev = s->prev;
    g_hub.count--;
    pthread_mutex_unlock(&g_hub.mu);
    pthread_mutex_destroy(&s->mu);
    free(s->q);
    free(s);
}

/* ---------- the hub ---------- */

/* connections to resume once the hub mutex is released */
typedef struct wake_list {
    struct MHD_Connection **v;
    size_t n, cap;
} wake_list;

/* caller holds s->mu */
static void wake_later(wake_list *w, stream *s)
{
    if (!s->suspended) return;
    s->suspended = false;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->v = xrealloc(w->v, w->cap * sizeof *w->v);
    }
    w->v[w->n++] = s->conn;
}

static void wake_all(wake_list *w)
{
    for (size_t i = 0; i < w->n; i++) MHD_resume_connection(w->v[i]);
    w->n = 0;
}

/* writes one event into the stream's queue (caller holds s->mu) */
static void queue_event(stream *s, long long id, const char *json)
{
    char head[96];
    int n = snprintf(head, sizeof head, "id: %lld\nevent: %s\ndata: ", id, g_hub.feed->event);
    if (queue_add(s, head, (size_t)n)) queue_add(s, json, strlen(json));
    queue_add(s, "\n\n", 2);
}

typedef struct deliver_ctx {
    stream *only;     /* replay into this stream; NULL = every stream of the row's user */
    wake_list *wake;
    int n;            /* rows seen */
} deliver_ctx;

/* emit callback of the feed; runs on the hub thread with the hub mutex held */
static void deliver(void *cls, long long user_id, long long id, const char *json)
{
    deliver_ctx *d = cls;
    d->n++;
    for (stream *s = d->only ? d->only : g_hub.head; s; s = d->only ? NULL : s->next) {
        if (s->user_id != user_id || id <= s->since || (!d->only && s->replaying)) continue;
        s->since = id;
        pthread_mutex_lock(&s->mu);
        queue_event(s, id, json);
        wake_later(d->wake, s);
        pthread_mutex_unlock(&s->mu);
    }
}

static void heartbeat(wake_list *w)
{
    static const char ping[] = ": ping\n\n";
    for (stream *s = g_hub.head; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        queue_add(s, ping, sizeof ping - 1);
        wake_later(w, s);
        pthread_mutex_unlock(&s->mu);
    }
}

/* a suspended connection is not watched by libmicrohttpd, so a browser that went away
 * would hold its slot until the next heartbeat fails to write: look at the sockets of
 * suspended streams instead and end those whose peer hung up */
static void reap_hangups(wake_list *w)
{
    size_t n = 0;
    for (stream *s = g_hub.head; s; s = s->next) n++;
    if (!n) return;
    struct pollfd *pf = xmalloc(n * sizeof *pf);
    stream **who = xmalloc(n * sizeof *who);
    size_t k = 0;
    for (stream *s = g_hub.head; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        if (s->suspended && s->fd >= 0) {
            pf[k] = (struct pollfd){.fd = s->fd, .events = POLLRDHUP};
            who[k++] = s;
        }
        pthread_mutex_unlock(&s->mu);
    }
    if (k && poll(pf, k, 0) > 0)
        for (size_t i = 0; i < k; i++) {
            if (!(pf[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) continue;
            pthread_mutex_lock(&who[i]->mu);
            who[i]->closing = true;
            wake_later(w, who[i]);
            pthread_mutex_unlock(&who[i]->mu);
        }
    free(pf);
    free(who);
}

static void *hub_run(void *arg)
{
    (void)arg;
    db *d = db_thread();
    wake_list wake = {0};
    struct timespec last_beat;
    clock_gettime(CLOCK_MONOTONIC, &last_beat);
    pthread_mutex_lock(&g_hub.mu);
    while (!g_hub.stopping) {
        if (g_hub.head) {
            /* streams that came back with Last-Event-ID get what they missed first, a
             * batch per tick; the global pass skips them until they have caught up */
            for (stream *s = g_hub.head; s; s = s->next) {
                if (!s->replaying) continue;
                deliver_ctx dc = {s, &wake, 0};
                if (g_hub.feed->fetch(d, s->user_id, s->since, REPLAY_BATCH, deliver, &dc) < 0) break;
                if (dc.n < REPLAY_BATCH) s->replaying = false;   /* a short batch: caught up */
            }
            deliver_ctx dc = {NULL, &wake, 0};
            long long last = g_hub.feed->fetch(d, 0, g_hub.seen, FEED_BATCH, deliver, &dc);
            if (last > g_hub.seen) g_hub.seen = last;
        } else {
            /* nobody listens: keep up with the table without reading rows */
            long long latest = g_hub.feed->latest(d);
            if (latest > g_hub.seen) g_hub.seen = latest;
        }
        reap_hangups(&wake);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - last_beat.tv_sec >= SSE_HEARTBEAT_S) {
            heartbeat(&wake);
            last_beat = now;
        }
        pthread_mutex_unlock(&g_hub.mu);
        wake_all(&wake);
        pthread_mutex_lock(&g_hub.mu);
        if (g_hub.stopping) break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += SSE_POLL_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&g_hub.cv, &g_hub.mu, &ts);
    }
    pthread_mutex_unlock(&g_hub.mu);
    free(wake.v);
    db_thread_close();
    return NULL;
}

int sse_start(const sse_feed *feed)
{
    pthread_mutex_lock(&g_hub.mu);
    if (g_hub.running) { pthread_mutex_unlock(&g_hub.mu); return 0; }
    g_hub.feed = feed;
    g_hub.stopping = false;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g_hub.cv, &ca);
    pthread_condattr_destroy(&ca);
    g_hub.seen = feed->latest(db_thread());
    if (g_hub.seen < 0) g_hub.seen = 0;
    int rc = pthread_create(&g_hub.thread, NULL, hub_run, NULL);
    g_hub.running = rc == 0;
    pthread_mutex_unlock(&g_hub.mu);
    if (rc != 0) { log_error(NULL, "cannot start the event stream hub"); return -1; }
    return 0;
}

void sse_stop(void)
{
    wake_list wake = {0};
    pthread_mutex_lock(&g_hub.mu);
    if (!g_hub.running) { pthread_mutex_unlock(&g_hub.mu); return; }
    g_hub.stopping = true;
    long n = g_hub.count;
    for (stream *s = g_hub.head; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->closing = true;
        wake_later(&wake, s);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_cond_signal(&g_hub.cv);
    pthread_mutex_unlock(&g_hub.mu);
    wake_all(&wake);
    free(wake.v);
    pthread_join(g_hub.thread, NULL);
    pthread_mutex_lock(&g_hub.mu);
    g_hub.running = false;
    pthread_cond_destroy(&g_hub.cv);
    pthread_mutex_unlock(&g_hub.mu);
    log_info(NULL, "event streams ended streams=%ld", n);
}


/* Last-Event-ID as a positive id; 0 when absent or not one */
static long long last_event_id(req *r)
{
    const char *h = req_header(r, "Last-Event-ID");
    if (!h || !*h || strlen(h) > 18) return 0;
    long long v = 0;
    for (const char *p = h; *p; p++) {
        if (*p < '0' || *p > '9') return 0;
        v = v * 10 + (*p - '0');
    }
    return v;
}

int sse_events(req *r, const void *data)
{
    (void)data;
    long long resume_after = last_event_id(r);
    pthread_mutex_lock(&g_hub.mu);
    if (!g_hub.running || g_hub.stopping) {
        pthread_mutex_unlock(&g_hub.mu);
        req_add_header(r, "Retry-After", "5");
        return reply_problem(r, 503, "shutting_down", "the server is restarting; reconnect in a few seconds");
    }
    long mine = 0;
    for (stream *s = g_hub.head; s; s = s->next) mine += s->user_id == r->user.user_id;
    if (mine >= SSE_STREAMS_PER_USER || g_hub.count >= SSE_STREAMS_MAX) {
        pthread_mutex_unlock(&g_hub.mu);
        req_add_header(r, "Retry-After", "30");
        return reply_problem(r, 429, "too_many_streams",
                             "too many open event streams (at most %d per user); close some browser tabs", SSE_STREAMS_PER_USER);
    }
    stream *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->conn = r->conn;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    s->fd = ci ? ci->connect_fd : -1;
    s->user_id = r->user.user_id;
    /* an id from the future (another database) counts as none: start from now */
    s->replaying = resume_after && resume_after < g_hub.seen;
    s->since = s->replaying ? resume_after : g_hub.seen;
    /* the browser waits 3 s before reconnecting; the comment makes the headers go out now */
    static const char hello[] = "retry: 3000\n: connected\n\n";
    queue_add(s, hello, sizeof hello - 1);
    s->next = g_hub.head;
    if (g_hub.head) g_hub.head->prev = s;
    g_hub.head = s;
    g_hub.count++;
    if (s->replaying) pthread_cond_signal(&g_hub.cv);
    pthread_mutex_unlock(&g_hub.mu);

    r->stream = stream_read;
    r->stream_cls = s;
    r->stream_free = stream_free;
    r->status = 200;
    r->content_type = "text/event-stream; charset=utf-8";
    req_add_header(r, "X-Accel-Buffering", "no");
    return 200;
}
