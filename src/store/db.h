/* db: the one narrow door to the database engine.
 *
 * Everything above store/ speaks SQL text with `?` placeholders and dbparams, and reads
 * rows through db_cursor; nothing else of the engine leaks out, so a PostgreSQL driver can
 * sit behind the same functions (placeholders renumbered, types mapped) without touching
 * handlers. Today the engine is SQLite in WAL mode.
 *
 * Threads: a connection belongs to one thread. db_thread() gives the calling thread its own
 * connection to the configured database, opened on first use, with its prepared-statement
 * cache; connections are closed by db_thread_close() when the worker ends.
 * Text returned by db_col_text is valid until the next db_step/db_done on that cursor. */
#ifndef KT_DB_H
#define KT_DB_H
#include <stdbool.h>
#include <stddef.h>
#include "core/arena.h"

typedef struct db db;
typedef struct db_cursor db_cursor;

typedef enum { DBV_NULL, DBV_INT, DBV_REAL, DBV_TEXT } dbv_type;
typedef struct dbv {
    dbv_type type;
    long long i;
    double d;
    const char *s;   /* not copied: must outlive the statement (use the request arena) */
    size_t n;
} dbv;

/* A growing list of bound values; storage from the arena. */
typedef struct dbparams {
    dbv *v;
    size_t n, cap;
    arena *a;
} dbparams;
void dbparams_init(dbparams *p, arena *a);
void dbp_int(dbparams *p, long long v);
void dbp_real(dbparams *p, double v);
void dbp_text(dbparams *p, const char *s);          /* NULL binds NULL */
void dbp_textn(dbparams *p, const char *s, size_t n);
void dbp_null(dbparams *p);
void dbp_append(dbparams *p, const dbparams *more);

/* connection life */
int db_configure(const char *path);   /* set the file db_thread() opens; 0 ok */
const char *db_path(void);
db *db_open(const char *path, char *err, size_t errlen);
void db_close(db *d);
db *db_thread(void);                  /* aborts when the database cannot be opened */
void db_thread_close(void);

/* statements: SQL text is the cache key, so pass stable strings where possible */
db_cursor *db_query(db *d, const char *sql, const dbparams *p);  /* NULL on error */
int db_step(db_cursor *c);            /* 1 row, 0 done, -1 error */
void db_done(db_cursor *c);           /* reset; the cursor is invalid afterwards */
bool db_col_null(db_cursor *c, int i);
long long db_col_int(db_cursor *c, int i);
double db_col_real(db_cursor *c, int i);
const char *db_col_text(db_cursor *c, int i);   /* NULL when the value is NULL */
size_t db_col_len(db_cursor *c, int i);
int db_col_is_int(db_cursor *c, int i);
int db_col_is_real(db_cursor *c, int i);

/* one-shot helpers */
long long db_run(db *d, const char *sql, const dbparams *p);   /* rows changed, -1 error */
long long db_last_id(db *d);
int db_exec(db *d, const char *sql);                           /* many statements, no params */
/* first column of the first row as integer; `def` when no row; -1 on error sets *err */
long long db_scalar(db *d, const char *sql, const dbparams *p, long long def);
/* a number that grows whenever a change has been committed since it was last read on d:
 * by any other connection (of this process or another) or by d itself; -1 on error */
long long db_data_version(db *d);
char *db_scalar_text(db *d, arena *a, const char *sql, const dbparams *p);   /* NULL when none */

/* transactions: writers take the write lock at begin (BEGIN IMMEDIATE) so a transaction
 * never fails half-way on a lock upgrade */
int db_begin(db *d);
/* a read-only snapshot over several statements (one request); ended by db_read_end or
 * by the next db_begin. Never hold one across waiting (streams, sleeps): it pins the WAL */
void db_read_begin(db *d);
void db_read_end(db *d);
/* on: the thread of pooled connection d serves a request that may write; off when it is
 * done. Group commit waits for such a request to join rather than commit without it */
void db_write_intent(db *d, bool on);
/* d's write transactions commit on their own, outside any group: a background batch whose
 * tables nobody else writes (the full-text indexer, whose FTS5 tables would otherwise make
 * every later member's savepoint flush them). Still through the group's writer connection:
 * a commit on another connection would drop the writer's page cache */
void db_write_alone(db *d);
int db_commit(db *d);
void db_rollback(db *d);
bool db_in_tx(db *d);
/* runs the statement just before the transaction commits, after everything else in it and
 * in the order given (at once outside a transaction); values are copied; dropped when the
 * transaction rolls back. For indexes that cost less brought up to date once per commit
 * than once per write: FTS5 writes its pending rows out as a new segment at every
 * savepoint and commit, and each writer of a group commit is a savepoint. Statements run
 * in the same transaction do not see the kept rows. 0, or -1 on a database error */
int db_run_at_commit(db *d, const char *sql, const dbparams *p);

const char *db_errmsg(db *d);
bool db_err_constraint(db *d);
bool db_err_busy(db *d);

/* schema */
int db_migrate(db *d, char *err, size_t errlen);   /* applies pending migrations */
int db_schema_version(db *d);
#endif
