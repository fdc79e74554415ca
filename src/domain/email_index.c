/* The email index of client cards (see email_index.h). */
#include "domain/email_index.h"
#include "domain/clients.h"
#include <ctype.h>
#include <jansson.h>
#include <string.h>

/* a key row of a card (key, object, object_id) */
static const char insert_sql[] = "INSERT OR IGNORE INTO email_index(email, object, object_id) VALUES(?, ?, ?)";

/* ASCII lower case: the domain is case-insensitive and mailboxes are in practice */
const char *email_index_key(ctx *c, json_t *item)
{
    const char *v = json_string_value(json_object_get(item, "value"));
    if (!v || !*v) return NULL;
    char *low = arena_strdup(c->a, v);
    for (char *s = low; *s; s++) *s = (char)tolower((unsigned char)*s);
    return low;
}

int email_index_set(ctx *c, const char *object, long long id, const char *emails_json)
{
    return client_keys_set(c, "DELETE FROM email_index WHERE object = ? AND object_id = ?", insert_sql, object, id,
                           emails_json, email_index_key);
}

int email_index_add(ctx *c, const char *object, long long id, const char *key)
{
    return client_key_add(c, insert_sql, object, id, key);
}

void email_index_same(ctx *c, const char *object, long long id, int max,
                      void (*found)(void *cls, const char *object, long long id), void *cls)
{
    client_keys_same(c,
        "SELECT DISTINCT o.object, o.object_id FROM email_index me JOIN email_index o ON o.email = me.email"
        " WHERE me.object = ? AND me.object_id = ? AND NOT (o.object = me.object AND o.object_id = me.object_id) LIMIT ?",
        object, id, max, found, cls);
}
