/* json_members: the top-level members of a JSON object text as slices of that text, without
 * building a tree. Records are written once as JSON (the answer to a GET); comparing two
 * writings of a record member by member, or copying a member on, needs only where each
 * value starts and ends.
 *
 * The walk trusts the text to be JSON (this program's own writing); where it is not, the
 * walk stops early instead of reading past `len`. */
#ifndef KT_CORE_JSON_MEMBERS_H
#define KT_CORE_JSON_MEMBERS_H
#include <stdbool.h>
#include <stddef.h>

typedef struct json_member {
    const char *key;     /* as written between its quotes (escapes not undone) */
    size_t key_len;
    const char *value;   /* the value's whole text: "text" with quotes, {...}, [...], 12, null */
    size_t value_len;
} json_member;

/* the next member of the object text s[0..len) after *pos (0 to begin), or false at its end */
bool json_members_next(const char *s, size_t len, size_t *pos, json_member *m);

/* the member named `key` (plain, no escapes); false when there is none */
bool json_members_find(const char *s, size_t len, const char *key, json_member *m);
/* the integer value of member `key`; false when there is none or it is not an integer */
bool json_members_int(const char *s, size_t len, const char *key, long long *v);
#endif
