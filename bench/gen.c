/* gen: fill a Kartoteka data directory (or an import file) with realistic clients.
 *
 * usage:
 *   gen --data DIR [--contacts N] [--companies N] [--deals N] [--activities N]
 *       [--managers N] [--seed S] [--now UNIX_TIME]
 *                                          load a base made by `kartoteka init`
 *   gen --csv FILE|--xlsx FILE --rows N [--dup-every K] [--seed S]
 *                                          a contacts file for the import benchmarks
 *   gen --data DIR --requests OUTDIR [--rows N]
 *                                          request files for the benchmarks (gen_requests.c)
 *   gen --data DIR --tokens FILE [--rows N] bearer tokens of N managers (default 40), one a line
 *   gen --verify DIR [--verify-samples N]  compare generated index rows with the module's
 *   gen --check [N]                        compare N generated phones with libphonenumber
 *   gen --sample N                         print N generated people and companies
 *
 * The same seed gives the same data on every machine. Counts default to the proportions
 * of the issues: a company per five contacts, a deal per contact, ten activities per
 * contact, a sales manager per 2,000 contacts (at least 40, so that the SSE benchmark has
 * 40 users to spread its streams over). */
#include "measure.h"
#include "gen.h"
#include "util/phone.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(void)
{
    fprintf(stderr,
            "usage: gen --data DIR [--contacts N] [--companies N] [--deals N] [--activities N] [--managers N] [--seed S] [--now T]\n"
            "       gen --data DIR --requests OUTDIR [--rows N]\n"
            "       gen --data DIR --tokens FILE [--rows N]\n"
            "       gen --verify DIR [--verify-samples N]\n"
            "       gen --csv FILE | --xlsx FILE  --rows N [--dup-every K] [--seed S]\n"
            "       gen --check [N]\n"
            "       gen --sample N\n");
    return 2;
}

/* Every phone writing marked exact must read, under region RU, as the E.164 number the
 * generator meant, and be a valid number: the loaded base then holds what the API would
 * have stored, without paying libphonenumber's price for each of millions of numbers. */
static int check(long long n)
{
    long long exact = 0, mismatch = 0, invalid = 0, unparsed = 0, taxbad = 0;
    for (long long i = 0; i < n; i++) {
        rng r;
        rng_seed(&r, 1, S_CHECK, (uint64_t)i);
        locale_id loc = (locale_id)(i % LOC_COUNT);
        phone ph;
        gen_phone(&r, loc, &ph);
        phone_result pr;
        int rc = phone_parse(ph.text, strlen(ph.text), "RU", &pr);
        if (rc != 0) unparsed++;
        if (ph.exact) {
            exact++;
            if (strcmp(pr.e164, ph.e164) != 0 || !pr.valid) {
                if (mismatch++ < 10)
                    fprintf(stderr, "  %s %-28s meant %s, libphonenumber: %s valid=%d\n", gen_country(loc), ph.text,
                            ph.e164, pr.e164, pr.valid);
            }
        } else if (!pr.valid) {
            invalid++;
        }
        company c;
        gen_company(&r, loc, (uint64_t)i, &c);
        if (!gen_tax_id_valid(loc, c.tax_id) && taxbad++ < 10) fprintf(stderr, "  bad tax id %s %s\n", gen_country(loc), c.tax_id);
    }
    printf("phones: %lld, exact writings: %lld, mismatches: %lld; other writings not valid under RU: %lld; unparsed: %lld;"
           " bad tax ids: %lld\n", n, exact, mismatch, invalid, unparsed, taxbad);
    return mismatch || taxbad ? 1 : 0;
}

static void sample(long long n)
{
    for (long long i = 0; i < n; i++) {
        rng r;
        rng_seed(&r, 1, S_CONTACT, (uint64_t)i);
        locale_id loc = gen_locale(&r);
        person p;
        phone ph;
        company c;
        gen_person(&r, loc, (uint64_t)i, &p);
        gen_phone(&r, loc, &ph);
        gen_company(&r, loc, (uint64_t)i, &c);
        printf("%s | %s %s %s | %s | %s -> %s | %s | %s | %s | %s\n", gen_country(loc), p.first, p.middle, p.last,
               p.email, ph.text, ph.exact ? ph.e164 : "(parse)", p.position, c.name, c.tax_id, c.address);
    }
}

static long long num(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0) { fprintf(stderr, "gen: not a count: '%s'\n", s); exit(2); }
    return v;
}

static void phase(const char *what, long long n, double t0)
{
    double dt = bench_now() - t0;
    if (n) fprintf(stderr, "gen: %-36s %10lld rows %7.1f s %10.0f rows/s\n", what, n, dt, dt > 0 ? (double)n / dt : 0);
    else fprintf(stderr, "gen: %-36s %10s %12.1f s\n", what, "", dt);
}

static int stash_all(store *s, const char *const *tables)
{
    for (; *tables; tables++)
        if (store_has_table(s, *tables) && store_stash(s, *tables) != 0) return -1;
    return 0;
}

static int load(gen_opts *o)
{
    store s;
    if (store_open(&s, o->data) != 0) return 1;
    double t0 = bench_now(), t;
    if (store_count(&s, "users") > 1) {
        fprintf(stderr, "gen: %s already has users besides the admin; generate into a fresh `kartoteka init` directory\n", o->data);
        return 1;
    }
    if (gen_users(&s, o) != 0) return 1;
    phase("users (managers in teams of ten)", o->managers + 1, t0);
    int nowners;
    long long *owners = gen_owner_ids(&s, &nowners);

    if (!store_has_table(&s, "contacts") || !store_has_table(&s, "companies")) {
        fprintf(stderr, "gen: no contacts/companies tables (clients module not built): only users generated\n");
        goto done;
    }
    /* each group loads with its tables' indexes and triggers dropped, then rebuilds them */
    static const char *const clients[] = {"contacts", "companies", "contact_companies", "phone_index", "email_index", NULL};
    static const char *const funnel[] = {"deals", "deal_owners", "deal_contacts", "stage_history", NULL};
    static const char *const work[] = {"activities", NULL};
    if (stash_all(&s, clients) != 0) return 1;
    char **names;
    t = bench_now();
    gen_companies(&s, o, owners, nowners, &names);
    phase("companies (+ phone/email/FTS index)", o->companies, t);
    contact_ref *contacts = calloc((size_t)o->contacts + 1, sizeof *contacts);
    deal_ref *deals = calloc((size_t)o->deals + 1, sizeof *deals);
    if (!contacts || !deals) { fprintf(stderr, "gen: out of memory\n"); return 1; }
    t = bench_now();
    gen_contacts(&s, o, owners, nowners, names, contacts);
    phase("contacts (+ links, phone/email/FTS)", o->contacts, t);
    for (long long i = 1; i <= o->companies; i++) free(names[i]);
    free(names);
    t = bench_now();
    if (store_restore(&s) != 0) return 1;
    phase("indexes of contacts and companies", 0, t);
    if (o->deals && store_has_table(&s, "deals")) {
        if (stash_all(&s, funnel) != 0) return 1;
        t = bench_now();
        if (gen_deals(&s, o, owners, nowners, contacts, deals) != 0) return 1;
        phase("deals (+ owners, history, FTS)", o->deals, t);
        t = bench_now();
        if (store_restore(&s) != 0) return 1;
        phase("indexes and triggers of deals", 0, t);
    } else if (o->deals) {
        fprintf(stderr, "gen: no deals table (funnel module not built): no deals\n");
        o->deals = 0;
    }
    if (o->activities && store_has_table(&s, "activities")) {
        if (stash_all(&s, work) != 0) return 1;
        t = bench_now();
        if (gen_activities(&s, o, owners, nowners, contacts, deals) != 0) return 1;
        phase("activities (+ FTS)", o->activities, t);
        t = bench_now();
        if (store_restore(&s) != 0) return 1;
        phase("indexes of activities", 0, t);
    } else if (o->activities) {
        fprintf(stderr, "gen: no activities table (activities module not built): no activities\n");
    }
    free(contacts);
    free(deals);
done:
    t = bench_now();
    store_close(&s);
    phase("commit", 0, t);
    free(owners);
    fprintf(stderr, "gen: done in %.1f s\n", bench_now() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    gen_opts o = {.seed = 1, .contacts = 100000, .companies = -1, .deals = -1, .activities = -1, .managers = -1};
    const char *csv = NULL, *xlsx = NULL, *verify = NULL, *requests = NULL, *tokens = NULL;
    long long rows = -1, checks = -1, samples = -1, verify_n = 300;
    int dup_every = 50;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--check")) { checks = v && *v != '-' ? (i++, num(v)) : 20000; continue; }
        if (!v) return usage();
        i++;
        if (!strcmp(a, "--data")) o.data = v;
        else if (!strcmp(a, "--contacts")) o.contacts = num(v);
        else if (!strcmp(a, "--companies")) o.companies = num(v);
        else if (!strcmp(a, "--deals")) o.deals = num(v);
        else if (!strcmp(a, "--activities")) o.activities = num(v);
        else if (!strcmp(a, "--managers")) o.managers = (int)num(v);
        else if (!strcmp(a, "--seed")) o.seed = (uint64_t)num(v);
        else if (!strcmp(a, "--csv")) csv = v;
        else if (!strcmp(a, "--xlsx")) xlsx = v;
        else if (!strcmp(a, "--rows")) rows = num(v);
        else if (!strcmp(a, "--dup-every")) dup_every = (int)num(v);
        else if (!strcmp(a, "--sample")) samples = num(v);
        else if (!strcmp(a, "--verify")) verify = v;
        else if (!strcmp(a, "--requests")) requests = v;
        else if (!strcmp(a, "--tokens")) tokens = v;
        else if (!strcmp(a, "--verify-samples")) verify_n = num(v);
        else if (!strcmp(a, "--now")) o.now = num(v);
        else return usage();
    }
    if (checks >= 0) return check(checks);
    if (samples >= 0) { sample(samples); return 0; }
    if (verify) return gen_verify(verify, (int)verify_n) ? 1 : 0;
    if (csv || xlsx) {
        if (rows < 0) return usage();
        double t0 = bench_now();
        int rc = csv ? gen_csv(csv, o.seed, rows, dup_every) : gen_xlsx(xlsx, o.seed, rows, dup_every);
        if (!rc) fprintf(stderr, "gen: %lld rows to %s in %.1f s\n", rows, csv ? csv : xlsx, bench_now() - t0);
        return rc ? 1 : 0;
    }
    if (!o.data) return usage();
    if (requests) return gen_requests(o.data, requests, o.seed, rows > 0 ? (int)rows : 20000) ? 1 : 0;
    if (tokens) {
        store s;
        if (store_open(&s, o.data) != 0) return 1;
        int rc = gen_tokens(&s, rows > 0 ? (int)rows : 40, tokens);
        store_close(&s);
        return rc ? 1 : 0;
    }
    if (!o.now) o.now = (long long)time(NULL) / 86400 * 86400;
    if (o.companies < 0) o.companies = o.contacts / 5;
    if (o.deals < 0) o.deals = o.contacts;
    if (o.activities < 0) o.activities = o.contacts * 10;
    if (o.managers < 0) o.managers = (int)(o.contacts / 2000 > 40 ? o.contacts / 2000 : 40);
    return load(&o);
}
