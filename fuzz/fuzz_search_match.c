/* Fuzz the search of queued full-text rows: a query (search_match_expr) against a card's
 * text through fts_match(), the SQL function that stands in for FTS5 until the indexer has
 * moved the row (domain/fts_queue.h). Input: query, a zero byte, the card's text. For
 * ASCII input the answer must be FTS5's own for the same folded text, or a card would
 * appear in or vanish from results when the indexer runs; for any input neither side may
 * crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/resource.h"
#include "store/db.h"
#include "util/fold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static db *g_db;

static bool ascii(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) if (p[i] >= 0x80) return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *zero = memchr(data, 0, size);
    if (!zero || size > 4096) return 0;
    if (!g_db) {
        char err[200];
        g_db = db_open(":memory:", err, sizeof err);
        if (!g_db || db_exec(g_db, "CREATE VIRTUAL TABLE f USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')") != 0) abort();
    }
    arena a;
    arena_init(&a);
    const char *query = (const char *)data;
    size_t blen = size - (size_t)(zero - data) - 1;
    char *folded = arena_alloc(&a, blen + 1);
    text_fold((const char *)zero + 1, blen, folded, blen + 1);
    const char *expr = search_match_expr(&a, query);
    if (expr) {
        dbparams p;
        dbparams_init(&p, &a);
        dbp_text(&p, folded);
        dbp_text(&p, expr);
        long long queued = db_scalar(g_db, "SELECT fts_match(?, ?)", &p, -1);
        if (queued != 0 && queued != 1) abort();
        if (ascii(data, size)) {
            dbparams q;
            dbparams_init(&q, &a);
            dbp_text(&q, folded);
            if (db_run(g_db, "DELETE FROM f", NULL) < 0 || db_run(g_db, "INSERT INTO f(rowid, body) VALUES(1, ?)", &q) < 0) abort();
            dbparams m;
            dbparams_init(&m, &a);
            dbp_text(&m, expr);
            long long indexed = db_scalar(g_db, "SELECT count(*) FROM f WHERE f MATCH ?", &m, -1);
            if (indexed != queued) abort();
        }
    }
    arena_release(&a);
    return 0;
}
