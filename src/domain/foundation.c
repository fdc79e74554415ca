/* The foundation module: schema of roles, teams, users, sessions, API tokens, audit,
 * idempotency keys, login throttling, custom field definitions and the queue of full-text
 * rows, its routes, and the indexer that empties that queue. */
#include "core/module.h"
#include "domain/custom_field.h"
#include "domain/fts_queue.h"
#include "domain/user.h"
#include "jobs/scheduler.h"
#include <stddef.h>

void auth_routes(void);
void openapi_routes(void);

#define TS "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"

/* Tables whose rows are deleted for good use AUTOINCREMENT: SQLite otherwise gives the
 * id of a deleted newest row to the next one, and links, audit history and integrations
 * holding /users/7 would silently point at someone else. */

static const char *const steps[] = {
    "CREATE TABLE roles(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, description TEXT,"
    " scopes TEXT NOT NULL, builtin INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1, created_by INTEGER,"
    " created_at " TS ", updated_at " TS ");"
    "CREATE TABLE teams(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, version INTEGER NOT NULL DEFAULT 1, created_by INTEGER,"
    " created_at " TS ", updated_at " TS ");"
    "CREATE TABLE users(id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT NOT NULL,"
    " password_hash TEXT, role_id INTEGER NOT NULL REFERENCES roles(id), disabled INTEGER NOT NULL DEFAULT 0,"
    " locale TEXT, version INTEGER NOT NULL DEFAULT 1, created_by INTEGER, created_at " TS ", updated_at " TS ");"
    "CREATE TABLE team_members(team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, PRIMARY KEY(team_id, user_id)) WITHOUT ROWID;"
    "CREATE INDEX team_members_user ON team_members(user_id, team_id);"
    "CREATE TABLE sessions(token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " csrf TEXT NOT NULL, created_at " TS ", expires_at TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE api_tokens(id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at " TS ","
    " last_used_at TEXT, revoked_at TEXT);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at " TS ", user_id INTEGER, request_id TEXT,"
    " object TEXT NOT NULL, object_id INTEGER NOT NULL, action TEXT NOT NULL, owner_id INTEGER, changes TEXT);"
    "CREATE INDEX audit_object ON audit(object, object_id, id);"
    "CREATE INDEX audit_user ON audit(user_id, id);"
    "CREATE TABLE idempotency(user_id INTEGER NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,"
    " body_hash TEXT NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL, created_at " TS ","
    " PRIMARY KEY(user_id, key)) WITHOUT ROWID;"
    "CREATE TABLE login_failures(key TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX login_failures_key ON login_failures(key, at);"
    "CREATE TABLE custom_fields(id INTEGER PRIMARY KEY AUTOINCREMENT, object TEXT NOT NULL, name TEXT NOT NULL, label TEXT,"
    " type TEXT NOT NULL, required INTEGER NOT NULL DEFAULT 0, options TEXT, position INTEGER NOT NULL DEFAULT 0,"
    " version INTEGER NOT NULL DEFAULT 1, created_at " TS ", updated_at " TS ", created_by INTEGER, UNIQUE(object, name));"
    "CREATE VIEW audit_v AS SELECT id, 1 AS version, at AS created_at, at AS updated_at, user_id, request_id,"
    " object, object_id, action, owner_id, changes FROM audit;",
    /* 2: full-text rows waiting for the indexer (fts_queue.h); `body` NULL removes the row */
    "CREATE TABLE fts_pending(id INTEGER PRIMARY KEY, fts TEXT NOT NULL, col TEXT NOT NULL, row INTEGER NOT NULL, body TEXT);",
    NULL,
};

static void foundation_routes(void)
{
    auth_routes();
    user_routes();
    custom_field_routes();
    openapi_routes();
}

static scheduler *g_indexer;

/* a few hundred rows per transaction under load; a backlog drains without pause */
static int index_step(ctx *c, void *unused)
{
    (void)unused;
    db_write_alone(c->db);   /* the indexer's thread has this connection to itself */
    return fts_queue_apply(c->db, 1000);
}

static void foundation_start(void) { g_indexer = scheduler_start("indexer", 100, index_step, NULL); }

static void foundation_stop(void)
{
    scheduler_stop(g_indexer);
    g_indexer = NULL;
}

static module foundation = {
    .name = "core", .order = 0, .schema = steps, .routes = foundation_routes,
    .start = foundation_start, .stop = foundation_stop,
};
MODULE_REGISTER(foundation)
