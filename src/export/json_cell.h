/* json_cell: the cell text of a stored JSON column read straight from its text, without
 * building a jansson tree (parsing every list of every row with jansson was half of an
 * export's time).
 *
 * The text is the same json_cell_of makes from the parsed value: a list's entries joined by
 * `sep`, an entry as its string, integer, "value" (else "name") member or address parts.
 * The reader is strict and does not guess: for anything it does not cover exactly (text
 * jansson would refuse, reals inside lists, entries that would be dumped as JSON, very
 * long integers, deep nesting) it answers -1 and leaves `b` as it was, and the caller
 * takes the jansson path, so the output never depends on which path ran. */
#ifndef KT_EXPORT_JSON_CELL_H
#define KT_EXPORT_JSON_CELL_H
#include "core/buf.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* the text of the whole document (an array or object, as json_loadb accepts); 0 or -1 */
int json_cell_text(buf *b, const char *s, size_t n, const char *sep);

/* several members of the document (an object) in one pass: the text of member keys[i]
 * appended to out[i] (nothing when it is missing, or the document is a list), number[i]
 * whether it is a JSON number, done[i] false where that member needs the jansson path
 * (out[i] left as it was). -1 (nothing written) when the whole document does; at most
 * JSON_CELL_MAX_KEYS keys */
enum { JSON_CELL_MAX_KEYS = 64 };
int json_cell_members(const char *s, size_t n, const char *const *keys, size_t nkeys, const char *sep, buf *const *out,
                      bool *number, bool *done);

/* the same text from a parsed value (NULL: nothing); the reference of the two above */
void json_cell_of(buf *b, json_t *v, const char *sep);
#endif
