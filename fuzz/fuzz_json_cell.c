/* Fuzz json_cell against the jansson path it stands in for: whenever the quick reader
 * answers, its cell text must be exactly what json_loadb + json_cell_of write (nothing at
 * all when jansson refuses the text), for the whole document and for members read in one pass. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/json_cell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const buf *a, const buf *b)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    json_t *doc = json_loadb(s, size, 0, NULL);
    buf quick, ref;
    buf_init(&quick, 0);
    buf_init(&ref, 0);
    buf_adds(&quick, "x");   /* a declined answer leaves what was there */
    if (json_cell_text(&quick, s, size, "; ") == 0) {
        buf_adds(&ref, "x");
        json_cell_of(&ref, doc, "; ");
        same(&quick, &ref);
    } else if (strcmp(quick.data, "x")) abort();
    static const char *const keys[] = {"segment", "value", "name", "", "a\"b", "segment"};
    enum { NKEYS = sizeof keys / sizeof *keys };
    buf cells[NKEYS];
    buf *out[NKEYS];
    bool number[NKEYS], done[NKEYS];
    for (size_t i = 0; i < NKEYS; i++) {
        buf_init(&cells[i], 0);
        out[i] = &cells[i];
    }
    if (json_cell_members(s, size, keys, NKEYS, ", ", out, number, done) == 0) {
        if (!doc) abort();   /* a document jansson refuses is never read here */
        for (size_t i = 0; i < NKEYS; i++) {
            if (!done[i]) {
                if (cells[i].len) abort();
                continue;
            }
            json_t *v = json_object_get(doc, keys[i]);
            buf_reset(&ref);
            json_cell_of(&ref, v, ", ");
            same(&cells[i], &ref);
            if (number[i] != json_is_number(v)) abort();
        }
    } else {
        for (size_t i = 0; i < NKEYS; i++) if (cells[i].len) abort();
    }
    for (size_t i = 0; i < NKEYS; i++) buf_release(&cells[i]);
    buf_release(&quick);
    buf_release(&ref);
    json_decref(doc);
    return 0;
}
