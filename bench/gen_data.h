/* gen_data: realistic fake clients for the benchmark generator (bench/gen.c).
 *
 * Everything here is a pure function of a random stream, so a record is fully determined
 * by (seed, kind, index): the same seed gives the same data base on every machine, and
 * records can be made in any order. The people are Russian, Polish, Czech, Spanish,
 * American and British, with names in their own scripts and gendered surname forms
 * (Иванова, Kowalska, Nováková), phones written the way such people type them
 * (`8 (495) 123-45-67`, `+48 601 234 567`, `0048 22 123 45 67`, a note or an extension
 * now and then), e-mails transliterated from the names, and companies with legal forms
 * and tax ids whose check digits are right (ИНН, NIP, IČO, CIF, EIN, UK company number).
 *
 * All text is UTF-8 and written into caller-owned fixed buffers (GEN_TEXT bytes). */
#ifndef KT_BENCH_GEN_DATA_H
#define KT_BENCH_GEN_DATA_H
#include <stdint.h>
#include <stddef.h>

#define GEN_TEXT 160

/* xoshiro256** seeded through splitmix64: fast, good enough, and per record. */
typedef struct rng { uint64_t s[4]; } rng;
void rng_seed(rng *r, uint64_t seed, uint64_t stream, uint64_t index);
uint64_t rng_next(rng *r);
uint32_t rng_below(rng *r, uint32_t n);              /* uniform in [0, n) */
int rng_chance(rng *r, unsigned percent);            /* 1 with the given probability */
long long rng_range(rng *r, long long lo, long long hi);   /* uniform in [lo, hi] */

typedef enum { LOC_RU, LOC_PL, LOC_CS, LOC_ES, LOC_US, LOC_GB, LOC_COUNT } locale_id;
/* a locale in the proportions of a Central/Eastern European seller's base */
locale_id gen_locale(rng *r);
const char *gen_country(locale_id l);               /* ISO 3166: "RU", "PL", "CZ"... */
const char *gen_lang(locale_id l);                  /* "ru", "pl", "cs", "es", "en" */

typedef struct person {
    locale_id loc;
    int female;
    char first[GEN_TEXT], middle[GEN_TEXT], last[GEN_TEXT];   /* middle: Russian patronymic or "" */
    char email[GEN_TEXT];
    char position[GEN_TEXT];
    char city[GEN_TEXT];
    char birthday[16];                              /* "1984-07-21" or "" */
} person;
/* `serial` makes the e-mail unique (real bases have few exact duplicates) */
void gen_person(rng *r, locale_id loc, uint64_t serial, person *p);

typedef struct phone {
    char text[GEN_TEXT];    /* as typed */
    char e164[24];          /* as libphonenumber reads the text with default region RU;
                               "" when `exact` is 0 and the caller must parse it */
    int exact;              /* 1: e164 is known; 0: unusual writing, parse text to know */
    int mobile;
} phone;
void gen_phone(rng *r, locale_id loc, phone *out);

typedef struct company {
    locale_id loc;
    char name[GEN_TEXT], legal_name[GEN_TEXT];
    char tax_id[32];
    char domain[64];        /* web and e-mail domain: "tekhnostroy.ru" */
    char industry[48];
    char city[GEN_TEXT], address[GEN_TEXT];
} company;
void gen_company(rng *r, locale_id loc, uint64_t serial, company *c);

/* check digits, exposed for the self-test */
int gen_tax_id_valid(locale_id loc, const char *tax_id);

/* a label for a phone or e-mail in the owner's language ("рабочий", "komórkowy"...) */
const char *gen_phone_label(locale_id loc, int mobile);
const char *gen_email_label(locale_id loc, int work);
/* a few tags out of a fixed vocabulary; writes up to `max` pointers, returns the count */
int gen_tags(rng *r, const char **out, int max);
/* a lead source / channel name */
const char *gen_source(rng *r);
/* a short sentence a manager would write about a client, in the client's language */
const char *gen_note(rng *r, locale_id loc);
/* a deal title in the client's language */
void gen_deal_title(rng *r, locale_id loc, char *out, size_t cap);
/* the subject of an activity of kind "call", "meeting", "task", "note", or a message
 * ("email", "sms", "message") */
const char *gen_activity_subject(rng *r, locale_id loc, const char *kind);

#endif
