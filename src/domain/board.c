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
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_COLUMNS = 64, DEFAULT_CARDS = 20, MAX_CARDS = 100 };

/* the sum of a stage's deals in one currency */
typedef struct money {
    const char *currency;
    long long sum;
} money;

typedef struct column {
    long long id, count, amount;
    int position, probability;
    const char *name, *kind;
    money *amounts;    /* "amounts": {"EUR": sum, ...} */
    int namounts, capamounts;
    /* scope own/team: the newest deals of the stage shared with the caller's users but
     * owned by someone else, newest first (at most limit + 1) */
    long long *shared;
    int nshared;
} column;

typedef struct board {
    column cols[MAX_COLUMNS];
    int n;
    const char *currency;   /* the pipeline's */
    arena *a;
} board;

/* `v` (n items of `size` bytes in the arena) with room for one more: when full, a copy
 * with *cap doubled (from `first`) */
static void *grow(arena *a, void *v, int n, int *cap, int first, size_t size)
{
    if (n < *cap) return v;
    *cap = *cap ? *cap * 2 : first;
    void *grown = arena_alloc(a, (size_t)*cap * size);
    if (n) memcpy(grown, v, (size_t)n * size);
    return grown;
}

static column *column_of(board *b, long long stage)
{
    for (int i = 0; i < b->n; i++)
        if (b->cols[i].id == stage) return &b->cols[i];
    return NULL;
}

/* the stage's sum in `currency`, made (0) when it has none yet; NULL for an unknown stage */
static money *money_of(board *b, long long stage, const char *currency)
{
    column *col = column_of(b, stage);
    if (!col) return NULL;
    for (int i = 0; i < col->namounts; i++)
        if (!strcmp(col->amounts[i].currency, currency)) return &col->amounts[i];
    col->amounts = grow(b->a, col->amounts, col->namounts, &col->capamounts, 4, sizeof *col->amounts);
    col->amounts[col->namounts] = (money){arena_strdup(b->a, currency), 0};
    return &col->amounts[col->namounts++];
}

static void add_money(board *b, long long stage, money *m, long long count, long long amount)
{
    if (!m) return;
    column *col = column_of(b, stage);
    col->count += count;
    if (__builtin_add_overflow(m->sum, amount, &m->sum)) m->sum = amount < 0 ? LLONG_MIN : LLONG_MAX;
    if (!strcmp(m->currency, b->currency)) col->amount = m->sum;
}

/* adds to a stage's totals (a scoped board has several rows per stage and currency) */
static void add_total(board *b, long long stage, const char *currency, long long count, long long amount)
{
    add_money(b, stage, money_of(b, stage, currency), count, amount);
}

static int by_currency(const void *x, const void *y)
{
    return strcmp(((const money *)x)->currency, ((const money *)y)->currency);
}

/* "amounts": {"CZK": 10, "EUR": 7}: in the order of the codes */
static void write_amounts(jw *w, column *col)
{
    if (col->namounts > 1) qsort(col->amounts, (size_t)col->namounts, sizeof *col->amounts, by_currency);
    jw_key(w, "amounts");
    jw_obj(w);
    for (int i = 0; i < col->namounts; i++) jw_kint(w, col->amounts[i].currency, col->amounts[i].sum);
    jw_obj_end(w);
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

/* The users whose deals a caller with scope own or team sees (U), read once per request
 * and then bound as one JSON array: the set's own SQL (resource.h scope_users_sql) would
 * be run again by every statement, and by every row of a correlated one */
typedef struct user_set {
    long long *ids;   /* ascending */
    int n;
    const char *json;   /* "[3,4,...]" */
} user_set;

static int user_set_load(ctx *c, user_set *u)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_adds(&sql, "SELECT id FROM users WHERE id IN (");
    scope_users_sql(c, resource_level(c, &deal_resource, ACT_READ), &sql, &p);
    buf_adds(&sql, ") ORDER BY id");
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return -1;
    int rc, cap = 0;
    u->n = 0;
    while ((rc = db_step(cur)) == 1) {
        u->ids = grow(c->a, u->ids, u->n, &cap, 16, sizeof *u->ids);
        u->ids[u->n++] = db_col_int(cur, 0);
    }
    db_done(cur);
    if (rc < 0) return -1;
    buf_init(&sql, 0);
    buf_addc(&sql, '[');
    for (int i = 0; i < u->n; i++) buf_printf(&sql, "%s%lld", i ? "," : "", u->ids[i]);
    buf_addc(&sql, ']');
    u->json = arena_strdup(c->a, sql.data);
    buf_release(&sql);
    return 0;
}

/* " IN (<U>)": one parameter however large the team */
static void users_in(buf *sql, dbparams *p, const user_set *u)
{
    buf_adds(sql, " IN (SELECT value FROM json_each(?))");
    dbp_text(p, u->json);
}

static bool user_in(const user_set *u, long long id)
{
    int lo = 0, hi = u->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (u->ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < u->n && u->ids[lo] == id;
}

typedef struct shared_row {
    long long deal, stage, amount;
    money *sum;   /* of its stage and currency */
} shared_row;

static int newest_first(const void *a, const void *b)
{
    long long x = ((const shared_row *)a)->deal, y = ((const shared_row *)b)->deal;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Totals for a caller with scope own or team: a deal is seen when its owner is in U
 * (owner_totals summed over U: each deal has one owner) or, owned outside U, it is
 * shared with someone in U (deal_shares; once, though several users of U may share it).
 * The shared ones are few and summed here, which also keeps each stage's newest
 * `cards` of them for its first page. Grouping in SQL would cost more than the rows. */
static int scoped_totals(ctx *c, long long pid, const user_set *u, int cards, board *b)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_adds(&sql, "SELECT stage_id, currency, count, amount FROM owner_totals WHERE user_id");
    users_in(&sql, &p, u);
    buf_adds(&sql, " AND stage_id IN (SELECT id FROM stages WHERE pipeline_id = ?) AND count > 0");
    dbp_int(&p, pid);
    db_cursor *cur = db_query(c->db, sql.data, &p);
    int rc = -1;
    if (cur) while ((rc = db_step(cur)) == 1) add_total(b, db_col_int(cur, 0), db_col_text(cur, 1), db_col_int(cur, 2), db_col_int(cur, 3));
    db_done(cur);

    shared_row *rows = NULL;
    int n = 0, cap = 0;
    if (rc == 0) {
        buf_reset(&sql);
        dbparams_init(&p, c->a);
        buf_adds(&sql, "SELECT deal_id, stage_id, owner_id, currency, amount FROM deal_shares WHERE user_id");
        users_in(&sql, &p, u);
        buf_adds(&sql, " AND stage_id IN (SELECT id FROM stages WHERE pipeline_id = ?) AND live");
        dbp_int(&p, pid);
        cur = db_query(c->db, sql.data, &p);
        rc = -1;
        if (cur) while ((rc = db_step(cur)) == 1) {
            if (!db_col_null(cur, 2) && user_in(u, db_col_int(cur, 2))) continue;   /* counted with its owner */
            rows = grow(c->a, rows, n, &cap, 64, sizeof *rows);
            long long stage = db_col_int(cur, 1);
            rows[n++] = (shared_row){db_col_int(cur, 0), stage, db_col_int(cur, 4), money_of(b, stage, db_col_text(cur, 3))};
        }
        db_done(cur);
    }
    buf_release(&sql);
    if (rc < 0) return -1;
    if (n) qsort(rows, (size_t)n, sizeof *rows, newest_first);
    for (int i = 0; i < n; i++) {
        if (i && rows[i].deal == rows[i - 1].deal) continue;   /* shared with two users of U */
        add_money(b, rows[i].stage, rows[i].sum, 1, rows[i].amount);
        column *col = column_of(b, rows[i].stage);
        if (!col || col->nshared == cards) continue;
        if (!col->shared) col->shared = arena_alloc(c->a, (size_t)cards * sizeof *col->shared);
        col->shared[col->nshared++] = rows[i].deal;
    }
    return 0;
}

/* The first page of a stage for a caller with scope own or team, newest first: the
 * newest limit + 1 deals of the stage owned in U (deals_owner_stage: SQLite stops reading
 * each owner's range once it cannot beat the rows it holds) and the newest limit + 1
 * shared with U (from scoped_totals) hold the newest limit + 1 of their union, so the list
 * reads a few dozen rows by id; it runs on deal_card_resource, which checks each of them
 * against the scope itself */
static list_query scoped_page(req *r, const list_query *q, long long pid, const column *col, const user_set *u)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams *p = arena_alloc(&r->a, sizeof *p);
    dbparams_init(p, &r->a);
    buf_adds(&sql, "+t.pipeline_id = ? AND +t.stage_id = ? AND t.id IN (SELECT id FROM (SELECT id FROM deals WHERE owner_id");
    dbp_int(p, pid);
    dbp_int(p, col->id);
    users_in(&sql, p, u);
    buf_adds(&sql, " AND stage_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?)");
    dbp_int(p, col->id);
    dbp_int(p, q->limit + 1);
    for (int i = 0; i < col->nshared; i++) {
        buf_adds(&sql, i ? ", (?)" : " UNION ALL VALUES (?)");
        dbp_int(p, col->shared[i]);
    }
    buf_addc(&sql, ')');
    list_query n = *q;
    n.extra_sql = arena_strdup(&r->a, sql.data);
    n.extra_params = p;
    n.count = false;
    buf_release(&sql);
    return n;
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
    b->a = &r->a;
    b->currency = pipeline_currency(&c, pid);
    if (load_columns(&c, pid, only, b) != 0) return reply_db_error(r);
    bool every = resource_level(&c, &deal_resource, ACT_READ) == SCOPE_ALL;
    bool plain = !(q.filter && *q.filter) && !(q.q && *q.q) && !q.extra_sql;
    for (int i = 0; i < q.neq && plain; i++)   /* arguments that filter nothing keep it plain */
        plain = (only && !strcmp(q.eq_names[i], "stage_id")) || !filters(q.eq_names[i]);
    /* own/team pages from the kept sets: first pages in the default order (newest first) */
    bool scoped_pages = plain && !every && !(only && q.after && *q.after) &&
                        (!q.sort || !*q.sort || !strcmp(q.sort, "-id"));
    user_set users = {0};
    if (plain && every) {
        if (plain_totals(&c, pid, b) != 0) return reply_db_error(r);
    } else if (plain) {
        if (user_set_load(&c, &users) != 0 || scoped_totals(&c, pid, &users, q.limit + 1, b) != 0) return reply_db_error(r);
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
        write_amounts(&w, col);
        list_query lq = scoped_pages ? scoped_page(r, &q, pid, col, &users) : narrowed(r, &q, pid, col->id, false);
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
