/* Fuzz json_cell against the jansson path it stands in for: whenever the quick reader
 * answers, its cell text must be exactly what json_loadb + json_cell_of write (nothing at
 * all when jansson refuses the text), for the whole document and for a member of one it checked. */
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
    static const char *const keys[] = {"segment", "value", "name", "", "a\"b", NULL};
    bool checked = json_cell_check(s, size) == 0;
    if (checked && !doc) abort();
    for (const char *const *k = keys; checked && *k; k++) {
        buf_reset(&quick);
        buf_reset(&ref);
        bool number = false;
        if (json_cell_member(&quick, s, size, *k, ", ", &number) != 0) {
            if (quick.len) abort();
            continue;
        }
        json_t *v = json_object_get(doc, *k);
        json_cell_of(&ref, v, ", ");
        same(&quick, &ref);
        if (number != json_is_number(v)) abort();
    }
    buf_release(&quick);
    buf_release(&ref);
    json_decref(doc);
    return 0;
}
