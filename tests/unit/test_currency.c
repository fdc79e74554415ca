/* currency: ISO 4217 codes are recognised exactly (upper case, three letters) with their
 * minor units, so amounts in minor units are read right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/currency.h"

static void test_minor_units(void **state)
{
    (void)state;
    assert_int_equal(currency_minor_units("EUR"), 2);
    assert_int_equal(currency_minor_units("RUB"), 2);
    assert_int_equal(currency_minor_units("PLN"), 2);
    assert_int_equal(currency_minor_units("CZK"), 2);
    assert_int_equal(currency_minor_units("USD"), 2);
    assert_int_equal(currency_minor_units("JPY"), 0);
    assert_int_equal(currency_minor_units("KRW"), 0);
    assert_int_equal(currency_minor_units("ISK"), 0);
    assert_int_equal(currency_minor_units("BHD"), 3);
    assert_int_equal(currency_minor_units("KWD"), 3);
    assert_int_equal(currency_minor_units("TND"), 3);
    /* the first and the last of the table */
    assert_int_equal(currency_minor_units("AED"), 2);
    assert_int_equal(currency_minor_units("ZWL"), 2);
}

static void test_unknown(void **state)
{
    (void)state;
    const char *bad[] = {"eur", "Eur", "EU", "EURO", "", "XXX", "ABC", "E2R", "UR2", "D2A", "2AF", "EUR ", " EUR", "EUR\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (currency_known(bad[i])) fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(currency_minor_units(bad[i]), -1);
    }
    assert_false(currency_known(NULL));
    assert_true(currency_known("EUR"));
}

static void test_table_is_well_formed(void **state)
{
    (void)state;
    /* every code made of three capitals round-trips; no code is reported twice with
     * different units (the table is scanned in steps of 4, never out of step) */
    int known = 0;
    char code[4] = {0};
    for (char a = 'A'; a <= 'Z'; a++)
        for (char b = 'A'; b <= 'Z'; b++)
            for (char c = 'A'; c <= 'Z'; c++) {
                code[0] = a, code[1] = b, code[2] = c;
                int u = currency_minor_units(code);
                if (u < 0) continue;
                assert_true(u == 0 || u == 2 || u == 3);
                known++;
            }
    assert_in_range(known, 150, 180);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minor_units),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_table_is_well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
