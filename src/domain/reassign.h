/* reassign: hand every record of one user to another in one call (a manager is ill or
 * leaves), recorded in the audit log record by record.
 *
 * POST /api/v1/reassign {"from_user_id", "to_user_id", "objects": ["contacts", ...]}
 * runs every named target (all registered ones when "objects" is absent) in one
 * transaction and answers {"moved": {"contacts": N, ...}}. The caller needs write scope
 * "all" on each target's object kind. Modules add targets (deals, activities ...) with
 * reassign_register from their routes(). */
#ifndef KT_REASSIGN_H
#define KT_REASSIGN_H
#include "domain/ctx.h"

typedef struct reassign_target {
    const char *name;        /* as named in "objects": "contacts" */
    obj_kind kind;           /* whose write scope the caller needs */
    /* moves the live records owned by `from` to `to`, audits each, counts them in *moved;
     * 0 or -1 (the whole call then changes nothing) */
    int (*move)(ctx *c, long long from, long long to, long long *moved);
} reassign_target;

void reassign_register(const reassign_target *t);
/* the set-wise move of a target whose `table` has owner_id and deleted_at: the live rows
 * `from` owns go to `to` with one audit row each (as `object`), written by two statements
 * whatever their number; the count is added to *moved. 0 or -1 */
int reassign_owned_rows(ctx *c, const char *table, const char *object, long long from, long long to, long long *moved);
/* the row-wise move: the ids `select_sql` gives (it takes `from`) are each updated by
 * `update_sql` (taking `to`, then the id) and audited as `object` with `changes`; *n is
 * the number of ids selected. 0 or -1 */
int reassign_rows(ctx *c, const char *object, const char *select_sql, const char *update_sql, long long from,
                  long long to, const char *changes, size_t *n);
void reassign_routes(void);
#endif
