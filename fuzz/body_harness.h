/* Shared by the request body fuzz targets (fuzz_json_body, fuzz_funnel_body): an in-memory
 * database holding the real schema with the built-in roles, the system principal, and the
 * checks every answer of the resource machinery must pass. A target defines FUZZ_TARGET
 * (its name, for the abort message) before including this. */
#ifndef KT_FUZZ_BODY_HARNESS_H
#define KT_FUZZ_BODY_HARNESS_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/utf8.h"
#include "domain/auth.h"
#include "domain/user.h"
#include "http/req.h"

static db *g_db;
static principal g_system;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, FUZZ_TARGET ": %s: %s\n", what, detail ? detail : "");
    abort();
}

/* opens g_db, migrates it and gives it the built-in roles, acting as g_system */
static void body_harness_open(void)
{
    if (auth_init() != 0) die("sodium", NULL);
    char err[512];
    g_db = db_open(":memory:", err, sizeof err);
    if (!g_db) die("open", err);
    if (db_migrate(g_db, err, sizeof err) != 0) die("migrate", err);
    principal_system(&g_system);
    arena a;
    arena_init(&a);
    ctx c = {&a, g_db, &g_system, "fuzz"};
    if (roles_ensure_builtin(&c) != 0) die("roles", db_errmsg(g_db));
    arena_release(&a);
}

/* a refusal names at least one problem, each with a code, in valid UTF-8 */
static void check_errs(const errs *e)
{
    if (e->n == 0) die("refused without a reason", NULL);
    for (size_t i = 0; i < e->n; i++) {
        if (!e->v[i].code || !*e->v[i].code) die("error without a code", e->v[i].message);
        if (!utf8_valid(e->v[i].message, strlen(e->v[i].message))) die("message is not UTF-8", e->v[i].message);
        if (e->v[i].field && !utf8_valid(e->v[i].field, strlen(e->v[i].field))) die("field is not UTF-8", e->v[i].field);
    }
}

/* a success writes one JSON object with its id */
static void check_record(const buf *out)
{
    json_t *j = json_loadb(out->data, out->len, 0, NULL);
    if (!json_is_object(j) || !json_is_integer(json_object_get(j, "id"))) die("answer is not a record", out->data);
    json_decref(j);
}
#endif
