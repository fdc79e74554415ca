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
/* the text w writes to column `col`; NULL when w does not write it or writes NULL */
const char *card_column_text(const write_set *w, const char *col);
/* the value the card will hold after this write: w->in's member, else the stored one */
json_t *card_value(const write_set *w, const char *name);
/* search key of a name: folded words, sorted, joined by one space ("ivanov ivan" and
 * "Ivan IVANOV" give the same key); "" when there are no words. Arena memory. */
const char *card_name_key(arena *a, const char *text);
/* Bulk creates (imports): the index rows of a card, worked out from its checked write set
 * before it is written (another thread may do it), then written for the new card:
 * caller-ID and email rows and the full-text row, whose text is the card's own columns
 * (head), the text the writer adds (a contact's company names) and the card's addresses
 * and E.164 numbers (tail), in the order the objects' reindex functions write it. */
typedef struct card_index {
    const char *head, *tail;
    const char **phones, **emails;   /* phone_index / email_index keys */
    size_t nphones, nemails;
} card_index;
void card_index_prepare(ctx *c, const write_set *w, const char *const *text_columns, size_t ncolumns, card_index *ix);
/* 0, or -1 on a database error; middle may be NULL */
int card_index_write(ctx *c, const char *object, long long id, const card_index *ix, const char *middle);
#endif
