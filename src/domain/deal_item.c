/* Line items of a deal (product, quantity, price, discount) and the offers: after every
 * change of the items the deal's amount becomes their sum and a snapshot of the whole
 * list is appended to deal_offers, so what the client was offered stays visible after
 * the items change. All SQL over `deal_items` and `deal_offers` lives here. */
#include "domain/deal.h"
#include "domain/subresource.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <math.h>
#include <string.h>

enum { MAX_ITEMS = 500 };
#define QUANTITY_MAX 1e9

static const field_def item_fields[] = {
    {"deal_id", "deal_id", FT_REF, FF_CREATEONLY, 0, NULL, "deals"},
    {"product_id", "product_id", FT_REF, 0, 0, NULL, "products"},
    {"name", "name", FT_TEXT, 0, 500, NULL, NULL},
    {"sku", "sku", FT_TEXT, FF_READONLY, 100, NULL, NULL},
    {"unit", "unit", FT_TEXT, 0, 20, NULL, NULL},
    {"quantity", "quantity", FT_REAL, FF_REQUIRED, 0, NULL, NULL},
    {"price", "price", FT_INT, 0, DEAL_AMOUNT_MAX, NULL, NULL},
    {"discount", "discount", FT_REAL, 0, 0, NULL, NULL},
    {"total", "total", FT_INT, FF_READONLY, 0, NULL, NULL},
    {"position", "position", FT_INT, 0, 100000, NULL, NULL},
    {0},
};

long long deal_item_count(ctx *c, long long deal_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, deal_id);
    return db_scalar(c->db, "SELECT count(*) FROM deal_items WHERE deal_id = ?", &p, -1);
}

static json_t *value(write_set *w, const char *k)
{
    json_t *v = json_object_get(w->in, k);
    return v ? v : w->old ? json_object_get(w->old, k) : NULL;
}

typedef struct product_row {
    const char *name, *sku, *unit, *currency;
    long long price;
    bool has_price, active, live;
} product_row;

static int product_load(ctx *c, long long id, product_row *out)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, "SELECT name, sku, unit, price, currency, active, deleted_at IS NULL FROM products WHERE id = ?", &p);
    if (!cur) return -1;
    int rc = db_step(cur);
    if (rc == 1) {
        out->name = arena_strdup(c->a, db_col_text(cur, 0));
        out->sku = db_col_null(cur, 1) ? NULL : arena_strdup(c->a, db_col_text(cur, 1));
        out->unit = db_col_null(cur, 2) ? NULL : arena_strdup(c->a, db_col_text(cur, 2));
        out->has_price = !db_col_null(cur, 3);
        out->price = db_col_int(cur, 3);
        out->currency = arena_strdup(c->a, db_col_text(cur, 4));
        out->active = db_col_int(cur, 5) != 0;
        out->live = db_col_int(cur, 6) != 0;
    }
    db_done(cur);
    return rc;
}

static void item_validate(ctx *c, write_set *w, errs *e)
{
    json_t *in = w->in;
    static const char *const not_null[] = {"quantity", "price", "discount", "name", "position", NULL};
    for (const char *const *k = not_null; *k; k++)
        if (json_is_null(json_object_get(in, *k))) errs_add(e, *k, "required", "'%s' cannot be null", *k);
    if (e->n) return;
    long long deal_id = json_integer_value(value(w, "deal_id"));
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, deal_id);
    const char *currency = db_scalar_text(c->db, c->a, "SELECT currency FROM deals WHERE id = ?", &p);
    if (!w->old && deal_item_count(c, deal_id) >= MAX_ITEMS)
        errs_add(e, NULL, "too_many_items", "a deal has at most %d line items", MAX_ITEMS);

    double qty = json_number_value(value(w, "quantity"));
    if (!(qty > 0) || qty > QUANTITY_MAX)
        errs_add(e, "quantity", "out_of_range", "'quantity' must be greater than 0 and at most 1000000000");
    json_t *dv = value(w, "discount");
    double disc = dv ? json_number_value(dv) : 0;
    if (disc < 0 || disc > 100) errs_add(e, "discount", "out_of_range", "'discount' is a percentage from 0 to 100");
    json_t *pv = json_object_get(in, "price");
    if (json_is_integer(pv) && json_integer_value(pv) < 0) errs_add(e, "price", "out_of_range", "'price' cannot be negative");

    /* a product named now fills in what the body leaves out */
    json_t *prod = json_object_get(in, "product_id");
    long long price = json_is_integer(value(w, "price")) ? json_integer_value(value(w, "price")) : -1;
    if (json_is_integer(prod)) {
        product_row pr;
        if (product_load(c, json_integer_value(prod), &pr) != 1 || !pr.live) {
            errs_add(e, "product_id", "invalid_reference", "no such product");
            return;
        }
        if (!pr.active) errs_add(e, "product_id", "product_inactive", "product '%s' is not active", pr.name);
        if (!pv) {
            if (!pr.has_price) errs_add(e, "price", "required", "product '%s' has no price; give 'price'", pr.name);
            else if (!currency || strcmp(pr.currency, currency))
                errs_add(e, "price", "currency_mismatch", "product '%s' is priced in %s and the deal in %s; give 'price' in %s",
                         pr.name, pr.currency, currency ? currency : "?", currency ? currency : "?");
            else { price = pr.price; w->cols[w->n++] = "price"; dbp_int(&w->vals, price); }
        }
        if (!json_object_get(in, "name")) { w->cols[w->n++] = "name"; dbp_text(&w->vals, pr.name); }
        if (!json_object_get(in, "unit")) { w->cols[w->n++] = "unit"; dbp_text(&w->vals, pr.unit); }
        w->cols[w->n++] = "sku";
        dbp_text(&w->vals, pr.sku);
    } else if (!w->old) {
        if (!json_object_get(in, "name")) errs_add(e, "name", "required", "'name' is required without a product");
        if (!pv) errs_add(e, "price", "required", "'price' is required without a product");
    }
    if (e->n || price < 0) return;
    long double total = roundl((long double)qty * (long double)price * (100.0L - (long double)disc) / 100.0L);
    if (total > (long double)DEAL_AMOUNT_MAX) {
        errs_add(e, "quantity", "out_of_range", "the line total would exceed %lld", DEAL_AMOUNT_MAX);
        return;
    }
    w->cols[w->n++] = "total";
    dbp_int(&w->vals, (long long)total);
    if (!w->old && !json_object_get(in, "position")) {
        w->cols[w->n++] = "position";
        dbp_int(&w->vals, db_scalar(c->db, "SELECT coalesce(max(position), 0) + 1 FROM deal_items WHERE deal_id = ?", &p, 1));
    }
}

const resource deal_item_resource = {
    .name = "deal_item", .plural = "items", .table = "deal_items", .kind = OBJ_DEALS, .fields = item_fields,
    .owner_sql = "t.deal_id IN (SELECT o.deal_id FROM deal_owners o WHERE o.user_id IN ({users}))",
    .default_sort = "position", .validate = item_validate,
};

int deal_items_changed(ctx *c, long long deal_id, errs *e)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, deal_id);
    long long n = deal_item_count(c, deal_id);
    long long sum = db_scalar(c->db, "SELECT coalesce(sum(total), 0) FROM deal_items WHERE deal_id = ?", &p, -1);
    if (n < 0 || sum < 0) return 500;
    if (sum > DEAL_AMOUNT_MAX) {
        errs_add(e, "total", "out_of_range", "the deal's amount would exceed %lld", DEAL_AMOUNT_MAX);
        return 422;
    }
    if (n > 0 && deal_set_amount(c, deal_id, sum) != 0) return 500;
    dbparams q;
    dbparams_init(&q, c->a);
    dbp_int(&q, deal_id);
    if (c->user->user_id) dbp_int(&q, c->user->user_id); else dbp_null(&q);
    dbp_int(&q, sum);
    if (db_run(c->db, "INSERT INTO deal_offers(deal_id, user_id, amount, currency, items)"
                      " SELECT d.id, ?2, ?3, d.currency, (SELECT json_group_array(json_object('product_id', product_id, 'name', name,"
                      "   'sku', sku, 'unit', unit, 'quantity', quantity, 'price', price, 'discount', discount, 'total', total))"
                      "   FROM (SELECT * FROM deal_items WHERE deal_id = ?1 ORDER BY position, id))"
                      " FROM deals d WHERE d.id = ?1", &q) < 0) return 500;
    return 0;
}

static const subresource item_sub = {
    .parent = &deal_resource, .child = &deal_item_resource, .segment = "items", .link = "deal_id",
    .changed = deal_items_changed,
};

static void offer_row(jw *w, db_cursor *cur)
{
    jw_kint(w, "id", db_col_int(cur, 0));
    jw_kstr(w, "at", db_col_text(cur, 1));
    if (db_col_null(cur, 2)) jw_knull(w, "user_id"); else jw_kint(w, "user_id", db_col_int(cur, 2));
    jw_kint(w, "amount", db_col_int(cur, 3));
    jw_kstr(w, "currency", db_col_text(cur, 4));
    jw_kraw(w, "items", db_col_text(cur, 5));
}

/* GET /api/v1/deals/{id}/offers: newest first; `after` is the id of the last one seen */
static int deal_offers(req *r, const void *data)
{
    (void)data;
    long long id, limit, after;
    int st = deal_page_args(r, 20, 100, &id, &limit, &after);
    if (st) return st;
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, id);
    dbp_int(&p, after);
    dbp_int(&p, limit + 1);
    db_cursor *cur = db_query(r->db, "SELECT id, at, user_id, amount, currency, items FROM deal_offers"
                                     " WHERE deal_id = ?1 AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3", &p);
    return deal_page_reply(r, cur, limit, offer_row);
}

void deal_item_routes(void)
{
    subresource_register(&item_sub);
    router_add("GET", "/api/v1/deals/{}/offers", deal_offers, NULL, 0);
    openapi_op("get", "/api/v1/deals/{id}/offers", "what the client was offered: a snapshot after every line-item change",
               NULL, "{\"type\":\"object\",\"required\":[\"data\",\"next\"]}");
}
