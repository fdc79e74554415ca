/* email_index: lower-cased addresses of client cards, for duplicate checks and lookups.
 *
 * Table email_index(email, object, object_id), primary key in that order. */
#ifndef KT_EMAIL_INDEX_H
#define KT_EMAIL_INDEX_H
#include <jansson.h>
#include "domain/ctx.h"

/* replaces the rows of (object, id) with the addresses of emails_json; NULL removes them */
int email_index_set(ctx *c, const char *object, long long id, const char *emails_json);
/* Bulk creates (imports): the key of one entry of a stored emails list (lower case,
 * arena; NULL when empty), worked out before the card is written (any thread), then added
 * for the new card without removing any old row (0 or -1) */
const char *email_index_key(ctx *c, json_t *item);
int email_index_add(ctx *c, const char *object, long long id, const char *key);
/* calls found for every other card holding one of this card's addresses */
void email_index_same(ctx *c, const char *object, long long id, int max,
                      void (*found)(void *cls, const char *object, long long id), void *cls);
#endif
