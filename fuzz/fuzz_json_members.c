/* Fuzz the walk over a record's top-level members (core/json_members.h), which the audit
 * diff of every write reads records with. For any input the walk stays inside it; for an
 * object jansson accepts with no repeated keys, the walk gives every member, in order,
 * each value's text parsing to the value jansson read. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_members.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    json_t *doc = json_loadb(s, size, JSON_REJECT_DUPLICATES, NULL);
    size_t pos = 0, n = 0;
    json_member m;
    void *it = json_is_object(doc) ? json_object_iter(doc) : NULL;
    while (json_members_next(s, size, &pos, &m)) {
        if (m.key < s || m.value < s || m.key + m.key_len > s + size || m.value + m.value_len > s + size || pos > size) abort();
        n++;
        if (!json_is_object(doc)) continue;
        if (!it) abort();   /* more members than jansson found */
        json_t *v = json_loadb(m.value, m.value_len, JSON_DECODE_ANY, NULL);
        if (!v || !json_equal(v, json_object_iter_value(it))) abort();
        json_decref(v);
        it = json_object_iter_next(doc, it);
    }
    if (json_is_object(doc) && (it || n != json_object_size(doc))) abort();   /* a member missed */
    json_decref(doc);
    return 0;
}
