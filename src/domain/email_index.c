/* The email index of client cards (see email_index.h). */
#include "domain/email_index.h"
#include <ctype.h>
#include <jansson.h>
#include <string.h>

int email_index_set(ctx *c, const char *object, long long id, const char *emails_json)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    dbp_int(&p, id);
    if (db_run(c->db, "DELETE FROM email_index WHERE object = ? AND object_id = ?", &p) < 0) return -1;
    if (!emails_json) return 0;
    json_t *list = json_loads(emails_json, 0, NULL);
    size_t i;
    json_t *item;
    int rc = 0;
    json_array_foreach(list, i, item) {
        const char *v = json_string_value(json_object_get(item, "value"));
        if (!v || !*v) continue;
        /* ASCII lower case: the domain is case-insensitive and mailboxes are in practice */
        char *low = arena_strdup(c->a, v);
        for (char *s = low; *s; s++) *s = (char)tolower((unsigned char)*s);
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_text(&q, low);
        dbp_text(&q, object);
        dbp_int(&q, id);
        if (db_run(c->db, "INSERT OR IGNORE INTO email_index(email, object, object_id) VALUES(?, ?, ?)", &q) < 0) { rc = -1; break; }
    }
    json_decref(list);
    return rc;
}

void email_index_same(ctx *c, const char *object, long long id, int max,
                      void (*found)(void *cls, const char *object, long long id), void *cls)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    dbp_int(&p, id);
    dbp_int(&p, max);
    db_cursor *cur = db_query(c->db,
        "SELECT DISTINCT o.object, o.object_id FROM email_index me JOIN email_index o ON o.email = me.email"
        " WHERE me.object = ? AND me.object_id = ? AND NOT (o.object = me.object AND o.object_id = me.object_id) LIMIT ?", &p);
    while (cur && db_step(cur) == 1) found(cls, db_col_text(cur, 0), db_col_int(cur, 1));
    db_done(cur);
}
