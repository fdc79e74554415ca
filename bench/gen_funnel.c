/* gen_funnel: three pipelines and their deals, each with the path it took through the
 * stages (see the schema notes in src/domain/funnel.c).
 *
 * A deal is opened for a contact (and the company the contact works for), moves forward a
 * few stages days apart and ends open (45%), won (25%) or lost (30%); every move is a row
 * of stage_history with the seconds spent in the stage left, as deal.c writes them. The
 * rows the funnel's triggers keep (deal_owners for the owner, stage_totals, owner_totals,
 * deal_shares) are written here, since the generator loads with the triggers dropped. */
#include "gen.h"
#include "core/buf.h"
#include "util/fold.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSTAGES 6

/* the ready-made "Sales" pipeline (id 1, made by the funnel's schema) gets time limits;
 * two more are added: wholesale and service contracts */
typedef struct pipe_def {
    const char *name, *goals, *currency;
    const char *stages[NSTAGES];
    int probability[NSTAGES], limit_days[NSTAGES];
    unsigned weight;   /* share of the deals, % */
} pipe_def;

static const pipe_def pipes[] = {
    {"Sales", "turn qualified requests into paid orders", "EUR",
     {"New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"}, {10, 25, 50, 75, 100, 0}, {7, 14, 21, 30, 0, 0}, 60},
    {"Wholesale", "repeat orders from distributors", "EUR",
     {"Request", "Quote sent", "Contract", "Delivery", "Won", "Lost"}, {15, 40, 70, 90, 100, 0}, {3, 10, 20, 30, 0, 0}, 25},
    {"Service contracts", "annual maintenance and support", "EUR",
     {"Lead", "Demo", "Trial", "Negotiation", "Won", "Lost"}, {5, 20, 45, 70, 100, 0}, {14, 14, 30, 30, 0, 0}, 15},
};
#define NPIPES (int)(sizeof pipes / sizeof *pipes)

static long long stage_ids[NPIPES][NSTAGES];

static void make_pipelines(store *s)
{
    sqlite3_stmt *pipe = store_prepare(s, "INSERT INTO pipelines(id, name, goals, currency, position) VALUES(?, ?, ?, ?, ?)"
                                          " ON CONFLICT(id) DO NOTHING");
    sqlite3_stmt *st = store_prepare(s, "INSERT INTO stages(pipeline_id, position, name, probability, kind, time_limit_days)"
                                        " VALUES(?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *limit = store_prepare(s, "UPDATE stages SET time_limit_days = ? WHERE pipeline_id = ? AND position = ?");
    sqlite3_stmt *ids = store_prepare(s, "SELECT id FROM stages WHERE pipeline_id = ? ORDER BY position");
    for (int p = 0; p < NPIPES; p++) {
        long long pid = p + 1;
        sqlite3_bind_int64(pipe, 1, pid);
        sqlite3_bind_text(pipe, 2, pipes[p].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(pipe, 3, pipes[p].goals, -1, SQLITE_STATIC);
        sqlite3_bind_text(pipe, 4, pipes[p].currency, -1, SQLITE_STATIC);
        sqlite3_bind_int(pipe, 5, p + 1);
        store_insert(s, pipe);
        sqlite3_bind_int64(ids, 1, pid);
        int have = 0;
        while (sqlite3_step(ids) == SQLITE_ROW) have++;
        sqlite3_reset(ids);
        for (int k = 0; k < NSTAGES; k++) {
            if (have) {   /* the schema made this pipeline: give its open stages limits */
                if (!pipes[p].limit_days[k]) continue;
                sqlite3_bind_int(limit, 1, pipes[p].limit_days[k]);
                sqlite3_bind_int64(limit, 2, pid);
                sqlite3_bind_int(limit, 3, k + 1);
                store_insert(s, limit);
                continue;
            }
            sqlite3_bind_int64(st, 1, pid);
            sqlite3_bind_int(st, 2, k + 1);
            sqlite3_bind_text(st, 3, pipes[p].stages[k], -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 4, pipes[p].probability[k]);
            sqlite3_bind_text(st, 5, k == 4 ? "won" : k == 5 ? "lost" : "open", -1, SQLITE_STATIC);
            if (pipes[p].limit_days[k]) sqlite3_bind_int(st, 6, pipes[p].limit_days[k]);
            else sqlite3_bind_null(st, 6);
            store_insert(s, st);
        }
        sqlite3_bind_int64(ids, 1, pid);
        for (int k = 0; k < NSTAGES && sqlite3_step(ids) == SQLITE_ROW; k++) stage_ids[p][k] = sqlite3_column_int64(ids, 0);
        sqlite3_reset(ids);
    }
    sqlite3_finalize(pipe);
    sqlite3_finalize(st);
    sqlite3_finalize(limit);
    sqlite3_finalize(ids);
}

static const char *currency_of(locale_id loc)
{
    static const char *const cur[LOC_COUNT] = {"RUB", "PLN", "CZK", "EUR", "USD", "GBP"};
    return cur[loc];
}

int gen_deals(store *s, const gen_opts *o, const long long *owners, int nowners, const contact_ref *contacts,
              deal_ref *refs)
{
    make_pipelines(s);
    sqlite3_stmt *ins = store_prepare(s,
        "INSERT INTO deals(id, title, amount, currency, pipeline_id, stage_id, status, owner_id, company_id, expected_close,"
        " source, lost_reason, tags, stage_entered_at, closed_at, custom, version, created_by, created_at, updated_at, stuck_at)"
        " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?)");
    sqlite3_stmt *own = store_prepare(s, "INSERT OR IGNORE INTO deal_owners(deal_id, user_id, is_primary) VALUES(?, ?, ?)");
    sqlite3_stmt *dc = store_prepare(s, "INSERT INTO deal_contacts(deal_id, contact_id, role) VALUES(?, ?, ?)");
    sqlite3_stmt *hist = store_prepare(s, "INSERT INTO stage_history(deal_id, pipeline_id, from_stage_id, to_stage_id, user_id, at, seconds)"
                                          " VALUES(?, ?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *fts = store_prepare(s, "INSERT INTO deals_fts(rowid, body) VALUES(?, ?)");
    static const char *const lost_reasons[] = {"price too high", "chose a competitor", "no budget", "no response", "postponed"};
    static const char *const roles[] = {"decision maker", "buyer", "accountant", "technical contact"};
    buf text;
    buf_init(&text, 0);
    for (long long id = 1; id <= o->deals; id++) {
        rng r;
        rng_seed(&r, o->seed, S_DEAL, (uint64_t)id);
        long long contact = rng_range(&r, 1, o->contacts);
        const contact_ref *cr = &contacts[contact];
        locale_id loc = (locale_id)cr->loc;
        uint32_t x = rng_below(&r, 100);
        int p = x < pipes[0].weight ? 0 : x < pipes[0].weight + pipes[1].weight ? 1 : 2;
        long long owner = rng_chance(&r, 80) ? cr->owner : owners[rng_below(&r, (uint32_t)nowners)];

        /* the path: open stages 0..3, then won (4) or lost (5) */
        uint32_t fate = rng_below(&r, 100);
        int last_open = fate < 45 ? (int)rng_below(&r, 4) : fate < 70 ? 3 : (int)rng_below(&r, 4);
        int end = fate < 45 ? last_open : fate < 70 ? 4 : 5;
        int path[NSTAGES], n = 0;
        for (int k = 0; k <= last_open; k++) path[n++] = k;
        if (end > 3) path[n++] = end;
        /* opened within two years (open deals mostly in the last four months), a move every few days */
        long long span = fate < 45 && rng_chance(&r, 80) ? 120 * 86400LL : 730 * 86400LL;
        long long t = o->now - rng_range(&r, 0, span), at[NSTAGES];
        at[0] = t;
        for (int k = 1; k < n; k++) at[k] = at[k - 1] + rng_range(&r, 3600, 20 * 86400LL);
        if (at[n - 1] > o->now) {   /* squeeze the path into the time there was */
            double f = (double)(o->now - at[0]) / (double)(at[n - 1] - at[0] + 1);
            for (int k = 1; k < n; k++) at[k] = at[0] + (long long)((double)(at[k] - at[0]) * f);
        }
        int fin = path[n - 1];
        long long stage = stage_ids[p][fin];
        char created[24], entered[24], closed[24], stuck[24], close_by[16], title[GEN_TEXT];
        gen_time(at[0], created);
        gen_time(at[n - 1], entered);
        gen_time(at[n - 1], closed);
        gen_time(at[n - 1] + pipes[p].limit_days[fin] * 86400LL, stuck);
        long long exp = at[0] + rng_range(&r, 20, 120) * 86400LL;
        char expbuf[24];
        gen_time(exp, expbuf);
        snprintf(close_by, sizeof close_by, "%.10s", expbuf);
        gen_deal_title(&r, loc, title, sizeof title);
        /* amounts from 100 to 100,000 (in minor units of the client's currency), log-spread */
        static const long long decade[] = {10000, 100000, 1000000, 10000000};
        long long amount = decade[rng_below(&r, 4)] * (100 + rng_below(&r, 900)) / 100;
        const char *tag = rng_chance(&r, 30) ? (rng_chance(&r, 50) ? "priority" : "upsell") : NULL;
        const char *status = fin == 4 ? "won" : fin == 5 ? "lost" : "open";

        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_text(ins, 2, title, -1, SQLITE_TRANSIENT);
        if (rng_chance(&r, 95)) sqlite3_bind_int64(ins, 3, amount);
        else sqlite3_bind_null(ins, 3);
        sqlite3_bind_text(ins, 4, currency_of(loc), -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 5, p + 1);
        sqlite3_bind_int64(ins, 6, stage);
        sqlite3_bind_text(ins, 7, status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 8, owner);
        if (cr->company) sqlite3_bind_int64(ins, 9, cr->company);
        else sqlite3_bind_null(ins, 9);
        sqlite3_bind_text(ins, 10, close_by, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 11, gen_source(&r), -1, SQLITE_STATIC);
        if (fin == 5) sqlite3_bind_text(ins, 12, lost_reasons[rng_below(&r, 5)], -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 12);
        if (tag) {
            char tags[32];
            snprintf(tags, sizeof tags, "[\"%s\"]", tag);
            sqlite3_bind_text(ins, 13, tags, -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_text(ins, 13, "[]", -1, SQLITE_STATIC);
        }
        sqlite3_bind_text(ins, 14, entered, -1, SQLITE_TRANSIENT);
        if (fin >= 4) sqlite3_bind_text(ins, 15, closed, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(ins, 15);
        sqlite3_bind_int(ins, 16, n);   /* created, then one update per move */
        sqlite3_bind_int64(ins, 17, owner);
        sqlite3_bind_text(ins, 18, created, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 19, entered, -1, SQLITE_TRANSIENT);
        if (pipes[p].limit_days[fin]) sqlite3_bind_text(ins, 20, stuck, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(ins, 20);
        store_insert(s, ins);

        sqlite3_bind_int64(own, 1, id);
        sqlite3_bind_int64(own, 2, owner);
        sqlite3_bind_int(own, 3, 1);
        store_insert(s, own);
        if (rng_chance(&r, 10)) {   /* a co-owner shares one deal in ten */
            sqlite3_bind_int64(own, 1, id);
            sqlite3_bind_int64(own, 2, owners[rng_below(&r, (uint32_t)nowners)]);
            sqlite3_bind_int(own, 3, 0);
            store_insert(s, own);
        }
        sqlite3_bind_int64(dc, 1, id);
        sqlite3_bind_int64(dc, 2, contact);
        if (rng_chance(&r, 50)) sqlite3_bind_text(dc, 3, roles[rng_below(&r, 4)], -1, SQLITE_STATIC);
        else sqlite3_bind_null(dc, 3);
        store_insert(s, dc);
        for (int k = 0; k < n; k++) {
            char when[24];
            gen_time(at[k], when);
            sqlite3_bind_int64(hist, 1, id);
            sqlite3_bind_int64(hist, 2, p + 1);
            if (k) sqlite3_bind_int64(hist, 3, stage_ids[p][path[k - 1]]);
            else sqlite3_bind_null(hist, 3);
            sqlite3_bind_int64(hist, 4, stage_ids[p][path[k]]);
            sqlite3_bind_int64(hist, 5, owner);
            sqlite3_bind_text(hist, 6, when, -1, SQLITE_TRANSIENT);
            if (k) sqlite3_bind_int64(hist, 7, at[k] - at[k - 1]);
            else sqlite3_bind_null(hist, 7);
            store_insert(s, hist);
        }
        /* deal.c save_search: title, a space, the tags */
        buf_reset(&text);
        buf_printf(&text, "%s %s", title, tag ? tag : "");
        char *folded = malloc(text.len + 1);
        if (!folded) { fprintf(stderr, "gen: out of memory\n"); exit(1); }
        text_fold(text.data, text.len, folded, text.len + 1);
        sqlite3_bind_int64(fts, 1, id);
        sqlite3_bind_text(fts, 2, folded, -1, free);
        store_insert(s, fts);
        refs[id] = (deal_ref){.contact = (int32_t)contact, .company = cr->company, .owner = (int32_t)owner};
    }
    buf_release(&text);
    sqlite3_finalize(ins);
    sqlite3_finalize(own);
    sqlite3_finalize(dc);
    sqlite3_finalize(hist);
    sqlite3_finalize(fts);
    /* what the deals_totals_*, deals_owner_totals_* and share triggers would have written */
    return store_exec(s, "DELETE FROM stage_totals;"
                         "INSERT INTO stage_totals(stage_id, currency, count, amount) SELECT stage_id, currency, count(*),"
                         " coalesce(sum(amount), 0) FROM deals WHERE deleted_at IS NULL GROUP BY stage_id, currency;"
                         "DELETE FROM owner_totals;"
                         "INSERT INTO owner_totals(user_id, stage_id, currency, count, amount) SELECT owner_id, stage_id, currency,"
                         " count(*), coalesce(sum(amount), 0) FROM deals WHERE deleted_at IS NULL AND owner_id IS NOT NULL"
                         " GROUP BY owner_id, stage_id, currency;"
                         "DELETE FROM deal_shares;"
                         "INSERT INTO deal_shares(deal_id, user_id, owner_id, stage_id, currency, amount, live)"
                         " SELECT o.deal_id, o.user_id, d.owner_id, d.stage_id, d.currency, d.amount, d.deleted_at IS NULL"
                         " FROM deal_owners o JOIN deals d ON d.id = o.deal_id WHERE o.is_primary = 0;");
}
