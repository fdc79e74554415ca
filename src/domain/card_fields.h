/* card_fields: the multi-valued and structured members of a client card (contact or
 * company) checked and put into their stored form.
 *
 * Lists live in JSON columns of the card's own row, so reading a card costs one row:
 *   phones      [{"value": as typed, "label", "e164": "+7..." | null, "valid": bool,
 *                 "extension"?}]  -- invalid numbers are kept as typed and flagged
 *   emails      [{"value", "label"}]
 *   messengers  [{"value", "label"}]    (label names the service: telegram, whatsapp...)
 *   tags        ["vip", ...]             (trimmed, unique, case kept)
 *   addresses   [{"label", "street", "city", "region", "postcode", "country"}]
 * A list member may be written as a bare string ("+48 22 123 45 67") instead of
 * {"value": ...}. Server-computed members sent back (e164, valid, extension) are ignored
 * and computed again, so a card read can be written back unchanged. */
#ifndef KT_CARD_FIELDS_H
#define KT_CARD_FIELDS_H
#include "domain/resource.h"

enum {
    CARD_MAX_ITEMS = 50,       /* entries per list */
    CARD_MAX_PHONE = 100,      /* characters of one typed phone number */
};

/* For every list member of the card present in w->in, validates it and replaces the
 * value the generic layer bound (the raw JSON) with the stored form. Errors are added
 * under "phones[2].value" and the like. */
void card_validate_lists(ctx *c, write_set *w, errs *e);
/* an object of short strings with only the allowed keys (bank details); stored form or NULL */
const char *card_string_object(ctx *c, json_t *v, const char *path, const char *const *keys, errs *e);
/* replaces the value bound for column `col` in w; false when w does not write that column */
bool card_set_column(write_set *w, const char *col, const char *text);
/* adds or replaces a column value of w (columns the hooks compute, such as name_key) */
void card_put_column(write_set *w, const char *col, const char *text);
/* the value the card will hold after this write: w->in's member, else the stored one */
json_t *card_value(const write_set *w, const char *name);
/* search key of a name: folded words, sorted, joined by one space ("ivanov ivan" and
 * "Ivan IVANOV" give the same key); "" when there are no words. Arena memory. */
const char *card_name_key(arena *a, const char *text);
#endif
