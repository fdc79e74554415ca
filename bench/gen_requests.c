/* gen_requests: the request files the benchmarks replay, drawn from a loaded base.
 *
 * bench/lat and bench/replay.lua (wrk) read one request per line:
 * METHOD <TAB> PATH [<TAB> BODY [<TAB> Header: value]...]; bench/sqlq reads the matching
 * SQL parameters, one TAB-separated line per query, so that the raw-SQLite baseline runs
 * the very same lookups as the HTTP figure. Every file is drawn at random (seeded) from the
 * rows actually in the base, so it works for a generated base and an imported one alike.
 *
 * Files written into DIR (those whose tables exist):
 *   card.get             GET /api/v1/contacts/{id}
 *   typeahead.get/.sql   GET /api/v1/search?q=<2..5 letters of a name, company or e-mail>
 *   listq.get/.sql       GET /api/v1/contacts?q=<a surname prefix>&limit=20
 *   lookup.get/.sql      GET /api/v1/lookup/phone?number=<the number written another way>
 *                        (.sql: 1 = whole-number query, 2 = suffix query, as phone_index.c)
 *   lookup-whole.get/.sql  the same without the local numbers (suffix searches)
 *   create.post          POST /api/v1/contacts with a new person (some with a known phone)
 *   board.get/.sql       GET /api/v1/pipelines/{id}/board (the first page of every stage)
 *   deals.get/.sql       GET /api/v1/deals?owner_id=&stage_id= (a manager's deals in a stage)
 *   move.patch           PATCH /api/v1/deals/{id} to the next stage with If-Match, each deal once
 *   timeline.get/.sql    GET /api/v1/contacts/{id}/timeline (the first page)
 *   calendar.get/.sql    GET /api/v1/calendar?from=&to=&user= (a manager's week) */
#include "gen.h"
#include "core/arena.h"
#include "domain/resource.h"
#include "util/phone.h"
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    return f;
}

static void url_encode(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

/* the first `chars` UTF-8 characters of s (at most cap-1 bytes) */
static void prefix_chars(const char *s, int chars, char *out, size_t cap)
{
    size_t n = 0;
    for (int c = 0; s[n] && c < chars; c++) {
        size_t k = 1;
        while ((s[n + k] & 0xc0) == 0x80) k++;
        if (n + k >= cap) break;
        n += k;
    }
    memcpy(out, s, n);
    out[n] = 0;
}

/* bytes of the separator at p, 0 when p starts a word character (non-ASCII letters count) */
static int separator(const char *p)
{
    if ((unsigned char)*p >= 0x80) return !strncmp(p, "«", 2) || !strncmp(p, "»", 2) ? 2 : 0;
    return isalnum((unsigned char)*p) ? 0 : 1;
}

/* one word of a company name long enough to type (skips "ООО", "«", "S.L." and the like) */
static void name_word(rng *r, const char *name, char *out, size_t cap)
{
    char words[8][GEN_TEXT];
    int n = 0;
    for (const char *p = name; *p && n < 8;) {
        int k;
        while (*p && (k = separator(p)) > 0) p += k;
        const char *s = p;
        while (*p && separator(p) == 0) p++;
        size_t len = (size_t)(p - s);
        if (len >= 4 && len < GEN_TEXT) { memcpy(words[n], s, len); words[n][len] = 0; n++; }
    }
    snprintf(out, cap, "%s", n ? words[rng_below(r, (uint32_t)n)] : name);
}

typedef struct card { long long id; char first[GEN_TEXT], last[GEN_TEXT], email[GEN_TEXT], e164[2][32]; int nphones; } card;

static int read_card(sqlite3_stmt *st, long long id, card *c)
{
    memset(c, 0, sizeof *c);
    sqlite3_bind_int64(st, 1, id);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) {
        c->id = id;
        snprintf(c->first, sizeof c->first, "%s", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        snprintf(c->last, sizeof c->last, "%s", sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
        json_t *ph = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL), *em = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
        size_t i;
        json_t *v;
        json_array_foreach(ph, i, v) {
            const char *e = json_string_value(json_object_get(v, "e164"));
            if (e && c->nphones < 2) snprintf(c->e164[c->nphones++], 32, "%s", e);
        }
        if (json_array_size(em)) snprintf(c->email, sizeof c->email, "%s", json_string_value(json_object_get(json_array_get(em, 0), "value")));
        json_decref(ph);
        json_decref(em);
    }
    sqlite3_reset(st);
    return ok;
}

/* the number written as another person would type it */
static void rewrite_number(rng *r, const char *e164, char *out, size_t cap)
{
    const char *d = e164 + 1;
    size_t n = strlen(d);
    uint32_t how = rng_below(r, 10);
    if (how == 0 && n > 7) {   /* the local part only: a suffix search */
        snprintf(out, cap, "%.3s-%.2s-%.2s", d + n - 7, d + n - 4, d + n - 2);
    } else if (d[0] == '7' && n == 11) {   /* Russian numbers: trunk 8 or +7 with spaces */
        if (how < 6) snprintf(out, cap, "8 (%.3s) %.3s-%.2s-%.2s", d + 1, d + 4, d + 7, d + 9);
        else snprintf(out, cap, "+7%s", d + 1);
    } else if (how < 5) {      /* compact international */
        snprintf(out, cap, "+%s", d);
    } else {                   /* grouped by threes */
        size_t o = 0;
        out[o++] = '+';
        for (size_t i = 0; i < n && o + 2 < cap; i++) {
            if (i && i % 3 == 0) out[o++] = ' ';
            out[o++] = d[i];
        }
        out[o] = 0;
    }
}

/* what lookup does with a typed number (src/domain/phone_index.c): a valid number is
 * looked up whole by its reversed E.164 digits (line "1 <TAB> key" for bench/sqlq), anything
 * else by the reversed typed digits without leading zeros as a suffix ("2 <TAB> key").
 * Returns 1 for a whole number. */
static int lookup_params(const char *typed, FILE *f)
{
    phone_result pr;
    char key[64];
    size_t k = 0;
    if (phone_parse(typed, strlen(typed), "RU", &pr) == 0 && pr.valid) {
        for (size_t i = strlen(pr.digits); i-- > 0;) key[k++] = pr.digits[i];
        key[k] = 0;
        fprintf(f, "1\t%s\n", key);
        return 1;
    }
    char digits[64];
    size_t n = 0;
    for (const char *s = typed; *s && n + 1 < sizeof digits; s++)
        if (*s >= '0' && *s <= '9' && (n || *s != '0')) digits[n++] = *s;
    while (n > 0 && k + 1 < sizeof key) key[k++] = digits[--n];
    key[k] = 0;
    fprintf(f, "2\t%s\t%s:\n", key, key);
    return 0;
}

/* the stages of every pipeline in order, to move a deal to the next one */
typedef struct stage_row { long long id, pipeline; int position; } stage_row;

static long long next_stage(const stage_row *st, int n, long long id)
{
    for (int i = 0; i < n; i++) {
        if (st[i].id != id) continue;
        for (int j = 0; j < n; j++)
            if (st[j].pipeline == st[i].pipeline && st[j].position == st[i].position + 1) return st[j].id;
    }
    return 0;
}

static void funnel_requests(store *s, const char *dir, uint64_t seed, int count)
{
    if (!store_has_table(s, "deals")) return;
    stage_row st[256];
    int nst = 0;
    sqlite3_stmt *q = store_prepare(s, "SELECT id, pipeline_id, position FROM stages ORDER BY pipeline_id, position");
    while (nst < 256 && sqlite3_step(q) == SQLITE_ROW)
        st[nst++] = (stage_row){sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), sqlite3_column_int(q, 2)};
    sqlite3_finalize(q);
    q = store_prepare(s, "SELECT max(id) FROM deals");
    long long ndeals = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    if (ndeals < 1) return;
    sqlite3_stmt *deal = store_prepare(s, "SELECT owner_id, stage_id, pipeline_id, version, status FROM deals WHERE id = ? AND deleted_at IS NULL");
    FILE *board = open_out(dir, "board.get"), *board_sql = open_out(dir, "board.sql");
    FILE *list = open_out(dir, "deals.get"), *list_sql = open_out(dir, "deals.sql"), *move = open_out(dir, "move.patch");
    /* each open deal moves at most once: a file of distinct deals, so If-Match holds */
    char *moved = calloc((size_t)ndeals + 1, 1);
    if (!moved) { fprintf(stderr, "gen: out of memory\n"); exit(1); }
    int moves = 0;
    for (int i = 0; i < count * 4 && (i < count || moves < count * 3); i++) {
        rng r;
        rng_seed(&r, seed, S_CHECK, (uint64_t)i + 2000000);
        long long id = rng_range(&r, 1, ndeals);
        sqlite3_bind_int64(deal, 1, id);
        if (sqlite3_step(deal) == SQLITE_ROW) {
            long long owner = sqlite3_column_int64(deal, 0), stage = sqlite3_column_int64(deal, 1), pipe = sqlite3_column_int64(deal, 2);
            long long version = sqlite3_column_int64(deal, 3);
            const char *status = (const char *)sqlite3_column_text(deal, 4);
            if (i < count) {
                fprintf(board, "GET\t/api/v1/pipelines/%lld/board\n", pipe);
                fprintf(board_sql, "%lld\n", pipe);
                fprintf(list, "GET\t/api/v1/deals?owner_id=%lld&stage_id=%lld&limit=50\n", owner, stage);
                fprintf(list_sql, "%lld\t%lld\n", owner, stage);
            }
            long long to = next_stage(st, nst, stage);
            if (status && !strcmp(status, "open") && to && !moved[id] && moves < count * 3) {
                moved[id] = 1;
                moves++;
                fprintf(move, "PATCH\t/api/v1/deals/%lld\t{\"stage_id\":%lld}\tIf-Match: \"%lld\"\n", id, to, version);
            }
        }
        sqlite3_reset(deal);
    }
    free(moved);
    sqlite3_finalize(deal);
    fclose(board); fclose(board_sql); fclose(list); fclose(list_sql); fclose(move);
}

static void activity_requests(store *s, const char *dir, uint64_t seed, int count, long long ncontacts, long long now)
{
    if (!store_has_table(s, "activities")) return;
    sqlite3_stmt *q = store_prepare(s, "SELECT DISTINCT assignee_id FROM activities WHERE assignee_id IS NOT NULL"
                                       " AND id IN (SELECT id FROM activities ORDER BY id LIMIT 100000)");
    long long users[4096];
    int nu = 0;
    while (nu < 4096 && sqlite3_step(q) == SQLITE_ROW) users[nu++] = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (!nu) return;
    FILE *tl = open_out(dir, "timeline.get"), *tl_sql = open_out(dir, "timeline.sql");
    FILE *cal = open_out(dir, "calendar.get"), *cal_sql = open_out(dir, "calendar.sql");
    long long monday = now / 86400 - (now / 86400 + 3) % 7;   /* this week's Monday, in days */
    for (int i = 0; i < count; i++) {
        rng r;
        rng_seed(&r, seed, S_CHECK, (uint64_t)i + 3000000);
        long long id = rng_range(&r, 1, ncontacts);
        fprintf(tl, "GET\t/api/v1/contacts/%lld/timeline\n", id);
        fprintf(tl_sql, "%lld\n", id);
        /* a week of the last two years or the next four weeks, of one manager */
        long long from = monday - 7 * rng_range(&r, -4, 103);
        char f[24], t[24], before[24];
        gen_time(from * 86400, f);
        gen_time((from + 7) * 86400, t);
        gen_time((from - 1) * 86400, before);
        char fd[11], td[24];
        gen_time((from + 6) * 86400, td);   /* the Sunday, included */
        snprintf(fd, sizeof fd, "%.10s", f);
        td[10] = 0;
        long long user = users[rng_below(&r, (uint32_t)nu)];
        fprintf(cal, "GET\t/api/v1/calendar?from=%s&to=%s&user=%lld\n", fd, td, user);
        fprintf(cal_sql, "%lld\t%s\t%s\t%s\n", user, before, t, f);
    }
    fclose(tl); fclose(tl_sql); fclose(cal); fclose(cal_sql);
}

int gen_requests(const char *data, const char *dir, uint64_t seed, int count)
{
    store s;
    char path[4096];
    snprintf(path, sizeof path, "%s/kartoteka.db", data);
    memset(&s, 0, sizeof s);
    if (sqlite3_open_v2(path, &s.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) { fprintf(stderr, "gen: cannot open %s\n", path); return 1; }
    if (!store_has_table(&s, "contacts")) { sqlite3_close(s.db); return 0; }
    sqlite3_stmt *max = store_prepare(&s, "SELECT max(id) FROM contacts");
    long long ncontacts = sqlite3_step(max) == SQLITE_ROW ? sqlite3_column_int64(max, 0) : 0;
    sqlite3_finalize(max);
    max = store_prepare(&s, "SELECT max(id) FROM companies");
    long long ncompanies = sqlite3_step(max) == SQLITE_ROW ? sqlite3_column_int64(max, 0) : 0;
    sqlite3_finalize(max);
    if (ncontacts < 1) { sqlite3_close(s.db); return 0; }
    sqlite3_stmt *contact = store_prepare(&s, "SELECT first_name, last_name, phones, emails FROM contacts WHERE id = ? AND deleted_at IS NULL");
    sqlite3_stmt *firm = store_prepare(&s, "SELECT name, '', phones, emails FROM companies WHERE id = ? AND deleted_at IS NULL");

    FILE *card_f = open_out(dir, "card.get"), *ta = open_out(dir, "typeahead.get"), *ta_sql = open_out(dir, "typeahead.sql");
    FILE *lq = open_out(dir, "listq.get"), *lq_sql = open_out(dir, "listq.sql"), *lk = open_out(dir, "lookup.get"), *lk_sql = open_out(dir, "lookup.sql");
    FILE *lkw = open_out(dir, "lookup-whole.get"), *lkw_sql = open_out(dir, "lookup-whole.sql");
    FILE *cr = open_out(dir, "create.post");
    arena a;
    arena_init(&a);
    for (int i = 0; i < count; i++) {
        rng r;
        rng_seed(&r, seed, S_CHECK, (uint64_t)i + 1000000);
        card c;
        long long id = rng_range(&r, 1, ncontacts);
        fprintf(card_f, "GET\t/api/v1/contacts/%lld\n", id);
        if (!read_card(contact, id, &c)) continue;

        /* typeahead: what a manager types before the card shows up */
        char q[GEN_TEXT * 2], w[GEN_TEXT];
        uint32_t kind = rng_below(&r, 10);
        if (kind < 5) prefix_chars(c.last, 3 + (int)rng_below(&r, 3), q, sizeof q);
        else if (kind < 7) {
            char a1[GEN_TEXT], a2[GEN_TEXT];
            prefix_chars(c.first, 2 + (int)rng_below(&r, 3), a1, sizeof a1);
            prefix_chars(c.last, 2 + (int)rng_below(&r, 3), a2, sizeof a2);
            snprintf(q, sizeof q, "%s %s", a1, a2);
        } else if (kind < 9 && ncompanies) {
            card co;
            if (read_card(firm, rng_range(&r, 1, ncompanies), &co)) { name_word(&r, co.first, w, sizeof w); prefix_chars(w, 3 + (int)rng_below(&r, 3), q, sizeof q); }
            else prefix_chars(c.last, 4, q, sizeof q);
        } else if (*c.email) prefix_chars(c.email, 4 + (int)rng_below(&r, 3), q, sizeof q);
        else prefix_chars(c.last, 4, q, sizeof q);
        const char *m = search_match_expr(&a, q);
        if (m) {
            fputs("GET\t/api/v1/search?q=", ta);
            url_encode(ta, q);
            fputs("&limit=10\n", ta);
            fprintf(ta_sql, "%s\n", m);
        }
        prefix_chars(c.last, 4, q, sizeof q);
        m = search_match_expr(&a, q);
        if (m) {
            fputs("GET\t/api/v1/contacts?q=", lq);
            url_encode(lq, q);
            fputs("&limit=20\n", lq);
            fprintf(lq_sql, "%s\n", m);
        }

        /* caller ID: a contact's number (or, one time in six, a company's) typed differently */
        card who = c;
        if (ncompanies && rng_chance(&r, 16)) read_card(firm, rng_range(&r, 1, ncompanies), &who);
        if (who.nphones) {
            char typed[64];
            rewrite_number(&r, who.e164[rng_below(&r, (uint32_t)who.nphones)], typed, sizeof typed);
            fputs("GET\t/api/v1/lookup/phone?number=", lk);
            url_encode(lk, typed);
            fputc('\n', lk);
            if (lookup_params(typed, lk_sql)) {
                fputs("GET\t/api/v1/lookup/phone?number=", lkw);
                url_encode(lkw, typed);
                fputc('\n', lkw);
                lookup_params(typed, lkw_sql);
            }
        }

        /* a new contact, as the web app sends it; one in 30 has a number already in the base */
        import_row row;
        gen_import_row(seed + 7, i, 0, &row);
        buf body;
        buf_init(&body, 0);
        buf_adds(&body, "{\"first_name\":");
        buf_json_str(&body, row.p.first);
        buf_adds(&body, ",\"last_name\":");
        buf_json_str(&body, row.p.last);
        if (*row.p.middle) { buf_adds(&body, ",\"middle_name\":"); buf_json_str(&body, row.p.middle); }
        buf_adds(&body, ",\"position\":");
        buf_json_str(&body, row.p.position);
        buf_adds(&body, ",\"phones\":[{\"value\":");
        buf_json_str(&body, rng_chance(&r, 3) && c.nphones ? c.e164[0] : row.ph.text);
        buf_adds(&body, ",\"label\":");
        buf_json_str(&body, gen_phone_label(row.p.loc, row.ph.mobile));
        buf_adds(&body, "}],\"emails\":[{\"value\":");
        buf_json_str(&body, row.p.email);
        buf_adds(&body, "}],\"tags\":[\"bench\"],\"source\":\"website\"}");
        fprintf(cr, "POST\t/api/v1/contacts\t%s\n", body.data);
        buf_release(&body);
        if (i % 1000 == 999) { arena_release(&a); arena_init(&a); }
    }
    arena_release(&a);
    funnel_requests(&s, dir, seed, count);
    activity_requests(&s, dir, seed, count, ncontacts, (long long)time(NULL));
    FILE *all[] = {card_f, ta, ta_sql, lq, lq_sql, lk, lk_sql, lkw, lkw_sql, cr};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) fclose(all[i]);
    sqlite3_finalize(contact);
    sqlite3_finalize(firm);
    sqlite3_close(s.db);
    return 0;
}
