/* Fuzz target for request bodies of the sales funnel: the bytes are parsed as the server
 * parses them and, when they make an object, created and updated through the resource
 * machinery as a pipeline, a stage, a deal, a line item, a payment, a product and a lead,
 * on an in-memory database holding the real schema, as the system and as a manager, each
 * in a transaction that is rolled back. Child records get their parent id from the
 * "path", and line items the deal's recount, as the HTTP layer gives them.
 *
 * Checked on every input: the status is one the API documents (500 means a body made SQL
 * fail, which is a bug), a success writes one JSON object, a refusal names at least one
 * problem in valid UTF-8, no transaction is left open, and after any successful write of
 * a deal the funnel's invariants hold: its stage belongs to its pipeline, its status is
 * the stage's kind, its amount is the sum of its line items when it has any, and the
 * kept stage totals equal a count of the live deals. */
#define FUZZ_TARGET "fuzz_funnel_body"
#include "body_harness.h"
#include "domain/deal.h"
#include "domain/lead.h"
#include "domain/pipeline.h"
#include "domain/product.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static principal g_manager;

static void setup(void)
{
    body_harness_open();
    arena a;
    arena_init(&a);
    /* a manager owning deal 1 (with a line item and a payment) in the ready-made pipeline,
     * a checklist on its first stage, a product, a contact, a company and a lead */
    if (db_exec(g_db, "INSERT INTO users(email, name, role_id) VALUES('m@fuzz.example', 'M', (SELECT id FROM roles WHERE name='manager'));"
                      "UPDATE stages SET checklist = '[\"Budget\"]', required_fields = '[\"amount\"]', time_limit_days = 3 WHERE id = 1;"
                      "INSERT INTO products(sku, name, price, currency) VALUES('P-1', 'Chair', 1000, 'EUR');"
                      "INSERT INTO contacts(first_name, owner_id) VALUES('Anna', 1);"
                      "INSERT INTO companies(name, owner_id) VALUES('Acme', 1);"
                      "INSERT INTO leads(channel, name, owner_id) VALUES('form', 'Jan', 1);") != 0)
        die("rows", db_errmsg(g_db));
    if (principal_load(g_db, &a, 1, &g_manager) != 0) die("manager", NULL);
    ctx m = {&a, g_db, &g_manager, "fuzz"};
    static const char *const bodies[] = {
        "{\"title\":\"first\",\"amount\":100}",
        "{\"name\":\"Chair\",\"quantity\":2,\"price\":500,\"deal_id\":1}",
        "{\"kind\":\"planned\",\"amount\":50,\"deal_id\":1}",
    };
    const resource *const res[] = {&deal_resource, &deal_item_resource, &deal_payment_resource};
    for (int i = 0; i < 3; i++) {
        errs e;
        errs_init(&e, &a);
        buf out;
        buf_init(&out, 0);
        long long id;
        json_t *in = json_loads(bodies[i], 0, NULL);
        if (resource_create(&m, res[i], in, &id, &out, &e) != 201) die("seed", out.data);
        if (res[i] == &deal_item_resource && deal_items_changed(&m, 1, &e) != 0) die("seed amount", db_errmsg(g_db));
        json_decref(in);
        buf_release(&out);
    }
    arena_release(&a);
}

static void check_invariants(void)
{
    static const char *const broken[] = {
        "SELECT count(*) FROM deals d JOIN stages s ON s.id = d.stage_id WHERE s.pipeline_id <> d.pipeline_id OR s.kind <> d.status",
        "SELECT count(*) FROM deals d WHERE EXISTS (SELECT 1 FROM deal_items i WHERE i.deal_id = d.id)"
        " AND d.amount IS NOT (SELECT sum(total) FROM deal_items i WHERE i.deal_id = d.id)",
        "SELECT count(*) FROM (SELECT stage_id, currency, count(*) n, coalesce(sum(amount), 0) a FROM deals WHERE deleted_at IS NULL"
        " GROUP BY 1, 2) x FULL JOIN (SELECT * FROM stage_totals WHERE count <> 0) t USING (stage_id, currency)"
        " WHERE x.n IS NOT t.count OR x.a IS NOT t.amount",
        "SELECT count(*) FROM deals d WHERE d.owner_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM deal_owners o WHERE o.deal_id = d.id AND o.user_id = d.owner_id AND o.is_primary)",
    };
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        long long n = db_scalar(g_db, broken[i], NULL, -1);
        if (n != 0) die("invariant broken", n < 0 ? db_errmsg(g_db) : broken[i]);
    }
}

/* one create and one update of `res` with the body, as `who`, rolled back; a child gets
 * `link` = parent from the path */
static void exercise(const resource *res, long long existing, const char *link, long long parent, json_t *body, const principal *who)
{
    arena a;
    arena_init(&a);
    ctx c = {&a, g_db, who, "fuzz"};
    for (int update = 0; update < 2; update++) {
        errs e;
        errs_init(&e, &a);
        buf out;
        buf_init(&out, 0);
        json_t *in = json_is_object(body) ? json_copy(body) : json_incref(body);
        if (link && !update && json_is_object(in)) json_object_set_new(in, link, json_integer(parent));
        if (db_begin(g_db) != 0) die("begin", db_errmsg(g_db));
        long long id = 0;
        int st = update ? resource_update(&c, res, existing, in, 0, &out, &e)
                        : resource_create(&c, res, in, &id, &out, &e);
        /* as the HTTP layer does after a line item changed */
        if ((st == 200 || st == 201) && res == &deal_item_resource) {
            int h = deal_items_changed(&c, 1, &e);
            if (h == 422) check_errs(&e);
            else if (h != 0) die("items changed", db_errmsg(g_db));
            if (h) st = h;
        }
        if (st == 200 || st == 201) {
            check_record(&out);
            check_invariants();
        } else if (st == 422) {
            check_errs(&e);
        } else if (st != 403 && st != 404 && st != 409 && st != 412) {
            die("unexpected status", db_errmsg(g_db));
        }
        db_rollback(g_db);
        if (db_in_tx(g_db)) die("transaction left open", res->name);
        json_decref(in);
        buf_release(&out);
    }
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_db) setup();
    json_t *body = json_loadb((const char *)data, size, REQ_JSON_FLAGS, NULL);
    if (!body) return 0;
    for (int who = 0; who < 2; who++) {
        const principal *p = who ? &g_manager : &g_system;
        exercise(&deal_resource, 1, NULL, 0, body, p);
        exercise(&deal_item_resource, 1, "deal_id", 1, body, p);
        exercise(&deal_payment_resource, 1, "deal_id", 1, body, p);
        exercise(&lead_resource, 1, NULL, 0, body, p);
    }
    exercise(&pipeline_resource, 1, NULL, 0, body, &g_system);
    exercise(&stage_resource, 1, "pipeline_id", 1, body, &g_system);
    exercise(&product_resource, 1, NULL, 0, body, &g_system);
    json_decref(body);
    return 0;
}
