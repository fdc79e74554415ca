/* gen: the benchmark data generator, split by job.
 *
 *   gen.c        command line, self-check, samples
 *   gen_data.c   what fake people and companies look like (names, phones, tax ids...)
 *   gen_files.c  CSV and XLSX files of contacts for the import benchmarks
 *   gen_store.c  the database side: bulk-load mode, index and trigger rebuilds, users
 *   gen_clients.c  companies and contacts with their phone, e-mail and full-text indexes
 *   gen_funnel.c   pipelines, deals and their stage histories
 *   gen_activities.c  calls, meetings, tasks, e-mails and notes over two years
 *   gen_requests.c the request files the benchmarks replay, drawn from a loaded base
 *
 * The generator writes straight into the SQLite file of a data directory made by
 * `kartoteka init`, bypassing the API: it is how a 1M-contact base is built in a minute.
 * It fills only the tables that exist (a module not built yet is skipped and reported). */
#ifndef KT_BENCH_GEN_H
#define KT_BENCH_GEN_H
#include "gen_data.h"
#include <sqlite3.h>
#include <stdint.h>

/* random streams: one per kind of record, so adding records of one kind never shifts
 * the others */
enum { S_USER = 1, S_CONTACT, S_COMPANY, S_DEAL, S_ACTIVITY, S_IMPORT, S_CHECK };

typedef struct gen_opts {
    const char *data;                /* data directory */
    uint64_t seed;
    long long contacts, companies, deals, activities;
    int managers;
    long long now;                   /* Unix time the data is "as of": today 00:00 UTC */
} gen_opts;

/* contacts import files; `dup_every` > 0 repeats an earlier row's phone and e-mail every
 * that many rows (a file with duplicates inside, as real exports have) */
int gen_csv(const char *path, uint64_t seed, long long rows, int dup_every);
int gen_xlsx(const char *path, uint64_t seed, long long rows, int dup_every);
/* the person of import row i (shared by both formats) */
typedef struct import_row {
    person p;
    phone ph;
    char company[GEN_TEXT], tags[GEN_TEXT];
    const char *note;
} import_row;
void gen_import_row(uint64_t seed, long long i, int dup_every, import_row *row);

/* the database */
typedef struct store {
    sqlite3 *db;
    char **saved;                    /* CREATE INDEX / CREATE TRIGGER statements to replay */
    int nsaved;
} store;
int store_open(store *s, const char *data);
void store_close(store *s);
int store_exec(store *s, const char *sql);
sqlite3_stmt *store_prepare(store *s, const char *sql);
int store_has_table(store *s, const char *table);
long long store_count(store *s, const char *table);
/* drop the indexes and triggers of a table, remembering them for store_restore */
int store_stash(store *s, const char *table);
int store_restore(store *s);
/* step a bound INSERT and reset it; aborts the program with the SQL error otherwise */
void store_insert(store *s, sqlite3_stmt *st);

/* users and teams: `managers` sales managers in teams of ten, plus a head of sales */
int gen_users(store *s, const gen_opts *o);
/* the ids of the users with role manager, for owners; caller frees */
long long *gen_owner_ids(store *s, int *n);
/* bearer tokens for the first n managers, written to path one per line (SSE clients) */
int gen_tokens(store *s, int n, const char *path);
/* RFC 3339 UTC of a Unix time, as the server stores times */
void gen_time(long long epoch, char out[24]);

/* what later records need to know of a contact or a deal (ids fit 32 bits) */
typedef struct contact_ref { int32_t company, owner; uint8_t loc; } contact_ref;
typedef struct deal_ref { int32_t contact, company, owner; } deal_ref;

/* companies 1..o->companies; their names (index = id) are kept for the contacts' search
 * text. Contacts 1..o->contacts; refs[id] receives the company a contact works for (0:
 * none), its owner and locale. Both fill the caller-ID, e-mail and full-text indexes. */
int gen_companies(store *s, const gen_opts *o, const long long *owners, int nowners, char ***names);
int gen_contacts(store *s, const gen_opts *o, const long long *owners, int nowners, char **company_names,
                 contact_ref *refs);
/* three pipelines (the ready-made one and two more) and deals 1..o->deals with their
 * owners, contacts, stage history, search rows and stage totals; refs[id] per deal */
int gen_deals(store *s, const gen_opts *o, const long long *owners, int nowners, const contact_ref *contacts,
              deal_ref *refs);
/* activities 1..o->activities over two years and the month ahead, on contacts and deals */
int gen_activities(store *s, const gen_opts *o, const long long *owners, int nowners, const contact_ref *contacts,
                   const deal_ref *deals);
/* the request files of the benchmarks (see gen_requests.c), `count` draws each */
int gen_requests(const char *data, const char *dir, uint64_t seed, int count);
/* re-derives the index rows of `samples` cards with the clients module's own code and
 * counts the differences from what the generator wrote; 0 when there are none */
int gen_verify(const char *data, int samples);
#endif
