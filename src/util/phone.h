/* Phone numbers as users type them, turned into E.164.
 *
 * Every phone in Kartoteka is stored twice: the text the user typed and its E.164 form,
 * plus a digits-only key that the caller-ID lookup matches by suffix. Input is messy
 * (`8 (495) 123-45-67`, `0048 22 123 45 67`, `1-800-FLOWERS`, `+48 22 123 45 67 wew. 12`,
 * cells pasted from Excel with non-breaking spaces), so this is a C-callable shim over
 * Google's libphonenumber, which knows each country's trunk and international prefixes
 * and number plans. What the shim adds on top:
 *   - bytes that are not valid UTF-8 and control characters count as spaces (libphonenumber
 *     rejects the whole input otherwise; imported CSVs are often half cp1251);
 *   - extension words libphonenumber does not know are read as "ext": Polish wew./wewn./w.,
 *     Czech/Slovak kl./klapka/linka, Russian вн./внутр./доп., German Durchwahl/DW, French
 *     poste, Spanish/Italian int./interno, Hungarian mellék, Turkish dahili. Without this,
 *     libphonenumber spells the letters as a vanity number and returns a wrong number;
 *   - when the whole text does not give a valid number but the text up to a word after
 *     the number does (`22 123 45 67 (Kasia)`, `8 495 123-45-67 Вася`), that text wins
 *     (the longest one when the note has up to four words, else the text before the
 *     first word): a trailing note must not be dialled as vanity letters.
 *
 * libphonenumber is not linked into the program: the shim is a shared object beside it,
 * opened on the first call (util/phone_shim.h), so that processes parsing no phone do not
 * carry it. A program whose shim is missing stops with the reason on stderr.
 *
 * Caller's rules: the functions never throw, never allocate anything the caller frees, keep
 * no state between calls that could change an answer (each thread remembers its last
 * answers, which only spares parsing the same text twice) and may be called from any
 * number of threads at once
 * (libphonenumber's PhoneNumberUtil singleton is thread-safe). `text` need not be
 * NUL-terminated. Region codes are ISO 3166-1 alpha-2 ("RU", "PL", "CZ", "ES", "US"...),
 * either case; NULL, "" or an unknown code means "no default region", in which case only
 * numbers written with a leading + can be parsed (00 means nothing without a region).
 */
#ifndef KT_UTIL_PHONE_H
#define KT_UTIL_PHONE_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* longer input is refused without parsing: no real phone field is that long, and the
 * refusal keeps a hostile 1 MB "phone" from costing regex time */
#define PHONE_MAX_INPUT 256

typedef struct phone_result {
    char e164[32];      /* "+74951234567"; "" when the text could not be parsed */
    char digits[32];    /* caller-ID key: e164 without '+', or the ASCII digits of the
                           input (the first 31) when it could not be parsed */
    int valid;          /* libphonenumber's IsValidNumber: an assigned range of the plan */
    int possible;       /* libphonenumber's IsPossibleNumber: the length fits the plan */
    char region[4];     /* region of the number ("RU", "PL"); for a number libphonenumber
                           cannot place, the main region of its country code; "001" for
                           non-geographic codes (+800, +882...); "" when not parsed */
    char extension[16]; /* "12" from "... ext. 12"; longer extensions are cut to 15 */
} phone_result;

/* Parse text typed by a user, reading national numbers as numbers of default_region.
 * Returns 0 when a number could be parsed (e164, digits, region filled; valid and possible
 * say how good it is: a parsed number may still be invalid), -1 when not (e164, region and
 * extension empty, valid = possible = 0, digits holds the digits of the input). Input
 * longer than PHONE_MAX_INPUT bytes returns -1 without parsing. out must not be NULL
 * (when it is, -1 is returned and nothing is written). */
int phone_parse(const char *text, size_t len, const char *default_region, phone_result *out);

/* 1 when region is a region code libphonenumber has a numbering plan for (either case),
 * 0 otherwise (NULL, "", "ZZ", "001", "RUS", "XX"...). */
int phone_region_valid(const char *region);

#ifdef __cplusplus
}
#endif
#endif
