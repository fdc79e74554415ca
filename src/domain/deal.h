/* deal: an opportunity moving through a pipeline, with its line items, offers and
 * payments.
 *
 * Rules a caller can rely on:
 *  - a deal is always in exactly one stage of its pipeline; `status` is that stage's kind
 *    (open / won / lost) and `stage_entered_at` when it got there;
 *  - a move to a later stage (or to a won stage) first checks the results the current
 *    stage expects (its checklist items done on the deal, its required fields filled) and
 *    fails with 422 naming each missing one; entering a lost stage needs `lost_reason`;
 *  - every stage change, including creation and removal of a stage, appends a row to
 *    the stage history (who, when, from, to, seconds spent in `from`);
 *  - owners: `owner_id` plus `co_owner_ids`; for scope `own` a co-owner is an owner;
 *  - while a deal has line items its `amount` is their sum, and every change of the items
 *    appends a snapshot to its offers (what the client was offered, kept for good). */
#ifndef KT_DEAL_H
#define KT_DEAL_H
#include "domain/resource.h"
#include "http/req.h"

/* amounts and prices are minor units of at most this size (also the sum of a deal) */
#define DEAL_AMOUNT_MAX 1000000000000000LL

extern const resource deal_resource, deal_item_resource, deal_payment_resource;
/* deals with the same fields, rules and scope, the scope checked row by row: for lists
 * whose other conditions already narrow them to a few ids (the board's pages) */
extern const resource deal_card_resource;

/* whether `name` is a deal field a stage may require ("amount", "custom_fields.budget") */
bool deal_field_requirable(ctx *c, const char *name);
/* deals in a stage: live ones, or all rows including deleted ones; -1 on error */
long long deal_count_in_stage(ctx *c, long long stage_id, bool with_deleted);
/* live deals in a pipeline; -1 on error */
long long deal_count_in_pipeline(ctx *c, long long pipeline_id);
/* moves every deal of stage `from` to `to` (a stage being removed), with history; 0 ok */
int deal_move_stage(ctx *c, long long from, long long to);
/* the stage changed kind: its deals take the new status; 0 ok */
int deal_stage_kind_changed(ctx *c, long long stage_id, const char *kind);
/* the stage's time limit changed: when its deals become stuck follows; 0 ok */
int deal_stage_limit_changed(ctx *c, long long stage_id);
/* the deal list's query arguments: the standard ones (rest_list_query) plus flag=,
 * tag=, contact_id=, co_owner_id=; -1 after replying 422 */
int deal_list_query(req *r, list_query *q);
/* The lists under one deal paged by row id (stage history, offers). deal_page_args
 * answers 404 unless the caller may read deal {id} of the path, and 422 for ?limit= outside
 * 1..max_limit or an ?after= that is not an id; else 0 with *id, *limit (default
 * `limit_default`) and *after (0 when absent) set */
int deal_page_args(req *r, long long limit_default, long long max_limit, long long *id, long long *limit, long long *after);
/* answers {"data":[...],"next":"<id of the last row>"|null} from `cur` (limit + 1 rows,
 * the id first; NULL on a database error), row() writing one object per row */
int deal_page_reply(req *r, db_cursor *cur, long long limit, void (*row)(jw *w, db_cursor *cur));
/* the amount derived from line items (version + 1, audited); 0 ok */
int deal_set_amount(ctx *c, long long deal_id, long long amount);
/* links a deal to the lead it was qualified from; 0 ok */
int deal_set_lead(ctx *c, long long deal_id, long long lead_id);
/* after the line items of a deal changed: the amount becomes their sum (while there are
 * any) and a snapshot of them is appended to the offers. 0, 422 (the sum would exceed
 * DEAL_AMOUNT_MAX; e says so) or 500 */
int deal_items_changed(ctx *c, long long deal_id, errs *e);
/* line items and payments of a deal; -1 on error */
long long deal_item_count(ctx *c, long long deal_id);
long long deal_payment_count(ctx *c, long long deal_id);

void deal_routes(void);
void deal_item_routes(void);
void deal_payment_routes(void);
/* timeline sources, merge hook and reassignment target of deals (deal_links.c) */
void deal_links_routes(void);
void board_routes(void);
#endif
