/* search: the full-text side of the client base.
 *
 * Tables contacts_fts and companies_fts (FTS5, tokenize 'unicode61 remove_diacritics 2',
 * prefix indexes of 2, 3 and 4 characters), one row per live card with rowid = the card's
 * id and `body` = text_fold() of its names, company names, emails, phone digits and
 * notes. Queries are folded the same way (search_match_expr in resource_list.c), so
 * `lodz` finds `Łódź` and `ЁЛКИН` finds `ёлкин`; every word is a prefix (typeahead).
 * Lists use it through resource.search_sql (`q=`); GET /api/v1/search searches both
 * kinds of card at once. */
#ifndef KT_SEARCH_H
#define KT_SEARCH_H
#include "core/buf.h"
#include "domain/ctx.h"

/* replaces the row of (object, id) with the folded `text`; NULL removes it */
int search_index_set(ctx *c, const char *object, long long id, const char *text);
/* Batches of many writes (imports): between search_batch_begin and search_batch_flush the
 * rows this thread sets are kept in memory and written by the flush, in order, inside the
 * batch's transaction. FTS5 writes its pending rows out as a new segment at every
 * savepoint and commit, so a batch that guards each row with a savepoint would otherwise
 * write a segment per row (a fifth of an import's time); the flush writes one. Searches
 * inside the batch do not see the pending rows. search_batch_mark/undo drop the rows set
 * since a mark (a row rolled back to its savepoint); search_batch_end drops whatever is
 * pending (the batch rolled back) and leaves batch mode. */
void search_batch_begin(void);
size_t search_batch_mark(void);
void search_batch_undo(size_t mark);
int search_batch_flush(ctx *c);
void search_batch_end(void);
/* the full-text row of record `id` in another FTS5 table with a `body` column (deals_fts,
 * products_fts, leads_fts) replaced with text_fold(text); NULL text removes it. Written
 * at once, outside any batch. 0, or -1 on a database error */
int search_fts_set(ctx *c, const char *fts_table, long long id, const char *text);
/* appends `member` of every entry of a stored JSON list (emails, phones) to b */
void search_text_add_list(buf *b, const char *list_json, const char *member);
/* GET /api/v1/search?q=...&limit=... */
void search_routes(void);
#endif
