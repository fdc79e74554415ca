/* merge: one client card absorbed into another, and the undo of it.
 *
 * POST /api/v1/contacts/{id}/merge {"from_id": OTHER} (and /companies/...) merges the card
 * OTHER into {id} in one transaction: list members {id} lacks (phones, emails,
 * messengers, tags, addresses) are appended, empty fields and missing custom fields
 * filled (values {id} has are never overwritten), links to the other kind copied, every
 * registered merge_hook moves what points at OTHER (deals, activities ...), OTHER is
 * soft-deleted, and the audit log gets a "merge" row on {id} and a "merged" row on OTHER.
 * The caller needs write scope on both cards. History follows: the timeline of {id}
 * includes the audit rows of every card merged into it (merge_ids_sql).
 *
 * Table merges(id, object, into_id, from_id, user_id, created_at, snapshot, undone_at,
 * undone_by): snapshot = {"patch", "before", "links", "hooks": {name: moved}} is exactly
 * what the merge changed, so POST /api/v1/merges/{id}/undo (admins, within
 * MERGE_UNDO_DAYS) takes back those changes that were not edited since, restores OTHER
 * and asks each hook to put back what it moved. */
#ifndef KT_MERGE_H
#define KT_MERGE_H
#include <jansson.h>
#include "core/buf.h"
#include "domain/ctx.h"

enum { MERGE_UNDO_DAYS = 30 };

typedef struct merge_hook {
    const char *name;   /* key in the snapshot: "deals", "activities" ... */
    /* moves what points at (object, from) over to (object, into) and appends to `moved`
     * (a JSON array) what undo needs to put it back; 0 or -1 to fail the merge */
    int (*move)(ctx *c, const char *object, long long from, long long into, json_t *moved);
    int (*undo)(ctx *c, const char *object, long long from, long long into, json_t *moved);
} merge_hook;

/* from a module's routes() */
void merge_register(const merge_hook *h);
/* move and undo for a hook whose rows of `table` point at a client card through a
 * contact_id or company_id column: the rows of card `from` go to `into`, their ids listed
 * in `moved`; undo sends back those still pointing at `into`. Other objects: nothing */
int merge_move_rows(ctx *c, const char *table, const char *object, long long from, long long into, json_t *moved);
int merge_undo_rows(ctx *c, const char *table, const char *object, long long from, long long into, json_t *moved);
/* appends an SQL subquery (for use inside "x IN (...)") giving `id` and every card
 * merged into it, directly or through other merges, and not undone */
void merge_ids_sql(const char *object, long long id, buf *sql, dbparams *p);
void merge_routes(void);
#endif
