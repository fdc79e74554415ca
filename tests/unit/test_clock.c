/* clock: RFC 3339 times as clients send them are accepted exactly when valid, normalised
 * to UTC with second precision, and nothing is read past the end of the text (inputs are
 * copied to exact-size heap blocks so AddressSanitizer sees any over-read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"

static bool parse(const char *s, char out[32], time_t *t)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    memcpy(copy, s, n);
    bool ok = clock_parse_rfc3339(copy, out, t);
    free(copy);
    return ok;
}

static void ok_as(const char *in, const char *want)
{
    char out[32] = "";
    time_t t = 0;
    if (!parse(in, out, &t)) fail_msg("'%s' was refused", in);
    if (strcmp(out, want) != 0) fail_msg("'%s' -> '%s', want '%s'", in, out, want);
    char again[32];
    clock_format(t, again);
    assert_string_equal(again, want);
}

static void refused(const char *in)
{
    char out[32];
    if (parse(in, out, NULL)) fail_msg("'%s' was accepted", in);
}

static void test_valid_times(void **state)
{
    (void)state;
    ok_as("2026-05-01T09:30:00Z", "2026-05-01T09:30:00Z");
    ok_as("2026-05-01t09:30:00z", "2026-05-01T09:30:00Z");
    ok_as("2026-05-01 09:30:00Z", "2026-05-01T09:30:00Z");
    ok_as("2026-05-01T09:30:00.123456789Z", "2026-05-01T09:30:00Z");
    ok_as("2026-05-01T11:30:00+02:00", "2026-05-01T09:30:00Z");
    ok_as("2026-05-01T00:15:00+00:30", "2026-04-30T23:45:00Z");
    ok_as("2026-12-31T23:00:00-01:00", "2027-01-01T00:00:00Z");
    ok_as("2026-05-01T09:30:00-00:00", "2026-05-01T09:30:00Z");
    ok_as("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z");
    ok_as("2000-02-29T12:00:00Z", "2000-02-29T12:00:00Z");
    ok_as("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z");   /* a leap second is kept in its minute */
    ok_as("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z");
    ok_as("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z");
    ok_as("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z");
    ok_as("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z");
}

static void test_malformed_times(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "2026", "2026-05-01", "2026-05-01T", "2026-05-01T09:30Z", "2026-05-01T09:30:00",
        "2026-05-01T09:30:00ZZ", "2026-05-01T09:30:00Z ", " 2026-05-01T09:30:00Z", "2026-5-01T09:30:00Z",
        "2026-05-01X09:30:00Z", "2026/05/01T09:30:00Z", "2026-05-01T9:30:00Z", "2026-05-01T09:30:0Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z", "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2026-05-00T00:00:00Z", "2026-05-01T24:00:00Z", "2026-05-01T23:60:00Z",
        "2026-05-01T23:59:61Z", "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2026-05-01T09:30:00.Z",
        "2026-05-01T09:30:00.5", "2026-05-01T09:30:00+0200", "2026-05-01T09:30:00+02", "2026-05-01T09:30:00+2:00",
        "2026-05-01T09:30:00+24:00", "2026-05-01T09:30:00+02:60", "2026-05-01T09:30:00+02:00Z",
        "2026-05-01T09:30:00+02:001", "+026-05-01T09:30:00Z", "2026-05-01T09:30:00\xff",
        "0001-01-01T00:00:00+00:01",   /* before year 1 in UTC */
        "9999-12-31T23:59:59-00:01",   /* after year 9999 in UTC */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) refused(bad[i]);
}

/* regression: an offset cut short after its sign read up to two bytes past the NUL */
static void test_truncated_offsets_stay_in_bounds(void **state)
{
    (void)state;
    refused("2026-05-01T09:30:00+");
    refused("2026-05-01T09:30:00-");
    refused("2026-05-01T09:30:00+0");
    refused("2026-05-01T09:30:00+02");
    refused("2026-05-01T09:30:00+02:");
    refused("2026-05-01T09:30:00+02:0");
    refused("2026-05-01T09:30:00.");
    refused("2026-05-01T09:30:0");
}

static void test_out_is_optional(void **state)
{
    (void)state;
    assert_true(clock_parse_rfc3339("2026-05-01T09:30:00Z", NULL, NULL));
    time_t t;
    assert_true(clock_parse_rfc3339("1970-01-02T00:00:00Z", NULL, &t));
    assert_int_equal(t, 86400);
}

static void test_dates(void **state)
{
    (void)state;
    assert_true(clock_parse_date("2024-02-29"));
    assert_true(clock_parse_date("0001-01-01"));
    assert_true(clock_parse_date("9999-12-31"));
    const char *bad[] = {"2023-02-29", "2024-02-30", "2024-2-3", "20240101", "2024-01-01T00:00:00Z", "2024-01-01 ",
                         "", "0000-01-01", "2024-13-01", "2024-00-10", "2024-01-32", "abcd-ef-gh", "2024-01-1x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t n = strlen(bad[i]) + 1;
        char *copy = malloc(n);
        memcpy(copy, bad[i], n);
        if (clock_parse_date(copy)) fail_msg("date '%s' was accepted", bad[i]);
        free(copy);
    }
}

static void test_format(void **state)
{
    (void)state;
    char out[32];
    clock_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    clock_format(253402300799LL, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    clock_now(out);
    assert_int_equal(strlen(out), 20);
    assert_true(parse(out, out, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_times),
        cmocka_unit_test(test_malformed_times),
        cmocka_unit_test(test_truncated_offsets_stay_in_bounds),
        cmocka_unit_test(test_out_is_optional),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
