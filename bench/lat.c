/* lat: request latency percentiles against a running server.
 *
 * wrk measures throughput well, but its latency figures come from a saturated closed loop
 * where queueing dominates. The latency goals of the issues (search p99, lookup p99,
 * board p99, ...) are about how long one request takes, so lat sends requests over C
 * keep-alive connections (one thread each, one request in flight per connection), times
 * each one from send to the last byte of the answer and prints one JSON line with the
 * rate and p50/p95/p99/max.
 *
 * Requests come from a file, one per line, cycled in order so that consecutive requests
 * touch different records: METHOD <TAB> PATH [<TAB> BODY [<TAB> Header: value]...].
 * A request answered with a status outside 200..299, or not answered, counts as an error.
 *
 * usage: lat [-c CONNS] [-d SECONDS] [-n MAX] [-w WARMUP_SECONDS] [-H 'Header: v']...
 *            -f FILE BASE_URL */
#include "measure.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct request {
    char *method, *path, *body;
    struct curl_slist *headers;   /* per-line headers after the common ones */
} request;

typedef struct worker {
    pthread_t t;
    double *lat_ms;               /* measured latencies, grown as needed */
    size_t n, cap;
    long errors, codes[6];        /* codes[k]: statuses k*100..k*100+99; codes[0]: no answer */
} worker;

static request *reqs;
static size_t nreqs;
static const char *base;
static struct curl_slist *common;
static atomic_size_t next_req;
static atomic_long started;       /* requests started, bounded by max_requests */
static long max_requests = -1;
static double t_measure, t_end;   /* monotonic seconds */
static int show_errors = 3;       /* bodies of the first failures go to stderr */
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) { fprintf(stderr, "lat: out of memory\n"); exit(1); }
    return p;
}

typedef struct sink { char head[512]; size_t len; } sink;

/* keep the first bytes of each answer for error reports; count the rest */
static size_t on_data(char *p, size_t size, size_t n, void *cls)
{
    sink *s = cls;
    size_t len = size * n;
    size_t room = sizeof s->head - 1 - s->len;
    size_t take = len < room ? len : room;
    memcpy(s->head + s->len, p, take);
    s->len += take;
    s->head[s->len] = 0;
    return len;
}

static void record(worker *w, double ms)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 4096;
        double *grown = realloc(w->lat_ms, w->cap * sizeof *grown);
        if (!grown) { fprintf(stderr, "lat: out of memory\n"); exit(1); }
        w->lat_ms = grown;
    }
    w->lat_ms[w->n++] = ms;
}

static void *run(void *arg)
{
    worker *w = arg;
    CURL *h = curl_easy_init();
    if (!h) { fprintf(stderr, "lat: curl_easy_init failed\n"); exit(1); }
    char url[4096];
    sink s;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    for (;;) {
        double t0 = bench_now();
        if (t0 >= t_end) break;
        if (max_requests >= 0 && t0 >= t_measure && atomic_fetch_add(&started, 1) >= max_requests) break;
        request *r = &reqs[atomic_fetch_add(&next_req, 1) % nreqs];
        snprintf(url, sizeof url, "%s%s", base, r->path);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);   /* forget the previous request's body */
        if (r->body) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
        }
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers ? r->headers : common);
        s.len = 0;
        s.head[0] = 0;
        CURLcode rc = curl_easy_perform(h);
        double t1 = bench_now();
        long status = 0;
        if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (t0 < t_measure) continue;   /* warm-up: not recorded */
        record(w, (t1 - t0) * 1000.0);
        w->codes[status >= 100 && status < 600 ? status / 100 : 0]++;
        if (status < 200 || status > 299) {
            w->errors++;
            pthread_mutex_lock(&err_lock);
            if (show_errors > 0) {
                show_errors--;
                fprintf(stderr, "lat: %s %s -> %ld %s %s\n", r->method, r->path, status,
                        rc == CURLE_OK ? "" : curl_easy_strerror(rc), s.head);
            }
            pthread_mutex_unlock(&err_lock);
        }
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* split one line of the request file in place; returns 0 when it holds a request */
static int parse_line(char *line, request *r)
{
    char *field[64];
    int n = 0;
    for (char *p = line; n < 64;) {
        field[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = 0;
        p = tab + 1;
    }
    if (n < 2 || !*field[0] || field[1][0] != '/') return -1;
    r->method = field[0];
    r->path = field[1];
    r->body = n > 2 && *field[2] ? field[2] : NULL;
    r->headers = NULL;
    if (n > 3 || r->body) {
        for (struct curl_slist *c = common; c; c = c->next) r->headers = curl_slist_append(r->headers, c->data);
        if (r->body) r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
        for (int i = 3; i < n; i++) r->headers = curl_slist_append(r->headers, field[i]);
    }
    return 0;
}

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    size_t cap = 1024;
    reqs = xmalloc(cap * sizeof *reqs);
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *copy = strdup(line);
        if (!copy) { fprintf(stderr, "lat: out of memory\n"); exit(1); }
        if (nreqs == cap) {
            cap *= 2;
            request *grown = realloc(reqs, cap * sizeof *reqs);
            if (!grown) { fprintf(stderr, "lat: out of memory\n"); exit(1); }
            reqs = grown;
        }
        if (parse_line(copy, &reqs[nreqs]) == 0) nreqs++;
        else free(copy);
    }
    free(line);
    fclose(f);
    if (!nreqs) { fprintf(stderr, "lat: no requests in %s\n", path); exit(2); }
}

int main(int argc, char **argv)
{
    int conns = 1;
    double seconds = 5, warmup = 0.5;
    const char *file = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "c:d:n:w:H:f:")) != -1) {
        switch (opt) {
        case 'c': conns = atoi(optarg); break;
        case 'd': seconds = atof(optarg); break;
        case 'n': max_requests = atol(optarg); break;
        case 'w': warmup = atof(optarg); break;
        case 'H': common = curl_slist_append(common, optarg); break;
        case 'f': file = optarg; break;
        default: goto usage;
        }
    }
    if (optind != argc - 1 || !file || conns < 1 || conns > 4096 || seconds <= 0 || warmup < 0) goto usage;
    base = argv[optind];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    load(file);
    worker *w = calloc((size_t)conns, sizeof *w);
    if (!w) { fprintf(stderr, "lat: out of memory\n"); return 1; }
    double t0 = bench_now();
    t_measure = t0 + warmup;
    t_end = t_measure + seconds;
    for (int i = 0; i < conns; i++) pthread_create(&w[i].t, NULL, run, &w[i]);
    for (int i = 0; i < conns; i++) pthread_join(w[i].t, NULL);
    double elapsed = bench_now() - t_measure;
    if (elapsed > seconds) elapsed = seconds;   /* the last requests may end past t_end */

    size_t total = 0;
    long errors = 0, codes[6] = {0};
    for (int i = 0; i < conns; i++) {
        total += w[i].n;
        errors += w[i].errors;
        for (int k = 0; k < 6; k++) codes[k] += w[i].codes[k];
    }
    double *all = xmalloc((total ? total : 1) * sizeof *all);
    double sum = 0;
    for (int i = 0, at = 0; i < conns; i++) {
        memcpy(all + at, w[i].lat_ms, w[i].n * sizeof *all);
        at += (int)w[i].n;
    }
    for (size_t i = 0; i < total; i++) sum += all[i];
    bench_sort(all, total);
    printf("{\"requests\":%zu,\"errors\":%ld,\"seconds\":%.3f,\"rps\":%.1f,\"mean_ms\":%.3f,"
           "\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
           "\"status\":{\"none\":%ld,\"2xx\":%ld,\"3xx\":%ld,\"4xx\":%ld,\"5xx\":%ld}}\n",
           total, errors, elapsed, elapsed > 0 ? (double)total / elapsed : 0, total ? sum / (double)total : 0,
           bench_pct(all, total, 50), bench_pct(all, total, 95), bench_pct(all, total, 99), total ? all[total - 1] : 0,
           codes[0], codes[2], codes[3], codes[4], codes[5]);
    for (int i = 0; i < conns; i++) free(w[i].lat_ms);
    free(w);
    free(all);
    for (size_t i = 0; i < nreqs; i++) {   /* method points at the start of the line's copy */
        free(reqs[i].method);
        curl_slist_free_all(reqs[i].headers);
    }
    free(reqs);
    curl_slist_free_all(common);
    curl_global_cleanup();
    return errors && (size_t)errors == total ? 1 : 0;
usage:
    fprintf(stderr, "usage: lat [-c CONNS] [-d SECONDS] [-n MAX] [-w WARMUP_SECONDS] [-H 'Header: v']... -f FILE BASE_URL\n"
                    "  FILE: one request per line: METHOD<TAB>PATH[<TAB>BODY[<TAB>Header: value]...]\n");
    return 2;
}
