/* kartoteka: one binary for serving, set-up and administration. */
#include "cli/cli.h"
#include "core/config.h"
#include "domain/auth.h"
#include <stdio.h>
#include <string.h>

extern const cli_command cli_commands[];

static void usage(FILE *out)
{
    fprintf(out, "usage: kartoteka COMMAND [options]   (kartoteka COMMAND --help for details)\n\ncommands:\n");
    for (const cli_command *c = cli_commands; c->name; c++) fprintf(out, "  %-9s %s\n", c->name, c->summary);
    fprintf(out, "\nsettings (flags or environment):\n");
    config_help(out);
}

int main(int argc, char **argv)
{
    config_defaults(&g_config);
    config_from_env(&g_config);
    if (auth_init() != 0) { fprintf(stderr, "error: libsodium cannot start\n"); return 1; }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const cli_command *c = cli_command_named(argv[1]);
    if (c) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
