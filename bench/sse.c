/* sse: hold many Server-Sent Events streams open at once, to see what they cost the server.
 *
 * Opens N keep-alive connections to PATH on 127.0.0.1:PORT, sends each a GET with the
 * given headers (and, with -T, a bearer token from the file, one per line, used in turn:
 * the server caps the streams of one user), and waits until every stream has answered 200 with its headers. Then it
 * prints one JSON line (connected, failed, milliseconds to connect them all), keeps the
 * streams open for SECONDS while reading and counting whatever the server pushes, and
 * prints a second line with the bytes and events received. The caller reads the server's
 * memory between the two lines.
 *
 * usage: sse -n CLIENTS -d SECONDS [-H 'Header: v']... [-T TOKENS_FILE] PORT PATH */
#include "measure.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CLIENTS = 20000, MAX_HEADERS = 8 };

typedef struct stream {
    int fd;
    int state;            /* 0 connecting, 1 sent, 2 streaming, -1 failed */
    char head[1024];      /* the start of the answer, until its headers end */
    size_t len;
} stream;

int main(int argc, char **argv)
{
    int n = 1000, nh = 0, opt;
    double seconds = 5;
    const char *headers[MAX_HEADERS];
    char **tokens = NULL;
    int ntokens = 0;
    while ((opt = getopt(argc, argv, "n:d:H:T:")) != -1) {
        if (opt == 'n') n = atoi(optarg);
        else if (opt == 'd') seconds = atof(optarg);
        else if (opt == 'H' && nh < MAX_HEADERS) headers[nh++] = optarg;
        else if (opt == 'T') {
            FILE *f = fopen(optarg, "r");
            if (!f) { perror(optarg); return 2; }
            char line[512];
            while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\r\n")] = 0;
                if (!*line) continue;
                char **grown = realloc(tokens, (size_t)(ntokens + 1) * sizeof *grown);
                if (!grown) { fprintf(stderr, "sse: out of memory\n"); return 1; }
                tokens = grown;
                tokens[ntokens++] = strdup(line);
            }
            fclose(f);
        } else goto usage;
    }
    if (optind != argc - 2 || n < 1 || n > MAX_CLIENTS) goto usage;
    int port = atoi(argv[optind]);
    const char *path = argv[optind + 1];

    char base[4096];
    int bl = snprintf(base, sizeof base, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n", path, port);
    for (int i = 0; i < nh; i++) bl += snprintf(base + bl, sizeof base - (size_t)bl, "%s\r\n", headers[i]);

    stream *s = calloc((size_t)n, sizeof *s);
    struct pollfd *pf = calloc((size_t)n, sizeof *pf);
    if (!s || !pf) { fprintf(stderr, "sse: out of memory\n"); return 1; }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    double t0 = bench_now();
    for (int i = 0; i < n; i++) {
        s[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (s[i].fd < 0) { fprintf(stderr, "sse: socket: %s (raise ulimit -n)\n", strerror(errno)); return 1; }
        if (connect(s[i].fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
            if (i < 3 || i == n - 1) fprintf(stderr, "sse: connect: %s\n", strerror(errno));
            s[i].state = -1;
        }
    }

    /* connect, send, read each answer's headers: at most 30 s for all */
    int streaming = 0, failed = 0;
    long long bytes = 0, events = 0;
    while (streaming + failed < n && bench_now() - t0 < 30) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (s[i].state < 0 || s[i].state == 2) continue;
            pf[k].fd = s[i].fd;
            pf[k].events = s[i].state == 0 ? POLLOUT : POLLIN;
            pf[k].revents = 0;
            k++;
        }
        if (poll(pf, (nfds_t)k, 1000) <= 0) continue;
        for (int j = 0, i = 0; j < k; j++) {
            while (s[i].fd != pf[j].fd) i++;
            stream *x = &s[i];
            if (!pf[j].revents) continue;
            if (x->state == 0) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                char req[4608];
                int rl = ntokens ? snprintf(req, sizeof req, "%sAuthorization: Bearer %s\r\n\r\n", base, tokens[i % ntokens])
                                 : snprintf(req, sizeof req, "%s\r\n", base);
                if (err || write(x->fd, req, (size_t)rl) != rl) {
                    if (failed < 3) fprintf(stderr, "sse: connect: %s\n", strerror(err ? err : errno));
                    x->state = -1;
                    failed++;
                    continue;
                }
                x->state = 1;
                continue;
            }
            ssize_t got = read(x->fd, x->head + x->len, sizeof x->head - 1 - x->len);
            if (got <= 0) {
                if (failed < 3) fprintf(stderr, "sse: read: %s\n", got ? strerror(errno) : "closed by the server");
                x->state = -1;
                failed++;
                continue;
            }
            x->len += (size_t)got;
            x->head[x->len] = 0;
            char *end = strstr(x->head, "\r\n\r\n");
            if (!end && x->len < sizeof x->head - 1) continue;
            if (strncmp(x->head, "HTTP/1.1 200", 12) != 0 || !end) {
                if (failed < 3) fprintf(stderr, "sse: answer: %.200s\n", x->head);
                x->state = -1;
                failed++;
                continue;
            }
            bytes += (long long)(x->len - (size_t)(end + 4 - x->head));
            x->state = 2;
            streaming++;
        }
    }
    printf("{\"clients\":%d,\"connected\":%d,\"failed\":%d,\"connect_ms\":%.1f}\n", n, streaming, failed, (bench_now() - t0) * 1000);
    fflush(stdout);

    /* hold them open, draining what arrives */
    double t_end = bench_now() + seconds;
    char buf[4096];
    while (bench_now() < t_end) {
        int k = 0;
        for (int i = 0; i < n; i++)
            if (s[i].state == 2) { pf[k].fd = s[i].fd; pf[k].events = POLLIN; pf[k].revents = 0; k++; }
        if (!k) break;
        int timeout = (int)((t_end - bench_now()) * 1000);
        if (poll(pf, (nfds_t)k, timeout > 0 ? timeout : 0) <= 0) continue;
        for (int j = 0; j < k; j++) {
            if (!pf[j].revents) continue;
            ssize_t got = read(pf[j].fd, buf, sizeof buf);
            if (got <= 0) {   /* the server ended the stream */
                for (int i = 0; i < n; i++) if (s[i].fd == pf[j].fd) s[i].state = -1;
                streaming--;
                continue;
            }
            bytes += got;
            for (ssize_t b = 0; b + 1 < got; b++) if (buf[b] == '\n' && buf[b + 1] == '\n') events++;
        }
    }
    printf("{\"still_open\":%d,\"bytes\":%lld,\"events\":%lld}\n", streaming, bytes, events);
    for (int i = 0; i < n; i++) close(s[i].fd);
    for (int i = 0; i < ntokens; i++) free(tokens[i]);
    free(tokens);
    free(s);
    free(pf);
    return streaming > 0 ? 0 : 1;
usage:
    fprintf(stderr, "usage: sse -n CLIENTS -d SECONDS [-H 'Header: v']... [-T TOKENS_FILE] PORT PATH\n");
    return 2;
}
