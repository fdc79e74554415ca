/* libFuzzer target: the import mapping on arbitrary bytes. The first byte picks what is
 * fed: the CLI's --map text (compact or JSON), a cell for each transform (dates, numbers,
 * yes/no, names), or a header row plus a data row (cells split at 0x1f, rows at 0x1e)
 * mapped with a spec parsed from the first cell. Besides not crashing or leaking, every
 * produced date must be a real YYYY-MM-DD and every JSON value must serialise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/utf8.h"
#include "import/mapping.h"

enum { MAX_CELLS = 32 };

static size_t split(const char *s, size_t n, char sep, const char **cells, size_t *lens, char *store)
{
    size_t k = 0, start = 0;
    memcpy(store, s, n);
    store[n] = 0;
    for (size_t i = 0; i <= n && k < MAX_CELLS; i++) {
        if (i < n && store[i] != sep) continue;
        store[i] = 0;
        cells[k] = store + start;
        lens[k++] = i - start;
        start = i + 1;
    }
    return k;
}

static void schema(map_schema *s, arena *a)
{
    map_schema_init(s, a, "contacts");
    s->linked = "company";
    static const struct { const char *p; map_value t; } t[] = {
        {"first_name", MV_TEXT}, {"last_name", MV_TEXT}, {"middle_name", MV_TEXT}, {"full_name", MV_FULL_NAME},
        {"phones", MV_PHONES}, {"emails", MV_EMAILS}, {"tags", MV_LIST}, {"addresses", MV_ADDRESS},
        {"birthday", MV_DATE}, {"owner", MV_OWNER}, {"company.name", MV_TEXT}, {"custom_fields.n", MV_REAL},
        {"custom_fields.m", MV_MONEY}, {"custom_fields.b", MV_BOOL}, {"custom_fields.t", MV_TIME},
        {"custom_fields.i", MV_INT}, {"custom_fields.p", MV_PHONE}, {"custom_fields.e", MV_ENUM},
        {"custom_fields.x", MV_MULTI_ENUM},
    };
    json_t *choices = json_pack("[ss]", "new", "old");
    arena_defer(a, (void (*)(void *))json_decref, choices);
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        map_schema_add(s, t[i].p, t[i].t, t[i].t == MV_ENUM || t[i].t == MV_MULTI_ENUM ? choices : NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536) return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    char err[256];
    arena a;
    arena_init(&a);
    switch (data[0] % 4) {
    case 0: {
        json_t *j = mapping_parse_spec(s, n, err, sizeof err);
        if (j) {
            char *d = json_dumps(j, JSON_COMPACT);
            if (!d) abort();
            free(d);
            json_decref(j);
        } else if (!err[0]) {
            abort();
        }
        break;
    }
    case 1: {
        if (!utf8_valid(s, n)) break;   /* cells are valid UTF-8 by the readers' contract */
        char out[11];
        for (int o = 0; o < 4; o++)
            if (map_parse_date(s, n, (date_order)o, out) && (strlen(out) != 10 || (!clock_parse_date(out) && strncmp(out, "1604", 4))))
                abort();
        double d;
        map_parse_number(s, n, &d);
        map_parse_bool(s, n);
        const char *f, *m, *l;
        map_split_name(&a, s, n, &f, &m, &l);
        size_t tn = n;
        const char *t = map_trim(s, &tn);
        if (t < s || t + tn > s + n) abort();
        break;
    }
    default: {
        if (!utf8_valid(s, n)) break;
        const char *rs = memchr(s, 0x1e, n);
        size_t hn = rs ? (size_t)(rs - s) : n;
        char *hstore = arena_alloc(&a, hn + 1), *dstore = arena_alloc(&a, n + 1);
        const char *hc[MAX_CELLS], *dc[MAX_CELLS];
        size_t hl[MAX_CELLS], dl[MAX_CELLS];
        import_row header = {split(s, hn, 0x1f, hc, hl, hstore), hc, hl, 1};
        import_row row = {0, dc, dl, 2};
        if (rs) row.ncells = split(rs + 1, n - hn - 1, 0x1f, dc, dl, dstore);
        /* the first header cell doubles as the spec */
        json_t *spec = data[0] % 4 == 3 ? mapping_parse_spec(hc[0], hl[0], err, sizeof err) : NULL;
        map_schema sch;
        schema(&sch, &a);
        mapping m;
        errs e;
        errs_init(&e, &a);
        mapping_build(&m, &a, &sch, &header, spec, true, DATE_AUTO, &e);
        m.labelled = (data[0] & 4) != 0;
        map_apply_opts o = {"RU", (data[0] & 8) ? "PL" : "RU"};
        mapped_row out;
        mapping_apply(&m, &row, &o, &a, &out, &e);
        char *d = json_dumps(out.record, JSON_COMPACT);
        if (!d) abort();
        free(d);
        json_decref(spec);
        break;
    }
    }
    arena_release(&a);
    return 0;
}
