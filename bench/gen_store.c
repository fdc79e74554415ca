/* gen_store: the generator's side of the database (see gen.h).
 *
 * Bulk loading is fast when SQLite appends rows to tables without indexes and builds each
 * index once at the end by sorting, inside one big transaction without a journal. So the
 * generator drops a table's indexes and triggers before loading it and replays their exact
 * CREATE statements from sqlite_master afterwards: whatever indexes a module defines, the
 * loaded base ends with the same ones as a base grown through the API. */
#include "gen.h"
#include "core/arena.h"
#include "domain/auth.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(store *s, const char *what)
{
    fprintf(stderr, "gen: %s: %s\n", what, s->db ? sqlite3_errmsg(s->db) : "no database");
    exit(1);
}

int store_open(store *s, const char *data)
{
    memset(s, 0, sizeof *s);
    char path[4096];
    snprintf(path, sizeof path, "%s/kartoteka.db", data);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fprintf(stderr, "gen: cannot open %s (run `kartoteka init --data %s` first): %s\n", path, data,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        return -1;
    }
    /* no journal and no fsync while loading: a failed load is thrown away, never repaired;
     * the WAL mode the server expects is switched back on by store_close */
    return store_exec(s, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;"
                         "PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF; PRAGMA threads=2; BEGIN;");
}

void store_close(store *s)
{
    if (store_exec(s, "COMMIT; PRAGMA journal_mode=WAL;") != 0) die(s, "commit");
    for (int i = 0; i < s->nsaved; i++) free(s->saved[i]);
    free(s->saved);
    sqlite3_close(s->db);
    s->db = NULL;
}

int store_exec(store *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "gen: %s\n  in: %.300s\n", err ? err : "error", sql);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

sqlite3_stmt *store_prepare(store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "gen: %s\n  in: %s\n", sqlite3_errmsg(s->db), sql);
        exit(1);
    }
    return st;
}

int store_has_table(store *s, const char *table)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    int yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

long long store_count(store *s, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    sqlite3_stmt *st = store_prepare(s, sql);
    long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int store_stash(store *s, const char *table)
{
    /* indexes before triggers: a trigger may name an index-less table, never the reverse */
    sqlite3_stmt *st = store_prepare(s, "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
                                        " AND type IN ('index','trigger') ORDER BY type");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    char drops[64][300];
    int ndrops = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0), *name = (const char *)sqlite3_column_text(st, 1);
        if (ndrops == 64) { fprintf(stderr, "gen: table %s has too many indexes and triggers\n", table); exit(1); }
        snprintf(drops[ndrops++], sizeof drops[0], "DROP %s \"%s\"", type, name);
        char **grown = realloc(s->saved, (size_t)(s->nsaved + 1) * sizeof *grown);
        if (!grown) { fprintf(stderr, "gen: out of memory\n"); exit(1); }
        s->saved = grown;
        s->saved[s->nsaved++] = strdup((const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    for (int i = 0; i < ndrops; i++) if (store_exec(s, drops[i]) != 0) return -1;
    return 0;
}

int store_restore(store *s)
{
    for (int i = 0; i < s->nsaved; i++) {
        if (store_exec(s, s->saved[i]) != 0) return -1;
        free(s->saved[i]);
    }
    s->nsaved = 0;
    return 0;
}

void store_insert(store *s, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE) die(s, sqlite3_sql(st));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* ---- users and teams ---- */

static long long role_id(store *s, const char *name)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT id FROM roles WHERE name = ?");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return id;
}

int gen_users(store *s, const gen_opts *o)
{
    long long manager = role_id(s, "manager"), head = role_id(s, "head");
    if (!manager || !head) { fprintf(stderr, "gen: the built-in roles are missing; was the data directory made by kartoteka init?\n"); return -1; }
    sqlite3_stmt *team = store_prepare(s, "INSERT INTO teams(name) VALUES (?)");
    sqlite3_stmt *user = store_prepare(s, "INSERT INTO users(email, name, role_id, locale) VALUES (?, ?, ?, ?)");
    sqlite3_stmt *member = store_prepare(s, "INSERT INTO team_members(team_id, user_id) VALUES (?, ?)");
    long long team_id = 0;
    for (int i = 0; i <= o->managers; i++) {
        rng r;
        rng_seed(&r, o->seed, S_USER, (uint64_t)i);
        person p;
        locale_id loc = gen_locale(&r);
        gen_person(&r, loc, (uint64_t)i, &p);
        char email[64], name[GEN_TEXT * 2];
        /* user 0 is the head of sales; the managers follow in teams of ten */
        snprintf(email, sizeof email, i ? "manager%03d@bench.example" : "head@bench.example", i);
        snprintf(name, sizeof name, "%s %s", p.first, p.last);
        sqlite3_bind_text(user, 1, email, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(user, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(user, 3, i ? manager : head);
        sqlite3_bind_text(user, 4, gen_lang(loc), -1, SQLITE_STATIC);
        store_insert(s, user);
        long long uid = sqlite3_last_insert_rowid(s->db);
        if (!i) continue;
        if ((i - 1) % 10 == 0) {
            char tname[32];
            snprintf(tname, sizeof tname, "Sales team %d", (i - 1) / 10 + 1);
            sqlite3_bind_text(team, 1, tname, -1, SQLITE_TRANSIENT);
            store_insert(s, team);
            team_id = sqlite3_last_insert_rowid(s->db);
        }
        sqlite3_bind_int64(member, 1, team_id);
        sqlite3_bind_int64(member, 2, uid);
        store_insert(s, member);
    }
    sqlite3_finalize(team);
    sqlite3_finalize(user);
    sqlite3_finalize(member);
    return 0;
}

long long *gen_owner_ids(store *s, int *n)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT u.id FROM users u JOIN roles r ON r.id = u.role_id"
                                        " WHERE r.name = 'manager' AND NOT u.disabled ORDER BY u.id");
    long long *ids = NULL;
    int cap = 0;
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            long long *grown = realloc(ids, (size_t)cap * sizeof *grown);
            if (!grown) { fprintf(stderr, "gen: out of memory\n"); exit(1); }
            ids = grown;
        }
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return ids;
}

int gen_tokens(store *s, int n, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return -1; }
    int nowners;
    long long *owners = gen_owner_ids(s, &nowners);
    sqlite3_stmt *ins = store_prepare(s, "INSERT INTO api_tokens(user_id, name, token_hash, prefix) VALUES(?, 'bench', ?, ?)");
    arena a;
    arena_init(&a);
    if (sodium_init() < 0) { fprintf(stderr, "gen: libsodium does not start\n"); return -1; }
    for (int i = 0; i < n && i < nowners; i++) {
        /* the server's token form (src/http/auth_routes.c): kt_ + 32 random bytes, base64url */
        unsigned char raw[32];
        char secret[64], token[72];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(secret, sizeof secret, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        snprintf(token, sizeof token, "kt_%s", secret);
        sqlite3_bind_int64(ins, 1, owners[i]);
        sqlite3_bind_text(ins, 2, auth_secret_hash(&a, token), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, token, 8, SQLITE_TRANSIENT);
        store_insert(s, ins);
        fprintf(f, "%s\n", token);
    }
    arena_release(&a);
    sqlite3_finalize(ins);
    free(owners);
    return fclose(f) == 0 ? 0 : -1;
}
