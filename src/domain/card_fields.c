/* Validation and stored form of the list members of client cards: see card_fields.h. */
#include "domain/card_fields.h"
#include "domain/email_index.h"
#include "domain/phone_index.h"
#include "domain/search.h"
#include "core/config.h"
#include "core/utf8.h"
#include "util/fold.h"
#include "util/phone.h"
#include <stdlib.h>
#include <string.h>

bool card_set_column(write_set *w, const char *col, const char *text)
{
    for (size_t i = 0; i < w->n; i++) {
        if (strcmp(w->cols[i], col) != 0) continue;
        dbv *v = &w->vals.v[i];
        memset(v, 0, sizeof *v);
        v->type = text ? DBV_TEXT : DBV_NULL;
        v->s = text;
        v->n = text ? strlen(text) : 0;
        return true;
    }
    return false;
}

const char *card_column_text(const write_set *w, const char *col)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->cols[i], col)) return w->vals.v[i].type == DBV_TEXT ? w->vals.v[i].s : NULL;
    return NULL;
}

void card_put_column(write_set *w, const char *col, const char *text)
{
    if (card_set_column(w, col, text)) return;
    w->cols[w->n++] = col;
    dbp_text(&w->vals, text);
}

json_t *card_value(const write_set *w, const char *name)
{
    json_t *v = json_object_get(w->in, name);
    if (!v && w->old) v = json_object_get(w->old, name);
    return v;
}

/* a string member: trimmed copy in the arena, NULL with an error when it is not text,
 * holds a NUL, is longer than max characters, or (when required) is empty */
static const char *text_member(ctx *c, json_t *v, const char *path, size_t max, bool required, errs *e)
{
    if (!json_is_string(v)) { errs_add(e, path, "invalid_type", "'%s' must be a string", path); return NULL; }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n) { errs_add(e, path, "invalid_text", "'%s' contains a NUL character", path); return NULL; }
    if (utf8_length(s, n) > max) { errs_add(e, path, "too_long", "'%s' is longer than %zu characters", path, max); return NULL; }
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    if (!n && required) { errs_add(e, path, "required", "'%s' must not be empty", path); return NULL; }
    return arena_strndup(c->a, s, n);
}

static bool is_array_of_at_most(json_t *v, const char *path, size_t max, errs *e)
{
    if (!json_is_array(v)) { errs_add(e, path, "invalid_type", "'%s' must be a list", path); return false; }
    if (json_array_size(v) > max) { errs_add(e, path, "too_many", "'%s' holds more than %zu entries", path, max); return false; }
    return true;
}

/* one {"value", "label"} entry (or a bare string): value and label through the pointers.
 * Members in `computed` are accepted and dropped: the server writes them. */
static bool value_label(ctx *c, json_t *item, const char *path, size_t max_value, const char *const *computed,
                        const char **value, const char **label, errs *e)
{
    *label = NULL;
    if (json_is_string(item)) {
        *value = text_member(c, item, path, max_value, true, e);
        return *value != NULL;
    }
    if (!json_is_object(item)) { errs_add(e, path, "invalid_type", "'%s' must be an object with a value", path); return false; }
    bool ok = true;
    const char *k;
    json_t *m;
    json_object_foreach(item, k, m) {
        if (!strcmp(k, "value") || !strcmp(k, "label")) continue;
        bool known = false;
        for (const char *const *x = computed; x && *x && !known; x++) known = !strcmp(*x, k);
        if (!known) { errs_add(e, arena_printf(c->a, "%s.%s", path, k), "unknown_field", "unknown field '%s'", k); ok = false; }
    }
    json_t *v = json_object_get(item, "value");
    const char *vpath = arena_printf(c->a, "%s.value", path);
    if (!v || json_is_null(v)) { errs_add(e, vpath, "required", "'%s' is required", vpath); return false; }
    *value = text_member(c, v, vpath, max_value, true, e);
    json_t *l = json_object_get(item, "label");
    if (l && !json_is_null(l)) *label = text_member(c, l, arena_printf(c->a, "%s.label", path), 50, false, e);
    if (l && !json_is_null(l) && !*label) ok = false;
    return ok && *value;
}

/* a new {"value", "label"} entry, label null when none was given */
static json_t *labelled(const char *value, const char *label)
{
    json_t *p = json_pack("{s:s}", "value", value);
    json_object_set_new(p, "label", label ? json_string(label) : json_null());
    return p;
}

/* the stored form of a normalised list (arena), or NULL when any of its items added an
 * error after the first `before`; takes the list */
static const char *stored_list(ctx *c, json_t *list, const errs *e, size_t before)
{
    const char *r = NULL;
    if (e->n == before) {
        char *s = json_dumps(list, JSON_COMPACT);
        r = arena_strdup(c->a, s);
        free(s);
    }
    json_decref(list);
    return r;
}

static const char *norm_phones(ctx *c, json_t *v, errs *e)
{
    static const char *const computed[] = {"e164", "valid", "extension", NULL};
    if (json_is_null(v)) return "[]";
    if (!is_array_of_at_most(v, "phones", CARD_MAX_ITEMS, e)) return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *item;
    size_t before = e->n;
    json_array_foreach(v, i, item) {
        const char *value, *label;
        if (!value_label(c, item, arena_printf(c->a, "phones[%zu]", i), CARD_MAX_PHONE, computed, &value, &label, e)) continue;
        phone_result pr;
        bool parsed = phone_parse(value, strlen(value), config_region(), &pr) == 0;
        json_t *p = labelled(value, label);
        json_object_set_new(p, "e164", parsed && pr.possible ? json_string(pr.e164) : json_null());
        json_object_set_new(p, "valid", json_boolean(parsed && pr.valid));
        if (parsed && pr.extension[0]) json_object_set_new(p, "extension", json_string(pr.extension));
        json_array_append_new(out, p);
    }
    return stored_list(c, out, e, before);
}

static const char *norm_emails(ctx *c, json_t *v, errs *e)
{
    static const field_def as_email = {"", "", FT_EMAIL, 0, 254, NULL, NULL};
    if (json_is_null(v)) return "[]";
    if (!is_array_of_at_most(v, "emails", CARD_MAX_ITEMS, e)) return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *item;
    size_t before = e->n;
    json_array_foreach(v, i, item) {
        const char *path = arena_printf(c->a, "emails[%zu]", i);
        const char *value, *label;
        if (!value_label(c, item, path, 254, NULL, &value, &label, e)) continue;
        dbparams scratch;
        dbparams_init(&scratch, c->a);
        json_t *s = json_string(value);
        bool ok = field_bind(c, &as_email, json_is_string(item) ? path : arena_printf(c->a, "%s.value", path), s, &scratch, e);
        json_decref(s);
        if (!ok) continue;
        json_array_append_new(out, labelled(value, label));
    }
    return stored_list(c, out, e, before);
}

static const char *norm_messengers(ctx *c, json_t *v, errs *e)
{
    if (json_is_null(v)) return "[]";
    if (!is_array_of_at_most(v, "messengers", CARD_MAX_ITEMS, e)) return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *item;
    size_t before = e->n;
    json_array_foreach(v, i, item) {
        const char *value, *label;
        if (!value_label(c, item, arena_printf(c->a, "messengers[%zu]", i), 200, NULL, &value, &label, e)) continue;
        json_array_append_new(out, labelled(value, label));
    }
    return stored_list(c, out, e, before);
}

static const char *norm_tags(ctx *c, json_t *v, errs *e)
{
    if (json_is_null(v)) return "[]";
    if (!is_array_of_at_most(v, "tags", CARD_MAX_ITEMS, e)) return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *item;
    size_t before = e->n;
    json_array_foreach(v, i, item) {
        const char *t = text_member(c, item, arena_printf(c->a, "tags[%zu]", i), 64, true, e);
        if (!t) continue;
        bool dup = false;
        size_t j;
        json_t *x;
        json_array_foreach(out, j, x) dup |= !strcmp(json_string_value(x), t);
        if (!dup) json_array_append_new(out, json_string(t));
    }
    return stored_list(c, out, e, before);
}

const char *card_string_object(ctx *c, json_t *v, const char *path, const char *const *keys, errs *e)
{
    if (!json_is_object(v)) { errs_add(e, path, "invalid_type", "'%s' must be an object", path); return NULL; }
    json_t *out = json_object();
    size_t before = e->n;
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m) {
        const char *mpath = arena_printf(c->a, "%s.%s", path, k);
        bool known = false;
        for (const char *const *x = keys; *x && !known; x++) known = !strcmp(*x, k);
        if (!known) { errs_add(e, mpath, "unknown_field", "unknown field '%s'", mpath); continue; }
        if (json_is_null(m)) continue;
        const char *s = text_member(c, m, mpath, 500, false, e);
        if (s && *s) json_object_set_new(out, k, json_string(s));
    }
    if (e->n > before) { json_decref(out); return NULL; }
    char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(out);
    const char *r = arena_strdup(c->a, s);
    free(s);
    return r;
}

static const char *norm_addresses(ctx *c, json_t *v, errs *e)
{
    static const char *const keys[] = {"label", "street", "city", "region", "postcode", "country", NULL};
    if (json_is_null(v)) return "[]";
    if (!is_array_of_at_most(v, "addresses", 20, e)) return NULL;
    buf b;
    buf_init(&b, 0);
    buf_addc(&b, '[');
    size_t i;
    json_t *item;
    size_t before = e->n;
    json_array_foreach(v, i, item) {
        const char *one = card_string_object(c, item, arena_printf(c->a, "addresses[%zu]", i), keys, e);
        if (!one) continue;
        if (b.len > 1) buf_addc(&b, ',');
        buf_adds(&b, one);
    }
    buf_addc(&b, ']');
    const char *r = e->n > before ? NULL : arena_strdup(c->a, b.data);
    buf_release(&b);
    return r;
}

void card_validate_lists(ctx *c, write_set *w, errs *e)
{
    static const struct {
        const char *name;
        const char *(*norm)(ctx *, json_t *, errs *);
    } lists[] = {
        {"phones", norm_phones}, {"emails", norm_emails}, {"messengers", norm_messengers},
        {"tags", norm_tags}, {"addresses", norm_addresses},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        json_t *v = json_object_get(w->in, lists[i].name);
        if (!v) continue;
        const char *stored = lists[i].norm(c, v, e);
        if (stored) card_set_column(w, lists[i].name, stored);
    }
}

/* one stored list (emails, phones) parsed once: the `member` of each entry appended to the
 * search text as client_index_write appends it (search_text_add_list: value and a
 * space), and the index key of each entry through `key` (entries without one left out) */
static size_t list_text_keys(ctx *c, const char *list_json, const char *member, buf *text,
                             const char *(*key)(ctx *c, json_t *item), const char ***keys)
{
    json_t *list = list_json ? json_loads(list_json, 0, NULL) : NULL;
    size_t n = 0;
    *keys = arena_alloc(c->a, (json_array_size(list) + 1) * sizeof **keys);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *v = json_string_value(json_object_get(item, member));
        if (v) { buf_adds(text, v); buf_addc(text, ' '); }
        const char *k = key(c, item);
        if (k) (*keys)[n++] = k;
    }
    json_decref(list);
    return n;
}

void card_index_prepare(ctx *c, const write_set *w, const char *const *text_columns, size_t ncolumns, card_index *ix)
{
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < ncolumns; i++) {
        const char *v = card_column_text(w, text_columns[i]);
        if (v) { buf_adds(&b, v); buf_addc(&b, ' '); }
    }
    ix->head = arena_strdup(c->a, b.data);
    buf_reset(&b);
    /* as client_index_write appends them: the addresses, then the E.164 numbers */
    ix->nemails = list_text_keys(c, card_column_text(w, "emails"), "value", &b, email_index_key, &ix->emails);
    ix->nphones = list_text_keys(c, card_column_text(w, "phones"), "e164", &b, phone_index_key, &ix->phones);
    ix->tail = arena_strdup(c->a, b.data);
    buf_release(&b);
}

int card_index_write(ctx *c, const char *object, long long id, const card_index *ix, const char *middle)
{
    for (size_t i = 0; i < ix->nphones; i++)
        if (phone_index_add(c, object, id, ix->phones[i]) != 0) return -1;
    for (size_t i = 0; i < ix->nemails; i++)
        if (email_index_add(c, object, id, ix->emails[i]) != 0) return -1;
    buf text;
    buf_init(&text, 0);
    buf_adds(&text, ix->head);
    if (middle) { buf_adds(&text, middle); buf_addc(&text, ' '); }
    buf_adds(&text, ix->tail);
    int r = search_index_set(c, object, id, text.data);
    buf_release(&text);
    return r;
}

static int cmp_words(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* bytes of the word character at p, or 0 when p starts a separator: ASCII other than
 * letters and digits, Latin-1 signs and spaces (U+0080..U+00BF, U+00D7, U+00F7), general
 * punctuation and quotes (U+2000..U+206F: « » „ " – …), № and CJK punctuation */
static size_t word_char(const char *p)
{
    unsigned char c = (unsigned char)*p;
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? 1 : 0;
    size_t n = utf8_valid_prefix_char(p, strnlen(p, 4));
    if (n == 0) return 0;
    unsigned cp = n == 2 ? (unsigned)(c & 0x1f) << 6 | (p[1] & 0x3f)
                : n == 3 ? (unsigned)(c & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f)
                : 0x10000;
    if (cp <= 0xbf || cp == 0xd7 || cp == 0xf7 || (cp >= 0x2000 && cp <= 0x206f) || cp == 0x2116 ||
        (cp >= 0x3000 && cp <= 0x303f))
        return 0;
    return n;
}

const char *card_name_key(arena *a, const char *text)
{
    size_t n = strlen(text);
    if (n > 1000) n = 1000;
    char *f = arena_alloc(a, n + 1);
    text_fold(text, n, f, n + 1);
    char *words[64];
    size_t nw = 0;
    char *p = f;
    while (*p && nw < 64) {
        while (*p && word_char(p) == 0) {
            size_t step = utf8_valid_prefix_char(p, strnlen(p, 4));
            p += step ? step : 1;
        }
        if (!*p) break;
        char *start = p;
        for (size_t k; *p && (k = word_char(p)) > 0;) p += k;
        size_t len = (size_t)(p - start);
        char *w = arena_alloc(a, len + 1);
        memcpy(w, start, len);
        words[nw++] = w;
    }
    qsort(words, nw, sizeof words[0], cmp_words);
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < nw; i++) {
        if (i) buf_addc(&b, ' ');
        buf_adds(&b, words[i]);
    }
    const char *r = arena_strdup(a, b.data);
    buf_release(&b);
    return r;
}
