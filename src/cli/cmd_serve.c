/* serve: open the data directory, migrate, and run the HTTP server until a signal. */
#include "cli/cli.h"
#include "core/config.h"
#include "http/server.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_serve(int argc, char **argv)
{
    const cli_command *self = cli_command_named("serve");
    cli_args args;
    int rc = cli_parse(argc, argv, self, &args);
    if (rc) return rc < 0 ? 2 : 0;
    if (args.n) { fprintf(stderr, "error: unknown option --%s\n", args.names[0]); return 2; }
    char host[128];
    snprintf(host, sizeof host, "%s", g_config.listen);
    char *colon = strrchr(host, ':'), *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon[1] < '0' || colon[1] > '9' || *end || port < 1 || port > 65535) {
        fprintf(stderr, "error: --listen must be HOST:PORT with a port from 1 to 65535, not '%s'\n", g_config.listen);
        return 2;
    }
    *colon = 0;
    /* opened once to check the directory and apply migrations before the workers start */
    cli_session s;
    if (cli_session_open(&s, false) != 0) return 1;
    cli_session_close(&s);
    /* held (shared) until the process ends: `restore` refuses to run under us */
    if (cli_lock_data(false) < 0) {
        fprintf(stderr, "error: '%s' is being restored; try again when that is done\n", g_config.data);
        return 1;
    }
    server_config sc = {
        .host = host, .port = (unsigned short)port, .workers = g_config.workers, .max_body = g_config.max_body,
        .max_upload = g_config.max_upload, .timeout_s = g_config.timeout,
        .web_root = g_config.web_root[0] ? g_config.web_root : NULL,
    };
    return server_run(&sc);
}
