/* The import engine: file rows -> mapping -> duplicate checks -> the objects' own
 * create/update, every row counted and logged; preview and undo. See import_job.h. */
#include "import/import_job_impl.h"
#include "import/import_match.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "domain/custom_field.h"
#include "domain/deal.h"
#include "domain/pipeline.h"
#include "domain/search.h"
#include "core/config.h"
#include "core/currency.h"
#include "core/log.h"
#include "util/phone.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---------- settings ---------- */

void import_settings_default(import_settings *s)
{
    memset(s, 0, sizeof *s);
    s->object = "contacts";
    s->format = IMPORT_CSV;
    s->guess = true;
    s->dates = DATE_AUTO;
    s->on_duplicate = DUP_SKIP;
}

static const char *const format_names[] = {"csv", "xlsx", "vcard"};
static const char *const dup_names[] = {"skip", "update", "create"};
static const char *const match_names[] = {"phone", "email", "tax_id", "field"};

int import_format_parse(const char *s)
{
    if (!s) return -1;
    if (!strcasecmp(s, "vcf")) return IMPORT_VCARD;
    for (int i = 0; i < 3; i++) if (!strcasecmp(s, format_names[i])) return i;
    return -1;
}

const char *import_format_name(import_format f) { return format_names[f]; }

import_format import_format_sniff(const void *data, size_t n)
{
    const unsigned char *p = data;
    if (n >= 4 && !memcmp(p, "PK\x03\x04", 4)) return IMPORT_XLSX;
    size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
    while (i < n && (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t')) i++;
    if (n - i >= 11 && !strncasecmp((const char *)p + i, "BEGIN:VCARD", 11)) return IMPORT_VCARD;
    return IMPORT_CSV;
}

static bool known_encoding(const char *s)
{
    static const char *const names[] = {"utf-8", "utf8", "windows-1251", "cp1251", "windows-1250", "cp1250", NULL};
    for (const char *const *n = names; *n; n++) if (!strcasecmp(*n, s)) return true;
    return false;
}

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++) if (!strcmp(names[i], s)) return i;
    return -1;
}

static unsigned match_parse_one(const char *s, size_t n)
{
    for (int i = 0; i < 4; i++)
        if (strlen(match_names[i]) == n && !memcmp(match_names[i], s, n)) return 1u << i;
    return 0;
}

int import_settings_parse(arena *a, json_t *j, import_settings *s, errs *e)
{
    size_t before = e->n;
    if (!json_is_object(j)) { errs_add(e, NULL, "invalid_body", "the settings must be a JSON object"); return -1; }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        const char *str = json_string_value(v);
        if (!strcmp(k, "object")) {
            if (!str || (strcmp(str, "contacts") && strcmp(str, "companies") && strcmp(str, "deals")))
                errs_add(e, k, "invalid_choice", "'object' must be contacts, companies or deals");
            else s->object = arena_strdup(a, str);
        } else if (!strcmp(k, "format")) {
            int f = import_format_parse(str);
            if (f < 0) errs_add(e, k, "invalid_choice", "'format' must be csv, xlsx or vcard");
            else s->format = (import_format)f;
        } else if (!strcmp(k, "encoding")) {
            if (json_is_null(v) || (str && !strcmp(str, "auto"))) s->encoding = NULL;
            else if (!str || !known_encoding(str)) errs_add(e, k, "invalid_choice", "'encoding' must be utf-8, windows-1251 or windows-1250");
            else s->encoding = arena_strdup(a, str);
        } else if (!strcmp(k, "delimiter")) {
            if (json_is_null(v) || (str && !strcmp(str, "auto"))) s->delimiter = 0;
            else if (str && !strcmp(str, "tab")) s->delimiter = '\t';
            else if (!str || strlen(str) != 1 || !strchr(",;\t|", str[0])) errs_add(e, k, "invalid_choice", "'delimiter' must be one of , ; | or tab");
            else s->delimiter = str[0];
        } else if (!strcmp(k, "sheet")) {
            if (json_is_null(v)) s->sheet = NULL;
            else if (!str || !*str || json_string_length(v) > 255) errs_add(e, k, "invalid_type", "'sheet' must be a sheet name");
            else s->sheet = arena_strdup(a, str);
        } else if (!strcmp(k, "mapping")) {
            if (json_is_null(v)) s->mapping = NULL;
            else if (!json_is_object(v)) errs_add(e, k, "invalid_type", "'mapping' must be an object {\"column\": \"field\"}");
            else {
                s->mapping = json_deep_copy(v);
                arena_defer(a, (void (*)(void *))json_decref, s->mapping);
            }
        } else if (!strcmp(k, "guess")) {
            if (!json_is_boolean(v)) errs_add(e, k, "invalid_type", "'guess' must be true or false");
            else s->guess = json_is_true(v);
        } else if (!strcmp(k, "date_order")) {
            int d = date_order_parse(str);
            if (d < 0) errs_add(e, k, "invalid_choice", "'date_order' must be auto, dmy, mdy or ymd");
            else s->dates = (date_order)d;
        } else if (!strcmp(k, "region")) {
            if (json_is_null(v)) s->region = NULL;
            else if (!str || !phone_region_valid(str)) errs_add(e, k, "invalid_region", "'region' must be a country code such as RU, PL, ES, CZ");
            else s->region = arena_strdup(a, str);
        } else if (!strcmp(k, "on_duplicate")) {
            int d = str ? name_index(dup_names, 3, str) : -1;
            if (d < 0) errs_add(e, k, "invalid_choice", "'on_duplicate' must be skip, update or create");
            else s->on_duplicate = (import_dup)d;
        } else if (!strcmp(k, "match")) {
            unsigned m = 0;
            bool bad = false;
            if (json_is_array(v)) {
                size_t i;
                json_t *x;
                json_array_foreach(v, i, x) {
                    unsigned b = json_is_string(x) ? match_parse_one(json_string_value(x), json_string_length(x)) : 0;
                    bad |= !b;
                    m |= b;
                }
            } else if (str) {
                for (const char *p = str; *p && !bad;) {
                    size_t n = strcspn(p, ",");
                    unsigned b = match_parse_one(p, n);
                    bad |= !b;
                    m |= b;
                    p += n + (p[n] == ',');
                }
            } else if (!json_is_null(v)) {
                bad = true;
            }
            if (bad) errs_add(e, k, "invalid_choice", "'match' must list phone, email, tax_id or field");
            else s->match = m;
        } else if (!strcmp(k, "match_field")) {
            if (json_is_null(v)) s->match_field = NULL;
            else if (!str || !*str || json_string_length(v) > 100) errs_add(e, k, "invalid_type", "'match_field' must be a field name");
            else s->match_field = arena_strdup(a, str);
        } else if (!strcmp(k, "owner_id")) {
            if (json_is_null(v)) s->owner_id = 0;
            else if (!json_is_integer(v) || json_integer_value(v) <= 0) errs_add(e, k, "invalid_type", "'owner_id' must be a user id");
            else s->owner_id = json_integer_value(v);
        } else if (!strcmp(k, "dry_run")) {
            if (!json_is_boolean(v)) errs_add(e, k, "invalid_type", "'dry_run' must be true or false");
            else s->dry_run = json_is_true(v);
        } else {
            errs_add(e, k, "unknown_field", "unknown setting '%s'", k);
        }
    }
    /* people are the same by phone or email, firms by tax id; deals only by a chosen field */
    if (!s->match && !strcmp(s->object, "contacts")) s->match = MATCH_PHONE | MATCH_EMAIL;
    if (!s->match && !strcmp(s->object, "companies")) s->match = MATCH_TAX_ID;
    if ((s->match & (MATCH_PHONE | MATCH_EMAIL)) && !strcmp(s->object, "deals"))
        errs_add(e, "match", "invalid_choice", "deals have no phone or email to match by; use a field");
    if ((s->match & MATCH_FIELD) && !s->match_field)
        errs_add(e, "match_field", "required", "matching by field needs 'match_field': the field to compare");
    if ((s->match & MATCH_TAX_ID) && strcmp(s->object, "companies"))
        errs_add(e, "match", "invalid_choice", "only companies have a tax id to match by");
    return e->n > before ? -1 : 0;
}

void import_settings_write(const import_settings *s, jw *w)
{
    jw_obj(w);
    jw_kstr(w, "object", s->object);
    jw_kstr(w, "format", format_names[s->format]);
    jw_kstr(w, "encoding", s->encoding);
    char d[2] = {s->delimiter, 0};
    jw_kstr(w, "delimiter", s->delimiter == '\t' ? "tab" : s->delimiter ? d : NULL);
    jw_kstr(w, "sheet", s->sheet);
    jw_key(w, "mapping");
    if (s->mapping) {
        char *m = json_dumps(s->mapping, JSON_COMPACT);
        jw_raw(w, m);
        free(m);
    } else {
        jw_null(w);
    }
    jw_kbool(w, "guess", s->guess);
    static const char *const orders[] = {"auto", "dmy", "mdy", "ymd"};
    jw_kstr(w, "date_order", orders[s->dates]);
    jw_kstr(w, "region", s->region);
    jw_kstr(w, "on_duplicate", dup_names[s->on_duplicate]);
    jw_key(w, "match");
    jw_arr(w);
    for (int i = 0; i < 4; i++) if (s->match & (1u << i)) jw_str(w, match_names[i]);
    jw_arr_end(w);
    jw_kstr(w, "match_field", s->match_field);
    jw_key(w, "owner_id");
    if (s->owner_id) jw_int(w, s->owner_id); else jw_null(w);
    jw_kbool(w, "dry_run", s->dry_run);
    jw_obj_end(w);
}

/* ---------- what can be imported ---------- */

static const object_kind kinds[] = {
    {"contacts", "contact", &contact_resource, "company", "company", &company_resource, MATCH_PHONE | MATCH_EMAIL},
    {"companies", "company", &company_resource, "contact", "contact", &contact_resource, MATCH_TAX_ID},
    {"deals", "deal", &deal_resource, "company", "company", &company_resource, 0},
};

static const resource *resource_named(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kinds[i].name, name)) return kinds[i].res;
    return NULL;
}

static const object_kind *kind_of(const char *plural)
{
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kinds[i].plural, plural)) return &kinds[i];
    return NULL;
}

static void json_decref_cb(void *p) { json_decref(p); }

json_t *job_linked_body(ctx *c, json_t *linked, json_t *record)
{
    json_t *body = json_deep_copy(linked);
    arena_defer(c->a, json_decref_cb, body);
    json_t *owner = json_object_get(record, "owner_id");
    if (owner) json_object_set(body, "owner_id", owner);
    return body;
}

static void schema_add_resource(map_schema *s, ctx *c, const resource *res, const char *prefix, bool main)
{
    char path[128];
#define PATH(n) (snprintf(path, sizeof path, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", (n)), path)
    bool names = false;
    for (const field_def *f = res->fields; f->name; f++) {
        if (f->flags & (FF_READONLY | FF_WRITEONLY)) continue;
        map_value t;
        json_t *choices = NULL;
        switch (f->type) {
        case FT_INT: case FT_REF: t = MV_INT; break;
        case FT_REAL: t = MV_REAL; break;
        case FT_BOOL: t = MV_BOOL; break;
        case FT_DATE: t = MV_DATE; break;
        case FT_TIME: t = MV_TIME; break;
        case FT_ENUM:
            t = MV_ENUM;
            choices = json_array();
            for (const char *const *v = f->values; *v; v++) json_array_append_new(choices, json_string(*v));
            arena_defer(c->a, json_decref_cb, choices);
            break;
        case FT_JSON:
            if (!strcmp(f->name, "phones")) t = MV_PHONES;
            else if (!strcmp(f->name, "emails")) t = MV_EMAILS;
            else if (!strcmp(f->name, "tags")) t = MV_LIST;
            else if (!strcmp(f->name, "addresses")) t = MV_ADDRESS;
            else continue;   /* structured members (bank details, links) are not cells */
            break;
        default: t = MV_TEXT; break;
        }
        if (!strcmp(f->name, "owner_id")) {
            if (main) map_schema_add(s, "owner", MV_OWNER, NULL, NULL);
            continue;
        }
        if (res == &deal_resource && !strcmp(f->name, "amount")) t = MV_MONEY;   /* minor units (deal.h) */
        names |= !strcmp(f->name, "first_name");
        map_schema_add(s, PATH(f->name), t, choices, NULL);
    }
    if (names) map_schema_add(s, PATH("full_name"), MV_FULL_NAME, NULL, NULL);
    if (res == &deal_resource) {   /* by name; the job finds the ids */
        map_schema_add(s, PATH("pipeline"), MV_TEXT, NULL, NULL);
        map_schema_add(s, PATH("stage"), MV_TEXT, NULL, NULL);
    }
    if (res->custom_fields) {
        size_t n;
        const custom_field_def *d = custom_field_defs(c, res->name, &n);
        for (size_t i = 0; i < n; i++) {
            const char *ty = d[i].type;
            map_value t = !strcmp(ty, "number") ? MV_REAL : !strcmp(ty, "money") ? MV_MONEY : !strcmp(ty, "date") ? MV_DATE
                        : !strcmp(ty, "bool") ? MV_BOOL : !strcmp(ty, "enum") ? MV_ENUM : !strcmp(ty, "multi-enum") ? MV_MULTI_ENUM
                        : !strcmp(ty, "phone") ? MV_PHONE : !strcmp(ty, "user") ? MV_INT : MV_TEXT;
            char name[100];
            snprintf(name, sizeof name, "custom_fields.%s", d[i].name);
            map_schema_add(s, PATH(name), t, d[i].options, d[i].label);
        }
    }
#undef PATH
}

/* ---------- a set of keys already seen in the file (dry runs and previews) ---------- */

uint64_t job_key_hash(const char *kind, const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = kind; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = key; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h ? h : 1;
}

static size_t keyset_find(const keyset *s, uint64_t h)
{
    size_t i = (size_t)h & (s->cap - 1);
    while (s->keys[i] && s->keys[i] != h) i = (i + 1) & (s->cap - 1);
    return i;
}

static long long keyset_get(const keyset *s, uint64_t h)
{
    if (!s->cap) return 0;
    size_t i = keyset_find(s, h);
    return s->keys[i] ? s->lines[i] : 0;
}

static void keyset_put(keyset *s, uint64_t h, long long line)
{
    if ((s->n + 1) * 2 > s->cap) {
        keyset old = *s;
        s->cap = old.cap ? old.cap * 2 : 1024;
        s->keys = calloc(s->cap, sizeof *s->keys);
        s->lines = calloc(s->cap, sizeof *s->lines);
        if (!s->keys || !s->lines) abort();
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                size_t j = keyset_find(s, old.keys[i]);
                s->keys[j] = old.keys[i];
                s->lines[j] = old.lines[i];
            }
        free(old.keys);
        free(old.lines);
    }
    size_t i = keyset_find(s, h);
    if (!s->keys[i]) { s->keys[i] = h; s->n++; }
    s->lines[i] = (uint32_t)line;
}

static void keyset_free(keyset *s) { free(s->keys); free(s->lines); memset(s, 0, sizeof *s); }

/* ---------- the job ---------- */

static int job_open(job *j, ctx *c, long long id, const import_record *rec, char *err, size_t errlen)
{
    memset(j, 0, sizeof *j);
    j->c = c;
    j->id = id;
    j->owners.a = c->a;
    import_settings_default(&j->set);
    errs e;
    errs_init(&e, c->a);
    json_t *sj = json_loads(rec->settings ? rec->settings : "{}", 0, NULL);
    if (sj) arena_defer(c->a, json_decref_cb, sj);
    if (!sj || import_settings_parse(c->a, sj, &j->set, &e) != 0) {
        snprintf(err, errlen, "the stored settings are invalid: %s", e.n ? e.v[0].message : "not JSON");
        return -1;
    }
    j->kind = kind_of(j->set.object);
    if (!j->kind) { snprintf(err, errlen, "cannot import %s", j->set.object); return -1; }
    /* the import checks duplicates itself and reports them per row: the API's warnings
     * would cost queries per row that nobody reads */
    j->res = *j->kind->res;
    j->res.warnings = NULL;
    j->linked_res = *j->kind->linked_res;
    j->linked_res.warnings = NULL;
    j->match = j->set.match ? j->set.match : j->kind->default_match;
    j->opts.store_region = config_region();
    j->opts.region = j->set.region ? j->set.region : config_region();
    j->request_id = arena_printf(c->a, "import-%lld", id);
    buf_init(&j->out, 0);
    import_options o = {.encoding = j->set.encoding, .delimiter = j->set.delimiter, .sheet = j->set.sheet};
    if (!rec->file_path || import_open(&j->rd, j->set.format, rec->file_path, &o, err, errlen) != 0) {
        if (!rec->file_path) snprintf(err, errlen, "the import has no file");
        buf_release(&j->out);
        return -1;
    }
    return 0;
}

static void job_close(job *j)
{
    import_close(j->rd);
    keyset_free(&j->seen);
    buf_release(&j->out);
}

/* the row as read, padded to the header's width (sheets leave trailing empty cells out) */
static const char *cells_json(arena *a, const import_row *row, size_t width)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < row->ncells; i++) json_array_append_new(arr, json_stringn(row->cells[i], row->lens[i]));
    for (size_t i = row->ncells; i < width; i++) json_array_append_new(arr, json_string(""));
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    const char *r = arena_strdup(a, s ? s : "[]");
    free(s);
    return r;
}

/* reads the header row and pairs it with fields; errors describe the mapping problem */
static int job_header(job *j, errs *e, char *err, size_t errlen)
{
    import_row row;
    int rc;
    char rerr[400];
    rc = import_next(j->rd, &row, rerr, sizeof rerr);
    if (rc <= 0) {
        if (rc == 0) snprintf(err, errlen, "the file is empty: no header row");
        else snprintf(err, errlen, "cannot read the header row: %s", rerr);
        return -1;
    }
    /* the header must outlive the reader's row buffer */
    j->header_cells = arena_alloc(j->c->a, (row.ncells ? row.ncells : 1) * sizeof *j->header_cells);
    j->header_lens = arena_alloc(j->c->a, (row.ncells ? row.ncells : 1) * sizeof *j->header_lens);
    for (size_t i = 0; i < row.ncells; i++) {
        j->header_cells[i] = arena_strndup(j->c->a, row.cells[i], row.lens[i]);
        j->header_lens[i] = row.lens[i];
    }
    j->header = (import_row){row.ncells, j->header_cells, j->header_lens, row.line};
    map_schema_init(&j->schema, j->c->a, j->kind->plural);
    j->schema.linked = j->kind->linked;
    schema_add_resource(&j->schema, j->c, j->kind->res, NULL, true);
    schema_add_resource(&j->schema, j->c, j->kind->linked_res, j->kind->linked, false);
    int r = mapping_build(&j->map, j->c->a, &j->schema, &j->header, j->set.mapping, j->set.guess, j->set.dates, e);
    j->map.labelled = j->set.format == IMPORT_VCARD;
    if (j->set.match & MATCH_FIELD && !map_schema_find(&j->schema, j->set.match_field)) {
        errs_add(e, "match_field", "unknown_field", "'%s' is not a field of %s", j->set.match_field, j->kind->plural);
        r = -1;
    }
    return r;
}

/* "column 'E-mail': 'emails[0].value' is not an email address; ..." */
const char *job_reason(job *j, arena *a, const errs *e, const char *prefix)
{
    buf b;
    buf_init(&b, 0);
    if (prefix) buf_adds(&b, prefix);
    for (size_t i = 0; i < e->n; i++) {
        if (b.len) buf_adds(&b, "; ");
        const char *f = e->v[i].field;
        const char *col = NULL;
        if (f)
            for (size_t k = 0; k < j->map.n && !col; k++) {
                const map_column *mc = &j->map.cols[k];
                if (!mc->target) continue;
                const char *t = mc->target->path;
                size_t tl = strlen(t);
                if (!strncmp(f, t, tl) && (f[tl] == 0 || f[tl] == '[' || f[tl] == '.')) col = mc->header;
            }
        if (col && !strstr(e->v[i].message, "column '")) buf_printf(&b, "column '%s': ", col);
        buf_adds(&b, e->v[i].message);
    }
    const char *r = arena_strdup(a, b.data);
    buf_release(&b);
    return r;
}

long long job_owner(owner_cache *oc, ctx *c, const char *text)
{
    for (int i = 0; i < oc->n; i++) if (!strcmp(oc->v[i].text, text)) return oc->v[i].id;
    long long id = match_user(c, text);
    if (id >= 0 && oc->n < OWNER_CACHE) {
        oc->v[oc->n].text = arena_strdup(oc->a, text);
        oc->v[oc->n++].id = id;
    }
    return id;
}

size_t job_row_keys(job *j, arena *a, const mapped_row *m, dup_key **out)
{
    size_t cap = m->nphone_keys + m->nemail_keys + 2, n = 0;
    dup_key *k = arena_alloc(a, cap * sizeof *k);
    if (j->match & MATCH_PHONE)
        for (size_t i = 0; i < m->nphone_keys; i++) k[n++] = (dup_key){"phone", m->phone_keys[i]};
    if (j->match & MATCH_EMAIL)
        for (size_t i = 0; i < m->nemail_keys; i++) k[n++] = (dup_key){"email", m->email_keys[i]};
    if (j->match & MATCH_TAX_ID) {
        const char *t = json_string_value(json_object_get(m->record, "tax_id"));
        if (t && *company_tax_key(a, t)) k[n++] = (dup_key){"tax id", company_tax_key(a, t)};
    }
    if (j->match & MATCH_FIELD) {
        json_t *obj = m->record;
        const char *name = j->set.match_field;
        if (!strncmp(name, "custom_fields.", 14)) { obj = json_object_get(obj, "custom_fields"); name += 14; }
        json_t *v = json_object_get(obj, name);
        if (json_is_string(v)) k[n++] = (dup_key){j->set.match_field, arena_strdup(a, json_string_value(v))};
        else if (v && !json_is_null(v)) {
            char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            k[n++] = (dup_key){j->set.match_field, arena_strdup(a, s)};
            free(s);
        }
    }
    *out = k;
    return n;
}

long long job_find_dup(job *j, ctx *c, const dup_key *k)
{
    if (!strcmp(k->kind, "phone")) return match_phone(c, j->kind->res, j->kind->name, k->key);
    if (!strcmp(k->kind, "email")) return match_email(c, j->kind->res, j->kind->name, k->key);
    if (!strcmp(k->kind, "tax id")) return match_tax_id(c, k->key);
    return match_field(c, j->kind->res, k->kind, k->key);
}

/* same entry of a stored list, compared the way the card compares them */
static bool list_has(json_t *list, const char *member, json_t *item, const char *region)
{
    size_t i;
    json_t *x;
    if (!strcmp(member, "phones")) {
        const char *v = json_string_value(json_object_get(item, "value"));
        phone_result pr;
        const char *e164 = v && phone_parse(v, strlen(v), region, &pr) == 0 ? pr.e164 : NULL;
        json_array_foreach(list, i, x) {
            const char *xe = json_string_value(json_object_get(x, "e164"));
            const char *xv = json_string_value(json_object_get(x, "value"));
            if ((e164 && xe && !strcmp(e164, xe)) || (v && xv && !strcmp(v, xv))) return true;
        }
        return false;
    }
    if (!strcmp(member, "emails")) {
        const char *v = json_string_value(json_object_get(item, "value"));
        json_array_foreach(list, i, x) {
            const char *xv = json_string_value(json_object_get(x, "value"));
            if (v && xv && !strcasecmp(v, xv)) return true;
        }
        return false;
    }
    if (!strcmp(member, "addresses")) {
        const char *v = json_string_value(json_object_get(item, "street"));
        json_array_foreach(list, i, x) {
            const char *xv = json_string_value(json_object_get(x, "street"));
            if (v && xv && !strcmp(v, xv)) return true;
        }
        return false;
    }
    json_array_foreach(list, i, x) if (json_equal(x, item)) return true;
    return false;
}

/* an update adds to the card's lists instead of replacing them, and remembers the old
 * value of every member it writes (the undo of this row) */
static const char *merge_for_update(json_t *rec, json_t *before, arena *a, const char *region)
{
    static const char *const lists[] = {"phones", "emails", "tags", "addresses", "company_ids", NULL};
    for (const char *const *l = lists; *l; l++) {
        json_t *nv = json_object_get(rec, *l), *ov = json_object_get(before, *l);
        if (!json_is_array(nv) || !json_is_array(ov)) continue;
        json_t *merged = json_deep_copy(ov);
        size_t i;
        json_t *x;
        json_array_foreach(nv, i, x) if (!list_has(ov, *l, x, region)) json_array_append(merged, x);
        json_object_set_new(rec, *l, merged);
    }
    json_t *undo = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(rec, k, v) {
        if (!strcmp(k, "custom_fields")) {
            json_t *old = json_object_get(before, "custom_fields"), *cf = json_object();
            const char *ck;
            json_t *cv;
            json_object_foreach(v, ck, cv) {
                json_t *o = json_object_get(old, ck);
                json_object_set(cf, ck, o ? o : json_null());
            }
            json_object_set_new(undo, k, cf);
            continue;
        }
        json_t *o = json_object_get(before, k);
        json_object_set(undo, k, o ? o : json_null());
    }
    char *s = json_dumps(undo, JSON_COMPACT);
    json_decref(undo);
    const char *r = arena_strdup(a, s);
    free(s);
    return r;
}

/* version of the record just written to out: {"id":N,"version":M,... */
static long long out_version(const buf *out)
{
    const char *v = strstr(out->data, ",\"version\":");
    return v && v - out->data < 40 ? strtoll(v + 11, NULL, 10) : 0;
}

/* the answer of a create is only read by previews; elsewhere resource_create is spared
 * writing it (a fifth of a create's cost) and the version is asked for */
static buf *create_out(job *j)
{
    buf_reset(&j->out);
    return j->preview ? &j->out : NULL;
}

static long long created_version(ctx *c, const resource *res, long long id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    return db_scalar(c->db, arena_printf(c->a, "SELECT version FROM %s WHERE id = ?", res->table), &p, 0);
}

const char *job_status_reason(const resource *res, int st, const errs *e, job *j, arena *a)
{
    if (e->n) return job_reason(j, a, e, NULL);
    switch (st) {
    case 403: return arena_printf(a, "your role does not allow writing this %s", res->name);
    case 404: return arena_printf(a, "the %s is gone", res->name);
    case 409: return "the row conflicts with existing data";
    case 412: return arena_printf(a, "the %s was changed at the same time", res->name);
    default: return arena_printf(a, "failed with status %d", st);
    }
}

static bool fatal_status(int st) { return st == 500 || st == 503; }

/* the company a contact row names: found by tax id or exact name, else created */
static int link_company(job *j, ctx *c, const mapped_row *m, long long line, long long *company_id, bool *created, const char **reason)
{
    json_t *l = m->linked;
    *company_id = 0;
    *created = false;
    const char *name = json_string_value(json_object_get(l, "name"));
    const char *tax = json_string_value(json_object_get(l, "tax_id"));
    long long id = 0;
    if (tax) id = match_tax_id(c, tax);
    if (id == 0 && name) id = match_company_name(c, name);
    if (id < 0) return -1;
    if (id == 0) {
        if (!name) {
            *reason = arena_printf(c->a, "no company with tax id '%s' and no company name to create one", tax ? tax : "");
            return 0;
        }
        json_t *body = job_linked_body(c, l, m->record);
        errs e;
        errs_init(&e, c->a);
        int st = resource_create(c, &j->linked_res, body, &id, create_out(j), &e);
        if (fatal_status(st)) return -1;
        if (st != 201) {
            *reason = job_reason(j, c->a, &e, "company: ");
            if (!e.n) *reason = arena_printf(c->a, "company: %s", job_status_reason(&j->linked_res, st, &e, j, c->a));
            return 0;
        }
        *created = true;
        if (!j->set.dry_run && !j->preview &&
            import_store_row(c, j->id, line, "created", "company", id, created_version(c, &company_resource, id), NULL, NULL, NULL) != 0)
            return -1;
    }
    *company_id = id;
    return 0;
}

/* the contact person a company row names: linked to an existing contact with the same
 * phone or email, else created */
static int link_contact(job *j, ctx *c, const mapped_row *m, long long company_id, long long line, const char **reason)
{
    json_t *body = m->linked;
    long long id = 0;
    json_t *list;
    size_t i;
    json_t *x;
    list = json_object_get(body, "phones");
    json_array_foreach(list, i, x) {
        const char *v = json_string_value(json_object_get(x, "value"));
        phone_result pr;
        if (!id && v && phone_parse(v, strlen(v), j->opts.store_region, &pr) == 0) id = match_phone(c, &contact_resource, "contact", pr.e164);
    }
    list = json_object_get(body, "emails");
    json_array_foreach(list, i, x) {
        const char *v = json_string_value(json_object_get(x, "value"));
        if (!id && v) {
            char *low = arena_strdup(c->a, v);
            for (char *q = low; *q; q++) if (*q >= 'A' && *q <= 'Z') *q = (char)(*q + 32);
            id = match_email(c, &contact_resource, "contact", low);
        }
    }
    if (id < 0) return -1;
    errs e;
    errs_init(&e, c->a);
    buf_reset(&j->out);
    int st;
    if (id) {
        json_t *link = json_pack("{s:[I]}", "company_ids", (json_int_t)company_id);
        arena_defer(c->a, json_decref_cb, link);
        json_t *before = resource_load(c, &contact_resource, id, ACT_WRITE);
        const char *undo = before ? merge_for_update(link, before, c->a, j->opts.store_region) : NULL;
        st = resource_update(c, &j->linked_res, id, link, 0, &j->out, &e);
        if (st == 200 && !j->set.dry_run && !j->preview &&
            import_store_row(c, j->id, line, "updated", "contact", id, out_version(&j->out), NULL, NULL, undo) != 0)
            return -1;
    } else {
        json_t *copy = job_linked_body(c, body, m->record);
        json_object_set_new(copy, "company_ids", json_pack("[I]", (json_int_t)company_id));
        st = resource_create(c, &j->linked_res, copy, &id, create_out(j), &e);
        if (st == 201 && !j->set.dry_run && !j->preview &&
            import_store_row(c, j->id, line, "created", "contact", id, created_version(c, &contact_resource, id), NULL, NULL, NULL) != 0)
            return -1;
    }
    if (fatal_status(st)) return -1;
    if (st != 200 && st != 201) *reason = arena_printf(c->a, "contact person: %s", job_status_reason(&contact_resource, st, &e, j, c->a));
    return 0;
}

const char *job_dup_reason(job *j, ctx *c, const dup_key *k, long long dup_id, long long dup_line)
{
    if (!dup_line && dup_id && !j->set.dry_run && !j->preview) dup_line = import_store_line_of(c, j->id, j->kind->name, dup_id);
    if (dup_line && dup_id)
        return arena_printf(c->a, "duplicate of line %lld (%s %lld, same %s %s)", dup_line, j->kind->name, dup_id, k->kind, k->key);
    if (dup_line) return arena_printf(c->a, "duplicate of line %lld (same %s %s)", dup_line, k->kind, k->key);
    return arena_printf(c->a, "duplicate of %s %lld (same %s %s)", j->kind->name, dup_id, k->kind, k->key);
}

/* a previewed record is rolled back: its id, version and times are not the ones it will get */
static const char *preview_record(arena *a, const buf *out)
{
    json_t *j = json_loadb(out->data, out->len, 0, NULL);
    if (!j) return NULL;
    static const char *const drop[] = {"id", "version", "created_at", "updated_at", NULL};
    for (const char *const *d = drop; *d; d++) json_object_del(j, *d);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    const char *r = arena_strdup(a, s ? s : "null");
    free(s);
    return r;
}

/* a deal row names its pipeline and stage by name: the ids replace them; the amount, read
 * with two decimals, takes the minor units of the deal's currency */
static int place_deal(ctx *c, json_t *rec, errs *e)
{
    const char *pname = json_string_value(json_object_get(rec, "pipeline"));
    const char *sname = json_string_value(json_object_get(rec, "stage"));
    long long pid = json_integer_value(json_object_get(rec, "pipeline_id"));
    if (pname) {
        pid = match_pipeline(c, pname);
        if (pid <= 0) errs_add(e, "pipeline", "invalid_reference", "there is no pipeline named '%s'", pname);
        else json_object_set_new(rec, "pipeline_id", json_integer(pid));
    }
    if (sname && !e->n) {
        if (!pid) pid = pipeline_default(c);
        long long sid = pid > 0 ? match_stage(c, pid, sname) : 0;
        if (sid <= 0) errs_add(e, "stage", "invalid_reference", "pipeline %lld has no stage named '%s'", pid, sname);
        else {
            json_object_set_new(rec, "stage_id", json_integer(sid));
            if (!json_object_get(rec, "pipeline_id")) json_object_set_new(rec, "pipeline_id", json_integer(pid));
        }
    }
    json_object_del(rec, "pipeline");
    json_object_del(rec, "stage");
    json_t *amount = json_object_get(rec, "amount");
    if (json_is_integer(amount)) {
        const char *cur = json_string_value(json_object_get(rec, "currency"));
        if (!cur) cur = pipeline_currency(c, pid ? pid : pipeline_default(c));
        int units = cur ? currency_minor_units(cur) : 2;
        if (units >= 0 && units != 2) {
            double v = (double)json_integer_value(amount);
            for (int i = units; i < 2; i++) v /= 10;
            for (int i = 2; i < units; i++) v *= 10;
            json_object_set_new(rec, "amount", json_integer((json_int_t)llround(v)));
        }
    }
    return e->n ? -1 : 0;
}

/* one data row: returns 0 with the outcome, -1 when the database failed (the job stops) */
int job_process(job *j, ctx *c, const import_row *row, outcome *o)
{
    memset(o, 0, sizeof *o);
    errs *e = arena_alloc(c->a, sizeof *e);
    errs_init(e, c->a);
    o->e = e;
    mapped_row m;
    if (mapping_apply(&j->map, row, &j->opts, c->a, &m, e) != 0) {
        o->action = "rejected";
        o->reason = job_reason(j, c->a, e, NULL);
        return 0;
    }
    if (m.empty) { o->action = "skipped"; o->reason = "empty row"; return 0; }
    if (m.owner) {
        long long uid = job_owner(&j->owners, c, m.owner);
        if (uid < 0) return -1;
        if (!uid) {
            errs_add(e, "owner", "invalid_reference", "no active user '%s' to own the card", m.owner);
            o->action = "rejected";
            o->reason = job_reason(j, c->a, e, NULL);
            return 0;
        }
        json_object_set_new(m.record, "owner_id", json_integer(uid));
    }

    if (j->kind->res == &deal_resource && place_deal(c, m.record, e) != 0) {
        o->action = "rejected";
        o->reason = job_reason(j, c->a, e, NULL);
        return 0;
    }

    /* duplicates: in the database (which holds this file's earlier rows too, except in
     * dry runs and previews, which remember the file's keys instead) */
    dup_key *keys = NULL;
    size_t nkeys = j->set.on_duplicate == DUP_CREATE ? 0 : job_row_keys(j, c->a, &m, &keys);
    const dup_key *hit = NULL;
    bool remember = j->set.dry_run || j->preview;
    for (size_t i = 0; i < nkeys && !o->dup_id; i++) {
        long long id = job_find_dup(j, c, &keys[i]);
        if (id < 0) return -1;
        if (id) { o->dup_id = id; hit = &keys[i]; }
    }
    for (size_t i = 0; i < nkeys && remember && !o->dup_line; i++) {
        long long line = keyset_get(&j->seen, job_key_hash(keys[i].kind, keys[i].key));
        if (line) { o->dup_line = line; if (!hit) hit = &keys[i]; }
    }
    if (hit && j->set.on_duplicate == DUP_SKIP) {
        o->action = "skipped";
        o->reason = job_dup_reason(j, c, hit, o->dup_id, o->dup_line);
        return 0;
    }
    bool update = o->dup_id && j->set.on_duplicate == DUP_UPDATE;

    /* the row's writes roll back together when any of them fails (and always in a dry run).
     * A savepoint costs as much as the rest of a simple row (FTS tables take part in it),
     * so it is left out where a failed row cannot have written anything: a create or update
     * fails after writing only when a linked record was made first or the role's own/team
     * scope refuses the written card; any other failure is a database error that rolls
     * the whole batch back. */
    bool guard = remember || m.linked || resource_level(c, j->kind->res, ACT_WRITE) != SCOPE_ALL;
    size_t search_mark = search_batch_mark();   /* full-text rows wait for the batch's end */
    if (guard && db_exec(c->db, "SAVEPOINT import_row") != 0) return -1;
    int st = 0;
    bool ok = false;
    const char *reason = NULL;
    if (m.linked && j->kind->linked_res == &company_resource) {
        long long cid;
        bool created;
        if (link_company(j, c, &m, (long long)row->line, &cid, &created, &reason) != 0) goto fatal;
        if (cid && j->kind->res == &deal_resource) json_object_set_new(m.record, "company_id", json_integer(cid));
        else if (cid) json_object_set_new(m.record, "company_ids", json_pack("[I]", (json_int_t)cid));
    }
    if (!reason) {
        buf_reset(&j->out);
        if (update) {
            json_t *before = resource_load(c, j->kind->res, o->dup_id, ACT_WRITE);
            if (before) o->before = merge_for_update(m.record, before, c->a, j->opts.store_region);
            st = resource_update(c, &j->res, o->dup_id, m.record, 0, &j->out, e);
            o->id = o->dup_id;
            ok = st == 200;
        } else {
            if (j->set.owner_id && !json_object_get(m.record, "owner_id"))
                json_object_set_new(m.record, "owner_id", json_integer(j->set.owner_id));
            st = resource_create(c, &j->res, m.record, &o->id, create_out(j), e);
            ok = st == 201;
        }
        if (fatal_status(st)) goto fatal;
        if (!ok) reason = job_status_reason(&j->res, st, e, j, c->a);
    }
    if (ok && m.linked && j->kind->res == &company_resource) {
        if (link_contact(j, c, &m, o->id, (long long)row->line, &reason) != 0) goto fatal;
        ok = reason == NULL;
    }
    if (ok) {
        o->version = update ? out_version(&j->out) : created_version(c, j->kind->res, o->id);
        o->action = update || o->dup_line ? "updated" : "created";
        if (j->preview) o->record = preview_record(c->a, &j->out);
    } else {
        o->action = "rejected";
        o->reason = reason;
    }
    bool keep = ok && !j->set.dry_run && !j->preview;
    if (guard && !keep) {
        search_batch_undo(search_mark);
        if (db_exec(c->db, "ROLLBACK TO import_row") != 0) return -1;
    }
    if (guard && db_exec(c->db, "RELEASE import_row") != 0) return -1;
    if (ok && remember)
        for (size_t i = 0; i < nkeys; i++) keyset_put(&j->seen, job_key_hash(keys[i].kind, keys[i].key), (long long)row->line);
    return 0;
fatal:
    if (guard) {
        search_batch_undo(search_mark);
        db_exec(c->db, "ROLLBACK TO import_row");
        db_exec(c->db, "RELEASE import_row");
    }
    return -1;
}

long long job_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count(import_counts *n, const char *action)
{
    n->read++;
    if (!strcmp(action, "created")) n->created++;
    else if (!strcmp(action, "updated")) n->updated++;
    else if (!strcmp(action, "skipped")) n->skipped++;
    else n->rejected++;
}

int job_log(job *j, ctx *c, const import_row *row, const outcome *o)
{
    count(&j->n, o->action);
    bool report = !strcmp(o->action, "rejected") || !strcmp(o->action, "skipped");
    bool undo_log = !j->set.dry_run && (!strcmp(o->action, "created") || !strcmp(o->action, "updated"));
    if (!report && !undo_log) return 0;
    return import_store_row(c, j->id, (long long)row->line, o->action, report ? NULL : j->kind->name,
                            report ? o->dup_id : o->id, o->version, o->reason,
                            report ? cells_json(c->a, row, j->header.ncells) : NULL, o->before);
}

int job_log_unreadable(job *j, ctx *c, size_t line, const char *reason)
{
    count(&j->n, "rejected");
    return import_store_row(c, j->id, (long long)line, "rejected", NULL, 0, 0, reason, NULL, NULL);
}

/* one step of the reader: 1 a row (processed and logged), 0 end, -1 database failure */
static int step(job *j, import_row *row, char *rerr, size_t rerrlen)
{
    int rc = import_next(j->rd, row, rerr, rerrlen);
    if (rc == 0) return 0;
    arena ra;
    arena_init(&ra);
    ctx rc_ctx = *j->c;
    rc_ctx.a = &ra;
    rc_ctx.request_id = j->request_id;
    int result = 1;
    if (rc < 0) {   /* a source row the reader could not read: rejected with its reason */
        if (job_log_unreadable(j, &rc_ctx, row->line, rerr[0] ? rerr : "the row cannot be read") != 0) result = -1;
        if (import_fatal(j->rd)) result = result < 0 ? -1 : 0;
        arena_release(&ra);
        return result;
    }
    outcome o;
    if (job_process(j, &rc_ctx, row, &o) != 0) {
        arena_release(&ra);
        return -1;
    }
    if (job_log(j, &rc_ctx, row, &o) != 0) result = -1;
    arena_release(&ra);
    return result;
}

int import_run(ctx *c, long long id, const import_hooks *h, import_counts *n, char *err, size_t errlen)
{
    import_record rec;
    err[0] = 0;
    int lr = import_store_load(c, id, &rec);
    if (lr != 1) { snprintf(err, errlen, lr == 0 ? "no import %lld" : "cannot read import %lld", id); return -1; }
    job j;
    if (job_open(&j, c, id, &rec, err, errlen) != 0) {
        import_store_finish(c, id, "failed", err);
        return -1;
    }
    errs e;
    errs_init(&e, c->a);
    int rc = -1;
    bool stopping = false, cancelled = false;
    if (job_header(&j, &e, err, errlen) != 0) {
        if (e.n) snprintf(err, errlen, "%s", job_reason(&j, c->a, &e, "mapping: "));
        goto done;
    }
    json_t *cols = json_array();
    for (size_t i = 0; i < j.header.ncells; i++) json_array_append_new(cols, json_string(j.header_cells[i]));
    char *cj = json_dumps(cols, JSON_COMPACT);
    json_decref(cols);
    int sr = db_begin(c->db) == 0 && import_store_started(c, id, cj, import_detected_encoding(j.rd),
                                                           import_detected_delimiter(j.rd)) == 0 && db_commit(c->db) == 0;
    free(cj);
    if (!sr) { db_rollback(c->db); snprintf(err, errlen, "database: %s", db_errmsg(c->db)); goto done; }

    /* resume after the rows a previous run committed */
    j.n = rec.n;
    import_row row;
    char rerr[512];
    for (long long skip = rec.n.read; skip > 0; skip--)
        if (import_next(j.rd, &row, rerr, sizeof rerr) == 0) break;

    long long base_ms = rec.run_ms;
    if (import_bulk_fits(&j)) {
        if (import_bulk_run(&j, h, base_ms, &cancelled, &stopping, err, errlen) == 0) rc = 0;
        goto done;
    }
    long long started = job_now_ms();
    bool eof = false;
    while (!eof) {
        if (h && h->cancelled && h->cancelled(h->cls, &stopping)) { cancelled = true; break; }
        if (db_begin(c->db) != 0) { snprintf(err, errlen, "the database is busy: %s", db_errmsg(c->db)); goto done; }
        search_batch_begin();
        /* a batch ends after IMPORT_BATCH_ROWS rows or 250 ms, so the write lock is never
         * held long enough to stall the people working in the CRM meanwhile */
        long long t0 = job_now_ms();
        for (int k = 0; k < IMPORT_BATCH_ROWS; k++) {
            int s = step(&j, &row, rerr, sizeof rerr);
            if (s < 0) {
                snprintf(err, errlen, "database: %s", db_errmsg(c->db));
                db_rollback(c->db);
                goto done;
            }
            if (s == 0) { eof = true; break; }
            if ((k & 63) == 63 && job_now_ms() - t0 > 250) break;
        }
        long long ms = base_ms + job_now_ms() - started;
        if (search_batch_flush(c) != 0 ||
            import_store_progress(c, id, &j.n, (long long)import_bytes_read(j.rd), (long long)import_bytes_total(j.rd), ms) != 0 ||
            db_commit(c->db) != 0) {
            snprintf(err, errlen, "database: %s", db_errmsg(c->db));
            db_rollback(c->db);
            goto done;
        }
        if (h && h->progress) h->progress(h->cls, &j.n, import_bytes_read(j.rd), import_bytes_total(j.rd));
    }
    rc = 0;
done:
    search_batch_end();
    if (n) *n = j.n;
    if (rc != 0) {
        log_error(j.request_id, "import failed: %s", err);
        import_store_finish(c, id, "failed", err);
    } else if (!stopping) {
        import_store_finish(c, id, cancelled ? "cancelled" : "done", NULL);
    }
    job_close(&j);
    return rc;
}

/* ---------- preview ---------- */

int import_preview(ctx *c, long long id, int rows, jw *w, char *err, size_t errlen)
{
    import_record rec;
    err[0] = 0;
    if (import_store_load(c, id, &rec) != 1) { snprintf(err, errlen, "no import %lld", id); return -1; }
    job j;
    if (job_open(&j, c, id, &rec, err, errlen) != 0) return -1;
    j.preview = true;
    errs e;
    errs_init(&e, c->a);
    int hr = job_header(&j, &e, err, errlen);
    if (hr != 0 && !e.n) { job_close(&j); return -1; }
    jw_obj(w);
    jw_kstr(w, "format", import_format_name(j.set.format));
    jw_kstr(w, "encoding", j.set.format == IMPORT_XLSX ? NULL : import_detected_encoding(j.rd));
    char d[2] = {import_detected_delimiter(j.rd), 0};
    jw_kstr(w, "delimiter", d[0] == '\t' ? "tab" : d[0] ? d : NULL);
    const char **sheets;
    size_t nsheets;
    jw_key(w, "sheets");
    if (import_sheets(j.rd, &sheets, &nsheets) == 0) {
        jw_arr(w);
        for (size_t i = 0; i < nsheets; i++) jw_str(w, sheets[i]);
        jw_arr_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "columns");
    jw_arr(w);
    for (size_t i = 0; i < j.header.ncells; i++) jw_str(w, j.header_cells[i]);
    jw_arr_end(w);
    jw_key(w, "fields");
    jw_arr(w);
    for (size_t i = 0; i < j.schema.n; i++) jw_str(w, j.schema.t[i].path);
    jw_arr_end(w);
    jw_key(w, "mapping");
    mapping_describe(&j.map, w);
    jw_key(w, "mapping_errors");
    jw_arr(w);
    for (size_t i = 0; i < e.n; i++) {
        jw_obj(w);
        jw_kstr(w, "field", e.v[i].field);
        jw_kstr(w, "code", e.v[i].code);
        jw_kstr(w, "message", e.v[i].message);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "rows");
    jw_arr(w);
    int rc = 0;
    if (hr == 0 && db_begin(c->db) == 0) {
        import_row row;
        char rerr[512];
        for (int k = 0; k < rows; k++) {
            int s = import_next(j.rd, &row, rerr, sizeof rerr);
            if (s == 0) break;
            arena ra;
            arena_init(&ra);
            ctx rcx = *c;
            rcx.a = &ra;
            rcx.request_id = j.request_id;
            jw_obj(w);
            jw_kint(w, "line", (long long)row.line);
            outcome o;
            if (s < 0) {
                jw_kstr(w, "action", "rejected");
                jw_kstr(w, "reason", rerr);
            } else if (job_process(&j, &rcx, &row, &o) != 0) {
                snprintf(err, errlen, "database: %s", db_errmsg(c->db));
                rc = -1;
            } else {
                jw_kstr(w, "action", o.action);
                if (o.record) jw_kraw(w, "record", o.record);
                if (o.reason) jw_kstr(w, "reason", o.reason);
                if (o.e->n) {
                    jw_key(w, "errors");
                    jw_arr(w);
                    for (size_t i = 0; i < o.e->n; i++) {
                        jw_obj(w);
                        jw_kstr(w, "field", o.e->v[i].field);
                        jw_kstr(w, "code", o.e->v[i].code);
                        jw_kstr(w, "message", o.e->v[i].message);
                        jw_obj_end(w);
                    }
                    jw_arr_end(w);
                }
                if (o.dup_id || o.dup_line) {
                    jw_key(w, "duplicate_of");
                    jw_obj(w);
                    if (o.dup_id) jw_kint(w, "id", o.dup_id);
                    if (o.dup_line) jw_kint(w, "line", o.dup_line);
                    jw_obj_end(w);
                }
            }
            jw_obj_end(w);
            arena_release(&ra);
            if (rc || (s < 0 && import_fatal(j.rd))) break;
        }
        db_rollback(c->db);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    job_close(&j);
    return rc;
}

/* ---------- undo ---------- */

enum { UNDO_BATCH = 500 };

int import_undo(ctx *c, long long id, const import_hooks *h, undo_counts *u, char *err, size_t errlen)
{
    err[0] = 0;
    memset(u, 0, sizeof *u);
    /* counts so far (an undo resumed after a restart goes on from them) */
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, "SELECT undo_deleted, undo_restored, undo_conflicts, undo_gone FROM imports WHERE id = ?", &p);
    if (cur && db_step(cur) == 1) {
        u->deleted = db_col_int(cur, 0);
        u->restored = db_col_int(cur, 1);
        u->conflicts = db_col_int(cur, 2);
        u->gone = db_col_int(cur, 3);
    }
    db_done(cur);
    bool stopping = false;
    /* versions this undo left on cards it restored: an import that updated one card twice
     * is undone newest first, and the older restore must accept our own newer version */
    keyset ours = {0};
    for (;;) {
        if (h && h->cancelled && h->cancelled(h->cls, &stopping) && stopping) { keyset_free(&ours); return 0; }
        arena ba;
        arena_init(&ba);
        ctx bc = *c;
        bc.a = &ba;
        bc.request_id = arena_printf(&ba, "undo-import-%lld", id);
        if (db_begin(c->db) != 0) { arena_release(&ba); snprintf(err, errlen, "the database is busy"); return -1; }
        undo_item items[UNDO_BATCH];
        int k = import_store_undo_items(&bc, id, items, UNDO_BATCH);
        if (k < 0) goto fail;
        for (int i = 0; i < k; i++) {
            const undo_item *it = &items[i];
            const resource *res = resource_named(it->object);
            if (!res) continue;
            errs e;
            errs_init(&e, &ba);
            int st;
            if (!strcmp(it->action, "created")) {
                st = resource_delete(&bc, res, it->object_id, 0, &e);
                if (st == 204) u->deleted++;
                else if (st == 404) u->gone++;
                else if (fatal_status(st)) goto fail;
                else u->conflicts++;
            } else {
                json_t *before = it->before ? json_loads(it->before, 0, NULL) : NULL;
                if (before) arena_defer(&ba, json_decref_cb, before);
                uint64_t key = job_key_hash(it->object, arena_printf(&ba, "%lld", it->object_id));
                long long expected = keyset_get(&ours, key);
                buf out;
                buf_init(&out, 0);
                st = before ? resource_update(&bc, res, it->object_id, before, expected ? expected : it->version, &out, &e) : 422;
                if (st == 200) keyset_put(&ours, key, out_version(&out));
                buf_release(&out);
                if (st == 200) u->restored++;
                else if (st == 404) u->gone++;
                else if (fatal_status(st)) goto fail;
                else u->conflicts++;   /* changed by someone since (412), or no longer ours */
            }
            if (import_store_undo_done(&bc, it->row_id) != 0) goto fail;
        }
        if (import_store_undo_progress(&bc, id, u, k ? "undoing" : "undone") != 0 || db_commit(c->db) != 0) goto fail;
        arena_release(&ba);
        if (h && h->progress) {
            import_counts n = {u->deleted + u->restored + u->conflicts + u->gone, 0, 0, 0, 0};
            h->progress(h->cls, &n, 0, 0);
        }
        if (!k) { keyset_free(&ours); return 0; }
        continue;
fail:
        snprintf(err, errlen, "database: %s", db_errmsg(c->db));
        db_rollback(c->db);
        arena_release(&ba);
        keyset_free(&ours);
        return -1;
    }
}
