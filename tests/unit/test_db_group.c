/* db: group commit of the threads' connections on a real database file. Concurrent
 * writers all land; one that rolls back loses only its own rows (and its full-text rows
 * kept for the commit) while the others of its group keep theirs; nobody hears "saved"
 * before another connection can read it; statements kept for the commit run after the
 * transaction's own and in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <cmocka.h>

#include "store/db.h"

enum { THREADS = 4, WRITES = 300 };

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/kt-dbgroup-XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", g_dir);
    db_configure(path);
    db *d = db_thread();
    return db_exec(d, "CREATE TABLE items(id INTEGER PRIMARY KEY, writer INTEGER, n INTEGER, seen INTEGER);"
                      "CREATE VIRTUAL TABLE items_fts USING fts5(body);");
}

static int teardown(void **state)
{
    (void)state;
    db_thread_close();
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct writer_args { int no; int failures; int unseen; } writer_args;

static bool announces(int writer) { return writer % 2 == 0; }
static bool skips(int writer, int i) { return announces(writer) && i % 5 == 4; }

/* the rows a writer leaves: neither rolled back nor skipped */
static long long kept_rows(int writer)
{
    long long n = 0;
    for (int i = 0; i < WRITES; i++) n += i % 3 != 2 && !skips(writer, i);
    return n;
}

static long long kept_rows_all(void)
{
    long long n = 0;
    for (int i = 0; i < THREADS; i++) n += kept_rows(i);
    return n;
}

/* every third write of each writer rolls back after writing; the others commit and must be
 * visible to a fresh read on this thread's own connection at once. Half the writers
 * announce each write as the server announces a request that may write
 * (db_write_intent), and one announced "request" in five ends without writing: a member
 * waiting for it must give up and commit, or the test would hang */
static void *writer(void *p)
{
    writer_args *w = p;
    db *d = db_thread();
    for (int i = 0; i < WRITES; i++) {
        arena a;
        arena_init(&a);
        dbparams q;
        dbparams_init(&q, &a);
        dbp_int(&q, w->no);
        dbp_int(&q, i);
        bool announced = announces(w->no);
        db_write_intent(d, announced);
        if (skips(w->no, i)) {
            usleep(100);
            db_write_intent(d, false);
            arena_release(&a);
            continue;
        }
        if (db_begin(d) != 0) { w->failures++; db_write_intent(d, false); arena_release(&a); continue; }
        long long ok = db_run(d, "INSERT INTO items(writer, n) VALUES(?, ?)", &q);
        long long id = db_last_id(d);
        dbparams f;
        dbparams_init(&f, &a);
        dbp_int(&f, id);
        dbp_text(&f, i % 3 == 2 ? "rolledback" : "kept");
        if (ok < 0 || db_run_at_commit(d, "INSERT INTO items_fts(rowid, body) VALUES(?, ?)", &f) != 0) w->failures++;
        if (i % 3 == 2) {
            db_rollback(d);
        } else if (db_commit(d) != 0) {
            w->failures++;
        } else {
            dbparams r;
            dbparams_init(&r, &a);
            dbp_int(&r, id);
            if (db_scalar(d, "SELECT count(*) FROM items WHERE id = ?", &r, 0) != 1) w->unseen++;
        }
        db_write_intent(d, false);
        arena_release(&a);
    }
    db_thread_close();
    return NULL;
}

static void concurrent_writers_land_and_rollbacks_lose_only_their_own(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    writer_args args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (writer_args){i, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, writer, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(args[i].failures, 0);
        assert_int_equal(args[i].unseen, 0);
    }
    db *d = db_thread();
    assert_int_equal(db_scalar(d, "SELECT count(*) FROM items", NULL, -1), kept_rows_all());
    assert_int_equal(db_scalar(d, "SELECT count(*) FROM items WHERE n % 3 = 2", NULL, -1), 0);
    for (int i = 0; i < THREADS; i++) {
        arena a;
        arena_init(&a);
        dbparams q;
        dbparams_init(&q, &a);
        dbp_int(&q, i);
        assert_int_equal(db_scalar(d, "SELECT count(*) FROM items WHERE writer = ?", &q, -1), kept_rows(i));
        arena_release(&a);
    }
    /* the full-text rows kept for the commit: one per kept row, none of the rolled back */
    assert_int_equal(db_scalar(d, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'kept'", NULL, -1), kept_rows_all());
    assert_int_equal(db_scalar(d, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'rolledback'", NULL, -1), 0);
    assert_int_equal(db_scalar(d, "SELECT count(*) FROM items i JOIN items_fts f ON f.rowid = i.id", NULL, -1),
                     kept_rows_all());
}

static void kept_statements_run_after_the_transaction_in_order(void **state)
{
    (void)state;
    db *d = db_thread();
    arena a;
    arena_init(&a);
    assert_int_equal(db_begin(d), 0);
    dbparams p;
    dbparams_init(&p, &a);
    dbp_int(&p, 7);
    /* kept: it would find no row now, but runs after the insert below */
    assert_int_equal(db_run_at_commit(d, "UPDATE items SET seen = 1 WHERE writer = ?", &p), 0);
    assert_int_equal(db_run_at_commit(d, "UPDATE items SET seen = seen * 10 WHERE writer = ?", &p), 0);
    assert_true(db_run(d, "INSERT INTO items(writer, n) VALUES(?, 0)", &p) == 1);
    assert_int_equal(db_scalar(d, "SELECT seen IS NULL FROM items WHERE writer = ?", &p, -1), 1);
    assert_int_equal(db_commit(d), 0);
    assert_int_equal(db_scalar(d, "SELECT seen FROM items WHERE writer = ?", &p, -1), 10);
    /* a kept statement that fails takes the whole transaction with it */
    assert_int_equal(db_begin(d), 0);
    assert_true(db_run(d, "INSERT INTO items(writer, n) VALUES(8, 0)", NULL) == 1);
    assert_int_equal(db_run_at_commit(d, "INSERT INTO no_such_table VALUES(1)", NULL), 0);
    assert_int_not_equal(db_commit(d), 0);
    assert_int_equal(db_scalar(d, "SELECT count(*) FROM items WHERE writer = 8", NULL, -1), 0);
    /* outside a transaction it runs at once */
    assert_int_equal(db_run_at_commit(d, "UPDATE items SET seen = 2 WHERE writer = ?", &p), 0);
    assert_int_equal(db_scalar(d, "SELECT seen FROM items WHERE writer = ?", &p, -1), 2);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_writers_land_and_rollbacks_lose_only_their_own),
        cmocka_unit_test(kept_statements_run_after_the_transaction_in_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
