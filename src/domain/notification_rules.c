/* Notifications read off the audit trail: a client, deal or lead handed over to someone
 * ("Anna transferred the client Jan Kowalski to you") and a deal that reached a won stage
 * ("Boris moved the deal “20 chairs” to won").
 *
 * Every module already writes one audit row per change, in the change's transaction, with
 * the fields that changed; so a rule here sees a handover whatever door it came through
 * (PATCH owner_id, POST /reassign, lead routing, a stage move) without the module having
 * to know about notifications. The step walks the audit rows past a cursor kept in the
 * database and records the notifications and the new cursor in one transaction: each
 * change notifies exactly once, across restarts, a second or so after it commits. */
#include "domain/notification.h"
#include "domain/clients.h"
#include "domain/deal.h"
#include "domain/lead.h"
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

enum { RULES_BATCH = 2000 };   /* audit rows looked at per step */

static const char *const CURSOR = "audit";

/* the changed pair [old, new] of a field in an audit changes object, or NULL */
static json_t *changed(json_t *changes, const char *field)
{
    json_t *pair = json_object_get(changes, field);
    return json_is_array(pair) && json_array_size(pair) == 2 ? pair : NULL;
}

/* "the client Jan Kowalski", "the deal “20 chairs”", "the lead “Web visitor”" */
static const char *what(ctx *c, const char *object, long long id)
{
    const client_kind *k = client_kind_of(object);
    if (k) {
        const char *name = client_name(c, k, id);
        return name && *name ? arena_printf(c->a, "the client %s", name) : "a client";
    }
    const resource *res = !strcmp(object, "deal") ? &deal_resource : &lead_resource;
    json_t *rec = resource_load(c, res, id, ACT_READ);
    const char *title = json_string_value(json_object_get(rec, !strcmp(object, "deal") ? "title" : "name"));
    if (title && *title) return arena_printf(c->a, "the %s \xe2\x80\x9c%s\xe2\x80\x9d", object, title);
    return arena_printf(c->a, "a %s", object);
}

static const char *capital(ctx *c, const char *s)
{
    char *r = arena_strdup(c->a, s);
    if (*r >= 'a' && *r <= 'z') *r = (char)(*r - 'a' + 'A');
    return r;
}

/* handovers of one request to one user are told in one notification ("Anna transferred
 * 250 clients to you"), so a reassignment or an import does not flood anyone */
typedef struct handover {
    const char *request_id, *object;
    long long actor, to, id;
    bool fresh;          /* the record was created for them, not taken from someone */
    long n;
} handover;

typedef struct handovers { handover *v; size_t n, cap; } handovers;

static void handover_add(ctx *c, handovers *h, const char *request_id, const char *object, long long actor,
                         long long to, long long id, bool fresh)
{
    const char *group = !strcmp(object, "company") ? "contact" : object;   /* both are clients */
    for (size_t i = 0; i < h->n; i++) {
        handover *x = &h->v[i];
        const char *xg = !strcmp(x->object, "company") ? "contact" : x->object;
        if (x->to == to && x->actor == actor && x->fresh == fresh && !strcmp(xg, group) &&
            request_id && x->request_id && !strcmp(x->request_id, request_id)) { x->n++; return; }
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        handover *v = arena_alloc(c->a, cap * sizeof *v);
        if (h->n) memcpy(v, h->v, h->n * sizeof *v);
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = (handover){request_id, object, actor, to, id, fresh, 1};
}

/* a ctx acting as the user who made the change (so nobody is told of their own act) */
static ctx as_actor(ctx *c, long long actor)
{
    principal *p = arena_alloc(c->a, sizeof *p);
    principal_system(p);
    p->user_id = actor;
    ctx a = {c->a, c->db, p, c->request_id};
    return a;
}

static int tell_handover(ctx *c, const handover *h)
{
    ctx as = as_actor(c, h->actor);
    const char *who = h->actor ? notify_user_name(c, h->actor) : NULL;
    const char *verb = h->fresh ? "assigned" : "transferred";
    if (h->n == 1) {
        const char *thing = what(c, h->object, h->id);
        const char *text = who ? arena_printf(c->a, "%s %s %s to you", who, verb, thing)
                               : arena_printf(c->a, "%s has been %s to you", capital(c, thing), verb);
        return notify(&as, h->to, "transferred", text, h->object, h->id) < 0 ? -1 : 0;
    }
    const char *things = !strcmp(h->object, "deal") ? "deals" : !strcmp(h->object, "lead") ? "leads" : "clients";
    const char *text = who ? arena_printf(c->a, "%s %s %ld %s to you", who, verb, h->n, things)
                           : arena_printf(c->a, "%ld %s have been %s to you", h->n, things, verb);
    return notify(&as, h->to, "transferred", text, h->object, 0) < 0 ? -1 : 0;
}

/* one audit row; -1 on a database error */
static int apply(ctx *c, handovers *h, const char *request_id, long long actor, const char *object, long long id,
                 long long owner, json_t *changes)
{
    json_t *owner_pair = changed(changes, "owner_id");
    if (owner_pair) {
        json_t *to = json_array_get(owner_pair, 1);
        if (json_is_integer(to) && !json_equal(to, json_array_get(owner_pair, 0)))
            handover_add(c, h, request_id, object, actor, json_integer_value(to), id, json_is_null(json_array_get(owner_pair, 0)));
    }
    json_t *status = !strcmp(object, "deal") ? changed(changes, "status") : NULL;
    if (status && owner > 0) {
        const char *now = json_string_value(json_array_get(status, 1));
        const char *was = json_string_value(json_array_get(status, 0));
        if (now && !strcmp(now, "won") && !(was && !strcmp(was, "won"))) {
            const char *who = actor ? notify_user_name(c, actor) : NULL;
            const char *thing = what(c, object, id);
            const char *text = who ? arena_printf(c->a, "%s moved %s to won", who, thing)
                                   : arena_printf(c->a, "%s is won", capital(c, thing));
            ctx as = as_actor(c, actor);
            if (notify(&as, owner, "deal_won", text, object, id) < 0) return -1;
        }
    }
    return 0;
}

int notification_rules_step(ctx *c, void *unused)
{
    (void)unused;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, CURSOR);
    long long last = db_scalar(c->db, "SELECT last_id FROM notification_cursors WHERE name = ?", &p, -2);
    long long newest = db_scalar(c->db, "SELECT max(id) FROM audit", NULL, 0);
    if (last == -1 || newest < 0) return -1;
    if (db_begin(c->db) != 0) return -1;
    if (last == -2) {   /* first start: history before it is not news */
        dbp_int(&p, newest);
        int rc = db_run(c->db, "INSERT INTO notification_cursors(name, last_id) VALUES(?, ?)", &p) < 0 ? -1 : 0;
        if (rc == 0 && db_commit(c->db) == 0) return 0;
        db_rollback(c->db);
        return -1;
    }
    if (newest <= last) { db_rollback(c->db); return 0; }
    long long upto = newest - last > RULES_BATCH ? last + RULES_BATCH : newest;
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, last);
    dbp_int(&q, upto);
    db_cursor *cur = db_query(c->db, "SELECT user_id, object, object_id, owner_id, changes, request_id FROM audit WHERE id > ? AND id <= ?"
                                     " AND object IN ('contact', 'company', 'deal', 'lead') AND changes IS NOT NULL"
                                     /* only a change of owner or of a deal's status is news: the
                                      * other rows (stage moves, edits) are not parsed at all */
                                     " AND (instr(changes, '\"owner_id\"') OR (object = 'deal' AND instr(changes, '\"status\"')))"
                                     " ORDER BY id", &q);
    if (!cur) { db_rollback(c->db); return -1; }
    handovers h = {0};
    int rc = 0, step = 0;
    while (rc == 0 && (step = db_step(cur)) == 1) {
        json_t *changes = json_loads(db_col_text(cur, 4), 0, NULL);
        if (json_is_object(changes))
            rc = apply(c, &h, db_col_null(cur, 5) ? NULL : arena_strdup(c->a, db_col_text(cur, 5)),
                       db_col_null(cur, 0) ? 0 : db_col_int(cur, 0), arena_strdup(c->a, db_col_text(cur, 1)),
                       db_col_int(cur, 2), db_col_null(cur, 3) ? 0 : db_col_int(cur, 3), changes);
        json_decref(changes);
    }
    db_done(cur);
    for (size_t i = 0; i < h.n && rc == 0; i++) rc = tell_handover(c, &h.v[i]);
    if (rc != 0 || step < 0) { db_rollback(c->db); return -1; }
    dbparams u;
    dbparams_init(&u, c->a);
    dbp_int(&u, upto);
    dbp_text(&u, CURSOR);
    if (db_run(c->db, "UPDATE notification_cursors SET last_id = ? WHERE name = ?", &u) < 0 || db_commit(c->db) != 0) {
        db_rollback(c->db);
        return -1;
    }
    return upto < newest ? 1 : 0;
}
