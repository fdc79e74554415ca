/* The kanban board of a pipeline: GET /api/v1/pipelines/{id}/board answers
 * {"stages": [{"id", "name", "kind", "position", "probability", "count", "amount",
 * "amounts", "deals": [...], "next"}]}: per stage the number of deals, the sum of their
 * amounts in the pipeline's currency (`amounts` has every currency), and the first page of
 * deals. The deal list's filters apply (filter=, q=, field=value, flag=, tag=, ...);
 * ?stage_id=S&after=CURSOR pages one stage on its own. Moving a card is a PATCH of the
 * deal with If-Match.
 *
 * When the board filters nothing, totals come from tables kept by triggers: stage_totals
 * when the caller sees every deal, owner_totals and deal_shares when the role's scope is
 * own or team (funnel.c step 7); then each stage's first page is one indexed page (for
 * own/team: the newest of the users' own and shared deals, a few dozen index rows), so
 * the board costs about the same for an administrator and a manager. A filtered board
 * counts with one grouped query over the filtered deals of the pipeline. */
#include "domain/deal.h"
#include "domain/pipeline.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <stdlib.h>
#include <string.h>

enum { MAX_COLUMNS = 64, DEFAULT_CARDS = 20, MAX_CARDS = 100 };

typedef struct column {
    long long id, count, amount;
    int position, probability;
    const char *name, *kind;
    json_t *amounts;   /* {"EUR": sum, ...} */
} column;

typedef struct board {
    column cols[MAX_COLUMNS];
    int n;
    const char *currency;   /* the pipeline's */
} board;

static void json_decref_cb(void *p) { json_decref(p); }

static void add_total(board *b, long long stage, const char *currency, long long count, long long amount)
{
    for (int i = 0; i < b->n; i++) {
        column *col = &b->cols[i];
        if (col->id != stage) continue;
        col->count += count;
        json_object_set_new(col->amounts, currency, json_integer(amount));
        if (!strcmp(currency, b->currency)) col->amount = amount;
    }
}

/* row of "stage_id, currency, count, total(amount)" */
static void total_row(void *cls, db_cursor *cur)
{
    double sum = db_col_real(cur, 3);
    add_total(cls, db_col_int(cur, 0), db_col_text(cur, 1), db_col_int(cur, 2),
              sum > 9.2e18 ? (long long)9.2e18 : sum < -9.2e18 ? (long long)-9.2e18 : (long long)sum);
}

/* whether a query argument filters deals (a stored field, or a custom field) */
static bool filters(const char *name)
{
    const field_def *f = resource_field(&deal_resource, name);
    return (f && f->column) || !strncmp(name, "custom_fields.", 14) ||
           !strcmp(name, "id") || !strcmp(name, "version") || !strcmp(name, "created_at") || !strcmp(name, "updated_at");
}

static int load_columns(ctx *c, long long pid, long long only, board *b)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pid);
    dbp_int(&p, only);
    db_cursor *cur = db_query(c->db, "SELECT id, name, kind, position, probability FROM stages"
                                     " WHERE pipeline_id = ?1 AND (?2 = 0 OR id = ?2) ORDER BY position, id", &p);
    if (!cur) return -1;
    int rc;
    while ((rc = db_step(cur)) == 1 && b->n < MAX_COLUMNS) {
        column *col = &b->cols[b->n++];
        col->id = db_col_int(cur, 0);
        col->name = arena_strdup(c->a, db_col_text(cur, 1));
        col->kind = arena_strdup(c->a, db_col_text(cur, 2));
        col->position = (int)db_col_int(cur, 3);
        col->probability = (int)db_col_int(cur, 4);
        col->amounts = json_object();
        arena_defer(c->a, json_decref_cb, col->amounts);
    }
    db_done(cur);
    return rc < 0 ? -1 : 0;
}

static int plain_totals(ctx *c, long long pid, board *b)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pid);
    db_cursor *cur = db_query(c->db, "SELECT stage_id, currency, count, amount FROM stage_totals"
                                     " WHERE stage_id IN (SELECT id FROM stages WHERE pipeline_id = ?) AND count > 0", &p);
    if (!cur) return -1;
    int rc;
    while ((rc = db_step(cur)) == 1) add_total(b, db_col_int(cur, 0), db_col_text(cur, 1), db_col_int(cur, 2), db_col_int(cur, 3));
    db_done(cur);
    return rc < 0 ? -1 : 0;
}

/* q narrowed to the pipeline (and a stage when `stage` is not 0). `by_owner`: the
 * caller sees only some deals, so the pipeline test is kept off the index ("+"): the
 * planner then starts from the deals the caller owns or shares (deal_owners), a few
 * thousand rows, instead of every deal of the pipeline */
static list_query narrowed(req *r, const list_query *q, long long pid, long long stage, bool by_owner)
{
    list_query n = *q;
    dbparams *p = arena_alloc(&r->a, sizeof *p);
    dbparams_init(p, &r->a);
    dbp_int(p, pid);
    if (stage) dbp_int(p, stage);
    if (q->extra_params) dbp_append(p, q->extra_params);
    n.extra_sql = arena_printf(&r->a, "%st.pipeline_id = ?%s%s%s%s", by_owner ? "+" : "", stage ? " AND t.stage_id = ?" : "",
                               q->extra_sql ? " AND (" : "", q->extra_sql ? q->extra_sql : "", q->extra_sql ? ")" : "");
    n.extra_params = p;
    n.count = false;
    return n;
}

/* " IN (<the users whose deals the caller sees>)" (scope own or team) */
static void users_in(ctx *c, buf *sql, dbparams *p)
{
    buf_adds(sql, " IN (");
    scope_users_sql(c, resource_level(c, &deal_resource, ACT_READ), sql, p);
    buf_adds(sql, ")");
}

/* Totals for a caller with scope own or team, whose users are U: a deal is seen when
 * its owner is in U (owner_totals summed over U: each deal has one owner) or, owned
 * outside U, it is shared with someone in U (deal_shares: DISTINCT, since two users of
 * U may share the same deal) */
static int scoped_totals(ctx *c, long long pid, board *b)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_adds(&sql, "SELECT stage_id, currency, sum(n), total(a) FROM ("
                   "SELECT stage_id, currency, count AS n, amount AS a FROM owner_totals WHERE user_id");
    users_in(c, &sql, &p);
    buf_adds(&sql, " AND stage_id IN (SELECT id FROM stages WHERE pipeline_id = ?) AND count > 0");
    dbp_int(&p, pid);
    buf_adds(&sql, " UNION ALL SELECT stage_id, currency, 1, amount FROM (SELECT DISTINCT deal_id, stage_id, currency, amount"
                   " FROM deal_shares WHERE user_id");
    users_in(c, &sql, &p);
    buf_adds(&sql, " AND stage_id IN (SELECT id FROM stages WHERE pipeline_id = ?) AND live AND coalesce(owner_id, 0) NOT");
    dbp_int(&p, pid);
    users_in(c, &sql, &p);
    buf_adds(&sql, ")) GROUP BY stage_id, currency");
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return -1;
    int rc;
    while ((rc = db_step(cur)) == 1) total_row(b, cur);
    db_done(cur);
    return rc < 0 ? -1 : 0;
}

/* The first page of `stage` for a caller with scope own or team (users U), newest first:
 * the newest limit + 1 deals of the stage owned in U (deals_owner_stage: SQLite stops
 * reading each owner's range once it cannot beat the rows it holds) and the newest
 * limit + 1 shared with U (deal_shares_board) hold the newest limit + 1 of their union, so
 * the list reads a few dozen rows; it runs on deal_card_resource, which checks each of
 * them against the scope itself */
static list_query scoped_page(req *r, ctx *c, const list_query *q, long long pid, long long stage)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams *p = arena_alloc(&r->a, sizeof *p);
    dbparams_init(p, &r->a);
    buf_adds(&sql, "t.id IN (SELECT id FROM (SELECT id FROM deals WHERE owner_id");
    users_in(c, &sql, p);
    buf_adds(&sql, " AND stage_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?)"
                   " UNION ALL SELECT deal_id FROM (SELECT DISTINCT deal_id FROM deal_shares WHERE user_id");
    dbp_int(p, stage);
    dbp_int(p, q->limit + 1);
    users_in(c, &sql, p);
    buf_adds(&sql, " AND stage_id = ? AND live ORDER BY deal_id DESC LIMIT ?))");
    dbp_int(p, stage);
    dbp_int(p, q->limit + 1);
    list_query n = *q;
    n.extra_sql = arena_strdup(&r->a, sql.data);
    n.extra_params = p;
    buf_release(&sql);
    return narrowed(r, &n, pid, stage, false);
}

/* resource_list wrote {"data":[...],"next":X}: the same as "deals":[...],"next":X */
static void write_page(jw *w, buf *page)
{
    char *next = NULL;
    for (char *s = strstr(page->data, ",\"next\":"); s; s = strstr(s + 1, ",\"next\":")) next = s;
    if (strncmp(page->data, "{\"data\":", 8) || !next || page->data[page->len - 1] != '}') {
        jw_kraw(w, "deals", "[]");
        jw_knull(w, "next");
        return;
    }
    *next = 0;
    page->data[page->len - 1] = 0;
    jw_kraw(w, "deals", page->data + 8);
    jw_kraw(w, "next", next + 8);
}

static int board_get(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    long long pid = req_param_id(r, 0);
    if (resource_level(&c, &pipeline_resource, ACT_READ) == SCOPE_NONE || resource_level(&c, &deal_resource, ACT_READ) == SCOPE_NONE)
        return reply_forbidden(r, "the board of this pipeline");
    if (!pid || !pipeline_live(&c, pid)) return reply_problem(r, 404, "not_found", "no such pipeline");
    list_query q;
    if (deal_list_query(r, &q) != 0) return 422;
    if (!req_query(r, "limit")) q.limit = DEFAULT_CARDS;
    errs e;
    errs_init(&e, &r->a);
    long long only = 0;
    const char *sv = req_query(r, "stage_id");
    if (sv) {
        char *end;
        only = strtoll(sv, &end, 10);
        stage_info si;
        if (*end || only <= 0 || stage_get(&c, only, &si) != 1 || si.pipeline_id != pid)
            errs_add(&e, "stage_id", "stage_not_in_pipeline", "'stage_id' must be a stage of pipeline %lld", pid);
    }
    if (q.after && !only) errs_add(&e, "after", "stage_required", "'after' pages one stage: give 'stage_id' too");
    if (q.limit > MAX_CARDS) errs_add(&e, "limit", "out_of_range", "'limit' is at most %d cards per stage", MAX_CARDS);
    if (e.n) return reply_invalid(r, &e);

    board *b = arena_alloc(&r->a, sizeof *b);
    b->currency = pipeline_currency(&c, pid);
    if (load_columns(&c, pid, only, b) != 0) return reply_db_error(r);
    bool every = resource_level(&c, &deal_resource, ACT_READ) == SCOPE_ALL;
    bool plain = !(q.filter && *q.filter) && !(q.q && *q.q) && !q.extra_sql;
    for (int i = 0; i < q.neq && plain; i++)   /* arguments that filter nothing keep it plain */
        plain = (only && !strcmp(q.eq_names[i], "stage_id")) || !filters(q.eq_names[i]);
    /* own/team pages from the kept sets: first pages in the default order (newest first) */
    bool scoped_pages = plain && !every && !(only && q.after && *q.after) &&
                        (!q.sort || !*q.sort || !strcmp(q.sort, "-id"));
    if (plain && every) {
        if (plain_totals(&c, pid, b) != 0) return reply_db_error(r);
    } else if (plain) {
        if (scoped_totals(&c, pid, b) != 0) return reply_db_error(r);
    } else {
        list_query aq = narrowed(r, &q, pid, 0, !every);
        aq.after = NULL;
        int st = resource_aggregate(&c, &deal_resource, &aq, "t.stage_id, t.currency, count(*), total(t.amount)",
                                    "t.stage_id, t.currency", total_row, b, &e);
        if (st != 200) return rest_status(r, &deal_resource, st, &e);
    }

    buf page;
    buf_init(&page, 0);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kint(&w, "pipeline_id", pid);
    jw_kstr(&w, "currency", b->currency);
    jw_key(&w, "stages");
    jw_arr(&w);
    for (int i = 0; i < b->n; i++) {
        column *col = &b->cols[i];
        jw_obj(&w);
        jw_kint(&w, "id", col->id);
        jw_kstr(&w, "name", col->name);
        jw_kstr(&w, "kind", col->kind);
        jw_kint(&w, "position", col->position);
        jw_kint(&w, "probability", col->probability);
        jw_kint(&w, "count", col->count);
        jw_kint(&w, "amount", col->amount);
        char *amounts = json_dumps(col->amounts, JSON_COMPACT | JSON_SORT_KEYS);
        jw_kraw(&w, "amounts", amounts);
        free(amounts);
        list_query lq = scoped_pages ? scoped_page(r, &c, &q, pid, col->id) : narrowed(r, &q, pid, col->id, false);
        if (!only) lq.after = NULL;
        buf_reset(&page);
        int st = resource_list(&c, scoped_pages ? &deal_card_resource : &deal_resource, &lq, &page, &e);
        if (st != 200) {
            buf_release(&page);
            buf_reset(&r->out);
            return rest_status(r, &deal_resource, st, &e);
        }
        write_page(&w, &page);
        jw_obj_end(&w);
    }
    buf_release(&page);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

void board_routes(void)
{
    router_add("GET", "/api/v1/pipelines/{}/board", board_get, NULL, 0);
    openapi_op("get", "/api/v1/pipelines/{id}/board",
               "kanban: per stage the count, amount and first page of deals (deal list filters; ?stage_id=&after= pages one stage)",
               NULL, "{\"type\":\"object\",\"required\":[\"stages\"],\"properties\":{\"stages\":{\"type\":\"array\",\"items\":"
               "{\"type\":\"object\",\"required\":[\"id\",\"count\",\"amount\",\"deals\",\"next\"],\"properties\":{"
               "\"id\":{\"type\":\"integer\"},\"count\":{\"type\":\"integer\"},\"amount\":{\"type\":\"integer\"},"
               "\"deals\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/deal\"}},"
               "\"next\":{\"type\":\"string\",\"nullable\":true}}}}}}");
}
