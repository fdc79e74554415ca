/* arena: allocations are zeroed and aligned, survive until release, big ones do not waste
 * the current block, deferred cleanups run newest first, and release leaves a usable arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"

static void test_zeroed_and_aligned(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    for (size_t n = 0; n < 300; n++) {
        unsigned char *p = arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (size_t i = 0; i < n; i++) assert_int_equal(p[i], 0);
        memset(p, 0xab, n);   /* ASan: the whole size is ours */
    }
    arena_release(&a);
}

static void test_values_survive(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    char *ptrs[2000];
    for (int i = 0; i < 2000; i++) ptrs[i] = arena_printf(&a, "value-%d", i);
    for (int i = 0; i < 2000; i++) {
        char want[32];
        snprintf(want, sizeof want, "value-%d", i);
        assert_string_equal(ptrs[i], want);
    }
    assert_true(a.total > 2000 * 16);
    arena_release(&a);
    assert_int_equal(a.total, 0);
    assert_null(a.head);
}

static void test_big_allocations(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    char *small = arena_strdup(&a, "small");
    size_t before = a.total;
    char *big = arena_alloc(&a, 1 << 20);
    big[(1 << 20) - 1] = 1;
    assert_true(a.total >= before + (1 << 20));
    /* the next small allocation still comes from the first block, right after `small` */
    char *next = arena_strdup(&a, "next");
    assert_true(next > small && next - small < 64);
    assert_string_equal(small, "small");
    arena_release(&a);
}

static void test_strings(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
    assert_string_equal(arena_strndup(&a, "a\0b", 3), "a");
    assert_string_equal(arena_strdup(&a, ""), "");
    char *long_text = arena_alloc(&a, 20000);
    memset(long_text, 'x', 19999);
    char *p = arena_printf(&a, "%s|%d", long_text, 42);
    assert_int_equal(strlen(p), 20002);
    assert_string_equal(p + 19999, "|42");
    arena_release(&a);
}

static int order[8], norder;
static void note(void *p) { order[norder++] = (int)(intptr_t)p; }
static void free_it(void *p) { free(p); }

static void test_defer_newest_first(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    norder = 0;
    for (int i = 1; i <= 3; i++) arena_defer(&a, note, (void *)(intptr_t)i);
    arena_defer(&a, free_it, xmalloc(100));   /* LeakSanitizer would see it otherwise */
    arena_release(&a);
    assert_int_equal(norder, 3);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 1);
    /* released arenas can be used again */
    arena_defer(&a, note, (void *)(intptr_t)9);
    assert_string_equal(arena_strdup(&a, "again"), "again");
    arena_release(&a);
    assert_int_equal(order[3], 9);
}

static void test_x_helpers(void **state)
{
    (void)state;
    char *s = xstrdup("copy");
    assert_string_equal(s, "copy");
    s = xrealloc(s, 1000);
    assert_string_equal(s, "copy");
    free(s);
    void *z = xmalloc(0);   /* never NULL, even for 0 bytes */
    assert_non_null(z);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeroed_and_aligned),
        cmocka_unit_test(test_values_survive),
        cmocka_unit_test(test_big_allocations),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_defer_newest_first),
        cmocka_unit_test(test_x_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
