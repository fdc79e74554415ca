/* Fuzz the list members of client cards (phones, emails, messengers, tags, addresses) as
 * a client sends them, and the name key. For any JSON body, every column replaced by its
 * stored form is a JSON array of at most CARD_MAX_ITEMS entries (a list with errors
 * keeps the raw value; the request is refused whole anyway); and the name key of any
 * bytes is valid UTF-8 and its own key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "domain/card_fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_key(arena *a, const uint8_t *data, size_t size)
{
    char *s = arena_strndup(a, (const char *)data, size);
    const char *k = card_name_key(a, s);
    if (!utf8_valid(k, strlen(k))) abort();
    if (strcmp(card_name_key(a, k), k) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena a;
    arena_init(&a);
    check_key(&a, data, size);
    json_t *in = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
    if (json_is_object(in) && json_object_size(in) <= 16) {
        ctx c = {&a, NULL, NULL, "fuzz"};
        errs e;
        errs_init(&e, &a);
        const char *cols[16];
        write_set w = {.in = in, .cols = cols};
        dbparams_init(&w.vals, &a);
        const char *k;
        json_t *v;
        json_object_foreach(in, k, v) {
            cols[w.n++] = k;
            dbp_text(&w.vals, "raw");
        }
        card_validate_lists(&c, &w, &e);
        for (size_t i = 0; i < w.n; i++) {
            const char *s = w.vals.v[i].s;
            if (!s || !strcmp(s, "raw")) continue;
            json_t *out = json_loads(s, 0, NULL);
            if (!json_is_array(out) || json_array_size(out) > CARD_MAX_ITEMS) abort();
            json_decref(out);
        }
    }
    json_decref(in);
    arena_release(&a);
    return 0;
}
