/* Fuzz text_fold: for any bytes and any capacity the key must be valid UTF-8, fit in cap,
 * never be longer than the input, be a prefix of the uncut key, and fold to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "util/fold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t cap = data[0]; /* small capacities reach the cut-off paths */
    const char *in = (const char *)data + 1;
    size_t n = size - 1;

    char *full = malloc(n + 1), *again = malloc(n + 1), *cut = malloc(cap ? cap : 1);
    if (!full || !again || !cut) abort();

    size_t len = text_fold(in, n, full, n + 1);
    if (len > n || full[len] != '\0' || !utf8_valid(full, len)) abort();
    if (memchr(full, 0, len)) abort();

    size_t len2 = text_fold(full, len, again, len + 1);
    if (len2 != len || memcmp(full, again, len) != 0) abort();

    size_t clen = text_fold(in, n, cut, cap);
    if (cap == 0) {
        if (clen != 0) abort();
    } else {
        if (clen >= cap || cut[clen] != '\0' || clen > len) abort();
        if (memcmp(cut, full, clen) != 0 || !utf8_valid(cut, clen)) abort();
    }

    free(full);
    free(again);
    free(cut);
    return 0;
}
