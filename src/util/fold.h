/* Search keys for names and free text.
 *
 * Kartoteka keeps a folded copy of every searchable name (contact, company, email, note)
 * in an SQLite FTS5 table and folds each query the same way, so a manager typing `lodz`
 * finds `Łódź`, `muller` finds `Müller` and `ЁЛКИН` finds `ёлкин`. FTS5's own
 * `unicode61 remove_diacritics 2` tokenizer folds only letters that have a Unicode
 * decomposition (ż, ó, ć, й, ё) and leaves ł, ø, đ, ß alone; this module folds both kinds
 * so the key does not depend on what the tokenizer happens to know.
 *
 * What text_fold does, code point by code point:
 *   - ASCII letters are lowercased;
 *   - Latin-1, Latin Extended-A (plus Romanian ș/ț, Vietnamese ơ/ư and ẞ), basic Greek
 *     and Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Macedonian, Kazakh letters)
 *     are lowercased with diacritics removed: á→a, ł→l, ø→o, đ→d, ß→ss, æ→ae, œ→oe, þ→th,
 *     İ/ı→i, ё→е, й→и, ї→і, ά→α, final ς→σ;
 *   - combining diacritical marks U+0300..U+036F are dropped, so decomposed input (as
 *     macOS produces) folds the same as precomposed input;
 *   - every byte that is not part of a valid UTF-8 sequence becomes one space, and U+0000
 *     becomes a space because the result is a C string;
 *   - every other code point is copied unchanged.
 *
 * Caller's rules: the function is pure (no allocation, no global state; safe from any
 * thread). `in` need not be NUL-terminated. The result is always NUL-terminated when
 * cap > 0 and is a prefix of the full key: it never ends in the middle of a code point or
 * in the middle of the replacement of one input code point. The key is never longer than
 * the input (every replacement is at most as long as its source), so cap = n + 1 is
 * always enough.
 */
#ifndef KT_UTIL_FOLD_H
#define KT_UTIL_FOLD_H
#include <stddef.h>

/* Fold n bytes of UTF-8 text into out (at most cap - 1 bytes plus a NUL). Returns the
 * number of bytes written, not counting the NUL; 0 when cap == 0 (out is then untouched
 * and may be NULL). */
size_t text_fold(const char *in, size_t n, char *out, size_t cap);

#endif
