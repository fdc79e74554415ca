/* The table of subcommands and the helpers they share. */
#include "cli/cli.h"
#include "core/config.h"
#include "store/db.h"
#include "domain/fts_queue.h"
#include "domain/user.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

int cmd_import(int argc, char **argv), cmd_export(int argc, char **argv);   /* cmd_transfer.c */
int cmd_demo(int argc, char **argv);   /* cmd_demo.c */
const cli_command cli_commands[] = {
    {"init", "create the data directory, the database and the first admin",
     "kartoteka init --data DIR [--admin-email E --admin-password P]", cmd_init},
    {"serve", "serve the API and web app", "kartoteka serve --data DIR [--listen HOST:PORT] [--workers N]", cmd_serve},
    {"migrate", "apply pending database migrations", "kartoteka migrate --data DIR", cmd_migrate},
    {"user", "add, list or disable users",
     "kartoteka user add --data DIR --email E --password P --role R [--team T] [--name N]\n"
     "       kartoteka user list --data DIR\n       kartoteka user disable --data DIR --email E", cmd_user},
    {"backup", "write a consistent copy of the database", "kartoteka backup --data DIR --to FILE", cmd_backup},
    {"restore", "replace the database with a backup", "kartoteka restore --data DIR --from FILE", cmd_restore},
    {"import", "import contacts, companies or deals from CSV, XLSX or vCard; undo an import", "kartoteka import contacts|companies|deals FILE --data DIR [--map SPEC|@FILE] [--region RU] [--dry-run] [--on-duplicate skip|update|create] [--match phone,email,tax_id,field] [--match-field F] [--errors FILE] [--sheet NAME] [--encoding utf-8|windows-1251|windows-1250] [--delimiter C] [--format csv|xlsx|vcard] [--date-order dmy|mdy|ymd] [--owner EMAIL] [--no-guess]\n       kartoteka import undo ID --data DIR", cmd_import},
    {"export", "export contacts, companies or deals to CSV, XLSX or vCard", "kartoteka export contacts|companies|deals --data DIR --format csv|xlsx|vcard --out FILE [--filter EXPR] [--q TEXT] [--fields a,b] [--delimiter C]", cmd_export},
    {"demo", "fill the data directory with a small demo client base", "kartoteka demo --data DIR [--contacts N]", cmd_demo},
    {0},
};

int cli_parse(int argc, char **argv, const cli_command *cmd, cli_args *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: %s\n\n%s\n\nsettings:\n", cmd->usage, cmd->summary);
            config_help(stdout);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (out->npos == 8) { fprintf(stderr, "error: too many arguments\n"); return -1; }
            out->positional[out->npos++] = a;
            continue;
        }
        /* names and values point into argv (the `=` of --name=value is cut there), so
         * nothing is allocated that the caller would have to free */
        char *name = argv[i] + 2;
        const char *value = NULL;
        char *eq = strchr(name, '=');
        if (eq) {
            *eq = 0;
            value = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
            value = argv[++i];
        }
        char err[200];
        int rc = value ? config_set(&g_config, name, value, err, sizeof err) : -1;
        if (rc == -2) { fprintf(stderr, "error: %s\n", err); return -1; }
        if (rc == 0) continue;
        if (out->n == 32) { fprintf(stderr, "error: too many options\n"); return -1; }
        out->names[out->n] = name;
        out->values[out->n++] = value ? value : "";
    }
    return 0;
}

const char *cli_arg(const cli_args *a, const char *name)
{
    for (int i = 0; i < a->n; i++) if (!strcmp(a->names[i], name)) return a->values[i];
    return NULL;
}

bool cli_flag(const cli_args *a, const char *name) { return cli_arg(a, name) != NULL; }

int cli_open(arena *a, ctx *c, principal *system, bool create)
{
    struct stat st;
    if (stat(g_config.data, &st) != 0) {
        if (!create) { fprintf(stderr, "error: data directory '%s' does not exist; run kartoteka init first\n", g_config.data); return -1; }
        if (mkdir(g_config.data, 0700) != 0) { fprintf(stderr, "error: cannot create '%s': %s\n", g_config.data, strerror(errno)); return -1; }
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/kartoteka.db", g_config.data);
    if (!create && stat(path, &st) != 0) { fprintf(stderr, "error: no database in '%s'; run kartoteka init first\n", g_config.data); return -1; }
    db_configure(path);
    db *d = db_thread();
    char err[512];
    if (db_migrate(d, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return -1; }
    principal_system(system);
    c->a = a;
    c->db = d;
    c->user = system;
    c->request_id = "cli";
    if (db_begin(d) != 0 || roles_ensure_builtin(c) != 0 || db_commit(d) != 0) {
        fprintf(stderr, "error: cannot create the built-in roles: %s\n", db_errmsg(d));
        return -1;
    }
    return 0;
}

const cli_command *cli_command_named(const char *name)
{
    for (const cli_command *c = cli_commands; c->name; c++) if (!strcmp(c->name, name)) return c;
    return NULL;
}

/* full-text rows this command queued are indexed before it ends (domain/fts_queue.h) */
void cli_close(void)
{
    fts_queue_drain(db_thread());
    db_thread_close();
}

int cli_session_open(cli_session *s, bool create)
{
    arena_init(&s->a);
    if (cli_open(&s->a, &s->c, &s->sys, create) == 0) return 0;
    arena_release(&s->a);
    return -1;
}

void cli_session_close(cli_session *s)
{
    arena_release(&s->a);
    cli_close();
}

int cli_lock_data(bool exclusive)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/kartoteka.lock", g_config.data);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) { close(fd); return -1; }
    return fd;
}
