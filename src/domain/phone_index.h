/* phone_index: the caller-ID index of client cards and the lookup endpoint over it.
 *
 * Table phone_index(rev, object, object_id): one row per number of a card, rev being the
 * number's digits reversed: the E.164 digits when libphonenumber could parse it ("+7 495
 * 123-45-67" -> "76543215947"), else the digits as typed. A whole number is found by
 * equality; a local number typed without its trunk or country prefix ("123-45-67") by a
 * range over the reversed digits (rev >= "7654321" AND rev < "7654321:"), which is an
 * index range scan whatever the size of the base. */
#ifndef KT_PHONE_INDEX_H
#define KT_PHONE_INDEX_H
#include <jansson.h>
#include "domain/ctx.h"

/* shortest digit string a lookup or duplicate check acts on: shorter ones (112, 03) say
 * too little about who is calling */
enum { PHONE_MIN_DIGITS = 5 };

/* replaces the rows of (object, id) with the numbers of phones_json (a stored phones
 * list); NULL removes them. 0, or -1 on a database error */
int phone_index_set(ctx *c, const char *object, long long id, const char *phones_json);
/* Bulk creates (imports): the key of one entry of a stored phones list (its reversed
 * digits, arena; NULL when too short), worked out before the card is written (any thread),
 * then added for the new card without removing any old row (0 or -1) */
const char *phone_index_key(ctx *c, json_t *item);
int phone_index_add(ctx *c, const char *object, long long id, const char *key);
/* calls found for every other card holding one of this card's numbers (whole match) */
void phone_index_same(ctx *c, const char *object, long long id, int max,
                      void (*found)(void *cls, const char *object, long long id), void *cls);
/* GET /api/v1/lookup/phone?number=... */
void phone_lookup_routes(void);
#endif
