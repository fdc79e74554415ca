/* demo: fills a data directory with a small, believable client base to try Kartoteka
 * with: companies, their contact persons, deals along the ready-made pipeline and planned
 * calls. Everything goes through the same resource rules as the API (validation, phone
 * normalisation, search indexes, audit), so the demo base behaves like a real one. The
 * large generator for benchmarks is bench/gen. */
#include "cli/cli.h"
#include "domain/activity.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "domain/deal.h"
#include "store/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const first_names[] = {"Anna", "Piotr", "Olga", "Ivan", "Jana", "Tomáš", "Lucía", "Javier", "Emily", "James",
                                          "Małgorzata", "Łukasz", "Ёлкина", "Дмитрий", "Zuzana", "Pablo"};
static const char *const last_names[] = {"Nowak", "Kowalski", "Petrova", "Sokolov", "Novotná", "Dvořák", "García", "Fernández",
                                         "Smith", "Brown", "Wiśniewska", "Łódzki", "Иванова", "Смирнов", "Horváthová", "López"};
static const char *const company_words[] = {"Baltic", "Vistula", "Moravia", "Iberia", "Northern", "Volga", "Carpathian", "Atlantic"};
static const char *const company_kinds[] = {"Logistics", "Foods", "Textiles", "Machines", "Software", "Pharma", "Builders", "Trade"};
static const char *const phone_formats[] = {"+48 22 %03d %02d %02d", "8 (495) %03d-%02d-%02d", "+420 601 %03d %03d",
                                            "+34 91 %03d %02d %02d"};

/* deterministic choices: the same --contacts gives the same base */
static unsigned next_rand(unsigned *seed) { *seed = *seed * 1103515245u + 12345u; return (*seed >> 16) & 0x7fff; }

static long long create(ctx *c, const resource *res, json_t *in)
{
    long long id = 0;
    errs e;
    errs_init(&e, c->a);
    int st = resource_create(c, res, in, &id, NULL, &e);
    json_decref(in);
    if (st != 201) {
        fprintf(stderr, "error: cannot create a demo %s: %s\n", res->name, e.n ? e.v[0].message : "database error");
        return -1;
    }
    return id;
}

int cmd_demo(int argc, char **argv)
{
    const cli_command *self = cli_command_named("demo");
    cli_args args;
    int rc = cli_parse(argc, argv, self, &args);
    if (rc) return rc < 0 ? 2 : 0;
    const char *n_arg = cli_arg(&args, "contacts");
    char *end = NULL;
    long n = n_arg ? strtol(n_arg, &end, 10) : 200;
    if ((n_arg && *end) || n < 1 || n > 100000) { fprintf(stderr, "error: --contacts must be a number from 1 to 100000\n"); return 2; }
    cli_session s;
    if (cli_session_open(&s, true) != 0) return 1;
    ctx *c = &s.c;
    long long pipeline = db_scalar(c->db, "SELECT min(id) FROM pipelines", NULL, 0);
    unsigned seed = 2026;
    long long companies = 0, contacts = 0, deals = 0, calls = 0, company = 0;
    int status = 1;
    if (db_begin(c->db) != 0) { fprintf(stderr, "error: the database is busy\n"); goto done; }
    for (long i = 0; i < n; i++) {
        if (i % 5 == 0) {
            char name[96];
            snprintf(name, sizeof name, "%s %s %ld", company_words[next_rand(&seed) % 8], company_kinds[next_rand(&seed) % 8], i / 5 + 1);
            company = create(c, &company_resource, json_pack("{s:s}", "name", name));
            if (company < 0) goto fail;
            companies++;
        }
        const char *first = first_names[next_rand(&seed) % 16], *last = last_names[next_rand(&seed) % 16];
        char phone[48], email[96];
        snprintf(phone, sizeof phone, phone_formats[i % 4], 100 + (int)(next_rand(&seed) % 900), (int)(next_rand(&seed) % 100),
                 (int)(next_rand(&seed) % 100));
        snprintf(email, sizeof email, "client%ld@example.com", i + 1);
        long long contact = create(c, &contact_resource,
                                   json_pack("{s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:[I]}", "first_name", first, "last_name", last,
                                             "phones", "value", phone, "label", "work", "emails", "value", email, "label", "work",
                                             "company_ids", (json_int_t)company));
        if (contact < 0) goto fail;
        contacts++;
        if (i % 5 == 0 && pipeline > 0) {
            char title[128];
            snprintf(title, sizeof title, "Offer for %s", last);
            if (create(c, &deal_resource, json_pack("{s:s, s:I, s:s, s:I, s:I, s:[I]}", "title", title, "amount",
                                                    (json_int_t)(100000 + next_rand(&seed) * 10), "currency", "EUR",
                                                    "pipeline_id", (json_int_t)pipeline, "company_id", (json_int_t)company,
                                                    "contact_ids", (json_int_t)contact)) < 0)
                goto fail;
            deals++;
        }
        if (i % 3 == 0) {
            char due[32], subject[128];
            snprintf(due, sizeof due, "2030-01-%02ldT09:00:00Z", 1 + i % 28);
            snprintf(subject, sizeof subject, "Call %s %s", first, last);
            if (create(c, &activity_resource, json_pack("{s:s, s:s, s:s, s:I}", "kind", "call", "subject", subject, "due_at", due,
                                                        "contact_id", (json_int_t)contact)) < 0)
                goto fail;
            calls++;
        }
    }
    if (db_commit(c->db) != 0) { fprintf(stderr, "error: cannot save the demo base: %s\n", db_errmsg(c->db)); goto done; }
    printf("{\"companies\":%lld,\"contacts\":%lld,\"deals\":%lld,\"calls\":%lld}\n", companies, contacts, deals, calls);
    status = 0;
    goto done;
fail:
    db_rollback(c->db);
done:
    cli_session_close(&s);
    return status;
}
