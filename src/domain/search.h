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
/* appends `member` of every entry of a stored JSON list (emails, phones) to b */
void search_text_add_list(buf *b, const char *list_json, const char *member);
/* GET /api/v1/search?q=...&limit=... */
void search_routes(void);
#endif
