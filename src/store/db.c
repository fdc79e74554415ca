/* SQLite driver behind db.h: per-thread connections, statement cache, transactions. */
#include "store/db.h"
#include <sqlite3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { STMT_CACHE = 256 };

typedef struct cached_stmt {
    const char *sql;     /* owned copy */
    sqlite3_stmt *st;
    struct cached_stmt *next;
} cached_stmt;

struct db_cursor {
    db *d;
    sqlite3_stmt *st;
    bool cached;
};

struct db {
    sqlite3 *h;
    cached_stmt *bucket[STMT_CACHE];
    struct db_cursor cursor;   /* one live cursor per statement use; reused */
    int tx_depth;
    bool read_tx;              /* a deferred read transaction spans the request's reads */
};

static char g_path[4096];
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

db *db_open(const char *path, char *err, size_t errlen)
{
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
    sqlite3_extended_result_codes(d->h, 0);
    if (db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                   "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; PRAGMA mmap_size=268435456;") != 0) {
        snprintf(err, errlen, "cannot configure database '%s': %s", path, sqlite3_errmsg(d->h));
        db_close(d);
        return NULL;
    }
    return d;
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

static unsigned hash_sql(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % STMT_CACHE;
}

static sqlite3_stmt *stmt_get(db *d, const char *sql, bool *cached)
{
    unsigned h = hash_sql(sql);
    for (cached_stmt *c = d->bucket[h]; c; c = c->next)
        if (strcmp(c->sql, sql) == 0) {
            if (sqlite3_stmt_busy(c->st)) break;   /* nested use of the same SQL: prepare fresh */
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

db_cursor *db_query(db *d, const char *sql, const dbparams *p)
{
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
    db_cursor *c = db_query(d, sql, p);
    if (!c) return -1;
    int rc;
    while ((rc = db_step(c)) == 1) {}
    db_done(c);
    if (rc < 0) return -1;
    return sqlite3_changes64(d->h);
}

long long db_last_id(db *d) { return sqlite3_last_insert_rowid(d->h); }

int db_exec(db *d, const char *sql)
{
    return sqlite3_exec(d->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
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

/* Writers of this process queue on a mutex before BEGIN IMMEDIATE: SQLite's own wait for
 * the write lock is polling (busy_handler sleeps, then retries), which leaves the lock idle
 * between a commit and the next waiter's wake-up and costs every waiter CPU. Another
 * process (a command-line import beside the server) is still waited for by busy_handler.
 * The wait is bounded like busy_handler's: a writer that cannot get in reports busy. */
static pthread_mutex_t g_write_lock = PTHREAD_MUTEX_INITIALIZER;

static int write_lock(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    return pthread_mutex_timedlock(&g_write_lock, &until) == 0 ? 0 : -1;
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

int db_begin(db *d)
{
    if (d->tx_depth++ > 0) return 0;   /* nested: the outer transaction decides */
    db_read_end(d);
    if (write_lock() != 0) { d->tx_depth = 0; return -1; }
    if (db_run(d, "BEGIN IMMEDIATE", NULL) < 0) {
        d->tx_depth = 0;
        pthread_mutex_unlock(&g_write_lock);
        return -1;
    }
    return 0;
}

int db_commit(db *d)
{
    if (d->tx_depth == 0) return -1;
    if (--d->tx_depth > 0) return 0;
    int rc = 0;
    if (db_exec(d, "COMMIT") != 0) {
        db_exec(d, "ROLLBACK");
        rc = -1;
    }
    pthread_mutex_unlock(&g_write_lock);
    return rc;
}

void db_rollback(db *d)
{
    if (d->tx_depth == 0) return;
    d->tx_depth = 0;
    db_exec(d, "ROLLBACK");
    pthread_mutex_unlock(&g_write_lock);
}

bool db_in_tx(db *d) { return d->tx_depth > 0; }
const char *db_errmsg(db *d) { return sqlite3_errmsg(d->h); }
bool db_err_constraint(db *d) { return (sqlite3_errcode(d->h) & 0xff) == SQLITE_CONSTRAINT; }
bool db_err_busy(db *d) { int e = sqlite3_errcode(d->h) & 0xff; return e == SQLITE_BUSY || e == SQLITE_LOCKED; }
