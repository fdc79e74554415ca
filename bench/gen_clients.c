/* gen_clients: companies and contacts, with every side table the clients module keeps.
 *
 * The rows are what src/domain/contact.c and company.c would store for the same input
 * (see the table notes in src/domain/clients.c): the JSON lists in their stored form
 * (card_fields.h), name_key/tax_key (computed by the module's own exported functions), the caller-ID index of reversed digits
 * (phone_index.h), the lower-cased e-mail index and the folded FTS5 body (search.h), in
 * the module's column order. `gen --verify` re-derives a sample with the module's own
 * contact_reindex/company_reindex and reports any difference. */
#include "gen.h"
#include "core/buf.h"
#include "core/config.h"
#include "domain/card_fields.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "util/fold.h"
#include "util/phone.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* a phone as card_fields.c stores it, and its caller-ID key */
typedef struct stored_phone {
    const char *e164;      /* NULL when not parsed or not a possible number */
    int valid;
    char extension[16];
    char digits[32];
    char e164buf[32];
} stored_phone;

static void resolve_phone(const phone *ph, stored_phone *sp)
{
    memset(sp, 0, sizeof *sp);
    if (ph->exact) {   /* checked against libphonenumber by `gen --check` */
        snprintf(sp->e164buf, sizeof sp->e164buf, "%s", ph->e164);
        sp->e164 = sp->e164buf;
        sp->valid = 1;
        snprintf(sp->digits, sizeof sp->digits, "%s", ph->e164 + 1);
        return;
    }
    phone_result pr;
    int parsed = phone_parse(ph->text, strlen(ph->text), "RU", &pr) == 0;
    if (parsed && pr.possible) {
        snprintf(sp->e164buf, sizeof sp->e164buf, "%s", pr.e164);
        sp->e164 = sp->e164buf;
    }
    sp->valid = parsed && pr.valid;
    if (parsed) snprintf(sp->extension, sizeof sp->extension, "%s", pr.extension);
    snprintf(sp->digits, sizeof sp->digits, "%s", pr.digits);
}

static void json_phone(buf *b, const phone *ph, const stored_phone *sp, const char *label)
{
    buf_adds(b, "{\"value\":");
    buf_json_str(b, ph->text);
    buf_adds(b, ",\"label\":");
    buf_json_str(b, label);
    buf_adds(b, ",\"e164\":");
    if (sp->e164) buf_json_str(b, sp->e164);
    else buf_adds(b, "null");
    buf_adds(b, sp->valid ? ",\"valid\":true" : ",\"valid\":false");
    if (sp->extension[0]) { buf_adds(b, ",\"extension\":"); buf_json_str(b, sp->extension); }
    buf_addc(b, '}');
}

static void json_value_label(buf *b, const char *value, const char *label)
{
    buf_adds(b, "{\"value\":");
    buf_json_str(b, value);
    buf_adds(b, ",\"label\":");
    buf_json_str(b, label);
    buf_addc(b, '}');
}

static void reversed(const char *digits, char *out)
{
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    out[n] = 0;
}

/* the rows every card kind writes to the three index tables */
typedef struct indexer {
    sqlite3_stmt *phone, *email, *fts;
    const char *object;
} indexer;

static void index_phone(store *s, indexer *x, long long id, const stored_phone *sp)
{
    if (strlen(sp->digits) < 5) return;   /* PHONE_MIN_DIGITS */
    char rev[32];
    reversed(sp->digits, rev);
    sqlite3_bind_text(x->phone, 1, rev, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(x->phone, 2, x->object, -1, SQLITE_STATIC);
    sqlite3_bind_int64(x->phone, 3, id);
    store_insert(s, x->phone);
}

static void index_email(store *s, indexer *x, long long id, const char *email)
{
    char low[GEN_TEXT];
    size_t n = 0;
    for (; email[n] && n < sizeof low - 1; n++) low[n] = (char)tolower((unsigned char)email[n]);
    low[n] = 0;
    sqlite3_bind_text(x->email, 1, low, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(x->email, 2, x->object, -1, SQLITE_STATIC);
    sqlite3_bind_int64(x->email, 3, id);
    store_insert(s, x->email);
}

static void index_text(store *s, indexer *x, long long id, const buf *text)
{
    char *folded = malloc(text->len + 1);
    if (!folded) { fprintf(stderr, "gen: out of memory\n"); exit(1); }
    text_fold(text->data, text->len, folded, text->len + 1);
    sqlite3_bind_int64(x->fts, 1, id);
    sqlite3_bind_text(x->fts, 2, folded, -1, free);
    store_insert(s, x->fts);
}

static void indexer_init(store *s, indexer *x, const char *object, const char *fts_insert)
{
    x->object = object;
    x->phone = store_prepare(s, "INSERT OR IGNORE INTO phone_index(rev, object, object_id) VALUES(?, ?, ?)");
    x->email = store_prepare(s, "INSERT OR IGNORE INTO email_index(email, object, object_id) VALUES(?, ?, ?)");
    x->fts = store_prepare(s, fts_insert);
}

static void indexer_release(indexer *x)
{
    sqlite3_finalize(x->phone);
    sqlite3_finalize(x->email);
    sqlite3_finalize(x->fts);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

void gen_time(long long epoch, char out[24])
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* cards are created over the last three years in id order, then touched now and then */
static void card_times(rng *r, const gen_opts *o, long long i, long long n, char created[24], char updated[24])
{
    long long span = 3 * 365 * 86400LL;
    long long c = o->now - span + (long long)((double)span * (double)(i - 1) / (double)(n ? n : 1)) + rng_range(r, 0, 3600);
    long long u = rng_chance(r, 40) ? c + rng_range(r, 0, o->now - c) : c;
    gen_time(c, created);
    gen_time(u, updated);
}

static void tags_json(rng *r, buf *b)
{
    const char *tags[4];
    int n = gen_tags(r, tags, 4);
    buf_addc(b, '[');
    for (int i = 0; i < n; i++) { if (i) buf_addc(b, ','); buf_json_str(b, tags[i]); }
    buf_addc(b, ']');
}

/* ---- custom fields ---- */

static const struct { const char *object, *name, *label, *type, *options; } custom_defs[] = {
    {"contact", "segment", "Segment", "enum", "[\"A\",\"B\",\"C\"]"},
    {"contact", "loyalty_card", "Loyalty card", "text", NULL},
    {"contact", "credit_limit", "Credit limit", "money", NULL},
    {"contact", "preferred_channel", "Preferred channel", "enum", "[\"phone\",\"email\",\"whatsapp\",\"telegram\",\"visit\"]"},
    {"company", "employees", "Employees", "number", NULL},
    {"company", "contract_until", "Contract until", "date", NULL},
};

static void custom_defs_insert(store *s)
{
    sqlite3_stmt *st = store_prepare(s, "INSERT INTO custom_fields(object, name, label, type, options, position) VALUES(?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; i < sizeof custom_defs / sizeof *custom_defs; i++) {
        sqlite3_bind_text(st, 1, custom_defs[i].object, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, custom_defs[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, custom_defs[i].label, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, custom_defs[i].type, -1, SQLITE_STATIC);
        bind_text_or_null(st, 5, custom_defs[i].options);
        sqlite3_bind_int(st, 6, (int)i);
        store_insert(s, st);
    }
    sqlite3_finalize(st);
}

/* ---- companies ---- */

static void bank_json(rng *r, locale_id loc, buf *b)
{
    /* sorted keys, as card_string_object stores them */
    char acc[32];
    if (loc == LOC_RU) {
        snprintf(acc, sizeof acc, "40702810%012lld", rng_range(r, 0, 999999999999LL));
        buf_printf(b, "{\"account\":\"%s\",\"bank_name\":\"ПАО Сбербанк\",\"bic\":\"0445%05lld\",\"corr_account\":\"30101810%012lld\"}",
                   acc, rng_range(r, 0, 99999), rng_range(r, 0, 999999999999LL));
    } else {
        static const char *const banks[LOC_COUNT] = {"", "mBank S.A.", "Česká spořitelna", "Banco Santander", "Chase", "Barclays"};
        buf_printf(b, "{\"bank_name\":\"%s\",\"iban\":\"%s%02lld%012lld%08lld\"}", banks[loc], gen_country(loc),
                   rng_range(r, 10, 99), rng_range(r, 0, 999999999999LL), rng_range(r, 0, 99999999));
    }
}

int gen_companies(store *s, const gen_opts *o, const long long *owners, int nowners, char ***names_out)
{
    char **names = calloc((size_t)o->companies + 1, sizeof *names);
    if (!names) { fprintf(stderr, "gen: out of memory\n"); exit(1); }
    sqlite3_stmt *ins = store_prepare(s,
        "INSERT INTO companies(id, version, created_at, updated_at, created_by, owner_id, name, legal_name, tax_id, website,"
        " industry, legal_address, actual_address, bank, director, source, notes, phones, emails, tags, name_key, tax_key, custom)"
        " VALUES(?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    indexer x;
    indexer_init(s, &x, "company", "INSERT INTO companies_fts(rowid, body) VALUES(?, ?)");
    buf phones, emails, tags, bank, custom, text;
    buf_init(&phones, 0); buf_init(&emails, 0); buf_init(&tags, 0); buf_init(&bank, 0); buf_init(&custom, 0); buf_init(&text, 0);
    arena a;
    arena_init(&a);
    for (long long id = 1; id <= o->companies; id++) {
        rng r;
        rng_seed(&r, o->seed, S_COMPANY, (uint64_t)id);
        locale_id loc = gen_locale(&r);
        company c;
        gen_company(&r, loc, (uint64_t)id, &c);
        person director;
        gen_person(&r, loc, (uint64_t)id, &director);
        char created[24], updated[24], website[96], director_name[GEN_TEXT * 2], info[128];
        card_times(&r, o, id, o->companies, created, updated);
        snprintf(website, sizeof website, "https://www.%s", c.domain);
        snprintf(director_name, sizeof director_name, "%s %s", director.first, director.last);
        const char *tk = company_tax_key(&a, c.tax_id);
        long long owner = owners[rng_below(&r, (uint32_t)nowners)];

        buf_reset(&phones); buf_reset(&emails); buf_reset(&tags); buf_reset(&bank); buf_reset(&custom); buf_reset(&text);
        int nph = 1 + rng_chance(&r, 40);
        phone ph[2];
        stored_phone sp[2];
        buf_addc(&phones, '[');
        for (int k = 0; k < nph; k++) {
            gen_phone(&r, loc, &ph[k]);
            resolve_phone(&ph[k], &sp[k]);
            if (k) buf_addc(&phones, ',');
            json_phone(&phones, &ph[k], &sp[k], gen_phone_label(loc, ph[k].mobile));
        }
        buf_addc(&phones, ']');
        snprintf(info, sizeof info, "%s@%s", rng_chance(&r, 50) ? "info" : "office", c.domain);
        buf_addc(&emails, '[');
        json_value_label(&emails, info, gen_email_label(loc, 1));
        buf_addc(&emails, ']');
        tags_json(&r, &tags);
        bank_json(&r, loc, &bank);
        const char *notes = rng_chance(&r, 20) ? gen_note(&r, loc) : NULL;
        if (rng_chance(&r, 50))
            buf_printf(&custom, "{\"contract_until\":\"%04lld-%02lld-%02lld\",\"employees\":%lld}", rng_range(&r, 2025, 2029),
                       rng_range(&r, 1, 12), rng_range(&r, 1, 28), rng_range(&r, 1, 5000));
        else
            buf_adds(&custom, "{}");

        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_text(ins, 2, created, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, updated, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 4, owner);
        sqlite3_bind_int64(ins, 5, owner);
        sqlite3_bind_text(ins, 6, c.name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 7, c.legal_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 8, c.tax_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 9, website, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 10, c.industry, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 11, c.address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 12, c.address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 13, bank.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 14, director_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 15, gen_source(&r), -1, SQLITE_STATIC);
        bind_text_or_null(ins, 16, notes);
        sqlite3_bind_text(ins, 17, phones.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 18, emails.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 19, tags.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 20, company_name_match_key(&a, c.name), -1, SQLITE_TRANSIENT);
        bind_text_or_null(ins, 21, tk);
        sqlite3_bind_text(ins, 22, custom.data, -1, SQLITE_TRANSIENT);
        store_insert(s, ins);

        /* company_reindex: name, legal_name, tax_id, notes, tax_key, e-mails, E.164 numbers */
        buf_printf(&text, "%s %s %s ", c.name, c.legal_name, c.tax_id);
        if (notes) buf_printf(&text, "%s ", notes);
        if (*tk) buf_printf(&text, "%s ", tk);
        buf_printf(&text, "%s ", info);
        for (int k = 0; k < nph; k++) {
            if (sp[k].e164) buf_printf(&text, "%s ", sp[k].e164);
            index_phone(s, &x, id, &sp[k]);
        }
        index_email(s, &x, id, info);
        index_text(s, &x, id, &text);
        names[id] = strdup(c.name);
        if (id % 10000 == 0) { arena_release(&a); arena_init(&a); }
    }
    arena_release(&a);
    buf_release(&phones); buf_release(&emails); buf_release(&tags); buf_release(&bank); buf_release(&custom); buf_release(&text);
    indexer_release(&x);
    sqlite3_finalize(ins);
    *names_out = names;
    return 0;
}

/* ---- contacts ---- */

int gen_contacts(store *s, const gen_opts *o, const long long *owners, int nowners, char **company_names,
                 contact_ref *refs)
{
    custom_defs_insert(s);
    sqlite3_stmt *ins = store_prepare(s,
        "INSERT INTO contacts(id, version, created_at, updated_at, created_by, owner_id, first_name, last_name, middle_name,"
        " position, birthday, source, notes, consent_email, consent_sms, phones, emails, messengers, tags, name_key, custom)"
        " VALUES(?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *link = store_prepare(s, "INSERT INTO contact_companies(contact_id, company_id, role, created_at) VALUES(?, ?, ?, ?)");
    indexer x;
    indexer_init(s, &x, "contact", "INSERT INTO contacts_fts(rowid, body) VALUES(?, ?)");
    buf phones, emails, messengers, tags, custom, text, name;
    buf_init(&phones, 0); buf_init(&emails, 0); buf_init(&messengers, 0); buf_init(&tags, 0); buf_init(&custom, 0);
    buf_init(&text, 0); buf_init(&name, 0);
    arena a;
    arena_init(&a);
    for (long long id = 1; id <= o->contacts; id++) {
        rng r;
        rng_seed(&r, o->seed, S_CONTACT, (uint64_t)id);
        locale_id loc = gen_locale(&r);
        person p;
        gen_person(&r, loc, (uint64_t)id, &p);
        char created[24], updated[24];
        card_times(&r, o, id, o->contacts, created, updated);
        long long owner = owners[rng_below(&r, (uint32_t)nowners)];
        long long firm = o->companies && rng_chance(&r, 60) ? rng_range(&r, 1, o->companies) : 0;
        refs[id] = (contact_ref){.company = (int32_t)firm, .owner = (int32_t)owner, .loc = (uint8_t)loc};

        buf_reset(&phones); buf_reset(&emails); buf_reset(&messengers); buf_reset(&tags); buf_reset(&custom);
        buf_reset(&text); buf_reset(&name);
        /* 70% one number, 25% two, 5% none */
        uint32_t roll = rng_below(&r, 100);
        int nph = roll < 5 ? 0 : roll < 75 ? 1 : 2;
        phone ph[2];
        stored_phone sp[2];
        buf_addc(&phones, '[');
        for (int k = 0; k < nph; k++) {
            gen_phone(&r, loc, &ph[k]);
            resolve_phone(&ph[k], &sp[k]);
            if (k) buf_addc(&phones, ',');
            json_phone(&phones, &ph[k], &sp[k], gen_phone_label(loc, ph[k].mobile));
        }
        buf_addc(&phones, ']');
        /* 75% a private address, plus a work one at the company's domain for 15% */
        char work[GEN_TEXT] = "";
        int private_mail = rng_chance(&r, 75);
        if (firm && rng_chance(&r, 25)) {
            rng cr;
            rng_seed(&cr, o->seed, S_COMPANY, (uint64_t)firm);
            company c;
            gen_company(&cr, gen_locale(&cr), (uint64_t)firm, &c);
            char f[GEN_TEXT];
            snprintf(f, sizeof f, "%s", p.email);
            *strchr(f, '@') = 0;
            snprintf(work, sizeof work, "%.80s@%.63s", f, c.domain);
        }
        buf_addc(&emails, '[');
        if (private_mail) json_value_label(&emails, p.email, gen_email_label(loc, 0));
        if (*work) { if (private_mail) buf_addc(&emails, ','); json_value_label(&emails, work, gen_email_label(loc, 1)); }
        buf_addc(&emails, ']');
        buf_addc(&messengers, '[');
        if (nph && ph[0].mobile && rng_chance(&r, 20)) json_value_label(&messengers, sp[0].e164 ? sp[0].e164 : ph[0].text, rng_chance(&r, 50) ? "whatsapp" : "telegram");
        buf_addc(&messengers, ']');
        tags_json(&r, &tags);
        const char *notes = rng_chance(&r, 20) ? gen_note(&r, loc) : NULL;
        if (rng_chance(&r, 40)) {
            static const char *const channels[] = {"email", "phone", "telegram", "visit", "whatsapp"};
            buf_printf(&custom, "{\"credit_limit\":%lld,\"loyalty_card\":\"LC-%06lld\",\"preferred_channel\":\"%s\",\"segment\":\"%c\"}",
                       rng_range(&r, 1, 500) * 10000, id, channels[rng_below(&r, 5)], (char)('A' + rng_below(&r, 3)));
        } else {
            buf_adds(&custom, "{}");
        }
        buf_printf(&name, "%s %s%s%s ", p.first, p.middle, *p.middle ? " " : "", p.last);

        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_text(ins, 2, created, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, updated, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 4, owner);
        sqlite3_bind_int64(ins, 5, owner);
        sqlite3_bind_text(ins, 6, p.first, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 7, p.last, -1, SQLITE_TRANSIENT);
        bind_text_or_null(ins, 8, p.middle);
        sqlite3_bind_text(ins, 9, p.position, -1, SQLITE_TRANSIENT);
        bind_text_or_null(ins, 10, p.birthday);
        sqlite3_bind_text(ins, 11, gen_source(&r), -1, SQLITE_STATIC);
        bind_text_or_null(ins, 12, notes);
        sqlite3_bind_int(ins, 13, rng_chance(&r, 60));
        sqlite3_bind_int(ins, 14, rng_chance(&r, 30));
        sqlite3_bind_text(ins, 15, phones.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 16, emails.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 17, messengers.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 18, tags.data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 19, card_name_key(&a, name.data), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 20, custom.data, -1, SQLITE_TRANSIENT);
        store_insert(s, ins);
        if (firm) {
            sqlite3_bind_int64(link, 1, id);
            sqlite3_bind_int64(link, 2, firm);
            sqlite3_bind_text(link, 3, p.position, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(link, 4, created, -1, SQLITE_TRANSIENT);
            store_insert(s, link);
        }

        /* contact_reindex: names, position, notes, company names, e-mails, E.164 numbers */
        buf_printf(&text, "%s ", p.first);
        if (*p.middle) buf_printf(&text, "%s ", p.middle);
        buf_printf(&text, "%s %s ", p.last, p.position);
        if (notes) buf_printf(&text, "%s ", notes);
        if (firm) buf_printf(&text, "%s ", company_names[firm]);
        if (private_mail) { buf_printf(&text, "%s ", p.email); index_email(s, &x, id, p.email); }
        if (*work) { buf_printf(&text, "%s ", work); index_email(s, &x, id, work); }
        for (int k = 0; k < nph; k++) {
            if (sp[k].e164) buf_printf(&text, "%s ", sp[k].e164);
            index_phone(s, &x, id, &sp[k]);
        }
        index_text(s, &x, id, &text);
        if (id % 10000 == 0) { arena_release(&a); arena_init(&a); }
    }
    arena_release(&a);
    buf_release(&phones); buf_release(&emails); buf_release(&messengers); buf_release(&tags); buf_release(&custom);
    buf_release(&text); buf_release(&name);
    indexer_release(&x);
    sqlite3_finalize(ins);
    sqlite3_finalize(link);
    return 0;
}

/* ---- verification against the module ---- */

/* everything the index tables hold for one card, as one comparable string (arena) */
static const char *index_snapshot(ctx *c, const char *object, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, object);
    dbp_int(&p, id);
    dbp_text(&p, object);
    dbp_int(&p, id);
    dbp_int(&p, id);
    const char *sql = !strcmp(object, "contact")
        ? "SELECT (SELECT group_concat(rev, ' ') FROM (SELECT rev FROM phone_index WHERE object = ? AND object_id = ? ORDER BY rev))"
          " || ' | ' || (SELECT group_concat(email, ' ') FROM (SELECT email FROM email_index WHERE object = ? AND object_id = ? ORDER BY email))"
          " || ' | ' || (SELECT body FROM contacts_fts WHERE rowid = ?)"
        : "SELECT (SELECT group_concat(rev, ' ') FROM (SELECT rev FROM phone_index WHERE object = ? AND object_id = ? ORDER BY rev))"
          " || ' | ' || (SELECT group_concat(email, ' ') FROM (SELECT email FROM email_index WHERE object = ? AND object_id = ? ORDER BY email))"
          " || ' | ' || (SELECT body FROM companies_fts WHERE rowid = ?)";
    const char *r = db_scalar_text(c->db, c->a, sql, &p);
    return r ? r : "(none)";
}

int gen_verify(const char *data, int samples)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kartoteka.db", data);
    config_defaults(&g_config);   /* region RU, as the benchmark server runs */
    db_configure(path);
    arena a;
    arena_init(&a);
    principal sys;
    principal_system(&sys);
    ctx c = {.a = &a, .db = db_thread(), .user = &sys, .request_id = "gen-verify"};
    int bad = 0, checked = 0;
    static const char *const objects[] = {"contact", "company"};
    for (int k = 0; k < 2; k++) {
        long long n = db_scalar(c.db, k ? "SELECT max(id) FROM companies" : "SELECT max(id) FROM contacts", NULL, 0);
        for (int i = 0; i < samples && n > 0; i++) {
            long long id = 1 + (long long)((unsigned long long)(i + 1) * 2654435761u % (unsigned long long)n);
            const char *mine = index_snapshot(&c, objects[k], id);
            if (db_begin(c.db) != 0) { fprintf(stderr, "gen: verify: %s\n", db_errmsg(c.db)); return -1; }
            int rc = k ? company_reindex(&c, id) : contact_reindex(&c, id);
            const char *theirs = index_snapshot(&c, objects[k], id);
            db_rollback(c.db);
            checked++;
            if (rc != 0 || strcmp(mine, theirs) != 0) {
                if (bad++ < 5) fprintf(stderr, "gen: verify: %s %lld differs\n  generator: %s\n  module:    %s\n", objects[k], id, mine, theirs);
            }
        }
    }
    printf("verify: %d cards re-indexed by the clients module, %d differ\n", checked, bad);
    arena_release(&a);
    db_thread_close();
    return bad ? 1 : 0;
}
