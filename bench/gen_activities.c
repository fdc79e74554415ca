/* gen_activities: two years of a sales team's work, and the month ahead.
 *
 * Calls (with direction, the client's number, duration, outcome, a recording now and
 * then), e-mails, tasks, meetings, notes, SMS and messenger messages on contacts, a quarter
 * of them on a deal. Past ones are mostly done (some cancelled, some left planned and
 * overdue); future ones are planned with a reminder. A fifth of the clients (the key
 * accounts) get half of the activities, as in a real base. Columns and the folded
 * search text follow src/domain/activity.c; reminders already in the past are marked
 * fired so that a server started on the base does not fire a year of them at once. */
#include "gen.h"
#include "core/buf.h"
#include "util/fold.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *pick_kind(rng *r)
{
    uint32_t x = rng_below(r, 100);
    return x < 40 ? "call" : x < 60 ? "email" : x < 75 ? "task" : x < 85 ? "meeting" : x < 95 ? "note" : x < 98 ? "sms" : "message";
}

int gen_activities(store *s, const gen_opts *o, const long long *owners, int nowners, const contact_ref *contacts,
                   const deal_ref *deals)
{
    sqlite3_stmt *ins = store_prepare(s,
        "INSERT INTO activities(id, version, created_by, created_at, updated_at, custom, kind, status, subject, body,"
        " due_at, end_at, remind_at, reminded_at, done_at, result, assignee_id, contact_id, company_id, deal_id,"
        " direction, phone, phone_e164, duration, outcome, recording_url, location)"
        " VALUES(?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *fts = store_prepare(s, "INSERT INTO activities_fts(rowid, text) VALUES(?, ?)");
    static const char *const outcomes[] = {"answered", "missed", "busy", "voicemail"};
    long long key_accounts = o->contacts / 5 ? o->contacts / 5 : 1;
    buf text;
    buf_init(&text, 0);
    for (long long id = 1; id <= o->activities; id++) {
        rng r;
        rng_seed(&r, o->seed, S_ACTIVITY, (uint64_t)id);
        long long contact, company = 0, deal = 0;
        if (o->deals && rng_chance(&r, 25)) {
            deal = rng_range(&r, 1, o->deals);
            contact = deals[deal].contact;
            company = deals[deal].company;
        } else {
            /* half on the key accounts (ids spread over the whole range), half on anyone */
            contact = rng_chance(&r, 50) ? 1 + (rng_range(&r, 0, key_accounts - 1) * 5) % o->contacts : rng_range(&r, 1, o->contacts);
            if (contacts[contact].company && rng_chance(&r, 30)) company = contacts[contact].company;
        }
        const contact_ref *cr = &contacts[contact];
        locale_id loc = (locale_id)cr->loc;
        long long assignee = rng_chance(&r, 85) ? cr->owner : owners[rng_below(&r, (uint32_t)nowners)];
        const char *kind = pick_kind(&r);
        int schedulable = !strcmp(kind, "call") || !strcmp(kind, "meeting") || !strcmp(kind, "task");
        /* a working day in the last two years or the next month, 06:00..17:45 UTC (the
         * working hours of clients from Spain to Moscow), on the quarter hour */
        long long day = o->now / 86400 - 730 + rng_range(&r, 0, 760);
        if (day >= o->now / 86400 && !schedulable) day = 2 * (o->now / 86400) - day - 1;   /* notes and e-mails are not planned ahead */
        int dow = (int)((day + 3) % 7);   /* 0 = Monday (1970-01-01 was a Thursday) */
        if (dow >= 5) day -= dow - 4;        /* the weekend's work lands on Friday */
        long long t = day * 86400 + 6 * 3600 + rng_range(&r, 0, 47) * 900;
        const char *status;
        if (t >= o->now) status = "planned";
        else if (!schedulable) status = "done";
        else {
            uint32_t x = rng_below(&r, 100);
            status = x < 88 ? "done" : x < 92 ? "cancelled" : "planned";
        }
        int done = !strcmp(status, "done");
        int scheduled = schedulable && (!done || rng_chance(&r, 60));   /* a logged call has no due time */
        long long created = (scheduled ? t - rng_range(&r, 3600, 14 * 86400LL) : t);
        long long done_at = t + (done && scheduled ? rng_range(&r, 0, 1800) : 0);
        if (done_at > o->now) done_at = o->now;
        char c_at[24], u_at[24], due[24], end[24], remind[24], done_s[24];
        gen_time(created, c_at);
        gen_time(done ? done_at : created, u_at);
        gen_time(t, due);
        gen_time(t + 3600, end);
        gen_time(t - 900, remind);
        gen_time(done_at, done_s);
        int reminds = !strcmp(status, "planned") && scheduled && rng_chance(&r, 70);
        const char *subject = gen_activity_subject(&r, loc, kind);
        const char *body = rng_chance(&r, 15) ? gen_note(&r, loc) : NULL;
        const char *result = done && rng_chance(&r, 40) ? gen_note(&r, loc) : NULL;

        int i = 1;
        sqlite3_bind_int64(ins, i++, id);
        sqlite3_bind_int(ins, i++, done && scheduled ? 2 : 1);
        sqlite3_bind_int64(ins, i++, assignee);
        sqlite3_bind_text(ins, i++, c_at, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, i++, u_at, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, i++, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, i++, status, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, i++, subject, -1, SQLITE_STATIC);
        if (body) sqlite3_bind_text(ins, i++, body, -1, SQLITE_STATIC); else sqlite3_bind_null(ins, i++);
        if (scheduled) sqlite3_bind_text(ins, i++, due, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(ins, i++);
        if (scheduled && !strcmp(kind, "meeting")) sqlite3_bind_text(ins, i++, end, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(ins, i++);
        if (reminds) sqlite3_bind_text(ins, i++, remind, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(ins, i++);
        if (reminds && t - 900 < o->now) sqlite3_bind_text(ins, i++, remind, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(ins, i++);
        if (done) sqlite3_bind_text(ins, i++, done_s, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(ins, i++);
        if (result) sqlite3_bind_text(ins, i++, result, -1, SQLITE_STATIC); else sqlite3_bind_null(ins, i++);
        sqlite3_bind_int64(ins, i++, assignee);
        sqlite3_bind_int64(ins, i++, contact);
        if (company) sqlite3_bind_int64(ins, i++, company); else sqlite3_bind_null(ins, i++);
        if (deal) sqlite3_bind_int64(ins, i++, deal); else sqlite3_bind_null(ins, i++);
        if (!strcmp(kind, "call")) {
            phone ph;
            do gen_phone(&r, loc, &ph); while (!ph.exact);   /* E.164 known without parsing */
            uint32_t oc = done ? rng_below(&r, 100) : 0;
            const char *outcome = oc < 65 ? outcomes[0] : oc < 80 ? outcomes[1] : oc < 88 ? outcomes[2] : outcomes[3];
            sqlite3_bind_text(ins, i++, rng_chance(&r, 40) ? "inbound" : "outbound", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, i++, ph.text, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, i++, ph.e164, -1, SQLITE_TRANSIENT);
            if (done) sqlite3_bind_int64(ins, i++, outcome == outcomes[0] ? rng_range(&r, 20, 1800) : 0); else sqlite3_bind_null(ins, i++);
            if (done) sqlite3_bind_text(ins, i++, outcome, -1, SQLITE_STATIC); else sqlite3_bind_null(ins, i++);
            if (done && outcome == outcomes[0] && rng_chance(&r, 50)) {
                char url[96];
                snprintf(url, sizeof url, "https://pbx.example.com/recordings/%lld.mp3", id);
                sqlite3_bind_text(ins, i++, url, -1, SQLITE_TRANSIENT);
            } else {
                sqlite3_bind_null(ins, i++);
            }
        } else {
            for (int k = 0; k < 6; k++) sqlite3_bind_null(ins, i++);
        }
        if (!strcmp(kind, "meeting")) sqlite3_bind_text(ins, i++, rng_chance(&r, 50) ? "client's office" : "online", -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, i++);
        store_insert(s, ins);

        /* activity.c reindex: subject, result, the start of the body */
        buf_reset(&text);
        buf_printf(&text, "%s ", subject);
        if (result) buf_printf(&text, "%s ", result);
        if (body) buf_adds(&text, body);
        char *folded = malloc(text.len + 1);
        if (!folded) { fprintf(stderr, "gen: out of memory\n"); exit(1); }
        text_fold(text.data, text.len, folded, text.len + 1);
        sqlite3_bind_int64(fts, 1, id);
        sqlite3_bind_text(fts, 2, folded, -1, free);
        store_insert(s, fts);
    }
    buf_release(&text);
    sqlite3_finalize(ins);
    sqlite3_finalize(fts);
    return 0;
}
