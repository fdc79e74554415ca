/* buf and jw: the answer writer. JSON strings are escaped correctly, invalid UTF-8 becomes
 * U+FFFD so every answer parses, the size cap drops bytes and says so, and jw places
 * commas right at every depth. Each writer's output is also parsed back with jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/buf.h"
#include "core/utf8.h"

static void json_is(const char *in, size_t n, const char *want)
{
    buf b;
    buf_init(&b, 0);
    buf_json_strn(&b, in, n);
    if (strcmp(b.data, want) != 0) fprintf(stderr, "got  %s\nwant %s\n", b.data, want);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    assert_true(utf8_valid(b.data, b.len));
    json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    assert_non_null(j);   /* always valid JSON */
    json_decref(j);
    buf_release(&b);
}
#define JSON_IS(lit, want) json_is((lit), sizeof(lit) - 1, (want))

static void test_escaping(void **state)
{
    (void)state;
    JSON_IS("", "\"\"");
    JSON_IS("plain", "\"plain\"");
    JSON_IS("q\"b\\s/", "\"q\\\"b\\\\s/\"");
    JSON_IS("\n\r\t", "\"\\n\\r\\t\"");
    JSON_IS("\b\f\x01\x1f", "\"\\u0008\\u000c\\u0001\\u001f\"");
    JSON_IS("a\0b", "\"a\\u0000b\"");
    JSON_IS("\x7f", "\"\x7f\"");
    JSON_IS("Łódź жена 😀", "\"Łódź жена 😀\"");
    JSON_IS("</script>", "\"</script>\"");
}

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    JSON_IS("\xff", "\"\xef\xbf\xbd\"");
    JSON_IS("a\xc3", "\"a\xef\xbf\xbd\"");                      /* truncated at the end */
    JSON_IS("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");        /* overlong '/' */
    JSON_IS("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");   /* surrogate */
    JSON_IS("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");   /* > U+10FFFF */
    JSON_IS("ok\x80ok", "\"ok\xef\xbf\xbdok\"");
    JSON_IS("\xe2\x82\xac\xe2\x82", "\"\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd\"");
    /* a bad byte or an escape between runs of Cyrillic text: each run is kept whole */
    JSON_IS("Иван\xffПетров\"ООО\"\nЖ", "\"Иван\xef\xbf\xbdПетров\\\"ООО\\\"\\nЖ\"");
    /* every single byte value, alone: the result is always valid UTF-8 JSON */
    for (int c = 0; c < 256; c++) {
        char in[1] = {(char)c};
        buf b;
        buf_init(&b, 0);
        buf_json_strn(&b, in, 1);
        assert_true(utf8_valid(b.data, b.len));
        json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(j);
        json_decref(j);
        buf_release(&b);
    }
}

static void test_cap(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 10);
    buf_adds(&b, "12345");
    buf_adds(&b, "67890");
    assert_false(b.overflow);
    assert_string_equal(b.data, "1234567890");
    buf_addc(&b, 'x');
    assert_true(b.overflow);
    assert_string_equal(b.data, "1234567890");   /* dropped, still terminated */
    buf_printf(&b, "%d", 5);
    assert_int_equal(b.len, 10);
    buf_reset(&b);
    assert_false(b.overflow);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_printf(&b, "%s-%d", "ab", 7);
    assert_string_equal(b.data, "ab-7");
    buf_release(&b);
}

static void test_growth_and_detach(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 0);
    for (int i = 0; i < 100000; i++) buf_addc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 100000);
    assert_int_equal(b.data[b.len], 0);
    assert_int_equal(b.data[99999], 'a' + 99999 % 26);
    char *s = buf_detach(&b);
    assert_null(b.data);
    assert_int_equal(strlen(s), 100000);
    free(s);
    buf_release(&b);   /* harmless after detach */
}

static char *write_sample(void)
{
    buf b;
    buf_init(&b, 0);
    jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kint(&w, "id", 7);
    jw_kstr(&w, "name", "a\"b");
    jw_kstr(&w, "nothing", NULL);
    jw_kbool(&w, "on", true);
    jw_knull(&w, "n");
    jw_kraw(&w, "raw", "{\"x\":[1,2]}");
    jw_kraw(&w, "rawnull", NULL);
    jw_key(&w, "list");
    jw_arr(&w);
    jw_int(&w, -9223372036854775807LL - 1);
    jw_int(&w, 0);
    jw_int(&w, 9223372036854775807LL);
    jw_int(&w, -10);
    jw_double(&w, 0.1);
    jw_arr(&w);
    jw_arr_end(&w);
    jw_obj(&w);
    jw_obj_end(&w);
    jw_str(&w, "x");
    jw_bool(&w, false);
    jw_null(&w);
    jw_arr_end(&w);
    jw_key(&w, "after");
    jw_int(&w, 1);
    jw_obj_end(&w);
    return buf_detach(&b);
}

static void test_jw_commas_and_types(void **state)
{
    (void)state;
    char *s = write_sample();
    assert_string_equal(s, "{\"id\":7,\"name\":\"a\\\"b\",\"nothing\":null,\"on\":true,\"n\":null,"
                           "\"raw\":{\"x\":[1,2]},\"rawnull\":null,\"list\":[-9223372036854775808,0,9223372036854775807,-10,0.10000000000000001,[],{},\"x\",false,null],\"after\":1}");
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    assert_non_null(j);
    assert_true(json_real_value(json_array_get(json_object_get(j, "list"), 4)) == 0.1);   /* round-trips */
    json_decref(j);
    free(s);
}

static void test_jw_deep_nesting(void **state)
{
    (void)state;
    /* deeper than the 64 bits of comma state: nesting wraps but each level still works */
    buf b;
    buf_init(&b, 0);
    jw w;
    jw_init(&w, &b);
    for (int i = 0; i < 100; i++) { jw_arr(&w); jw_int(&w, i); }
    for (int i = 0; i < 100; i++) jw_arr_end(&w);
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    assert_non_null(j);
    json_decref(j);
    buf_release(&b);
}

static void test_jw_into_capped_buf(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 16);
    jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "key", "a value that is much too long");
    jw_obj_end(&w);
    assert_true(b.overflow);   /* the caller learns the answer is incomplete */
    assert_true(b.len <= 16);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_growth_and_detach),
        cmocka_unit_test(test_jw_commas_and_types),
        cmocka_unit_test(test_jw_deep_nesting),
        cmocka_unit_test(test_jw_into_capped_buf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
