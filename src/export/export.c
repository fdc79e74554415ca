/* Exports: the rows a role may take out, written as CSV/XLSX/vCard, recorded and audited;
 * every statement over the `exports` table. See export.h. */
#include "export/export.h"
#include "domain/company.h"
#include "domain/contact.h"
#include "domain/custom_field.h"
#include "domain/deal.h"
#include "domain/resource.h"
#include "export/json_cell.h"
#include "core/utf8.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct export_kind {
    const char *plural;
    const resource *res;
    bool cards;          /* people or companies: vCard makes sense */
    /* optional: what write_extra writes, for all records in one pass beside the scan */
    db_cursor *(*extra_scan)(ctx *c);
    void (*extra_write)(db_cursor *cur, int *at, long long id, jw *w);
    /* optional: the table cells of extra_write's members straight from the scan (ids: the
     * cell of "company_ids", names: of "companies", NULL when not written) */
    void (*extra_cells)(db_cursor *cur, int *at, long long id, const contact_names *table, buf *ids, buf *names, buf *scratch);
} export_kind;

static void contact_link_cells(db_cursor *cur, int *at, long long id, const contact_names *table, buf *ids, buf *names, buf *scratch);

static const export_kind kinds[] = {
    {"contacts", &contact_resource, true, contact_links_scan, contact_links_write, contact_link_cells},
    {"companies", &company_resource, true, NULL, NULL, NULL},
    {"deals", &deal_resource, false, NULL, NULL, NULL},
};

static const export_kind *kind_of(const char *plural)
{
    for (size_t i = 0; plural && i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kinds[i].plural, plural)) return &kinds[i];
    return NULL;
}

/* ---------- columns ---------- */

typedef enum { COL_ID, COL_FIELD, COL_OWNER, COL_EXTRA, COL_CUSTOM, COL_CREATED, COL_UPDATED } col_kind;

typedef struct ex_col {
    const char *name;
    col_kind kind;
    const field_def *f;          /* COL_FIELD / COL_EXTRA */
    int sql;                     /* cursor column of COL_FIELD */
    const char *cf;              /* COL_CUSTOM: the custom field's name */
    int slot;                    /* COL_CUSTOM / COL_EXTRA written: its place in ex_members */
} ex_col;

enum { SQL_ID, SQL_CREATED, SQL_UPDATED, SQL_CUSTOM, SQL_OWNER, SQL_FIRST_FIELD };

static bool wanted(const char *fields, const char *name)
{
    if (!fields || !*fields) return true;
    size_t n = strlen(name);
    for (const char *p = fields; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !memcmp(p, name, n)) return true;
        p += k + (p[k] == ',');
    }
    return false;
}

/* every column name in `fields` must exist */
static void check_fields(const char *fields, const ex_col *cols, size_t n, errs *e)
{
    if (!fields) return;
    for (const char *p = fields; *p;) {
        size_t k = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < n && !found; i++) found = strlen(cols[i].name) == k && !memcmp(cols[i].name, p, k);
        if (!found) errs_add(e, "fields", "unknown_field", "there is no column '%.*s' to export", (int)(k > 60 ? 60 : k), p);
        p += k + (p[k] == ',');
    }
}

/* all columns of the object in order; the SELECT list is built beside them */
static size_t columns(ctx *c, const resource *res, ex_col *cols, size_t max, buf *select, const custom_field_def *cf, size_t ncf)
{
    size_t n = 0;
    buf_adds(select, "t.id, t.created_at, t.updated_at");
    buf_adds(select, res->custom_fields ? ", t.custom" : ", NULL");
    buf_adds(select, res->owner_column ? arena_printf(c->a, ", t.%s", res->owner_column) : ", NULL");
    cols[n++] = (ex_col){"id", COL_ID, NULL, SQL_ID, NULL, 0};
    int sql = SQL_FIRST_FIELD;
    for (const field_def *f = res->fields; f->name && n < max; f++) {
        if (f->flags & FF_WRITEONLY) continue;
        if (f->column) {
            buf_printf(select, ", t.%s", f->column);
            cols[n++] = (ex_col){f->name, COL_FIELD, f, sql++, NULL, 0};
            if (res->owner_column && !strcmp(f->column, res->owner_column) && n < max)
                cols[n++] = (ex_col){"owner", COL_OWNER, NULL, SQL_OWNER, NULL, 0};
        } else if (res->write_extra) {
            cols[n++] = (ex_col){f->name, COL_EXTRA, f, -1, NULL, 0};
        }
    }
    for (size_t i = 0; i < ncf && n < max; i++)
        cols[n++] = (ex_col){arena_printf(c->a, "custom_fields.%s", cf[i].name), COL_CUSTOM, NULL, -1, cf[i].name, 0};
    if (n < max) cols[n++] = (ex_col){"created_at", COL_CREATED, NULL, SQL_CREATED, NULL, 0};
    if (n < max) cols[n++] = (ex_col){"updated_at", COL_UPDATED, NULL, SQL_UPDATED, NULL, 0};
    return n;
}

/* ---------- values ---------- */

static void json_decref_cb(void *p) { json_decref(p); }

/* a row's JSON object parsed, freed with the row's arena: the write_extra object
 * (ex_state.extra) for the vCard, and the custom fields and extras the quick reader declines */
static json_t *row_json(arena *a, const char *text, size_t len)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    if (j) arena_defer(a, json_decref_cb, j);
    return j;
}

/* ---------- the run ---------- */

/* the members of one JSON object column (custom fields, extras) that become cells */
typedef struct ex_members {
    const char *keys[JSON_CELL_MAX_KEYS];
    int cell[JSON_CELL_MAX_KEYS];
    size_t n;
} ex_members;

typedef struct ex_state {
    ctx *c;
    const resource *res;
    export_format fmt;
    ex_col *cols;
    size_t ncols;
    bool *on;                    /* columns written */
    table_writer *tw;
    FILE *vf;
    buf cell[64];                /* reused text of each column of the row (first 64) */
    buf vcard;
    bool need_extra;             /* columns (or the card) want what write_extra adds */
    size_t ncells;               /* columns written (at most 64) */
    ex_members custom, extras;   /* the custom fields and extras written */
    struct owner *owners;        /* every user's email by id, ascending (the owner column) */
    size_t nowners;
    const export_kind *kind;
    db_cursor *xcur;             /* the kind's extra_scan, read alongside the rows */
    int xat;
    bool xcells;                 /* the extras go to their cells by extra_cells, not as JSON */
    buf *xids, *xnames;          /* extra_cells' cells */
    contact_names *names;        /* the company names read in one pass (NULL: the join) */
    buf extra;                   /* the row's write_extra object */
    long long rows;
    bool failed;
    char err[256];
} ex_state;

/* ---------- owners ---------- */

typedef struct owner { long long id; const char *email; } owner;

/* the emails of all users, read once instead of once per row */
static owner *load_owners(ctx *c, size_t *n)
{
    *n = 0;
    long long count = db_scalar(c->db, "SELECT count(*) FROM users", NULL, -1);
    if (count <= 0) return NULL;
    owner *o = arena_alloc(c->a, (size_t)count * sizeof *o);
    db_cursor *cur = db_query(c->db, "SELECT id, email FROM users ORDER BY id", NULL);
    while (cur && *n < (size_t)count && db_step(cur) == 1) {
        o[*n].id = db_col_int(cur, 0);
        o[*n].email = db_col_null(cur, 1) ? NULL : arena_strdup(c->a, db_col_text(cur, 1));
        (*n)++;
    }
    db_done(cur);
    return o;
}

static const char *owner_email(const ex_state *st, long long id)
{
    size_t lo = 0, hi = st->nowners;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->owners[mid].id == id) return st->owners[mid].email;
        if (st->owners[mid].id < id) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

static const char *str_of(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static vcard_value *values_of(arena *a, json_t *list, size_t *n)
{
    *n = json_array_size(list);
    vcard_value *v = arena_alloc(a, (*n ? *n : 1) * sizeof *v);
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        v[i].value = json_is_string(x) ? json_string_value(x) : str_of(x, "value");
        v[i].label = str_of(x, "label");
    }
    return v;
}

static void write_vcard(ex_state *st, ctx *c, db_cursor *cur, json_t *rec)
{
    vcard_card card;
    memset(&card, 0, sizeof card);
    bool company = st->res == &company_resource;
    card.uid = arena_printf(c->a, "urn:kartoteka:%s:%lld", st->res->name, db_col_int(cur, SQL_ID));
    card.organization = company;
    card.rev = db_col_text(cur, SQL_UPDATED);
    if (company) {
        card.full_name = card.org = str_of(rec, "name");
        card.url = str_of(rec, "website");
        card.address = str_of(rec, "actual_address") ? str_of(rec, "actual_address") : str_of(rec, "legal_address");
    } else {
        card.first_name = str_of(rec, "first_name");
        card.middle_name = str_of(rec, "middle_name");
        card.last_name = str_of(rec, "last_name");
        card.title = str_of(rec, "position");
        card.birthday = str_of(rec, "birthday");
        json_t *cos = json_object_get(rec, "companies");
        card.org = str_of(json_array_get(cos, 0), "name");
        json_t *addr = json_array_get(json_object_get(rec, "addresses"), 0);
        if (addr) {
            buf b;
            buf_init(&b, 0);
            json_cell_of(&b, addr, "; ");
            card.address = arena_strdup(c->a, b.data);
            buf_release(&b);
        }
    }
    card.note = str_of(rec, "notes");
    card.phones = values_of(c->a, json_object_get(rec, "phones"), &card.nphones);
    card.emails = values_of(c->a, json_object_get(rec, "emails"), &card.nemails);
    json_t *tags = json_object_get(rec, "tags");
    card.ncategories = json_array_size(tags);
    const char **cat = arena_alloc(c->a, (card.ncategories ? card.ncategories : 1) * sizeof *cat);
    for (size_t i = 0; i < card.ncategories; i++) cat[i] = json_string_value(json_array_get(tags, i));
    card.categories = cat;
    buf_reset(&st->vcard);
    vcard_write(&st->vcard, &card);
    if (fwrite(st->vcard.data, 1, st->vcard.len, st->vf) != st->vcard.len) {
        snprintf(st->err, sizeof st->err, "cannot write the export: %s", strerror(errno));
        st->failed = true;
    }
}

/* an integer as "%lld" writes it, without printf's machinery (two per row) */
static void put_int(buf *b, long long v)
{
    char t[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do t[sizeof t - ++n] = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) t[sizeof t - ++n] = '-';
    buf_add(b, t + sizeof t - n, n);
}

/* a contact's "company_ids" and "companies" cells from the links scan: the same text
 * json_cell makes of contact_links_write's object (ids and names joined by "; "), without
 * writing the JSON and scanning it again, which was most of an export's cost per link. A
 * name the JSON would not carry byte for byte (hidden: null; invalid UTF-8, which the
 * writer replaces) takes that path for its entry. */
static void contact_link_cells(db_cursor *cur, int *at, long long id, const contact_names *table, buf *ids, buf *names, buf *scratch)
{
    contact_link l;
    for (bool first = true; table ? contact_links_at_named(cur, at, id, table, &l) : contact_links_at(cur, at, id, &l);
         *at = db_step(cur), first = false) {
        if (ids) {
            if (!first) buf_add(ids, "; ", 2);
            put_int(ids, l.company_id);
        }
        if (!names) continue;
        if (!first) buf_add(names, "; ", 2);
        size_t n = l.name ? strlen(l.name) : 0;
        if (l.name && utf8_valid(l.name, n)) { buf_add(names, l.name, n); continue; }
        buf_reset(scratch);
        jw w;
        jw_init(&w, scratch);
        contact_link_json(&w, &l);
        json_t *v = json_loadb(scratch->data, scratch->len, 0, NULL);
        json_cell_of(names, v, "; ");
        json_decref(v);
    }
}

/* the cells of m's members of `text` (NULL: none; all empty); done[i] false where the
 * jansson path must write member i */
static void member_cells(ex_state *st, const ex_members *m, const char *text, size_t len, const char *sep, bool *number, bool *done)
{
    buf *out[JSON_CELL_MAX_KEYS];
    for (size_t i = 0; i < m->n; i++) {
        out[i] = &st->cell[m->cell[i]];
        number[i] = false;
        done[i] = text == NULL;
    }
    if (m->n && text && json_cell_members(text, len, m->keys, m->n, sep, out, number, done) != 0)
        for (size_t i = 0; i < m->n; i++) done[i] = false;
}

static void export_row(void *cls, db_cursor *cur)
{
    ex_state *st = cls;
    if (st->failed) return;
    arena ra;
    arena_init(&ra);
    ctx c = *st->c;
    c.a = &ra;
    long long id = db_col_int(cur, SQL_ID);
    /* custom fields and extras are read as text; parsed only where json_cell declines */
    json_t *custom = NULL, *extra = NULL;
    bool custom_parsed = false, extra_parsed = false;
    const char *custom_text = NULL;
    size_t custom_len = 0;
    if (!db_col_null(cur, SQL_CUSTOM) && db_col_len(cur, SQL_CUSTOM) > 2) {
        custom_text = db_col_text(cur, SQL_CUSTOM);
        custom_len = db_col_len(cur, SQL_CUSTOM);
    }
    bool need_extra = st->need_extra;
    buf_reset(&st->extra);
    if (need_extra && !st->xcells) {   /* the members write_extra adds (links and the like), as one object */
        jw w;
        jw_init(&w, &st->extra);
        jw_obj(&w);
        if (st->xcur) st->kind->extra_write(st->xcur, &st->xat, id, &w);
        else st->res->write_extra(&c, id, &w);
        jw_obj_end(&w);
    }

    if (st->fmt == EXPORT_VCARD) {
        /* the card wants the lists as structures: the record's stored JSON members */
        json_t *rec = json_object();
        arena_defer(&ra, json_decref_cb, rec);
        for (size_t i = 0; i < st->ncols; i++) {
            const ex_col *col = &st->cols[i];
            if (col->kind != COL_FIELD || db_col_null(cur, col->sql)) continue;
            const char *s = db_col_text(cur, col->sql);
            json_t *v = col->f->type == FT_JSON ? json_loadb(s, db_col_len(cur, col->sql), 0, NULL) : json_string(s);
            if (v) json_object_set_new(rec, col->name, v);
        }
        if (need_extra && (extra = row_json(&ra, st->extra.data, st->extra.len))) json_object_update(rec, extra);
        write_vcard(st, &c, cur, rec);
    } else {
        table_cell cells[64];
        for (size_t j = 0; j < st->ncells; j++) buf_reset(&st->cell[j]);
        /* the custom fields and the extras go to their cells in one pass over each object */
        bool cnum[64], cdone[64], xnum[64], xdone[64];
        member_cells(st, &st->custom, custom_text, custom_len, ", ", cnum, cdone);
        member_cells(st, &st->extras, need_extra && st->xcells ? NULL : st->extra.data, st->extra.len, "; ", xnum, xdone);
        if (need_extra && st->xcells) st->kind->extra_cells(st->xcur, &st->xat, id, st->names, st->xids, st->xnames, &st->extra);
        size_t n = 0;
        for (size_t i = 0; i < st->ncols && n < 64; i++) {
            if (!st->on[i]) continue;
            const ex_col *col = &st->cols[i];
            buf *b = &st->cell[n];
            bool number = false;
            /* text cells point straight at SQLite's row (valid until the next step, after
             * table_row has copied them out): one copy less per cell */
            const char *direct = NULL;
            size_t dlen = 0;
            switch (col->kind) {
            case COL_ID: put_int(b, id); number = true; break;
            case COL_OWNER: {
                const char *email = db_col_null(cur, SQL_OWNER) ? NULL : owner_email(st, db_col_int(cur, SQL_OWNER));
                if (email) { direct = email; dlen = strlen(email); }
                break;
            }
            case COL_CREATED: case COL_UPDATED:
                /* SQLite's text is NULL for a NULL: one call less per cell than asking first */
                if ((direct = db_col_text(cur, col->sql))) dlen = strlen(direct);
                break;
            case COL_FIELD: {
                field_type t = col->f->type;
                if (t == FT_INT || t == FT_REF || t == FT_REAL || t == FT_BOOL) {
                    if (db_col_null(cur, col->sql)) break;
                    if (t == FT_REAL) buf_printf(b, "%.15g", db_col_real(cur, col->sql));
                    else if (t == FT_BOOL) buf_adds(b, db_col_int(cur, col->sql) ? "true" : "false");
                    else put_int(b, db_col_int(cur, col->sql));
                    number = t != FT_BOOL;
                    break;
                }
                /* text and JSON: as above, NULL text for a NULL */
                const char *text = db_col_text(cur, col->sql);
                if (!text) break;
                size_t len = db_col_len(cur, col->sql);
                if (t != FT_JSON) { direct = text; dlen = len; break; }
                if (len == 2 && (!memcmp(text, "[]", 2) || !memcmp(text, "{}", 2))) break;   /* most lists are empty */
                if (json_cell_text(b, text, len, "; ") == 0) break;
                json_t *v = json_loadb(text, len, 0, NULL);
                json_cell_of(b, v, "; ");
                json_decref(v);
                break;
            }
            case COL_EXTRA: {   /* written as text, numbers too */
                if (xdone[col->slot]) break;
                if (!extra_parsed) { extra = row_json(&ra, st->extra.data, st->extra.len); extra_parsed = true; }
                json_cell_of(b, json_object_get(extra, col->name), "; ");
                break;
            }
            case COL_CUSTOM: {
                if (cdone[col->slot]) { number = cnum[col->slot]; break; }
                if (!custom_parsed) {
                    custom = row_json(&ra, custom_text, custom_len);
                    custom_parsed = true;
                }
                json_t *v = json_object_get(custom, col->cf);
                number = json_is_number(v);
                json_cell_of(b, v, ", ");
                break;
            }
            }
            if (direct) cells[n++] = (table_cell){dlen ? direct : NULL, dlen, number};
            else cells[n++] = (table_cell){b->len ? b->data : NULL, b->len, number};
        }
        if (table_row(st->tw, cells, n, st->err, sizeof st->err) != 0) st->failed = true;
    }
    if (!st->failed) st->rows++;
    arena_release(&ra);
}

static int record(ctx *c, const export_request *rq, const char *path, long long rows, long long size, long long *id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    if (c->user->user_id) dbp_int(&p, c->user->user_id); else dbp_null(&p);
    dbp_text(&p, rq->object);
    dbp_text(&p, export_format_name(rq->format));
    dbp_text(&p, rq->filter);
    dbp_text(&p, rq->q);
    dbp_int(&p, rows);
    dbp_int(&p, size);
    dbp_text(&p, rq->kept ? path : NULL);
    if (db_run(c->db, "INSERT INTO exports(created_by, object, format, filter, q, rows, file_size, file_path, expires_at)"
                      " VALUES(?,?,?,?,?,?,?,?, strftime('%Y-%m-%dT%H:%M:%SZ','now','+1 day'))", &p) < 0)
        return -1;
    *id = db_last_id(c->db);
    json_t *changes = json_pack("{s:[ns], s:[ns], s:[no], s:[no], s:[nI]}", "object", rq->object,
                                "format", export_format_name(rq->format), "filter", rq->filter ? json_string(rq->filter) : json_null(),
                                "q", rq->q ? json_string(rq->q) : json_null(), "rows", (json_int_t)rows);
    char *s = changes ? json_dumps(changes, JSON_COMPACT) : NULL;
    json_decref(changes);
    int rc = audit_record(c, "export", *id, "export", c->user->user_id, s ? arena_strdup(c->a, s) : NULL);
    free(s);
    return rc;
}

int export_run(ctx *c, const export_request *rq, const char *path, long long *export_id, long long *rows, errs *e)
{
    const export_kind *k = kind_of(rq->object);
    *rows = 0;
    if (!k) { errs_add(e, "object", "invalid_choice", "'object' must be contacts, companies or deals"); return 422; }
    if (rq->format == EXPORT_VCARD && !k->cards) { errs_add(e, "format", "invalid_choice", "vCard holds people and companies, not %s", k->plural); return 422; }
    const resource *res = k->res;
    /* what may leave: the smaller of the read and export scopes */
    scope_level rd = resource_level(c, res, ACT_READ), ex = resource_level(c, res, ACT_EXPORT);
    if (ex == SCOPE_NONE || rd == SCOPE_NONE || c->user->scope[OBJ_EXPORTS][ACT_WRITE] == SCOPE_NONE) return 403;
    principal limited = *c->user;
    limited.scope[res->kind][ACT_READ] = (unsigned char)(ex < rd ? ex : rd);
    ctx lc = *c;
    lc.user = &limited;

    size_t ncf = 0;
    const custom_field_def *cf = res->custom_fields ? custom_field_defs(c, res->name, &ncf) : NULL;
    ex_col cols[160];
    buf select;
    buf_init(&select, 0);
    size_t ncols = columns(c, res, cols, sizeof cols / sizeof *cols, &select, cf, ncf);
    check_fields(rq->fields, cols, ncols, e);
    if (e->n) { buf_release(&select); return 422; }

    ex_state st;
    memset(&st, 0, sizeof st);
    st.c = &lc;
    st.res = res;
    st.fmt = rq->format;
    st.cols = cols;
    st.ncols = ncols;
    st.on = arena_alloc(c->a, ncols * sizeof *st.on);
    size_t non = 0;
    for (size_t i = 0; i < ncols; i++) st.on[i] = non < 64 && wanted(rq->fields, cols[i].name) && ++non;
    st.ncells = non;
    bool owner = false;
    for (size_t i = 0, cell = 0; i < ncols; i++) {
        if (!st.on[i]) continue;
        owner |= cols[i].kind == COL_OWNER;
        ex_members *m = cols[i].kind == COL_CUSTOM ? &st.custom : cols[i].kind == COL_EXTRA ? &st.extras : NULL;
        if (m) {
            cols[i].slot = (int)m->n;
            m->keys[m->n] = cols[i].kind == COL_CUSTOM ? cols[i].cf : cols[i].name;
            m->cell[m->n++] = (int)cell;
        }
        cell++;
    }
    /* extras written, or the card's ORG (the company's name) */
    st.need_extra = res->write_extra && (st.extras.n || (rq->format == EXPORT_VCARD && res == &contact_resource));
    st.kind = k;
    if (owner) st.owners = load_owners(c, &st.nowners);
    for (int i = 0; i < 64; i++) buf_init(&st.cell[i], 0);
    buf_init(&st.vcard, 0);
    buf_init(&st.extra, 0);
    char err[256];
    int status = 500;
    if (rq->format == EXPORT_VCARD) {
        st.vf = fopen(path, "wb");
        if (!st.vf) snprintf(err, sizeof err, "cannot create '%s': %s", path, strerror(errno));
        else setvbuf(st.vf, NULL, _IOFBF, 1 << 20);
    } else if (table_open(&st.tw, rq->format, path, k->plural, rq->delimiter, err, sizeof err) == 0) {
        table_cell head[64];
        size_t n = 0;
        for (size_t i = 0; i < ncols; i++)
            if (st.on[i]) head[n++] = (table_cell){cols[i].name, strlen(cols[i].name), false};
        if (table_row(st.tw, head, n, err, sizeof err) != 0) { table_abort(st.tw); st.tw = NULL; }
    }
    if (!st.vf && !st.tw) {
        errs_add(e, NULL, "io_error", "%s", err);
        goto done;
    }
    list_query q;
    memset(&q, 0, sizeof q);
    q.filter = rq->filter;
    q.q = rq->q;
    /* the extras of a whole export in one pass; a filtered one may want few of them */
    bool whole = !(rq->filter && *rq->filter) && !(rq->q && *rq->q);
    bool xscan = st.need_extra && k->extra_scan && whole;
    /* the rows, their links and the company names from one snapshot of the base */
    db_read_begin(lc.db);
    if (xscan) {
        st.xcur = k->extra_scan(&lc);
        st.xat = 2;
        /* straight to the cells when every extra written is one extra_cells makes */
        st.xcells = k->extra_cells && rq->format != EXPORT_VCARD;
        for (size_t i = 0; i < st.extras.n && st.xcells; i++) {
            buf *cell = &st.cell[st.extras.cell[i]];
            if (!strcmp(st.extras.keys[i], "company_ids")) st.xids = cell;
            else if (!strcmp(st.extras.keys[i], "companies")) st.xnames = cell;
            else st.xcells = false;
        }
        /* the links without the join where the company names fit the bounded table */
        if (st.xcells && (st.names = contact_names_load(&lc))) {
            db_done(st.xcur);
            st.xcur = contact_links_scan_bare(&lc);
        }
    }
    /* rows in id order, which SQLite gets from the rowid scan without sorting */
    int ar = resource_scan(&lc, res, &q, select.data, "t.id", export_row, &st, e);
    if (xscan && (!st.xcur || st.xat < 0) && ar == 200) ar = 500;   /* the links failed or stopped short: the file would lack them */
    db_done(st.xcur);
    db_read_end(lc.db);
    contact_names_free(st.names);
    int closed = st.vf ? (fclose(st.vf) == 0 ? 0 : -1) : table_close(st.tw, err, sizeof err);
    if (ar != 200) { status = ar; goto done; }
    if (st.failed || closed != 0) {
        errs_add(e, NULL, "io_error", "%s", st.failed ? st.err : err);
        goto done;
    }
    FILE *f = fopen(path, "rb");
    long long size = 0;
    if (f) { fseek(f, 0, SEEK_END); size = ftell(f); fclose(f); }
    if (db_begin(c->db) != 0 || record(c, rq, path, st.rows, size, export_id) != 0 || db_commit(c->db) != 0) {
        db_rollback(c->db);
        goto done;
    }
    *rows = st.rows;
    status = 201;
done:
    if (status != 201) unlink(path);
    for (int i = 0; i < 64; i++) buf_release(&st.cell[i]);
    buf_release(&st.vcard);
    buf_release(&st.extra);
    buf_release(&select);
    return status;
}

int export_sweep(ctx *c)
{
    db_cursor *cur = db_query(c->db, "SELECT id, file_path FROM exports WHERE file_path IS NOT NULL"
                                     " AND expires_at < strftime('%Y-%m-%dT%H:%M:%SZ','now') LIMIT 100", NULL);
    if (!cur) return -1;
    long long ids[100];
    int n = 0;
    while (n < 100 && db_step(cur) == 1) {
        unlink(db_col_text(cur, 1));
        ids[n++] = db_col_int(cur, 0);
    }
    db_done(cur);
    for (int i = 0; i < n; i++) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, ids[i]);
        if (db_run(c->db, "UPDATE exports SET file_path = NULL WHERE id = ?", &p) < 0) return -1;
    }
    return n;
}
