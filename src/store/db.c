/* SQLite driver behind db.h: per-thread connections, statement cache, transactions. */
#include "store/db.h"
#include <sqlite3.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

enum { STMT_CACHE = 256, STMT_RECENT = 128 };

typedef struct cached_stmt {
    const char *sql;     /* owned copy */
    sqlite3_stmt *st;
    struct cached_stmt *next;
} cached_stmt;

/* a cached statement by the address of the SQL text it was last asked for with */
typedef struct recent_stmt {
    const char *addr;
    cached_stmt *c;
} recent_stmt;

struct db_cursor {
    db *d;
    sqlite3_stmt *st;
    bool cached;
};

/* statements kept for the commit (db_run_at_commit), with copies of their values */
typedef struct at_commit_stmt {
    char *sql;
    dbv *v;
    size_t n;
} at_commit_stmt;

typedef struct at_commit_list {
    at_commit_stmt *v;
    size_t n, cap;
} at_commit_list;

struct db {
    sqlite3 *h;
    cached_stmt *bucket[STMT_CACHE];
    recent_stmt recent[STMT_RECENT];
    struct db_cursor cursor;   /* one live cursor per statement use; reused */
    int tx_depth;
    bool read_tx;              /* a deferred read transaction spans the request's reads */
    bool pooled;               /* a thread's connection (db_thread): its writes join the group */
    bool writing;              /* inside a write transaction: statements go to the group's writer */
    bool savepoint;            /* its transaction is a savepoint (it joined a group with members) */
    bool intending;            /* its thread serves a request that may write (db_write_intent) */
    bool alone;                /* its transactions form a group of their own (db_write_alone) */
    size_t at_commit_mark;     /* its first statement in the writer's at-commit list */
    at_commit_list at_commit;  /* statements run just before this connection commits */
};

static char g_path[4096];
static db *g_writer;   /* the writer of group commit (below), used under g_write_lock */
static pthread_key_t t_db_key;
static pthread_once_t t_db_once = PTHREAD_ONCE_INIT;

static void db_key_destroy(void *d) { db_close(d); }
static void db_key_make(void) { pthread_key_create(&t_db_key, db_key_destroy); }

void dbparams_init(dbparams *p, arena *a) { memset(p, 0, sizeof *p); p->a = a; }

static dbv *dbp_push(dbparams *p)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        dbv *v = arena_alloc(p->a, cap * sizeof *v);
        if (p->n) memcpy(v, p->v, p->n * sizeof *v);
        p->v = v;
        p->cap = cap;
    }
    dbv *v = &p->v[p->n++];
    memset(v, 0, sizeof *v);
    return v;
}

void dbp_int(dbparams *p, long long i) { dbv *v = dbp_push(p); v->type = DBV_INT; v->i = i; }
void dbp_real(dbparams *p, double d) { dbv *v = dbp_push(p); v->type = DBV_REAL; v->d = d; }
void dbp_null(dbparams *p) { dbp_push(p)->type = DBV_NULL; }
void dbp_textn(dbparams *p, const char *s, size_t n)
{
    dbv *v = dbp_push(p);
    if (!s) { v->type = DBV_NULL; return; }
    v->type = DBV_TEXT; v->s = s; v->n = n;
}
void dbp_text(dbparams *p, const char *s) { dbp_textn(p, s, s ? strlen(s) : 0); }
void dbp_append(dbparams *p, const dbparams *more)
{
    for (size_t i = 0; i < more->n; i++) *dbp_push(p) = more->v[i];
}

int db_configure(const char *path)
{
    if (strlen(path) >= sizeof g_path) return -1;
    strcpy(g_path, path);
    return 0;
}

const char *db_path(void) { return g_path; }

static int busy_handler(void *unused, int count)
{
    (void)unused;
    if (count > 2000) return 0;    /* about 10 s: report busy rather than hang */
    struct timespec ts = {0, (count < 10 ? 100 : 5000) * 1000L};
    nanosleep(&ts, NULL);
    return 1;
}

/* fts_match(text, expr): whether the folded `text` matches a MATCH expression of
 * search_match_expr ("w1"* "w2"* ...): every word starts one of the text's words, as FTS5
 * would answer for the same row. Full-text rows waiting for the indexer
 * (domain/fts_queue.h) are searched with it. */
static bool word_char(unsigned char ch) { return ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }

static bool starts_a_word(const char *text, const char *w, size_t n)
{
    for (const char *p = text; *p;) {
        while (*p && !word_char((unsigned char)*p)) p++;
        if (*p && strncmp(p, w, n) == 0) return true;
        while (*p && word_char((unsigned char)*p)) p++;
    }
    return false;
}

static void fts_match(sqlite3_context *cx, int argc, sqlite3_value **v)
{
    (void)argc;
    const char *text = (const char *)sqlite3_value_text(v[0]), *expr = (const char *)sqlite3_value_text(v[1]);
    bool ok = text && expr;
    for (const char *q = expr; ok && (q = strchr(q, '"'));) {
        const char *end = strchr(q + 1, '"');
        if (!end) break;
        ok = starts_a_word(text, q + 1, (size_t)(end - q - 1));
        q = end + 1;
    }
    sqlite3_result_int(cx, ok);
}

/* SQLite's memory statistics take one process-wide mutex on every allocation of every
 * connection; nothing here reads them */
static void sqlite_setup(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

db *db_open(const char *path, char *err, size_t errlen)
{
    static pthread_once_t setup = PTHREAD_ONCE_INIT;
    pthread_once(&setup, sqlite_setup);
    db *d = calloc(1, sizeof *d);
    if (!d) abort();
    int rc = sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database '%s': %s", path, d->h ? sqlite3_errmsg(d->h) : "out of memory");
        sqlite3_close(d->h);
        free(d);
        return NULL;
    }
    sqlite3_busy_handler(d->h, busy_handler, NULL);
    sqlite3_create_function_v2(d->h, "fts_match", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                               fts_match, NULL, NULL, NULL);
    sqlite3_extended_result_codes(d->h, 0);
    /* no memory-mapped reads: at the start of a read transaction after any other
     * connection has committed, SQLite unmaps the whole mapping and faults it back in page
     * by page; with writes going on that was every request, and a stage move or a create
     * cost a sixth more CPU than reading through the OS page cache (card reads cost the same) */
    if (db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                   "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; PRAGMA mmap_size=0;") != 0) {
        snprintf(err, errlen, "cannot configure database '%s': %s", path, sqlite3_errmsg(d->h));
        db_close(d);
        return NULL;
    }
    return d;
}

static void at_commit_truncate(at_commit_list *l, size_t n)
{
    while (l->n > n) {
        at_commit_stmt *s = &l->v[--l->n];
        for (size_t i = 0; i < s->n; i++) if (s->v[i].type == DBV_TEXT) free((void *)s->v[i].s);
        free(s->v);
        free(s->sql);
    }
}

void db_close(db *d)
{
    if (!d) return;
    for (int i = 0; i < STMT_CACHE; i++) {
        cached_stmt *c = d->bucket[i];
        while (c) {
            cached_stmt *n = c->next;
            sqlite3_finalize(c->st);
            free((void *)c->sql);
            free(c);
            c = n;
        }
    }
    at_commit_truncate(&d->at_commit, 0);
    free(d->at_commit.v);
    sqlite3_close_v2(d->h);
    free(d);
}

/* worker threads of the HTTP pool end without telling us: the key's destructor closes
 * their connection cleanly when they exit */
db *db_thread(void)
{
    pthread_once(&t_db_once, db_key_make);
    db *d = pthread_getspecific(t_db_key);
    if (!d) {
        char err[512];
        d = db_open(g_path, err, sizeof err);
        if (!d) { fprintf(stderr, "fatal: %s\n", err); abort(); }
        d->pooled = true;
        pthread_setspecific(t_db_key, d);
    }
    return d;
}

void db_thread_close(void)
{
    pthread_once(&t_db_once, db_key_make);
    db_close(pthread_getspecific(t_db_key));
    pthread_setspecific(t_db_key, NULL);
}

/* FNV-1a over 8-byte words: SQL texts run to hundreds of bytes, and every lookup that the
 * address does not settle hashes one */
static unsigned hash_sql(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 14695981039346656037ull ^ n;
    for (; n >= 8; n -= 8, s += 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 1099511628211ull;
    }
    for (; n; n--, s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    /* a product carries bits upwards only: MurmurHash3's finaliser brings them all down */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (unsigned)(h % STMT_CACHE);
}

static unsigned hash_addr(const char *s)
{
    uintptr_t p = (uintptr_t)s;
    return (unsigned)((p >> 3) ^ (p >> 12)) % STMT_RECENT;
}

static sqlite3_stmt *stmt_get(db *d, const char *sql, bool *cached)
{
    /* most SQL comes again in the same string (a literal, a buffer of the same size): its
     * address finds the statement without hashing the text, which a comparison then only
     * confirms (the memory at an address may have been reused for other text) */
    recent_stmt *r = &d->recent[hash_addr(sql)];
    if (r->addr == sql && strcmp(r->c->sql, sql) == 0 && !sqlite3_stmt_busy(r->c->st)) {
        *cached = true;
        return r->c->st;
    }
    unsigned h = hash_sql(sql);
    for (cached_stmt *c = d->bucket[h]; c; c = c->next)
        if (strcmp(c->sql, sql) == 0) {
            if (sqlite3_stmt_busy(c->st)) break;   /* nested use of the same SQL: prepare fresh */
            *r = (recent_stmt){sql, c};
            *cached = true;
            return c->st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) return NULL;
    /* only cache statements without a variable part count: filtered lists vary per request,
     * and an unbounded cache would grow with hostile input */
    int bucket_len = 0;
    for (cached_stmt *c = d->bucket[h]; c; c = c->next) bucket_len++;
    if (bucket_len < 8) {
        cached_stmt *c = malloc(sizeof *c);
        if (!c) abort();
        c->sql = strdup(sql);
        c->st = st;
        c->next = d->bucket[h];
        d->bucket[h] = c;
        *r = (recent_stmt){sql, c};
        *cached = true;
    } else {
        *cached = false;
    }
    return st;
}

static int bind_all(sqlite3_stmt *st, const dbparams *p)
{
    if (!p) return 0;
    for (size_t i = 0; i < p->n; i++) {
        const dbv *v = &p->v[i];
        int rc, idx = (int)i + 1;
        switch (v->type) {
        case DBV_INT: rc = sqlite3_bind_int64(st, idx, v->i); break;
        case DBV_REAL: rc = sqlite3_bind_double(st, idx, v->d); break;
        case DBV_TEXT: rc = sqlite3_bind_text(st, idx, v->s, (int)v->n, SQLITE_STATIC); break;
        default: rc = sqlite3_bind_null(st, idx); break;
        }
        if (rc != SQLITE_OK) return -1;
    }
    return 0;
}

/* inside a write transaction a thread's statements go to the group's writer */
static db *conn(db *d) { return d->writing ? g_writer : d; }

db_cursor *db_query(db *d, const char *sql, const dbparams *p)
{
    d = conn(d);
    bool cached = false;
    sqlite3_stmt *st = stmt_get(d, sql, &cached);
    if (!st) return NULL;
    if (bind_all(st, p) != 0) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (!cached) sqlite3_finalize(st);
        return NULL;
    }
    db_cursor *c = malloc(sizeof *c);
    if (!c) abort();
    c->d = d;
    c->st = st;
    c->cached = cached;
    return c;
}

int db_step(db_cursor *c)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return -1;
}

void db_done(db_cursor *c)
{
    if (!c) return;
    if (c->cached) {
        sqlite3_reset(c->st);
        sqlite3_clear_bindings(c->st);
    } else {
        sqlite3_finalize(c->st);
    }
    free(c);
}

bool db_col_null(db_cursor *c, int i) { return sqlite3_column_type(c->st, i) == SQLITE_NULL; }
long long db_col_int(db_cursor *c, int i) { return sqlite3_column_int64(c->st, i); }
double db_col_real(db_cursor *c, int i) { return sqlite3_column_double(c->st, i); }
const char *db_col_text(db_cursor *c, int i) { return (const char *)sqlite3_column_text(c->st, i); }
size_t db_col_len(db_cursor *c, int i) { return (size_t)sqlite3_column_bytes(c->st, i); }
int db_col_is_int(db_cursor *c, int i) { return sqlite3_column_type(c->st, i) == SQLITE_INTEGER; }
int db_col_is_real(db_cursor *c, int i) { return sqlite3_column_type(c->st, i) == SQLITE_FLOAT; }

long long db_run(db *d, const char *sql, const dbparams *p)
{
    d = conn(d);
    db_cursor *c = db_query(d, sql, p);
    if (!c) return -1;
    int rc;
    while ((rc = db_step(c)) == 1) {}
    db_done(c);
    if (rc < 0) return -1;
    return sqlite3_changes64(d->h);
}

long long db_last_id(db *d) { return sqlite3_last_insert_rowid(conn(d)->h); }

int db_exec(db *d, const char *sql)
{
    return sqlite3_exec(conn(d)->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* data_version counts the commits of other connections; rows this connection changed
 * itself (a statement outside any transaction commits on it) count through total_changes.
 * Neither ever decreases, so their sum grows whenever either does */
long long db_data_version(db *d)
{
    long long v = db_scalar(d, "PRAGMA data_version", NULL, -1);
    return v < 0 ? -1 : v + (long long)sqlite3_total_changes64(conn(d)->h);
}

long long db_scalar(db *d, const char *sql, const dbparams *p, long long def)
{
    db_cursor *c = db_query(d, sql, p);
    if (!c) return -1;
    long long v = def;
    int rc = db_step(c);
    if (rc == 1 && !db_col_null(c, 0)) v = db_col_int(c, 0);
    else if (rc < 0) v = -1;
    db_done(c);
    return v;
}

char *db_scalar_text(db *d, arena *a, const char *sql, const dbparams *p)
{
    db_cursor *c = db_query(d, sql, p);
    if (!c) return NULL;
    char *v = NULL;
    if (db_step(c) == 1 && !db_col_null(c, 0)) v = arena_strndup(a, db_col_text(c, 0), db_col_len(c, 0));
    db_done(c);
    return v;
}

/* Writers of this process queue on a mutex before they write: SQLite's own wait for the
 * write lock is polling (busy_handler sleeps, then retries), which leaves the lock idle
 * between a commit and the next waiter's wake-up and costs every waiter CPU. Another
 * process (a command-line import beside the server) is still waited for by busy_handler.
 * The wait is bounded like busy_handler's: a writer that cannot get in reports busy. */
static pthread_mutex_t g_write_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int g_queued;          /* writers waiting for g_write_lock */
static atomic_int g_intending;       /* requests in flight that may write (db_write_intent) */

static int write_lock(void)
{
    atomic_fetch_add(&g_queued, 1);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    int rc = pthread_mutex_timedlock(&g_write_lock, &until) == 0 ? 0 : -1;
    atomic_fetch_sub(&g_queued, 1);
    return rc;
}

/* Group commit. The threads' connections (db_thread) write through one shared writer
 * connection: a write transaction that joins a group is a savepoint inside its transaction,
 * and the group commits when no other writer is queued and none is expected. When several
 * requests write at once, the price of a commit (the WAL frames of every page touched) is
 * paid once for all of them instead of once each. A member returns
 * from db_commit only when the group's commit is done, with its result: nobody is told
 * "saved" before it is. A member that rolls back undoes only its own savepoint.
 *
 * A member with nobody queued behind it leaves the group open, for up to GROUP_WAIT_US,
 * only while a request that may write is in flight and not in the group yet
 * (db_write_intent, which wakes it when such a request ends): it usually joins within
 * that time instead of paying for a commit of its own. Once every such request is in
 * the group, waiting longer could only add a pause: the group commits at once. A lone
 * writer (a command, a quiet server) commits at once too. */
enum { GROUP_MAX = 32, GROUP_WAIT_US = 300 };

/* The writer does not checkpoint the WAL into the database file as part of a commit (SQLite's
 * default, every 1,000 pages), where every writer queued behind the lock would wait for the
 * copy and its fsync: a checkpointer thread does it, with a passive checkpoint that writers
 * do not wait for, once the WAL holds CHECKPOINT_FRAMES pages. Only when the WAL keeps
 * growing anyway (writes never pause) does a commit checkpoint under the lock, so that the
 * WAL is restarted and stays bounded. */
enum { CHECKPOINT_FRAMES = 4000, CHECKPOINT_FORCE_FRAMES = 16000 };
static atomic_int g_wal_frames;

static int wal_grown(void *unused, sqlite3 *h, const char *name, int frames)
{
    (void)unused;
    if (frames >= CHECKPOINT_FORCE_FRAMES) {
        sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        frames = 0;
    }
    atomic_store(&g_wal_frames, frames);
    return SQLITE_OK;
}

/* The checkpointer: a thread of its own with its own connection, woken after a commit
 * that left the WAL long, so that no writer's request waits for the copy and its fsync */
static pthread_mutex_t g_ckpt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_ckpt_wake = PTHREAD_COND_INITIALIZER;
static bool g_ckpt_due, g_ckpt_stop, g_ckpt_started;
static pthread_t g_ckpt_thread;

static void *checkpointer(void *unused)
{
    (void)unused;
    char err[512];
    db *d = db_open(g_path, err, sizeof err);
    pthread_mutex_lock(&g_ckpt_mu);
    for (;;) {
        while (!g_ckpt_due && !g_ckpt_stop) pthread_cond_wait(&g_ckpt_wake, &g_ckpt_mu);
        if (g_ckpt_stop) break;
        g_ckpt_due = false;
        pthread_mutex_unlock(&g_ckpt_mu);
        int log = 0, done = 0;
        /* a reader still on old frames keeps it from finishing: the next commit asks again */
        if (d && sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK && done >= log)
            atomic_store(&g_wal_frames, 0);
        pthread_mutex_lock(&g_ckpt_mu);
    }
    pthread_mutex_unlock(&g_ckpt_mu);
    db_close(d);
    return NULL;
}

/* after a commit, outside the write lock */
static void checkpoint_if_due(void)
{
    if (atomic_load(&g_wal_frames) < CHECKPOINT_FRAMES) return;
    pthread_mutex_lock(&g_ckpt_mu);
    if (!g_ckpt_started && !g_ckpt_stop) g_ckpt_started = pthread_create(&g_ckpt_thread, NULL, checkpointer, NULL) == 0;
    g_ckpt_due = true;
    pthread_cond_signal(&g_ckpt_wake);
    pthread_mutex_unlock(&g_ckpt_mu);
}

static void checkpointer_stop(void)
{
    pthread_mutex_lock(&g_ckpt_mu);
    g_ckpt_stop = true;
    bool started = g_ckpt_started;
    pthread_cond_signal(&g_ckpt_wake);
    pthread_mutex_unlock(&g_ckpt_mu);
    if (started) pthread_join(g_ckpt_thread, NULL);
}

typedef struct group_member {
    int rc;
    bool done;
    struct group_member *next;
} group_member;

static pthread_mutex_t g_group_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_group_done = PTHREAD_COND_INITIALIZER;
/* under g_write_lock */
static bool g_group_open;
static int g_group_size;
static atomic_int g_group_intending; /* members whose request is counted in g_intending */
static group_member *g_members;      /* released savepoints waiting for the group's commit */

static void writer_close(void)
{
    checkpointer_stop();
    pthread_mutex_lock(&g_write_lock);
    db_close(g_writer);
    g_writer = NULL;
    pthread_mutex_unlock(&g_write_lock);
}

static void register_writer_close(void) { atexit(writer_close); }

/* the statements kept for the commit, then COMMIT; ROLLBACK when any fails */
static int commit_with_deferred(db *d)
{
    int rc = 0;
    for (size_t i = 0; i < d->at_commit.n && rc == 0; i++) {
        at_commit_stmt *s = &d->at_commit.v[i];
        dbparams p = {s->v, s->n, s->n, NULL};
        rc = db_run(d, s->sql, &p) < 0 ? -1 : 0;
    }
    at_commit_truncate(&d->at_commit, 0);
    if (rc == 0 && db_exec(d, "COMMIT") != 0) rc = -1;
    if (rc != 0) db_exec(d, "ROLLBACK");
    return rc;
}

static int group_commit(void)
{
    int rc = commit_with_deferred(g_writer);
    g_group_open = false;
    g_group_size = 0;
    atomic_store(&g_group_intending, 0);
    group_member *m = g_members;
    g_members = NULL;
    pthread_mutex_lock(&g_group_mu);
    for (; m; m = m->next) { m->rc = rc; m->done = true; }
    pthread_cond_broadcast(&g_group_done);
    pthread_mutex_unlock(&g_group_mu);
    return rc;
}

/* under g_write_lock: the writer's transaction is open and a savepoint starts the member */
static int group_join(db *d)
{
    if (!g_writer) {
        char err[512];
        g_writer = db_open(g_path, err, sizeof err);
        if (!g_writer) { fprintf(stderr, "error: %s\n", err); return -1; }
        sqlite3_wal_hook(g_writer->h, wal_grown, NULL);   /* instead of the automatic checkpoint */
        static pthread_once_t registered = PTHREAD_ONCE_INIT;
        pthread_once(&registered, register_writer_close);
    }
    /* an I/O error or a full disk makes SQLite roll the whole transaction back: the members
     * waiting for it must hear that it failed, and the group starts afresh. A writer alone
     * (db_write_alone) starts afresh too, committing the members before it */
    if (g_group_open && (sqlite3_get_autocommit(g_writer->h) || d->alone)) group_commit();
    /* the first member needs no savepoint: nobody's work is in the transaction before its
     * own, so its rollback may be the transaction's. Savepoints are not free: SQLite keeps
     * the original of every page changed under one in memory, which a long transaction
     * (an import batch) on its own would pay for nothing */
    d->savepoint = g_group_open;
    if (!g_group_open) {
        if (db_run(g_writer, "BEGIN IMMEDIATE", NULL) < 0) return -1;
        g_group_open = true;
    } else if (db_run(g_writer, "SAVEPOINT member", NULL) < 0) {
        return -1;
    }
    d->writing = true;
    d->at_commit_mark = g_writer->at_commit.n;
    return 0;
}

void db_write_alone(db *d) { if (d) d->alone = true; }

/* a request that may write is in flight and has not joined the open group */
static bool writer_expected(void) { return atomic_load(&g_intending) > atomic_load(&g_group_intending); }

void db_write_intent(db *d, bool on)
{
    if (!d || d->intending == on) return;
    d->intending = on;
    atomic_fetch_add(&g_intending, on ? 1 : -1);
    if (on) return;
    /* a request that ends may have been the writer a waiting member expected */
    pthread_mutex_lock(&g_group_mu);
    pthread_cond_broadcast(&g_group_done);
    pthread_mutex_unlock(&g_group_mu);
}

/* whether the group's commit has told `me` its result. A bounded wait gives up after
 * GROUP_WAIT_US, or as soon as no writer is expected any more (its request ended
 * without writing, or wrote alone: db_write_intent wakes the wait): then nobody else
 * would commit the group */
static bool wait_done(group_member *me, bool bounded)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += GROUP_WAIT_US * 1000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&g_group_mu);
    while (!me->done) {
        if (!bounded) pthread_cond_wait(&g_group_done, &g_group_mu);
        else if (!writer_expected() || pthread_cond_timedwait(&g_group_done, &g_group_mu, &until) != 0) break;
    }
    bool done = me->done;
    pthread_mutex_unlock(&g_group_mu);
    return done;
}

/* under g_write_lock, which it releases: the member `me` of connection d (NULL when it
 * rolled back) leaves the group; the group commits now unless another writer is queued or
 * expected */
static int group_leave(db *d, group_member *me)
{
    bool queued = atomic_load(&g_queued) > 0;
    if (me) {
        me->next = g_members;
        g_members = me;
        g_group_size++;
        if (d->intending) atomic_fetch_add(&g_group_intending, 1);
    }
    bool expected = me && writer_expected();
    if (d->alone || g_group_size >= GROUP_MAX || !(queued || expected)) {
        int rc = g_group_open ? group_commit() : 0;
        pthread_mutex_unlock(&g_write_lock);
        checkpoint_if_due();
        return rc;
    }
    pthread_mutex_unlock(&g_write_lock);
    if (!me) return 0;   /* the queued writer will commit it */
    /* a queued writer joins for sure; an expected one may not come: then commit ourselves */
    if (!wait_done(me, !queued)) {
        pthread_mutex_lock(&g_write_lock);
        bool committed = !me->done;
        if (committed) group_commit();
        pthread_mutex_unlock(&g_write_lock);
        if (committed) checkpoint_if_due();
    }
    return me->rc;
}

/* One read transaction per request instead of one per statement: each implicit
 * transaction takes and drops the WAL's shared locks (fcntl system calls), which cost
 * more than the indexed reads themselves on a card read. A write ends it first, so a
 * writer never has to upgrade a stale snapshot. */
void db_read_begin(db *d)
{
    if (d->tx_depth || d->read_tx) return;
    d->read_tx = db_run(d, "BEGIN", NULL) >= 0;   /* cached statement: no parse per request */
}

void db_read_end(db *d)
{
    if (!d->read_tx) return;
    d->read_tx = false;
    if (db_run(d, "COMMIT", NULL) < 0) db_exec(d, "ROLLBACK");
}

/* under g_write_lock: the member's changes are undone, the group's other members' kept */
static void undo_member(db *d)
{
    at_commit_truncate(&g_writer->at_commit, d->at_commit_mark);
    if (d->savepoint) {
        db_exec(g_writer, "ROLLBACK TO member; RELEASE member");
    } else {   /* the first member: the transaction holds nothing else */
        db_exec(g_writer, "ROLLBACK");
        g_group_open = false;
    }
}

int db_begin(db *d)
{
    if (d->tx_depth++ > 0) return 0;   /* nested: the outer transaction decides */
    db_read_end(d);
    if (write_lock() != 0) {
        /* a group left open for this writer must still be committed by someone */
        pthread_mutex_lock(&g_write_lock);
        group_leave(d, NULL);
        d->tx_depth = 0;
        return -1;
    }
    if (!d->pooled && g_group_open) group_commit();   /* the group holds SQLite's write lock */
    int rc = d->pooled ? group_join(d) : db_run(d, "BEGIN IMMEDIATE", NULL) < 0 ? -1 : 0;
    if (rc != 0) {
        d->tx_depth = 0;
        group_leave(d, NULL);
    }
    return rc;
}

int db_commit(db *d)
{
    if (d->tx_depth == 0) return -1;
    if (--d->tx_depth > 0) return 0;
    if (!d->pooled) {
        int rc = commit_with_deferred(d);
        pthread_mutex_unlock(&g_write_lock);
        return rc;
    }
    d->writing = false;
    if (d->savepoint && db_exec(g_writer, "RELEASE member") != 0) {
        undo_member(d);
        group_leave(d, NULL);
        return -1;
    }
    group_member me = {0};
    return group_leave(d, &me);
}

void db_rollback(db *d)
{
    if (d->tx_depth == 0) return;
    d->tx_depth = 0;
    if (!d->pooled) {
        at_commit_truncate(&d->at_commit, 0);
        db_exec(d, "ROLLBACK");
        pthread_mutex_unlock(&g_write_lock);
        return;
    }
    d->writing = false;
    undo_member(d);
    group_leave(d, NULL);
}

int db_run_at_commit(db *d, const char *sql, const dbparams *p)
{
    if (!d->tx_depth) return db_run(d, sql, p) < 0 ? -1 : 0;
    at_commit_list *l = &conn(d)->at_commit;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) abort();
    }
    at_commit_stmt *s = &l->v[l->n++];
    s->sql = strdup(sql);
    s->n = p ? p->n : 0;
    s->v = calloc(s->n ? s->n : 1, sizeof *s->v);
    if (!s->sql || !s->v) abort();
    for (size_t i = 0; i < s->n; i++) {
        s->v[i] = p->v[i];
        if (p->v[i].type == DBV_TEXT) {
            char *t = malloc(p->v[i].n + 1);
            if (!t) abort();
            memcpy(t, p->v[i].s, p->v[i].n);
            t[p->v[i].n] = 0;
            s->v[i].s = t;
        }
    }
    return 0;
}

bool db_in_tx(db *d) { return d->tx_depth > 0; }
const char *db_errmsg(db *d) { return sqlite3_errmsg(conn(d)->h); }
bool db_err_constraint(db *d) { return (sqlite3_errcode(conn(d)->h) & 0xff) == SQLITE_CONSTRAINT; }
bool db_err_busy(db *d) { int e = sqlite3_errcode(conn(d)->h) & 0xff; return e == SQLITE_BUSY || e == SQLITE_LOCKED; }
