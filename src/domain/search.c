/* Full-text rows of client cards and GET /api/v1/search (see search.h). */
#include "domain/search.h"
#include "domain/clients.h"
#include "domain/fts_queue.h"
#include "http/openapi.h"
#include "http/rest.h"
#include "util/fold.h"
#include <stdlib.h>
#include <string.h>

/* the FTS table of an object kind; NULL for kinds without one */
static const char *fts_table(const char *object)
{
    if (!strcmp(object, "contact")) return "contacts_fts";
    if (!strcmp(object, "company")) return "companies_fts";
    return NULL;
}

/* the rows of the running batch of this thread (search.h) */
typedef struct pending_row {
    bool contact;       /* contacts_fts, else companies_fts */
    long long id;
    char *folded;       /* NULL: removed */
} pending_row;

static _Thread_local struct {
    bool on;
    pending_row *v;
    size_t n, cap;
} t_batch;

static int write_row(ctx *c, bool contact, long long id, const char *folded)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_run_at_commit(c->db, contact ? "DELETE FROM contacts_fts WHERE rowid = ?" : "DELETE FROM companies_fts WHERE rowid = ?", &p) < 0)
        return -1;
    if (!folded) return 0;
    dbp_text(&p, folded);
    return db_run_at_commit(c->db, contact ? "INSERT INTO contacts_fts(rowid, body) VALUES(?, ?)"
                                           : "INSERT INTO companies_fts(rowid, body) VALUES(?, ?)", &p);
}

/* text_fold of `text` in the arena, or malloc'd when `a` is NULL (a batch's rows outlive
 * the request arena); NULL for NULL */
static char *folded_copy(arena *a, const char *text)
{
    if (!text) return NULL;
    size_t n = strlen(text);
    char *folded = a ? arena_alloc(a, n + 1) : malloc(n + 1);
    if (!folded) abort();
    text_fold(text, n, folded, n + 1);
    return folded;
}

int search_fts_set(ctx *c, const char *fts_table, long long id, const char *text)
{
    return fts_queue_set(c, fts_table, "body", id, folded_copy(c->a, text));
}

void search_batch_begin(void) { t_batch.on = true; }

size_t search_batch_mark(void) { return t_batch.n; }

void search_batch_undo(size_t mark)
{
    while (t_batch.n > mark) free(t_batch.v[--t_batch.n].folded);
}

int search_batch_flush(ctx *c)
{
    arena a;   /* the caller's arena may live as long as the whole import */
    arena_init(&a);
    ctx fc = *c;
    fc.a = &a;
    int rc = 0;
    for (size_t i = 0; i < t_batch.n && rc == 0; i++) rc = write_row(&fc, t_batch.v[i].contact, t_batch.v[i].id, t_batch.v[i].folded);
    arena_release(&a);
    search_batch_undo(0);
    return rc;
}

void search_batch_end(void)
{
    search_batch_undo(0);
    free(t_batch.v);
    memset(&t_batch, 0, sizeof t_batch);
}

int search_index_set(ctx *c, const char *object, long long id, const char *text)
{
    const char *t = fts_table(object);
    if (!t) return -1;
    char *folded = folded_copy(t_batch.on ? NULL : c->a, text);
    if (!t_batch.on) return fts_queue_set(c, t, "body", id, folded);
    if (t_batch.n == t_batch.cap) {
        t_batch.cap = t_batch.cap ? t_batch.cap * 2 : 256;
        t_batch.v = realloc(t_batch.v, t_batch.cap * sizeof *t_batch.v);
        if (!t_batch.v) abort();
    }
    t_batch.v[t_batch.n++] = (pending_row){!strcmp(t, "contacts_fts"), id, folded};
    return 0;
}

void search_text_add_list(buf *b, const char *list_json, const char *member)
{
    if (!list_json) return;
    json_t *list = json_loads(list_json, 0, NULL);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *v = json_string_value(json_object_get(item, member));
        if (v) { buf_adds(b, v); buf_addc(b, ' '); }
    }
    json_decref(list);
}

/* ---------- GET /api/v1/search ---------- */

typedef struct hit { long long id; const char *name; } hit;

/* up to `limit` cards of kind k, newest first (by `newest_first`: FTS5 reads its own rowid
 * backwards, not t.id), from `from_where` (the FTS table f or the pending rows) narrowed to
 * live cards in the principal's read scope.
 *
 * With `by_owner` (the FTS walk of a principal who reads only some owners' cards) each
 * match is first checked against the small (id, owner) index of the cards: a manager's
 * team owns one card in fifty, and reading the card row of each of the other 49 matches
 * (random pages of a large table) was most of the time of their typeahead. The card's own
 * scope check stays: the index only spares rows that cannot pass it. */
static int search_hits(ctx *c, const client_kind *k, const char *from_where, bool by_owner, const char *newest_first,
                       const char *match, int limit, hit *v, int *n)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "SELECT t.id, %s FROM %s AND t.deleted_at IS NULL", k->name_sql, from_where);
    dbp_text(&p, match);
    if (by_owner) {
        /* one seek by id in the covering index; "+" keeps SQLite from seeking once per owner */
        buf_printf(&sql, " AND EXISTS (SELECT 1 FROM %s o INDEXED BY %s_id_owner WHERE o.id = f.rowid AND +o.%s IN (",
                   k->res->table, k->res->table, k->res->owner_column);
        scope_users_sql(c, resource_level(c, k->res, ACT_READ), &sql, &p);
        buf_adds(&sql, "))");
    }
    resource_scope_sql(c, k->res, ACT_READ, &sql, &p);
    buf_printf(&sql, " ORDER BY %s DESC LIMIT %d", newest_first, limit);
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return -1;
    int rc;
    *n = 0;
    while ((rc = db_step(cur)) == 1 && *n < limit) {
        const char *name = db_col_text(cur, 1);
        v[(*n)++] = (hit){db_col_int(cur, 0), name ? arena_strdup(c->a, name) : NULL};
    }
    db_done(cur);
    return rc < 0 ? -1 : 0;
}

static void write_hit(jw *w, const client_kind *k, const hit *h)
{
    jw_obj(w);
    jw_kstr(w, "type", k->object);
    jw_kint(w, "id", h->id);
    jw_kstr(w, "name", h->name);
    jw_obj_end(w);
}

/* the FTS table drives (newest first), so a common prefix stops after `limit` rows; rows
 * still waiting for the indexer are searched beside it and merged in (fts_queue.h) */
static int search_kind(ctx *c, const client_kind *k, const char *match, int limit, jw *w)
{
    scope_level level = resource_level(c, k->res, ACT_READ);
    if (level == SCOPE_NONE) return 0;
    const char *fts = fts_table(k->object), *table = k->res->table;
    hit *indexed = arena_alloc(c->a, (size_t)limit * sizeof *indexed), *pending = arena_alloc(c->a, (size_t)limit * sizeof *pending);
    int ni, np;
    const char *latest = k == &client_contact ? FTS_PENDING_LATEST("contacts_fts") : FTS_PENDING_LATEST("companies_fts");
    if (search_hits(c, k, arena_printf(c->a, "%s f JOIN %s t ON t.id = f.rowid WHERE %s MATCH ?"
                                       " AND f.rowid NOT IN (SELECT row FROM fts_pending WHERE fts = '%s')", fts, table, fts, fts),
                    level != SCOPE_ALL, "f.rowid", match, limit, indexed, &ni) != 0 ||
        search_hits(c, k, arena_printf(c->a, "%s t WHERE t.id IN (SELECT q.row FROM %s AND fts_match(q.body, ?))", table, latest),
                    false, "t.id", match, limit, pending, &np) != 0)
        return -1;
    long long last = 0;   /* a card in both lists (or queued twice) is written once */
    for (int i = 0, j = 0, out = 0; out < limit && (i < ni || j < np);) {
        bool take_pending = j < np && (i == ni || pending[j].id >= indexed[i].id);
        const hit *h = take_pending ? &pending[j++] : &indexed[i++];
        if (h->id == last) continue;
        write_hit(w, k, h);
        last = h->id;
        out++;
    }
    return 0;
}

static int search_get(req *r, const void *data)
{
    (void)data;
    const char *q = req_query(r, "q");
    const char *ls = req_query(r, "limit");
    int limit = 10;
    if (ls) {
        char *end;
        long v = strtol(ls, &end, 10);
        if (*end || v < 1 || v > 50) return reply_problem(r, 422, "out_of_range", "'limit' must be between 1 and 50");
        limit = (int)v;
    }
    ctx c = rest_ctx(r);
    const char *match = q ? search_match_expr(&r->a, q) : NULL;
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    if (match && (search_kind(&c, &client_contact, match, limit, &w) != 0 || search_kind(&c, &client_company, match, limit, &w) != 0))
        return reply_db_error(r);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

void search_routes(void)
{
    router_add("GET", "/api/v1/search", search_get, NULL, 0);
    openapi_op("get", "/api/v1/search", "typeahead over contacts and companies (?q=, ?limit= per kind, 1..50, default 10)", NULL,
               "{\"type\":\"object\",\"required\":[\"data\"],\"properties\":{\"data\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
               "\"required\":[\"type\",\"id\"],\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"contact\",\"company\"]},"
               "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\",\"nullable\":true}}}}}}");
}
