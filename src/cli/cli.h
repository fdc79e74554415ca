/* cli: the `kartoteka` subcommands. Each command is a function over argc/argv after the
 * command name; shared helpers open the data directory the same way for every command. */
#ifndef KT_CLI_H
#define KT_CLI_H
#include "domain/ctx.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;            /* shown by --help */
    int (*run)(int argc, char **argv);
} cli_command;

/* the entry of command `name` (its usage and options for cli_parse); NULL when none */
const cli_command *cli_command_named(const char *name);

/* parses the common flags (--data, --listen, --workers, --region, ...) into g_config and
 * collects the others in order as name/value pairs pointing into argv (the `=` of
 * --name=value is overwritten, so parse an argv once); -1 after printing an error */
typedef struct cli_args {
    const char *names[32];
    const char *values[32];
    int n;
    const char *positional[8];
    int npos;
} cli_args;
int cli_parse(int argc, char **argv, const cli_command *cmd, cli_args *out);
const char *cli_arg(const cli_args *a, const char *name);   /* NULL when absent */
bool cli_flag(const cli_args *a, const char *name);        /* boolean flag present */

/* opens (creating when asked) the data directory's database and applies migrations;
 * fills a system ctx over `a`. -1 after printing an error */
int cli_open(arena *a, ctx *c, principal *system, bool create);
void cli_close(void);
/* what a command holds while it works on the data directory: its arena and a system ctx
 * over it (the ctx points into the session, so a session stays where it was opened) */
typedef struct cli_session {
    arena a;
    ctx c;
    principal sys;
} cli_session;
/* cli_open over a fresh arena (released again when opening fails); -1 after printing an error */
int cli_session_open(cli_session *s, bool create);
/* releases the arena and closes this thread's database */
void cli_session_close(cli_session *s);
/* the data directory's lock file: `serve` holds it shared for its whole life, `restore`
 * needs it exclusive, so a backup is never swapped in under a running server. Returns the
 * descriptor (kept open while the lock is needed) or -1 when another process holds it
 * in the other mode or the file cannot be opened */
int cli_lock_data(bool exclusive);

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
#endif
