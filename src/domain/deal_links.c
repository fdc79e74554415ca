/* How deals follow the rest of the system: their events on the timelines of client cards
 * and of the deal itself (deals, stage changes, offers, payments), the merge of client
 * cards (links move to the surviving card) and the reassignment of a user's deals. */
#include "domain/deal.h"
#include "domain/merge.h"
#include "domain/reassign.h"
#include "domain/timeline.h"
#include <string.h>

/* " AND t.id IN (<deals of the object>)" for a contact, company (with the cards merged
 * into it) or deal; false when the object has no deals */
static bool deals_of(const char *object, long long id, buf *sql, dbparams *p)
{
    if (!strcmp(object, "deal")) {
        buf_adds(sql, " AND t.id = ?");
        dbp_int(p, id);
    } else if (!strcmp(object, "contact")) {
        buf_adds(sql, " AND t.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id IN (");
        merge_ids_sql(object, id, sql, p);
        buf_adds(sql, "))");
    } else if (!strcmp(object, "company")) {
        buf_adds(sql, " AND t.company_id IN (");
        merge_ids_sql(object, id, sql, p);
        buf_adds(sql, ")");
    } else {
        return false;
    }
    return true;
}

/* a deal opened for the client (the deal's own timeline has its audit rows instead) */
static void deal_timeline(ctx *c, const char *object, long long id, buf *sql, dbparams *p)
{
    if (!strcmp(object, "deal")) return;
    size_t mark = sql->len;
    buf_adds(sql, "SELECT t.created_at, 'deal', t.id, json_object('deal_id', t.id, 'title', t.title, 'amount', t.amount,"
                  " 'currency', t.currency, 'status', t.status, 'pipeline_id', t.pipeline_id, 'stage_id', t.stage_id,"
                  " 'stage', (SELECT name FROM stages WHERE id = t.stage_id), 'owner_id', t.owner_id)"
                  " FROM deals t WHERE t.deleted_at IS NULL");
    if (!deals_of(object, id, sql, p)) { sql->len = mark; sql->data[mark] = 0; return; }
    resource_scope_sql(c, &deal_resource, ACT_READ, sql, p);
}

static void stage_change_timeline(ctx *c, const char *object, long long id, buf *sql, dbparams *p)
{
    size_t mark = sql->len;
    buf_adds(sql, "SELECT h.at, 'stage_change', h.id, json_object('deal_id', t.id, 'title', t.title,"
                  " 'from_stage_id', h.from_stage_id, 'from_stage', (SELECT name FROM stages WHERE id = h.from_stage_id),"
                  " 'to_stage_id', h.to_stage_id, 'to_stage', (SELECT name FROM stages WHERE id = h.to_stage_id),"
                  " 'user_id', h.user_id, 'user_name', (SELECT name FROM users WHERE id = h.user_id), 'seconds', h.seconds)"
                  " FROM stage_history h JOIN deals t ON t.id = h.deal_id WHERE h.from_stage_id IS NOT NULL AND t.deleted_at IS NULL");
    if (!deals_of(object, id, sql, p)) { sql->len = mark; sql->data[mark] = 0; return; }
    resource_scope_sql(c, &deal_resource, ACT_READ, sql, p);
}

static void offer_timeline(ctx *c, const char *object, long long id, buf *sql, dbparams *p)
{
    size_t mark = sql->len;
    buf_adds(sql, "SELECT o.at, 'offer', o.id, json_object('deal_id', t.id, 'title', t.title, 'amount', o.amount,"
                  " 'currency', o.currency, 'items', json(o.items), 'user_id', o.user_id)"
                  " FROM deal_offers o JOIN deals t ON t.id = o.deal_id WHERE t.deleted_at IS NULL");
    if (!deals_of(object, id, sql, p)) { sql->len = mark; sql->data[mark] = 0; return; }
    resource_scope_sql(c, &deal_resource, ACT_READ, sql, p);
}

static void payment_timeline(ctx *c, const char *object, long long id, buf *sql, dbparams *p)
{
    size_t mark = sql->len;
    buf_adds(sql, "SELECT y.created_at, 'payment', y.id, json_object('deal_id', t.id, 'title', t.title, 'payment_kind', y.kind,"
                  " 'amount', y.amount, 'currency', y.currency, 'due_date', y.due_date, 'paid_at', y.paid_at)"
                  " FROM deal_payments y JOIN deals t ON t.id = y.deal_id WHERE t.deleted_at IS NULL");
    if (!deals_of(object, id, sql, p)) { sql->len = mark; sql->data[mark] = 0; return; }
    resource_scope_sql(c, &deal_resource, ACT_READ, sql, p);
}

static const timeline_source sources[] = {
    {"deal", deal_timeline},
    {"stage_change", stage_change_timeline},
    {"offer", offer_timeline},
    {"payment", payment_timeline},
};

/* ---------- merges of client cards ---------- */

/* contact: deal links move to the surviving contact (a deal already linked to it keeps
 * that link); moved = [[deal_id, role, 1 when the link was moved, 0 when dropped]].
 * company: deals of the merged company move; moved = [deal_id...] */
static int deal_merge_move(ctx *c, const char *object, long long from, long long into, json_t *moved)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, from);
    dbp_int(&p, into);
    if (!strcmp(object, "company")) {
        dbparams one;
        dbparams_init(&one, c->a);
        dbp_int(&one, from);
        db_cursor *cur = db_query(c->db, "SELECT id FROM deals WHERE company_id = ?", &one);
        if (!cur) return -1;
        while (db_step(cur) == 1) json_array_append_new(moved, json_integer(db_col_int(cur, 0)));
        db_done(cur);
        return db_run(c->db, "UPDATE deals SET company_id = ?2, version = version + 1,"
                             " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE company_id = ?1", &p) < 0 ? -1 : 0;
    }
    if (strcmp(object, "contact")) return 0;
    db_cursor *cur = db_query(c->db, "SELECT l.deal_id, l.role, NOT EXISTS (SELECT 1 FROM deal_contacts k WHERE k.deal_id = l.deal_id"
                                     " AND k.contact_id = ?2) FROM deal_contacts l WHERE l.contact_id = ?1", &p);
    if (!cur) return -1;
    while (db_step(cur) == 1)
        json_array_append_new(moved, json_pack("[I,s?,b]", (json_int_t)db_col_int(cur, 0), db_col_text(cur, 1), db_col_int(cur, 2) != 0));
    db_done(cur);
    if (db_run(c->db, "UPDATE OR IGNORE deal_contacts SET contact_id = ?2 WHERE contact_id = ?1", &p) < 0) return -1;
    dbparams one;
    dbparams_init(&one, c->a);
    dbp_int(&one, from);
    return db_run(c->db, "DELETE FROM deal_contacts WHERE contact_id = ?", &one) < 0 ? -1 : 0;
}

static int deal_merge_undo(ctx *c, const char *object, long long from, long long into, json_t *moved)
{
    size_t i;
    json_t *x;
    json_array_foreach(moved, i, x) {
        bool company = !strcmp(object, "company");
        long long deal = json_integer_value(company ? x : json_array_get(x, 0));
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, from);
        dbp_int(&p, into);
        dbp_int(&p, deal);
        if (company) {
            if (db_run(c->db, "UPDATE deals SET company_id = ?1, version = version + 1,"
                              " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?3 AND company_id = ?2", &p) < 0) return -1;
            continue;
        }
        /* a moved link leaves `into`; one `into` had before the merge stays */
        dbparams d;
        dbparams_init(&d, c->a);
        dbp_int(&d, into);
        dbp_int(&d, deal);
        if (json_is_true(json_array_get(x, 2)) &&
            db_run(c->db, "DELETE FROM deal_contacts WHERE contact_id = ? AND deal_id = ?", &d) < 0) return -1;
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_int(&q, deal);
        dbp_int(&q, from);
        dbp_text(&q, json_string_value(json_array_get(x, 1)));
        if (db_run(c->db, "INSERT OR IGNORE INTO deal_contacts(deal_id, contact_id, role) VALUES(?, ?, ?)", &q) < 0) return -1;
    }
    return 0;
}

static const merge_hook deal_merge = {"deals", deal_merge_move, deal_merge_undo};

/* ---------- reassignment ---------- */

/* the live deals `from` owns go to `to` (one audit row each); shares `from` had as a
 * co-owner go to `to` as well */
static int deal_reassign(ctx *c, long long from, long long to, long long *moved)
{
    long long n = 0;
    if (reassign_owned_rows(c, "deals", "deal", from, to, &n) != 0) return -1;
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, to);
    dbp_int(&q, from);
    if (db_run(c->db, "INSERT OR IGNORE INTO deal_owners(deal_id, user_id, is_primary)"
                      " SELECT deal_id, ?1, 0 FROM deal_owners WHERE user_id = ?2 AND is_primary = 0", &q) < 0 ||
        db_run(c->db, "DELETE FROM deal_owners WHERE user_id = ?2 AND is_primary = 0", &q) < 0) return -1;
    *moved += n;
    return 0;
}

static const reassign_target deal_target = {"deals", OBJ_DEALS, deal_reassign};

void deal_links_routes(void)
{
    timeline_route(&deal_resource);
    for (size_t i = 0; i < sizeof sources / sizeof *sources; i++) timeline_register(&sources[i]);
    merge_register(&deal_merge);
    reassign_register(&deal_target);
}
