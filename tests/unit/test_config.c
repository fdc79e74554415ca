/* config: the settings table gives every default, flags and environment variables go
 * through the same bounds checks, a bad value never half-applies, and --help lists every
 * setting with its variable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"

static void test_defaults(void **state)
{
    (void)state;
    config c;
    memset(&c, 0x5a, sizeof c);
    config_defaults(&c);
    assert_string_equal(c.data, "./data");
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_int_equal(c.workers, 4);
    assert_string_equal(c.region, "RU");
    assert_int_equal(c.max_body, 8388608);
    assert_int_equal(c.max_upload, 268435456);
    assert_int_equal(c.timeout, 30);
    assert_string_equal(c.web_root, "");
}

static int set(config *c, const char *name, const char *value)
{
    char err[200] = "";
    int rc = config_set(c, name, value, err, sizeof err);
    if (rc == -2) assert_true(strlen(err) > 0 && strstr(err, name) != NULL);
    return rc;
}

static void test_numbers_and_bounds(void **state)
{
    (void)state;
    config c;
    config_defaults(&c);
    assert_int_equal(set(&c, "workers", "1"), 0);
    assert_int_equal(c.workers, 1);
    assert_int_equal(set(&c, "workers", "256"), 0);
    assert_int_equal(c.workers, 256);
    const char *bad[] = {"0", "257", "-1", "", "4x", "x4", "4.5", "99999999999999999999999", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (set(&c, "workers", bad[i]) != -2) fail_msg("workers=%s accepted", bad[i]);
        assert_int_equal(c.workers, 256);   /* unchanged */
    }
    assert_int_equal(set(&c, "max-body", "1024"), 0);
    assert_int_equal(c.max_body, 1024);
    assert_int_equal(set(&c, "max-body", "1023"), -2);
    assert_int_equal(set(&c, "max-body", "1073741825"), -2);
    assert_int_equal(set(&c, "max-upload", "17179869184"), 0);   /* 16 GiB fits a size_t */
    assert_int_equal(c.max_upload, 17179869184ULL);
    assert_int_equal(set(&c, "timeout", "3601"), -2);
    assert_int_equal(c.timeout, 30);
}

static void test_strings(void **state)
{
    (void)state;
    config c;
    config_defaults(&c);
    assert_int_equal(set(&c, "data", "/srv/kartoteka"), 0);
    assert_string_equal(c.data, "/srv/kartoteka");
    assert_int_equal(set(&c, "region", "PL"), 0);
    assert_string_equal(c.region, "PL");
    assert_int_equal(set(&c, "region", "POLAND"), -2);   /* longer than the field */
    assert_string_equal(c.region, "PL");
    char longpath[2000];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = 0;
    assert_int_equal(set(&c, "data", longpath), -2);
    assert_string_equal(c.data, "/srv/kartoteka");
    assert_int_equal(set(&c, "listen", ""), 0);
    assert_int_equal(set(&c, "nope", "1"), -1);   /* not a setting: for the command to handle */
    assert_int_equal(set(&c, "--data", "x"), -1);
}

static void test_environment(void **state)
{
    (void)state;
    config c;
    config_defaults(&c);
    setenv("KARTOTEKA_DATA", "/tmp/from-env", 1);
    setenv("KARTOTEKA_WORKERS", "8", 1);
    setenv("KARTOTEKA_TIMEOUT", "not a number", 1);   /* warned about and ignored */
    setenv("KARTOTEKA_LISTEN", "", 1);                /* empty = unset */
    config_from_env(&c);
    assert_string_equal(c.data, "/tmp/from-env");
    assert_int_equal(c.workers, 8);
    assert_int_equal(c.timeout, 30);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    /* a flag after the environment wins */
    assert_int_equal(set(&c, "workers", "2"), 0);
    assert_int_equal(c.workers, 2);
    unsetenv("KARTOTEKA_DATA");
    unsetenv("KARTOTEKA_WORKERS");
    unsetenv("KARTOTEKA_TIMEOUT");
    unsetenv("KARTOTEKA_LISTEN");
}

static void test_help_lists_everything(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    config_help(f);
    fclose(f);
    const char *want[] = {"--data", "KARTOTEKA_DATA", "--listen", "KARTOTEKA_LISTEN", "--workers", "KARTOTEKA_WORKERS",
                          "--region", "KARTOTEKA_REGION", "--max-body", "KARTOTEKA_MAX_BODY", "--max-upload",
                          "KARTOTEKA_MAX_UPLOAD", "--timeout", "KARTOTEKA_TIMEOUT", "--web-root", "KARTOTEKA_WEB_ROOT",
                          "(default ./data)", "(default 8388608)", "(default none)"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(text, want[i])) fail_msg("--help lacks %s:\n%s", want[i], text);
    free(text);
}

static void test_region_fallback(void **state)
{
    (void)state;
    config_defaults(&g_config);
    assert_string_equal(config_region(), "RU");
    g_config.region[0] = 0;
    assert_string_equal(config_region(), "RU");
    strcpy(g_config.region, "CZ");
    assert_string_equal(config_region(), "CZ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_numbers_and_bounds),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_environment),
        cmocka_unit_test(test_help_lists_everything),
        cmocka_unit_test(test_region_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
