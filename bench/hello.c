/* hello: the HTTP baseline of the benchmarks.
 *
 * The smallest libmicrohttpd server that answers every request with a fixed JSON body,
 * started with the same daemon flags and worker count as `kartoteka serve`
 * (src/http/server.c), so that the ratio kartoteka/hello shows what Kartoteka's own work
 * (routing, auth, SQL, JSON) costs on top of the HTTP library on this machine.
 *
 * usage: hello PORT [WORKERS]   (listens on 127.0.0.1 only; stops on SIGINT/SIGTERM) */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] = "{\"status\":\"ok\"}";
static struct MHD_Response *reply;   /* shared by every request: MHD counts references */
static volatile sig_atomic_t stop;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state)
{
    (void)cls; (void)url; (void)method; (void)version; (void)data;
    /* answer on the second call, once the request is fully read, as kartoteka does:
     * a response queued on the first call makes libmicrohttpd close the connection */
    static int seen;
    if (!*state) { *state = &seen; return MHD_YES; }
    *size = 0;
    return MHD_queue_response(c, MHD_HTTP_OK, reply);
}

static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: hello PORT [WORKERS]\n"); return 2; }
    unsigned workers = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    reply = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(reply, "Content-Type", "application/json");
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, workers ? workers : 1,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)8192,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!d) { fprintf(stderr, "hello: cannot listen on 127.0.0.1:%s\n", argv[1]); return 1; }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop) pause();
    MHD_stop_daemon(d);
    MHD_destroy_response(reply);
    return 0;
}
