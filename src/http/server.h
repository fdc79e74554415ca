/* server: the libmicrohttpd daemon (thread pool + epoll) and the request life cycle:
 * read the body within its limit, authenticate, dispatch through the router, send the
 * answer, log one access line, release the request arena. */
#ifndef KT_SERVER_H
#define KT_SERVER_H
#include <stddef.h>

typedef struct server_config {
    const char *host;           /* "127.0.0.1" */
    unsigned short port;
    unsigned workers;           /* thread pool size */
    size_t max_body;            /* bytes, JSON bodies */
    size_t max_upload;          /* bytes, raw uploads (imports) */
    unsigned timeout_s;         /* idle connection timeout */
    const char *web_root;       /* static files, may be NULL */
} server_config;

/* runs until SIGTERM/SIGINT; in-flight requests finish (up to 10 s), then the daemon stops.
 * Returns 0 on clean shutdown. */
int server_run(const server_config *cfg);
#endif
