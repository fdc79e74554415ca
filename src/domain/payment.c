/* Payments of a deal: planned ones (due dates) and received ones (paid dates), in the
 * deal's currency, so the card shows what is paid and what is owed. All SQL over
 * `deal_payments` lives here. */
#include "domain/deal.h"
#include "domain/subresource.h"
#include "core/clock.h"
#include <string.h>

static const char *const payment_kinds[] = {"planned", "received", NULL};

static const field_def payment_fields[] = {
    {"deal_id", "deal_id", FT_REF, FF_CREATEONLY, 0, NULL, "deals"},
    {"kind", "kind", FT_ENUM, FF_REQUIRED, 0, payment_kinds, NULL},
    {"amount", "amount", FT_INT, FF_REQUIRED, DEAL_AMOUNT_MAX, NULL, NULL},
    {"currency", "currency", FT_CURRENCY, 0, 3, NULL, NULL},
    {"due_date", "due_date", FT_DATE, 0, 0, NULL, NULL},
    {"paid_at", "paid_at", FT_DATE, 0, 0, NULL, NULL},
    {"note", "note", FT_TEXT, 0, 1000, NULL, NULL},
    {0},
};

long long deal_payment_count(ctx *c, long long deal_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, deal_id);
    return db_scalar(c->db, "SELECT count(*) FROM deal_payments WHERE deal_id = ?", &p, -1);
}

static void payment_validate(ctx *c, write_set *w, errs *e)
{
    json_t *in = w->in;
    json_t *amount = json_object_get(in, "amount");
    if (json_is_integer(amount) && json_integer_value(amount) <= 0) errs_add(e, "amount", "out_of_range", "'amount' must be positive");
    json_t *kind = json_object_get(in, "kind");
    if (w->old && (json_is_null(kind) || json_is_null(amount))) errs_add(e, json_is_null(kind) ? "kind" : "amount", "required", "cannot be null");
    json_t *deal = json_object_get(w->old ? w->old : in, "deal_id");
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, json_integer_value(deal));
    const char *currency = db_scalar_text(c->db, c->a, "SELECT currency FROM deals WHERE id = ?", &p);
    json_t *cur = json_object_get(in, "currency");
    if (cur && !(json_is_string(cur) && currency && !strcmp(json_string_value(cur), currency)))
        errs_add(e, "currency", "currency_mismatch", "payments are in the deal's currency, %s", currency ? currency : "?");
    else if (!cur && !w->old) { w->cols[w->n++] = "currency"; dbp_text(&w->vals, currency); }
    /* a received payment has a date: today unless given */
    const char *k = json_string_value(kind ? kind : w->old ? json_object_get(w->old, "kind") : NULL);
    json_t *paid = json_object_get(in, "paid_at");
    bool has_paid = paid ? !json_is_null(paid) : w->old && !json_is_null(json_object_get(w->old, "paid_at"));
    if (k && !strcmp(k, "received") && !has_paid) {
        if (paid) { errs_add(e, "paid_at", "required", "a received payment needs 'paid_at'"); return; }
        char now[32];
        clock_now(now);
        w->cols[w->n++] = "paid_at";
        dbp_text(&w->vals, arena_strndup(c->a, now, 10));
    }
}

const resource deal_payment_resource = {
    .name = "payment", .plural = "payments", .table = "deal_payments", .kind = OBJ_DEALS, .fields = payment_fields,
    .owner_sql = "t.deal_id IN (SELECT o.deal_id FROM deal_owners o WHERE o.user_id IN ({users}))",
    .default_sort = "id", .validate = payment_validate,
};

static const subresource payment_sub = {
    .parent = &deal_resource, .child = &deal_payment_resource, .segment = "payments", .link = "deal_id",
};

void deal_payment_routes(void) { subresource_register(&payment_sub); }
