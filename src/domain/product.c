/* The product catalog and its category tree. All SQL over `products` and
 * `products_fts` lives here. */
#include "domain/product.h"
#include "domain/fts_queue.h"
#include "domain/deal.h"
#include "domain/pipeline.h"
#include "domain/search.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <string.h>

static const field_def product_fields[] = {
    {"sku", "sku", FT_TEXT, 0, 100, NULL, NULL},
    {"name", "name", FT_TEXT, FF_REQUIRED, 500, NULL, NULL},
    {"unit", "unit", FT_TEXT, 0, 20, NULL, NULL},
    {"price", "price", FT_INT, 0, DEAL_AMOUNT_MAX, NULL, NULL},
    {"currency", "currency", FT_CURRENCY, 0, 3, NULL, NULL},
    {"category", "category", FT_TEXT, 0, 100, NULL, NULL},
    {"subcategory", "subcategory", FT_TEXT, 0, 100, NULL, NULL},
    {"active", "active", FT_BOOL, 0, 0, NULL, NULL},
    {"description", "description", FT_TEXT, 0, 4000, NULL, NULL},
    {0},
};

static json_t *value(write_set *w, const char *k)
{
    json_t *v = json_object_get(w->in, k);
    return v ? v : w->old ? json_object_get(w->old, k) : NULL;
}

static void product_validate(ctx *c, write_set *w, errs *e)
{
    json_t *in = w->in;
    if (json_is_null(json_object_get(in, "currency"))) errs_add(e, "currency", "required", "'currency' cannot be null");
    if (json_is_null(json_object_get(in, "active"))) errs_add(e, "active", "required", "'active' cannot be null");
    json_t *price = json_object_get(in, "price");
    if (json_is_integer(price) && json_integer_value(price) < 0) errs_add(e, "price", "out_of_range", "'price' cannot be negative");
    json_t *sub = value(w, "subcategory"), *cat = value(w, "category");
    if (json_is_string(sub) && !json_is_string(cat))
        errs_add(e, "subcategory", "category_required", "a subcategory needs a category");
    json_t *sku = json_object_get(in, "sku");
    if (json_is_string(sku)) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_text(&p, json_string_value(sku));
        dbp_int(&p, w->old ? json_integer_value(json_object_get(w->old, "id")) : 0);
        if (json_string_length(sku) == 0) errs_add(e, "sku", "invalid_text", "'sku' cannot be empty; use null");
        else if (db_scalar(c->db, "SELECT 1 FROM products WHERE sku = ? AND id <> ? AND deleted_at IS NULL", &p, 0) == 1)
            errs_add(e, "sku", "duplicate", "another product has SKU '%s'", json_string_value(sku));
    }
    if (!w->old && !json_object_get(in, "currency")) {   /* the house currency: that of the default pipeline */
        const char *cur = pipeline_currency(c, pipeline_default(c));
        w->cols[w->n++] = "currency";
        dbp_text(&w->vals, cur ? cur : "EUR");
    }
}

static int product_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    (void)e;
    if (w->old && !json_object_get(w->in, "name") && !json_object_get(w->in, "sku")) return 0;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    char *text = db_scalar_text(c->db, c->a, "SELECT name || ' ' || coalesce(sku, '') FROM products WHERE id = ?", &p);
    if (!text) return -1;
    return search_fts_set(c, "products_fts", id, text);
}

static int product_before_delete(ctx *c, long long id, errs *e)
{
    (void)e;
    return search_fts_set(c, "products_fts", id, NULL);
}

const resource product_resource = {
    .name = "product", .plural = "products", .table = "products", .kind = OBJ_PRODUCTS, .fields = product_fields,
    .soft_delete = true, .custom_fields = true, .default_sort = "name",
    .search_sql = FTS_SEARCH_SQL("products_fts"),
    .validate = product_validate, .after_save = product_after_save, .before_delete = product_before_delete,
};

/* GET /api/v1/products/categories: the two-level tree with live product counts */
static int product_categories(req *r, const void *data)
{
    (void)data;
    ctx c = rest_ctx(r);
    if (resource_level(&c, &product_resource, ACT_READ) == SCOPE_NONE) return rest_status(r, &product_resource, 403, NULL);
    db_cursor *cur = db_query(r->db, "SELECT category, subcategory, count(*) FROM products"
                                     " WHERE deleted_at IS NULL AND category IS NOT NULL"
                                     " GROUP BY category, subcategory ORDER BY category, subcategory IS NOT NULL, subcategory", NULL);
    if (!cur) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    char *open = NULL;   /* category whose object is open */
    long long total = 0;
    int rc;
    while ((rc = db_step(cur)) == 1) {
        const char *cat = db_col_text(cur, 0);
        if (!open || strcmp(open, cat)) {
            if (open) { jw_arr_end(&w); jw_kint(&w, "count", total); jw_obj_end(&w); }
            open = arena_strdup(&r->a, cat);
            total = 0;
            jw_obj(&w);
            jw_kstr(&w, "category", cat);
            jw_key(&w, "subcategories");
            jw_arr(&w);
        }
        total += db_col_int(cur, 2);
        if (!db_col_null(cur, 1)) {
            jw_obj(&w);
            jw_kstr(&w, "name", db_col_text(cur, 1));
            jw_kint(&w, "count", db_col_int(cur, 2));
            jw_obj_end(&w);
        }
    }
    db_done(cur);
    if (rc < 0) { buf_reset(&r->out); return reply_db_error(r); }
    if (open) { jw_arr_end(&w); jw_kint(&w, "count", total); jw_obj_end(&w); }
    jw_arr_end(&w);
    jw_knull(&w, "next");
    jw_obj_end(&w);
    return reply_json(r, 200);
}

void product_routes(void)
{
    router_add("GET", "/api/v1/products/categories", product_categories, NULL, 0);
    openapi_op("get", "/api/v1/products/categories", "the product category tree with live product counts",
               NULL, "{\"type\":\"object\",\"required\":[\"data\"]}");
    rest_register(&product_resource);
}
