/* phone_parse: numbers as managers and imports actually write them must come out as the
 * same E.164, notes and bad bytes must not turn into wrong numbers, and nothing a user
 * types may crash or stall the caller. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/phone.h"

/* parses text (NUL-terminated) and checks the E.164 form, region and extension */
static void parses_to(const char *region, const char *text, const char *e164,
                      const char *where, const char *ext, int valid)
{
    phone_result r;
    int rc = phone_parse(text, strlen(text), region, &r);
    if (rc != 0 || strcmp(r.e164, e164) != 0 || strcmp(r.region, where) != 0 ||
        strcmp(r.extension, ext) != 0 || r.valid != valid)
        fprintf(stderr, "phone_parse(%s, [%s]) = %d e164 %s region %s ext %s valid %d\n",
                region ? region : "NULL", text, rc, r.e164, r.region, r.extension, r.valid);
    assert_int_equal(rc, 0);
    assert_string_equal(r.e164, e164);
    assert_string_equal(r.digits, e164 + 1);
    assert_string_equal(r.region, where);
    assert_string_equal(r.extension, ext);
    assert_int_equal(r.valid, valid);
    if (valid) assert_int_equal(r.possible, 1);
}
#define OK(region, text, e164, where) parses_to(region, text, e164, where, "", 1)

static void fails_with_digits(const char *region, const char *text, size_t len,
                              const char *digits)
{
    phone_result r;
    memset(&r, 0x5a, sizeof r);
    assert_int_equal(phone_parse(text, len, region, &r), -1);
    assert_string_equal(r.e164, "");
    assert_string_equal(r.region, "");
    assert_string_equal(r.extension, "");
    assert_int_equal(r.valid, 0);
    assert_int_equal(r.possible, 0);
    assert_string_equal(r.digits, digits);
}
#define FAILS(region, text, digits) fails_with_digits(region, text, strlen(text), digits)

static void test_russia_trunk_prefix(void **state)
{
    (void)state;
    /* libphonenumber knows RU's trunk prefix 8: no special case needed */
    OK("RU", "8 (495) 123-45-67", "+74951234567", "RU");
    OK("RU", "+7 495 1234567", "+74951234567", "RU");
    OK("RU", "+7 (495) 123-45-67", "+74951234567", "RU");
    OK("RU", "8-495-123-45-67", "+74951234567", "RU");
    OK("RU", "84951234567", "+74951234567", "RU");
    OK("RU", "7 495 123 45 67", "+74951234567", "RU");
    OK("RU", "495 123 45 67", "+74951234567", "RU");
    OK("RU", "8 916 123-45-67", "+79161234567", "RU");
    OK("RU", "8 800 555 35 35", "+78005553535", "RU");
    OK("ru", "8 (495) 123-45-67", "+74951234567", "RU");
    /* +7 is shared: Kazakh numbers get KZ */
    OK("RU", "+7 701 123 4567", "+77011234567", "KZ");
    OK("RU", "+7 7172 123456", "+77172123456", "KZ");
}

static void test_poland_czechia(void **state)
{
    (void)state;
    OK("PL", "0048 22 123 45 67", "+48221234567", "PL");
    OK("PL", "(22) 123 45 67", "+48221234567", "PL");
    OK("PL", "+48 22 123 45 67", "+48221234567", "PL");
    OK("PL", "+48 601 123 456", "+48601123456", "PL");
    OK("PL", "601-123-456", "+48601123456", "PL");
    OK("PL", "tel. kom. 601 123 456", "+48601123456", "PL");
    OK("CZ", "+420 601 123 456", "+420601123456", "CZ");
    OK("CZ", "601 123 456", "+420601123456", "CZ");
    OK("CZ", "00420 601 123 456", "+420601123456", "CZ");
    /* a Czech number typed into a Polish office */
    OK("PL", "+420 601 123 456", "+420601123456", "CZ");
    OK("PL", "00420601123456", "+420601123456", "CZ");
}

static void test_other_countries(void **state)
{
    (void)state;
    OK("ES", "612 34 56 78", "+34612345678", "ES");
    OK("ES", "+34 91 123 45 67", "+34911234567", "ES");
    OK("ES", "0034 612345678", "+34612345678", "ES");
    OK("US", "(650) 253-0000", "+16502530000", "US");
    OK("US", "+1 650-253-0000", "+16502530000", "US");
    OK("DE", "0151 12345678", "+4915112345678", "DE");
    OK("DE", "+49 30 1234567", "+49301234567", "DE");
    OK("GB", "020 7946 0018", "+442079460018", "GB");
    OK("FR", "01 23 45 67 89", "+33123456789", "FR");
    OK("UA", "044 123 4567", "+380441234567", "UA");
}

static void test_vanity_letters(void **state)
{
    (void)state;
    OK("US", "1-800-FLOWERS", "+18003569377", "US");
    OK("US", "1-800-flowers", "+18003569377", "US");
    OK("US", "+1 (800) FLOWERS", "+18003569377", "US");
    OK("US", "1 800 GO FEDEX", "+18004633339", "US");
}

static void test_extensions(void **state)
{
    (void)state;
    parses_to("PL", "+48 22 123 45 67 ext. 12", "+48221234567", "PL", "12", 1);
    parses_to("PL", "+48 22 123 45 67 x12", "+48221234567", "PL", "12", 1);
    parses_to("PL", "+48 22 123 45 67 ext 12", "+48221234567", "PL", "12", 1);
    parses_to("PL", "22 123 45 67 #12", "+48221234567", "PL", "12", 1);
    parses_to("US", "tel:+1-650-253-0000;ext=123", "+16502530000", "US", "123", 1);
    parses_to("RU", "8 (495) 123-45-67 доб. 123", "+74951234567", "RU", "123", 1);
    parses_to("RU", "+7 (495) 123-45-67 (доб. 5)", "+74951234567", "RU", "5", 1);
    parses_to("ES", "91 123 45 67 extensión 5", "+34911234567", "ES", "5", 1);
    /* words libphonenumber would spell as vanity digits */
    parses_to("PL", "+48 22 123 45 67 wew. 12", "+48221234567", "PL", "12", 1);
    parses_to("PL", "22 123 45 67 wewn. 12", "+48221234567", "PL", "12", 1);
    parses_to("PL", "22 123 45 67 WEWNĘTRZNY 12", "+48221234567", "PL", "12", 1);
    parses_to("PL", "22 123 45 67 w. 12", "+48221234567", "PL", "12", 1);
    parses_to("CZ", "601 123 456 kl. 12", "+420601123456", "CZ", "12", 1);
    parses_to("CZ", "601 123 456 linka 12", "+420601123456", "CZ", "12", 1);
    parses_to("RU", "8 (495) 123-45-67 вн. 123", "+74951234567", "RU", "123", 1);
    parses_to("RU", "8 (495) 123-45-67 ВНУТР.: 5", "+74951234567", "RU", "5", 1);
    parses_to("DE", "030 1234567 Durchwahl 12", "+49301234567", "DE", "12", 1);
    /* an extension longer than the field keeps its first 15 digits */
    parses_to("PL", "+48 22 123 45 67 ext. 12345678901234567", "+48221234567", "PL",
              "123456789012345", 1);
}

static void test_trailing_notes(void **state)
{
    (void)state;
    OK("PL", "22 123 45 67 (Kasia)", "+48221234567", "PL");
    OK("PL", "22 123 45 67 Jan Kowalski", "+48221234567", "PL");
    OK("PL", "Jan Kowalski: 22 123 45 67", "+48221234567", "PL");
    OK("RU", "8 (495) 123-45-67 Вася", "+74951234567", "RU");
    OK("RU", "8 (495) 123-45-67 Вася Пупкин", "+74951234567", "RU");
    OK("US", "+1 800 FLOWERS Kasia", "+18003569377", "US");
    /* more than a few words: the text before the first one is used */
    OK("PL", "22 123 45 67 dzwonić po 16 do pani Basi z księgowości", "+48221234567", "PL");
    OK("RU", "+7 495 123-45-67 звонить после обеда, спросить Ивана Петровича",
       "+74951234567", "RU");
    /* a bare "w" is not read as an extension: only the number is kept */
    OK("PL", "22 123 45 67 W 12", "+48221234567", "PL");
}

static void test_spaces_and_bad_bytes(void **state)
{
    (void)state;
    OK("PL", "  +48\xc2\xa0" "22\xc2\xa0" "123\xc2\xa0" "45 67  ", "+48221234567", "PL");
    OK("RU", "\t+7 495 123 45 67\r\n", "+74951234567", "RU");
    OK("PL", "+48 22  123   45 67", "+48221234567", "PL");
    OK("PL", "+48.22.123.45.67", "+48221234567", "PL");
    OK("PL", "+48/22/123-45-67", "+48221234567", "PL");
    OK("PL", "\xef\xbc\x8b\xef\xbc\x94\xef\xbc\x98 22 123 45 67", "+48221234567", "PL"); /* fullwidth +48 */
    OK("PL", "+48\xff 22 123 45 67", "+48221234567", "PL");
    OK("PL", "\xc8\xe2\xe0\xed 22 123 45 67", "+48221234567", "PL"); /* cp1251 name */
    OK("PL", "22 123 45 67\xe2\x80\x8b", "+48221234567", "PL"); /* zero-width space */
    phone_result r;
    const char with_nul[] = "+48 22\0 123 45 67";
    assert_int_equal(phone_parse(with_nul, sizeof with_nul - 1, "PL", &r), 0);
    assert_string_equal(r.e164, "+48221234567");
    /* only len bytes are read: the buffer need not be NUL-terminated */
    char buf[16];
    memcpy(buf, "601123456999999", 15);
    assert_int_equal(phone_parse(buf, 9, "CZ", &r), 0);
    assert_string_equal(r.e164, "+420601123456");
}

/* phone_parse(text) and phone_parse(other) give the same answer, field by field */
static void same_answer(const char *region, const char *text, const char *other)
{
    phone_result a, b;
    int ra = phone_parse(text, strlen(text), region, &a), rb = phone_parse(other, strlen(other), region, &b);
    if (ra != rb || strcmp(a.e164, b.e164) || strcmp(a.region, b.region) || a.valid != b.valid || a.possible != b.possible)
        fprintf(stderr, "[%s] %d %s %s and [%s] %d %s %s differ\n", text, ra, a.e164, a.region, other, rb, b.e164, b.region);
    assert_int_equal(ra, rb);
    assert_string_equal(a.e164, b.e164);
    assert_string_equal(a.digits, b.digits);
    assert_string_equal(a.region, b.region);
    assert_string_equal(a.extension, b.extension);
    assert_int_equal(a.valid, b.valid);
    assert_int_equal(a.possible, b.possible);
}

/* spaces, dashes, brackets and dots between digits are read past (the shim hands
 * libphonenumber the digits alone), except where they change what the library reads */
static void test_separators(void **state)
{
    (void)state;
    same_answer("RU", "+7 (495) 123-45-67", "+74951234567");
    same_answer("RU", " + 7 495 123 45 67", "+74951234567");
    same_answer("RU", "8.495.123.45.67", "84951234567");
    same_answer("RU", "(495) 123 45 67", "4951234567");
    same_answer("PL", "00 48 22 123 45 67", "0048221234567");
    same_answer("US", "1 (800) 555-0199", "18005550199");
    same_answer("KZ", "+7 (701) 123-45-67", "+77011234567");
    same_answer("RU", "1 2 3", "123");
    /* two bare digits are a number, two with a separator are not */
    FAILS("RU", "1 2", "12");
    FAILS("RU", "1-2", "12");
    parses_to("RU", "12", "+712", "RU", "", 0);
    /* a '+' after anything but spaces is not the country code's */
    OK("RU", "(+7) 495 123-45-67", "+74951234567", "RU");
    OK("RU", "++7 495 123 45 67", "+74951234567", "RU");
    FAILS("RU", "+ +7 495 123 45 67", "74951234567");
    FAILS("RU", "8 (495) +123-45-67", "84951234567");
}

static void test_valid_and_possible(void **state)
{
    (void)state;
    phone_result r;
    /* too short: parses, neither valid nor possible; the region is that of +7 */
    assert_int_equal(phone_parse("+7 12", 5, "RU", &r), 0);
    assert_string_equal(r.e164, "+712");
    assert_string_equal(r.region, "RU");
    assert_int_equal(r.valid, 0);
    assert_int_equal(r.possible, 0);
    /* right length, unassigned range */
    assert_int_equal(phone_parse("+48 991 234 567", 15, "PL", &r), 0);
    assert_int_equal(r.valid, 0);
    assert_int_equal(r.possible, 1);
    /* one digit short of a Warsaw landline */
    assert_int_equal(phone_parse("+48 22 123 45 6", 15, "PL", &r), 0);
    assert_string_equal(r.e164, "+4822123456");
    assert_int_equal(r.valid, 0);
    /* non-geographic: freephone +800 */
    assert_int_equal(phone_parse("+800 1234 5678", 14, "PL", &r), 0);
    assert_string_equal(r.e164, "+80012345678");
    assert_string_equal(r.region, "001");
    assert_int_equal(r.valid, 1);
}

static void test_garbage(void **state)
{
    (void)state;
    FAILS("PL", "", "");
    FAILS("PL", "hello", "");
    FAILS("PL", "+", "");
    FAILS("PL", "---", "");
    FAILS("PL", "()", "");
    FAILS("PL", "\xff\xfe\xfd", "");
    FAILS("US", "n/a", "");
    FAILS("RU", "нет", "");
    FAILS("PL", "7", "7");
    /* unparsable but with digits: the digits are still the lookup key */
    FAILS("PL", "22 123 45 67, 22 765 43 21", "221234567227654321");
    FAILS(NULL, "22 123 45 67", "221234567");
    FAILS("XX", "22 123 45 67", "221234567");
    FAILS("", "0048 22 123 45 67", "0048221234567");
    fails_with_digits("PL", NULL, 0, "");
    /* no output: refused, no crash */
    assert_int_equal(phone_parse("+48 22 123 45 67", 16, "PL", NULL), -1);
}

static void test_default_region(void **state)
{
    (void)state;
    /* without a usable region only +numbers parse */
    OK(NULL, "+48 22 123 45 67", "+48221234567", "PL");
    OK("", "+7 495 123 45 67", "+74951234567", "RU");
    OK("XX", "+420 601 123 456", "+420601123456", "CZ");
    OK("RUS", "+1 650 253 0000", "+16502530000", "US");
    OK("pl", "22 123 45 67", "+48221234567", "PL");
    OK("Pl", "22 123 45 67", "+48221234567", "PL");
}

/* the per-thread memo answers a repeated text exactly as a parse does, and keys on the
 * region too: the same digits read in two regions stay two numbers */
static void test_repeated_text(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        OK("RU", "8 (495) 123-45-67", "+74951234567", "RU");
        OK("PL", "22 123 45 67", "+48221234567", "PL");
        OK("CZ", "601 123 456", "+420601123456", "CZ");
        phone_result r;
        assert_int_equal(phone_parse("22 123 45 67", 12, "RU", &r), phone_parse("22 123 45 67", 12, "RU", &r));
        assert_string_not_equal(r.e164, "+48221234567");
        assert_int_equal(phone_parse("garbage", 7, "RU", &r), -1);
        assert_string_equal(r.e164, "");
    }
}

static void test_region_valid(void **state)
{
    (void)state;
    const char *good[] = {"RU", "PL", "CZ", "ES", "US", "DE", "GB", "KZ", "UA", "ru", "pl"};
    const char *bad[] = {"", "ZZ", "001", "XX", "RUS", "R", "R1", "P L", "\xd0\xa0U", "UK"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(phone_region_valid(good[i]), 1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(phone_region_valid(bad[i]), 0);
    assert_int_equal(phone_region_valid(NULL), 0);
}

static void test_length_limit(void **state)
{
    (void)state;
    phone_result r;
    /* a 10,000-character "phone": refused at once, digits key still filled */
    size_t n = 10000;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) big[i] = (char)('0' + i % 10);
    assert_int_equal(phone_parse(big, n, "PL", &r), -1);
    assert_string_equal(r.e164, "");
    assert_string_equal(r.digits, "0123456789012345678901234567890"); /* 31 digits */
    /* same with a valid number in front and junk after */
    memcpy(big, "+48 22 123 45 67", 16);
    for (size_t i = 16; i < n; i++) big[i] = i % 3 ? ' ' : '\xff';
    assert_int_equal(phone_parse(big, n, "PL", &r), -1);
    assert_string_equal(r.digits, "48221234567");
    /* the limit itself: 256 bytes parse, 257 do not */
    memset(big, ' ', PHONE_MAX_INPUT + 1);
    memcpy(big, "+48 22 123 45 67", 16);
    assert_int_equal(phone_parse(big, PHONE_MAX_INPUT, "PL", &r), 0);
    assert_string_equal(r.e164, "+48221234567");
    assert_int_equal(phone_parse(big, PHONE_MAX_INPUT + 1, "PL", &r), -1);
    assert_string_equal(r.digits, "48221234567");
    /* 256 bytes of letters and digits: within the limit, must simply finish */
    for (size_t i = 0; i < PHONE_MAX_INPUT; i++) big[i] = "1a 2b-"[i % 6];
    (void)phone_parse(big, PHONE_MAX_INPUT, "US", &r);
    free(big);
}

/* every field is NUL-terminated within its array whatever the input */
static void test_fields_terminated(void **state)
{
    (void)state;
    const char *inputs[] = {"+48 22 123 45 67 ext. 12345678901234567890",
                            "+1 800 FLOWERS FLOWERS FLOWERS", "+999 1234", "+800 1234 5678"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        phone_result r;
        memset(&r, 0x5a, sizeof r);
        (void)phone_parse(inputs[i], strlen(inputs[i]), "PL", &r);
        assert_non_null(memchr(r.e164, 0, sizeof r.e164));
        assert_non_null(memchr(r.digits, 0, sizeof r.digits));
        assert_non_null(memchr(r.region, 0, sizeof r.region));
        assert_non_null(memchr(r.extension, 0, sizeof r.extension));
    }
}

struct phone_case { const char *region, *text, *e164; };
static const struct phone_case thread_cases[] = {
    {"RU", "8 (495) 123-45-67", "+74951234567"},
    {"PL", "0048 22 123 45 67", "+48221234567"},
    {"CZ", "+420 601 123 456", "+420601123456"},
    {"US", "1-800-FLOWERS", "+18003569377"},
    {"PL", "22 123 45 67 wew. 12", "+48221234567"},
    {"ES", "612 34 56 78", "+34612345678"},
};

static void *phone_worker(void *arg)
{
    size_t seed = (size_t)arg, failures = 0;
    size_t ncases = sizeof thread_cases / sizeof thread_cases[0];
    for (size_t i = 0; i < 300; i++) {
        const struct phone_case *c = &thread_cases[(seed + i) % ncases];
        phone_result r;
        if (phone_parse(c->text, strlen(c->text), c->region, &r) != 0 || strcmp(r.e164, c->e164))
            failures++;
    }
    return (void *)failures;
}

/* the shim is called from every HTTP worker at once */
static void test_threads(void **state)
{
    (void)state;
    pthread_t t[8];
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, phone_worker, (void *)i), 0);
    for (size_t i = 0; i < 8; i++) {
        void *failures;
        assert_int_equal(pthread_join(t[i], &failures), 0);
        assert_int_equal((size_t)failures, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_russia_trunk_prefix),
        cmocka_unit_test(test_poland_czechia),
        cmocka_unit_test(test_other_countries),
        cmocka_unit_test(test_vanity_letters),
        cmocka_unit_test(test_extensions),
        cmocka_unit_test(test_trailing_notes),
        cmocka_unit_test(test_spaces_and_bad_bytes),
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_valid_and_possible),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_default_region),
        cmocka_unit_test(test_repeated_text),
        cmocka_unit_test(test_region_valid),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_fields_terminated),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
