/* fts_queue: full-text rows written behind the request, in batches.
 *
 * Every FTS5 table (contacts_fts, companies_fts, deals_fts, leads_fts, products_fts,
 * activities_fts) gets its rows through here. A write puts the row in `fts_pending` (one
 * plain-table insert, in the writer's transaction), and a background indexer moves the
 * pending rows into their FTS5 tables a few hundred at a time. FTS5 pays a large fixed
 * price per transaction (it writes a new segment and merges older ones), which was a third
 * of the cost of creating a contact; per batch that price is shared by all its rows.
 *
 * Searches see pending rows too: FTS_SEARCH_SQL matches them with fts_match() (store/db.c),
 * which applies the same folded every-word-is-a-prefix rule to the pending text, so a card
 * is found the moment it is saved. Until the indexer has run (normally within 0.1 s), the
 * old text of a changed card still matches as well. The indexer runs in `serve`; commands
 * that write cards drain the queue before they exit, and `serve` drains what a stopped
 * process left. */
#ifndef KT_FTS_QUEUE_H
#define KT_FTS_QUEUE_H
#include "domain/ctx.h"

/* the row `rowid` of FTS5 table `fts` (one text column `column`) becomes `text` (already
 * folded); NULL removes it. 0, or -1 on a database error */
int fts_queue_set(ctx *c, const char *fts, const char *column, long long rowid, const char *text);
/* moves up to `max` pending rows into their tables in one transaction; the number moved,
 * or -1 on a database error */
int fts_queue_apply(db *d, int max);
/* until nothing is pending; -1 on a database error */
int fts_queue_drain(db *d);

/* predicate for resource.search_sql over `t`: two `?`, each bound to the MATCH expression.
 * A row with queued changes is judged by its latest queued text alone, never by the stale
 * text still in the FTS5 table */
#define FTS_SEARCH_SQL(fts) \
    "t.id IN (SELECT rowid FROM " fts " WHERE " fts " MATCH ? AND rowid NOT IN (SELECT row FROM fts_pending WHERE fts = '" fts "')" \
    " UNION ALL SELECT q.row FROM " FTS_PENDING_LATEST(fts) " AND fts_match(q.body, ?))"
/* the latest queued text of each row of `fts`, as `q` */
#define FTS_PENDING_LATEST(fts) \
    "fts_pending q WHERE q.fts = '" fts "' AND q.id = (SELECT max(id) FROM fts_pending WHERE fts = '" fts "' AND row = q.row)"
#endif
