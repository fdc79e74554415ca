/* UTF-8 checks used wherever outside text enters: JSON strings, CSV cells, headers. */
#ifndef KT_UTF8_H
#define KT_UTF8_H
#include <stdbool.h>
#include <stddef.h>

/* length of the valid UTF-8 sequence starting at s (1..4), or 0 when it is invalid
 * (overlong forms, surrogates and code points past U+10FFFF are invalid) */
size_t utf8_valid_prefix_char(const char *s, size_t n);
bool utf8_valid(const char *s, size_t n);
/* number of code points in a valid string */
size_t utf8_length(const char *s, size_t n);
#endif
