/* router: literal segments beat placeholders whatever the order of registration,
 * placeholders are captured in order, a path known under another method is a 405 (not a
 * 404), and slashes, lengths and odd bytes do not confuse the match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/router.h"

static int h_list(req *r, const void *d) { (void)r; (void)d; return 1; }
static int h_one(req *r, const void *d) { (void)r; (void)d; return 2; }
static int h_merge(req *r, const void *d) { (void)r; (void)d; return 3; }
static int h_timeline(req *r, const void *d) { (void)r; (void)d; return 4; }
static int h_create(req *r, const void *d) { (void)r; (void)d; return 5; }
static int h_pair(req *r, const void *d) { (void)r; (void)d; return 6; }
static int h_root(req *r, const void *d) { (void)r; (void)d; return 7; }

static const char data_one[] = "one";

static int setup(void **state)
{
    (void)state;
    static bool done;
    if (done) return 0;
    done = true;
    /* the placeholder route first: the literal one registered later must still win */
    router_add("GET", "/api/v1/things/{}", h_one, data_one, 0);
    router_add("GET", "/api/v1/things", h_list, NULL, ROUTE_PUBLIC);
    router_add("POST", "/api/v1/things", h_create, NULL, 0);
    router_add("GET", "/api/v1/things/merge", h_merge, NULL, 0);
    router_add("GET", "/api/v1/things/{}/timeline", h_timeline, NULL, 0);
    router_add("PUT", "/api/v1/pairs/{}/with/{}", h_pair, NULL, ROUTE_RAW_BODY);
    router_add("GET", "/", h_root, NULL, 0);
    return 0;
}

typedef struct match { const route *rt; int mismatch; req r; } match;

static const route *find(match *m, const char *method, const char *path)
{
    memset(&m->r, 0, sizeof m->r);
    arena_init(&m->r.a);
    m->mismatch = -1;
    m->rt = router_match(&m->r, method, path, &m->mismatch);
    return m->rt;
}

static int call(match *m) { return route_handler(m->rt)(&m->r, route_data(m->rt)); }
static void done(match *m) { arena_release(&m->r.a); }

static void test_literal_beats_placeholder(void **state)
{
    (void)state;
    match m;
    assert_non_null(find(&m, "GET", "/api/v1/things/merge"));
    assert_int_equal(call(&m), 3);
    assert_int_equal(m.r.nparams, 0);
    done(&m);
    assert_non_null(find(&m, "GET", "/api/v1/things/42"));
    assert_int_equal(call(&m), 2);
    assert_ptr_equal(route_data(m.rt), data_one);
    assert_int_equal(m.r.nparams, 1);
    assert_string_equal(m.r.params[0], "42");
    assert_int_equal(req_param_id(&m.r, 0), 42);
    done(&m);
    assert_non_null(find(&m, "GET", "/api/v1/things"));
    assert_int_equal(call(&m), 1);
    assert_int_equal(route_flags(m.rt), ROUTE_PUBLIC);
    done(&m);
}

static void test_params_in_order(void **state)
{
    (void)state;
    match m;
    assert_non_null(find(&m, "PUT", "/api/v1/pairs/7/with/abc"));
    assert_int_equal(call(&m), 6);
    assert_int_equal(m.r.nparams, 2);
    assert_string_equal(m.r.params[0], "7");
    assert_string_equal(m.r.params[1], "abc");
    assert_int_equal(req_param_id(&m.r, 1), 0);   /* not a positive integer */
    assert_int_equal(req_param_id(&m.r, 5), 0);   /* no such parameter */
    assert_int_equal(route_flags(m.rt), ROUTE_RAW_BODY);
    done(&m);
    assert_non_null(find(&m, "GET", "/api/v1/things/9/timeline"));
    assert_int_equal(call(&m), 4);
    assert_string_equal(m.r.params[0], "9");
    done(&m);
}

static void test_405_versus_404(void **state)
{
    (void)state;
    match m;
    assert_null(find(&m, "DELETE", "/api/v1/things"));
    assert_int_equal(m.mismatch, 1);   /* 405: the path exists */
    done(&m);
    assert_null(find(&m, "POST", "/api/v1/things/merge"));
    assert_int_equal(m.mismatch, 1);
    done(&m);
    assert_null(find(&m, "GET", "/api/v1/nothing"));
    assert_int_equal(m.mismatch, 0);   /* 404 */
    done(&m);
    assert_null(find(&m, "GET", "/api/v1/things/1/2"));
    assert_int_equal(m.mismatch, 0);
    done(&m);
    assert_non_null(find(&m, "HEAD", "/api/v1/things/7"));   /* HEAD is answered as GET */
    assert_int_equal(call(&m), 2);
    done(&m);
    assert_null(find(&m, "HEAD", "/api/v1/pairs/1/with/2"));   /* ...where there is a GET */
    assert_int_equal(m.mismatch, 1);
    done(&m);
    assert_null(find(&m, "get", "/api/v1/things"));   /* methods are case-sensitive */
    assert_int_equal(m.mismatch, 1);
    done(&m);
    /* a prefix of a segment is not the segment */
    assert_null(find(&m, "GET", "/api/v1/thing"));
    assert_null(find(&m, "GET", "/api/v1/thingss"));
    assert_null(find(&m, "GET", "/api/v1/things/merge/x/y"));
    done(&m);
}

static void test_slashes_and_odd_paths(void **state)
{
    (void)state;
    match m;
    assert_non_null(find(&m, "GET", "//api//v1/things/"));
    assert_int_equal(call(&m), 1);
    done(&m);
    assert_non_null(find(&m, "GET", "/"));
    assert_int_equal(call(&m), 7);
    done(&m);
    assert_non_null(find(&m, "GET", ""));
    assert_int_equal(call(&m), 7);
    done(&m);
    /* deeper than any route: refused without reading past the segment table */
    assert_null(find(&m, "GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z"));
    done(&m);
    assert_non_null(find(&m, "GET", "/api/v1/things/\xff\xfe"));
    assert_string_equal(m.r.params[0], "\xff\xfe");
    assert_int_equal(req_param_id(&m.r, 0), 0);
    done(&m);
    static char longseg[5000];
    memset(longseg, '9', sizeof longseg - 1);
    char path[6000];
    snprintf(path, sizeof path, "/api/v1/things/%s", longseg);
    assert_non_null(find(&m, "GET", path));
    assert_int_equal(req_param_id(&m.r, 0), 0);   /* too long to be an id */
    done(&m);
    assert_non_null(find(&m, "GET", "/api/v1/things/000000000000000042"));
    assert_int_equal(req_param_id(&m.r, 0), 42);
    done(&m);
    assert_non_null(find(&m, "GET", "/api/v1/things/999999999999999999"));
    assert_int_equal(req_param_id(&m.r, 0), 999999999999999999LL);
    done(&m);
    assert_non_null(find(&m, "GET", "/api/v1/things/-1"));
    assert_int_equal(req_param_id(&m.r, 0), 0);
    done(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_literal_beats_placeholder, setup),
        cmocka_unit_test_setup(test_params_in_order, setup),
        cmocka_unit_test_setup(test_405_versus_404, setup),
        cmocka_unit_test_setup(test_slashes_and_odd_paths, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
