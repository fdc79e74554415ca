/* pipeline: a sales process as an ordered list of stages.
 *
 * A pipeline has a header (name, goals, process owner, indicators, currency of its
 * deals) and stages, each with a position (1, 2, ... without gaps), a win probability, a
 * kind (open / won / lost), the results expected before a deal may leave it (checklist
 * items and required deal fields), a responsible role and a time limit in days after
 * which a deal in it counts as stuck. Stages are reached under
 * /api/v1/pipelines/{id}/stages; removing one moves its deals to a stage the caller
 * names. Deals (deal.h) ask this module about stages through the functions below. */
#ifndef KT_PIPELINE_H
#define KT_PIPELINE_H
#include "domain/resource.h"

extern const resource pipeline_resource, stage_resource;

typedef struct stage_info {
    long long id, pipeline_id;
    int position;
    int time_limit_days;         /* 0 = none */
    const char *name;            /* arena */
    const char *kind;            /* "open", "won", "lost" (static) */
    json_t *checklist;           /* array of strings, owned by the arena; never NULL */
    json_t *required_fields;     /* array of field names, owned by the arena; never NULL */
} stage_info;

/* 1 found (out filled), 0 no such stage, -1 database error */
int stage_get(ctx *c, long long stage_id, stage_info *out);
/* first stage (lowest position) of a live pipeline; 0 when none */
long long pipeline_first_stage(ctx *c, long long pipeline_id);
/* the pipeline deals land in when none is named: the live one with the lowest position */
long long pipeline_default(ctx *c);
/* currency of a pipeline's deals (arena); NULL when the pipeline is missing */
const char *pipeline_currency(ctx *c, long long pipeline_id);
bool pipeline_live(ctx *c, long long pipeline_id);

void pipeline_routes(void);
#endif
