/* libmicrohttpd glue: the request life cycle from first byte to arena release. */
#include "http/server.h"
#include "http/auth_gate.h"
#include "http/reply.h"
#include "http/router.h"
#include "core/log.h"
#include "core/module.h"
#include <microhttpd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const server_config *g_cfg;
static volatile sig_atomic_t g_stop;
static atomic_long g_inflight;
static atomic_ullong g_request_seq;
static unsigned g_instance;

static void on_signal(int sig) { (void)sig; g_stop = 1; }

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *req_query(req *r, const char *name) { return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name); }
const char *req_header(req *r, const char *name) { return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name); }
const char *req_cookie(req *r, const char *name) { return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name); }

void req_add_header(req *r, const char *name, const char *value)
{
    if (r->nhdr == REQ_MAX_HEADERS) return;
    r->hdr_name[r->nhdr] = name;
    r->hdr_value[r->nhdr++] = arena_strdup(&r->a, value);
}

long long req_param_id(req *r, int i)
{
    if (i >= r->nparams) return 0;
    const char *s = r->params[i];
    if (!*s || strlen(s) > 18) return 0;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static void json_decref_cb(void *p) { json_decref(p); }
static void buf_release_cb(void *p) { buf_release(p); }

static req *req_new(struct MHD_Connection *c, const char *url, const char *method)
{
    req *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    arena_init(&r->a);
    r->conn = c;
    r->method = arena_strdup(&r->a, method);
    r->path = arena_strdup(&r->a, url);
    r->started_us = now_us();
    snprintf(r->id, sizeof r->id, "%05x-%llx", g_instance, (unsigned long long)atomic_fetch_add(&g_request_seq, 1) + 1);
    buf_init(&r->out, 0);
    arena_defer(&r->a, buf_release_cb, &r->out);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
        else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr);
    }
    r->remote = arena_strdup(&r->a, addr);
    return r;
}

static bool is_json_type(const char *ct)
{
    if (!ct) return false;
    while (*ct == ' ') ct++;
    static const char json[] = "application/json", merge[] = "application/merge-patch+json";
    size_t n = strcspn(ct, "; ");
    return (n == sizeof json - 1 && strncasecmp(ct, json, n) == 0) ||
           (n == sizeof merge - 1 && strncasecmp(ct, merge, n) == 0);
}

static int parse_body(req *r)
{
    if (r->body.len == 0) return 0;
    if (!is_json_type(req_header(r, "Content-Type")))
        return reply_problem(r, 415, "unsupported_media_type", "the body must be application/json");
    json_error_t je;
    json_t *j = json_loadb(r->body.data, r->body.len, REQ_JSON_FLAGS, &je);
    if (!j) return reply_problem(r, 400, "malformed_json", "cannot parse the body: %s at line %d column %d", je.text, je.line, je.column);
    arena_defer(&r->a, json_decref_cb, j);
    r->json = j;
    return 0;
}

static void dispatch(req *r)
{
    const route *rt = r->route;   /* matched when the request arrived */
    if (!rt) {
        if (r->route_method_mismatch) reply_problem(r, 405, "method_not_allowed", "%s is not allowed on %s", r->method, r->path);
        else reply_problem(r, 404, "not_found", "no such endpoint: %s", r->path);
        return;
    }
    if (r->body_too_large) {
        reply_problem(r, 413, "body_too_large", "the body is larger than the limit of %zu bytes",
                      (route_flags(rt) & ROUTE_RAW_BODY) ? g_cfg->max_upload : g_cfg->max_body);
        return;
    }
    r->db = db_thread();
    bool reading = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
    if (reading) db_read_begin(r->db);   /* auth and the handler's reads share one snapshot */
    else db_write_intent(r->db, true);
    if (((route_flags(rt) & ROUTE_PUBLIC) || auth_gate(r) == 0) &&
        ((route_flags(rt) & ROUTE_RAW_BODY) || parse_body(r) == 0))
        route_handler(rt)(r, route_data(rt));
    db_write_intent(r->db, false);
    db_read_end(r->db);
    if (db_in_tx(r->db)) {   /* a handler that forgot to finish is a bug: never keep it */
        log_error(r->id, "handler left a transaction open on %s %s", r->method, r->path);
        db_rollback(r->db);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls; (void)version;
    req *r = *con_cls;
    if (!r) {
        r = req_new(c, url, method);
        *con_cls = r;
        atomic_fetch_add(&g_inflight, 1);
        int mismatch = 0;
        const route *rt = router_match(r, method, url, &mismatch);
        r->route = rt;
        r->route_method_mismatch = mismatch != 0;
        size_t limit = rt && (route_flags(rt) & ROUTE_RAW_BODY) ? g_cfg->max_upload : g_cfg->max_body;
        buf_init(&r->body, limit);
        arena_defer(&r->a, buf_release_cb, &r->body);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > limit) r->body_too_large = true;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->body_too_large) {
            buf_add(&r->body, upload, *upload_size);
            if (r->body.overflow) { r->body_too_large = true; buf_release(&r->body); buf_init(&r->body, 1); }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    dispatch(r);

    struct MHD_Response *resp;
    if (r->stream) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, r->stream, r->stream_cls, r->stream_free);
        r->stream_free = NULL;
    } else {
        size_t len = r->out.len;
        resp = MHD_create_response_from_buffer(len, buf_detach(&r->out), MHD_RESPMEM_MUST_FREE);
        buf_init(&r->out, 0);   /* the released buf is detached; keep the defer valid */
    }
    if (!resp) return MHD_NO;
    if (r->content_type) MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (strncmp(r->path, "/api/", 5) == 0) MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (int i = 0; i < r->nhdr; i++) MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    /* shutting down: a kept-alive connection must not carry new requests past the wait */
    if (g_stop) MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)(r->status ? r->status : 500), resp);
    MHD_destroy_response(resp);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)c;
    req *r = *con_cls;
    if (!r) return;
    if (r->stream_free && r->stream_cls) r->stream_free(r->stream_cls);
    log_info(r->id, "access method=%s path=%s status=%d us=%lld remote=%s user=%lld end=%d",
             r->method, r->path, r->status, now_us() - r->started_us, r->remote, r->authed ? r->user.user_id : 0, (int)toe);
    arena_release(&r->a);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&g_inflight, 1);
}

int server_run(const server_config *cfg)
{
    g_cfg = cfg;
    g_instance = (unsigned)(getpid() & 0xfffff);
    routes_register_all();

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, cfg->host, &sa.sin_addr) != 1) {
        fprintf(stderr, "error: cannot use listen address '%s': not an IPv4 address\n", cfg->host);
        return 1;
    }
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_signal;
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_TURBO,
        cfg->port, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->workers ? cfg->workers : 2),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)8192,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "error: cannot listen on %s:%u: %s\n", cfg->host, cfg->port, strerror(errno));
        return 1;
    }
    log_info(NULL, "listening addr=http://%s:%u workers=%u db=%s", cfg->host, cfg->port, cfg->workers, db_path());
    for (module *m = module_first(); m; m = m->next)
        if (m->start) m->start();
    while (!g_stop) usleep(100 * 1000);

    log_info(NULL, "shutdown: finishing in-flight requests inflight=%ld", atomic_load(&g_inflight));
    /* quiescing hands the listening socket back to us; closing it refuses new
     * connections at once instead of leaving them to hang in the backlog */
    MHD_socket listen_fd = MHD_quiesce_daemon(d);
    if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
    /* background work stops before the in-flight wait: it ends long-lived answers (event
     * streams), which would otherwise hold the wait for its whole 10 s */
    for (module *m = module_first(); m; m = m->next)
        if (m->stop) m->stop();
    /* the signal cuts the sleep short: a request whose bytes are already here gets a
     * moment to be registered as in flight before the count is trusted */
    usleep(100 * 1000);
    for (int i = 0; i < 100 && atomic_load(&g_inflight) > 0; i++) usleep(100 * 1000);
    MHD_stop_daemon(d);
    db_thread_close();
    log_info(NULL, "shutdown: done");
    return 0;
}
