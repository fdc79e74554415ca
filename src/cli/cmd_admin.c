/* init, migrate, user, backup, restore. */
#include "cli/cli.h"
#include "core/config.h"
#include "domain/auth.h"
#include "domain/user.h"
#include "store/db.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static void print_errs(const errs *e, int status)
{
    if (!e->n) fprintf(stderr, "error: failed (status %d)\n", status);
    for (size_t i = 0; i < e->n; i++) fprintf(stderr, "error: %s\n", e->v[i].message);
}

int cmd_init(int argc, char **argv)
{
    cli_args args;
    int rc = cli_parse(argc, argv, cli_command_named("init"), &args);
    if (rc) return rc < 0 ? 2 : 0;
    cli_session s;
    if (cli_session_open(&s, true) != 0) return 1;
    long long admins = db_scalar(s.c.db, "SELECT count(*) FROM users u JOIN roles r ON r.id = u.role_id WHERE r.name = 'admin'", NULL, 0);
    const char *email = cli_arg(&args, "admin-email");
    const char *password = cli_arg(&args, "admin-password");
    int status = 0;
    if (admins > 0 && !email) {
        printf("Kartoteka is already set up in %s (%lld admin account%s).\n", g_config.data, admins, admins == 1 ? "" : "s");
        goto done;
    }
    if (!email) email = "admin@example.com";
    char generated[25];
    if (!password) {
        unsigned char raw[18];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(generated, sizeof generated, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        password = generated;
    }
    errs e;
    errs_init(&e, &s.a);
    long long id;
    int st = user_create(&s.c, email, password, "admin", "Administrator", NULL, &id, &e);
    if (st) { print_errs(&e, st); status = 1; goto done; }
    printf("Kartoteka is ready in %s\n  admin login: %s\n  password:    %s\n", g_config.data, email, password);
    if (password == generated) {
        char path[1100];
        snprintf(path, sizeof path, "%s/initial-admin.txt", g_config.data);
        FILE *f = fopen(path, "w");
        if (f) {
            fchmod(fileno(f), 0600);
            fprintf(f, "email: %s\npassword: %s\n", email, password);
            fclose(f);
            printf("  (also written to %s; change the password after the first login)\n", path);
        }
    }
done:
    cli_session_close(&s);
    return status;
}

int cmd_migrate(int argc, char **argv)
{
    cli_args args;
    int rc = cli_parse(argc, argv, cli_command_named("migrate"), &args);
    if (rc) return rc < 0 ? 2 : 0;
    cli_session s;
    if (cli_session_open(&s, false) != 0) return 1;
    printf("schema up to date: %d migration steps applied\n", db_schema_version(s.c.db));
    cli_session_close(&s);
    return 0;
}

static int user_list(ctx *c)
{
    db_cursor *cur = db_query(c->db, "SELECT u.id, u.email, u.name, r.name, u.disabled FROM users u"
                                     " JOIN roles r ON r.id = u.role_id ORDER BY u.id", NULL);
    printf("%-6s %-32s %-24s %-10s %s\n", "id", "email", "name", "role", "status");
    while (cur && db_step(cur) == 1)
        printf("%-6lld %-32s %-24s %-10s %s\n", db_col_int(cur, 0), db_col_text(cur, 1), db_col_text(cur, 2),
               db_col_text(cur, 3), db_col_int(cur, 4) ? "disabled" : "active");
    db_done(cur);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    const cli_command *self = cli_command_named("user");
    if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "list") && strcmp(argv[1], "disable"))) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) { printf("usage: %s\n", self->usage); return 0; }
        fprintf(stderr, "usage: %s\n", self->usage);
        return 2;
    }
    const char *sub = argv[1];
    cli_args args;
    int rc = cli_parse(argc - 1, argv + 1, self, &args);
    if (rc) return rc < 0 ? 2 : 0;
    cli_session s;
    if (cli_session_open(&s, false) != 0) return 1;
    int status = 0;
    const char *email = cli_arg(&args, "email");
    if (!strcmp(sub, "list")) {
        status = user_list(&s.c);
    } else if (!email) {
        fprintf(stderr, "error: --email is required\n");
        status = 2;
    } else if (!strcmp(sub, "add")) {
        const char *pw = cli_arg(&args, "password"), *role = cli_arg(&args, "role");
        if (!pw || !role) {
            fprintf(stderr, "error: --password and --role are required\n");
            status = 2;
        } else {
            errs e;
            errs_init(&e, &s.a);
            long long id;
            int st = user_create(&s.c, email, pw, role, cli_arg(&args, "name"), cli_arg(&args, "team"), &id, &e);
            if (st) { print_errs(&e, st); status = 1; }
            else printf("user %lld added: %s (%s)\n", id, email, role);
        }
    } else {
        dbparams p;
        dbparams_init(&p, &s.a);
        dbp_text(&p, email);
        db_begin(s.c.db);
        long long id = db_scalar(s.c.db, "SELECT id FROM users WHERE email = ?", &p, 0);
        if (id <= 0) { fprintf(stderr, "error: no user '%s'\n", email); status = 1; db_rollback(s.c.db); }
        else {
            dbparams q;
            dbparams_init(&q, &s.a);
            dbp_int(&q, id);
            db_run(s.c.db, "UPDATE users SET disabled = 1, version = version + 1 WHERE id = ?", &q);
            db_run(s.c.db, "DELETE FROM sessions WHERE user_id = ?", &q);
            db_run(s.c.db, "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE user_id = ? AND revoked_at IS NULL", &q);
            audit_record(&s.c, "user", id, "update", 0, "{\"disabled\":[false,true]}");
            if (db_commit(s.c.db) != 0) { fprintf(stderr, "error: %s\n", db_errmsg(s.c.db)); status = 1; }
            else printf("user %s disabled; their sessions and API tokens are revoked\n", email);
        }
    }
    cli_session_close(&s);
    return status;
}

int cmd_backup(int argc, char **argv)
{
    cli_args args;
    int rc = cli_parse(argc, argv, cli_command_named("backup"), &args);
    if (rc) return rc < 0 ? 2 : 0;
    const char *to = cli_arg(&args, "to");
    if (!to || !*to) { fprintf(stderr, "error: --to FILE is required\n"); return 2; }
    if (access(to, F_OK) == 0) { fprintf(stderr, "error: '%s' exists; choose a new file\n", to); return 1; }
    cli_session s;
    if (cli_session_open(&s, false) != 0) return 1;
    dbparams p;
    dbparams_init(&p, &s.a);
    dbp_text(&p, to);
    int status = 0;
    /* VACUUM INTO writes a consistent snapshot while the server keeps serving */
    if (db_run(s.c.db, "VACUUM INTO ?", &p) < 0) { fprintf(stderr, "error: backup failed: %s\n", db_errmsg(s.c.db)); status = 1; }
    else printf("backup written to %s\n", to);
    cli_session_close(&s);
    return status;
}

int cmd_restore(int argc, char **argv)
{
    cli_args args;
    int rc = cli_parse(argc, argv, cli_command_named("restore"), &args);
    if (rc) return rc < 0 ? 2 : 0;
    const char *from = cli_arg(&args, "from");
    if (!from || !*from) { fprintf(stderr, "error: --from FILE is required\n"); return 2; }
    mkdir(g_config.data, 0700);   /* restoring onto a new machine: the directory may not exist yet */
    /* held until the process ends, so no server starts on a half-restored directory */
    if (cli_lock_data(true) < 0) {
        fprintf(stderr, "error: a server is running on '%s' (or it cannot be locked); stop it before restoring\n", g_config.data);
        return 1;
    }
    char err[512];
    db *src = db_open(from, err, sizeof err);
    if (!src) { fprintf(stderr, "error: %s\n", err); return 1; }
    long long ok = db_scalar(src, "SELECT count(*) FROM schema_migrations WHERE component = 'core'", NULL, -1);
    char *check = NULL;
    arena a;
    arena_init(&a);
    if (ok > 0) check = db_scalar_text(src, &a, "PRAGMA integrity_check", NULL);
    db_close(src);
    if (ok <= 0 || !check || strcmp(check, "ok")) {
        fprintf(stderr, "error: '%s' is not a sound Kartoteka backup (%s)\n", from, check ? check : "no schema");
        arena_release(&a);
        return 1;
    }
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/kartoteka.db", g_config.data);
    snprintf(tmp, sizeof tmp, "%s.restore", path);
    db *d = db_open(tmp, err, sizeof err);
    int status = 0;
    if (!d) { fprintf(stderr, "error: %s\n", err); status = 1; }
    else {
        /* copy through SQLite so the restored file is a clean, WAL-free database */
        dbparams p;
        dbparams_init(&p, &a);
        dbp_text(&p, from);
        db_close(d);
        remove(tmp);
        db *s = db_open(from, err, sizeof err);
        dbparams q;
        dbparams_init(&q, &a);
        dbp_text(&q, tmp);
        if (!s || db_run(s, "VACUUM INTO ?", &q) < 0) { fprintf(stderr, "error: cannot copy the backup\n"); status = 1; }
        db_close(s);
        char wal[1200], shm[1200];
        snprintf(wal, sizeof wal, "%s-wal", path);
        snprintf(shm, sizeof shm, "%s-shm", path);
        if (!status && rename(tmp, path) != 0) { fprintf(stderr, "error: cannot replace %s\n", path); status = 1; }
        if (!status) { remove(wal); remove(shm); printf("restored %s from %s (stop the server before restoring)\n", path, from); }
    }
    arena_release(&a);
    return status;
}
