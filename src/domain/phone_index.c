/* The caller-ID index (see phone_index.h): rows kept in step with the cards, duplicate
 * checks by number, and GET /api/v1/lookup/phone. */
#include "domain/phone_index.h"
#include "domain/clients.h"
#include "core/config.h"
#include "http/openapi.h"
#include "http/rest.h"
#include "util/phone.h"
#include <string.h>

/* reversed copy of a digit string (arena) */
static char *reversed(arena *a, const char *d, size_t n)
{
    char *r = arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) r[i] = d[n - 1 - i];
    return r;
}

/* the reversed digits of a stored number, NULL when too short to say who is calling */
const char *phone_index_key(ctx *c, json_t *item)
{
    const char *v = json_string_value(json_object_get(item, "value"));
    const char *e164 = json_string_value(json_object_get(item, "e164"));
    if (!v) return NULL;
    /* the stored E.164 form spares a second parse (tens of microseconds of regex
     * work inside the write transaction); only numbers without one are parsed */
    phone_result pr;
    const char *digits = e164 && e164[0] == '+' ? e164 + 1 : NULL;
    if (!digits) {
        phone_parse(v, strlen(v), config_region(), &pr);
        digits = pr.digits;
    }
    size_t n = strlen(digits);
    return n < PHONE_MIN_DIGITS ? NULL : reversed(c->a, digits, n);
}

/* a key row of a card (key, object, object_id) */
static const char insert_sql[] = "INSERT OR IGNORE INTO phone_index(rev, object, object_id) VALUES(?, ?, ?)";

int phone_index_set(ctx *c, const char *object, long long id, const char *phones_json)
{
    return client_keys_set(c, "DELETE FROM phone_index WHERE object = ? AND object_id = ?",
                           insert_sql, object, id,
                           phones_json, phone_index_key);
}

int phone_index_add(ctx *c, const char *object, long long id, const char *key)
{
    return client_key_add(c, insert_sql, object, id, key);
}

void phone_index_same(ctx *c, const char *object, long long id, int max,
                      void (*found)(void *cls, const char *object, long long id), void *cls)
{
    client_keys_same(c,
        "SELECT DISTINCT o.object, o.object_id FROM phone_index me JOIN phone_index o ON o.rev = me.rev"
        " WHERE me.object = ? AND me.object_id = ? AND NOT (o.object = me.object AND o.object_id = me.object_id) LIMIT ?",
        object, id, max, found, cls);
}

/* ---------- lookup ---------- */

enum { LOOKUP_MAX = 20 };

/* appends the live, readable cards of kind k whose number matches; returns rows written */
static int lookup_kind(ctx *c, const client_kind *k, const char *rev, bool suffix, jw *w, int *n)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    /* "+x.object": without statistics SQLite would rather walk phone_index_object for
     * object = ? (every contact) than range over rev; the unary + keeps it on rev */
    buf_printf(&sql, "SELECT DISTINCT t.id, %s FROM phone_index x JOIN %s t ON t.id = x.object_id WHERE +x.object = ?",
               k->name_sql, k->res->table);
    dbp_text(&p, k->object);
    if (suffix) {
        /* ':' follows '9': [rev, rev":") holds exactly the strings that start with rev */
        buf_adds(&sql, " AND x.rev >= ? AND x.rev < ?");
        dbp_text(&p, rev);
        dbp_text(&p, arena_printf(c->a, "%s:", rev));
    } else {
        buf_adds(&sql, " AND x.rev = ?");
        dbp_text(&p, rev);
    }
    buf_adds(&sql, " AND t.deleted_at IS NULL");
    resource_scope_sql(c, k->res, ACT_READ, &sql, &p);
    buf_printf(&sql, " LIMIT %d", LOOKUP_MAX);
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return -1;
    int rc;
    while ((rc = db_step(cur)) == 1) {
        jw_obj(w);
        jw_kstr(w, "type", k->object);
        jw_kint(w, "id", db_col_int(cur, 0));
        jw_kstr(w, "name", db_col_text(cur, 1));
        jw_kstr(w, "match", suffix ? "suffix" : "exact");
        jw_obj_end(w);
        (*n)++;
    }
    db_done(cur);
    return rc < 0 ? -1 : 0;
}

static int lookup_phone(req *r, const void *data)
{
    (void)data;
    const char *number = req_query(r, "number");
    if (!number || !*number) return reply_problem(r, 422, "required", "give the number to look up: ?number=...");
    size_t len = strlen(number);
    if (len > PHONE_MAX_INPUT) return reply_problem(r, 422, "too_long", "'number' is longer than %d bytes", PHONE_MAX_INPUT);
    ctx c = rest_ctx(r);
    const client_kind *kinds[] = {&client_contact, &client_company};
    if (resource_level(&c, client_contact.res, ACT_READ) == SCOPE_NONE &&
        resource_level(&c, client_company.res, ACT_READ) == SCOPE_NONE)
        return reply_forbidden(r, "looking up clients");

    phone_result pr;
    bool whole = phone_parse(number, len, config_region(), &pr) == 0 && pr.valid;
    /* typed digits without leading zeros (international 00, trunk 0): a suffix of the number */
    char local[PHONE_MAX_INPUT + 1];
    size_t nl = 0;
    for (const char *s = number; *s; s++)
        if (*s >= '0' && *s <= '9' && (nl || *s != '0')) local[nl++] = *s;
    local[nl] = 0;

    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    int n = 0;
    for (int i = 0; i < 2 && whole; i++)
        if (lookup_kind(&c, kinds[i], reversed(&r->a, pr.digits, strlen(pr.digits)), false, &w, &n) != 0) return reply_db_error(r);
    if (n == 0 && nl >= PHONE_MIN_DIGITS)
        for (int i = 0; i < 2; i++)
            if (lookup_kind(&c, kinds[i], reversed(&r->a, local, nl), true, &w, &n) != 0) return reply_db_error(r);
    jw_arr_end(&w);
    jw_kstr(&w, "e164", whole ? pr.e164 : NULL);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

void phone_lookup_routes(void)
{
    router_add("GET", "/api/v1/lookup/phone", lookup_phone, NULL, 0);
    openapi_op("get", "/api/v1/lookup/phone", "caller ID: contacts and companies with this number (?number=, any formatting)", NULL,
               "{\"type\":\"object\",\"required\":[\"data\"],\"properties\":{\"data\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
               "\"required\":[\"type\",\"id\"],\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"contact\",\"company\"]},"
               "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\",\"nullable\":true},"
               "\"match\":{\"type\":\"string\",\"enum\":[\"exact\",\"suffix\"]}}}},"
               "\"e164\":{\"type\":\"string\",\"nullable\":true}}}");
}
