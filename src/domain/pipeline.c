/* Pipelines and their stages: definitions, ordering, removal with the deals moved away,
 * and the lookups deals make. All SQL over `pipelines` and `stages` lives here. */
#include "domain/pipeline.h"
#include "domain/deal.h"
#include "domain/subresource.h"
#include "http/rest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_STAGES = 50, MAX_CHECKLIST = 30, MAX_REQUIRED = 30, MAX_INDICATORS = 20 };

static void json_decref_cb(void *p) { json_decref(p); }

/* ---------- lookups ---------- */

static const char *kind_static(const char *k)
{
    if (k && !strcmp(k, "won")) return "won";
    if (k && !strcmp(k, "lost")) return "lost";
    return "open";
}

static json_t *arena_json_array(ctx *c, const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(j)) { json_decref(j); j = json_array(); }
    arena_defer(c->a, json_decref_cb, j);
    return j;
}

int stage_get(ctx *c, long long stage_id, stage_info *out)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, stage_id);
    db_cursor *cur = db_query(c->db, "SELECT id, pipeline_id, position, coalesce(time_limit_days, 0), name, kind,"
                                     " checklist, required_fields FROM stages WHERE id = ?", &p);
    if (!cur) return -1;
    int rc = db_step(cur);
    if (rc == 1) {
        out->id = db_col_int(cur, 0);
        out->pipeline_id = db_col_int(cur, 1);
        out->position = (int)db_col_int(cur, 2);
        out->time_limit_days = (int)db_col_int(cur, 3);
        out->name = arena_strdup(c->a, db_col_text(cur, 4));
        out->kind = kind_static(db_col_text(cur, 5));
        out->checklist = arena_json_array(c, db_col_text(cur, 6));
        out->required_fields = arena_json_array(c, db_col_text(cur, 7));
    }
    db_done(cur);
    return rc;
}

long long pipeline_first_stage(ctx *c, long long pipeline_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pipeline_id);
    return db_scalar(c->db, "SELECT s.id FROM stages s JOIN pipelines pl ON pl.id = s.pipeline_id AND pl.deleted_at IS NULL"
                            " WHERE s.pipeline_id = ? ORDER BY s.position, s.id LIMIT 1", &p, 0);
}

long long pipeline_default(ctx *c)
{
    return db_scalar(c->db, "SELECT id FROM pipelines WHERE deleted_at IS NULL ORDER BY position, id LIMIT 1", NULL, 0);
}

const char *pipeline_currency(ctx *c, long long pipeline_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pipeline_id);
    return db_scalar_text(c->db, c->a, "SELECT currency FROM pipelines WHERE id = ?", &p);
}

bool pipeline_live(ctx *c, long long pipeline_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pipeline_id);
    return db_scalar(c->db, "SELECT 1 FROM pipelines WHERE id = ? AND deleted_at IS NULL", &p, 0) == 1;
}

/* ---------- stages ---------- */

static const char *const stage_kinds[] = {"open", "won", "lost", NULL};

static const field_def stage_fields[] = {
    {"pipeline_id", "pipeline_id", FT_REF, FF_CREATEONLY, 0, NULL, "pipelines"},
    {"name", "name", FT_TEXT, FF_REQUIRED, 200, NULL, NULL},
    {"position", "position", FT_INT, 0, 1000, NULL, NULL},
    {"probability", "probability", FT_INT, 0, 100, NULL, NULL},
    {"kind", "kind", FT_ENUM, 0, 0, stage_kinds, NULL},
    {"checklist", "checklist", FT_JSON, 0, 0, NULL, NULL},
    {"required_fields", "required_fields", FT_JSON, 0, 0, NULL, NULL},
    {"role_id", "role_id", FT_REF, 0, 0, NULL, "roles"},
    {"time_limit_days", "time_limit_days", FT_INT, 0, 3650, NULL, NULL},
    {0},
};

/* a list of distinct strings of 1..maxlen characters, at most `max` of them */
static bool string_list_ok(ctx *c, json_t *v, size_t max, size_t maxlen, const char *path, errs *e)
{
    if (!json_is_array(v) || json_array_size(v) > max) {
        errs_add(e, path, "invalid_type", "'%s' must be a list of at most %zu texts", path, max);
        return false;
    }
    size_t i, j;
    json_t *x, *y;
    bool ok = true;
    json_array_foreach(v, i, x) {
        const char *ip = arena_printf(c->a, "%s[%zu]", path, i);
        if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > maxlen ||
            strlen(json_string_value(x)) != json_string_length(x)) {
            errs_add(e, ip, "invalid_type", "'%s' must be a text of 1 to %zu characters", ip, maxlen);
            ok = false;
            continue;
        }
        json_array_foreach(v, j, y) {
            if (j >= i) break;
            if (json_equal(x, y)) { errs_add(e, ip, "duplicate", "'%s' repeats '%s'", ip, json_string_value(x)); ok = false; }
        }
    }
    return ok;
}

/* value rules of a stage definition beyond the field types; `prefix` is "" or "stages[2]." */
static void stage_check(ctx *c, json_t *in, const char *prefix, errs *e)
{
    static const char *const not_null[] = {"name", "position", "probability", "kind", NULL};
    for (const char *const *k = not_null; *k; k++)
        if (json_is_null(json_object_get(in, *k)))
            errs_add(e, arena_printf(c->a, "%s%s", prefix, *k), "required", "'%s%s' cannot be null", prefix, *k);
    json_t *v = json_object_get(in, "probability");
    if (json_is_integer(v) && json_integer_value(v) < 0)
        errs_add(e, arena_printf(c->a, "%sprobability", prefix), "out_of_range", "'probability' must be between 0 and 100");
    v = json_object_get(in, "position");
    if (json_is_integer(v) && json_integer_value(v) < 1)
        errs_add(e, arena_printf(c->a, "%sposition", prefix), "out_of_range", "'position' counts from 1");
    v = json_object_get(in, "time_limit_days");
    if (json_is_integer(v) && json_integer_value(v) < 1)
        errs_add(e, arena_printf(c->a, "%stime_limit_days", prefix), "out_of_range", "'time_limit_days' must be at least 1");
    v = json_object_get(in, "checklist");
    if (v && !json_is_null(v)) string_list_ok(c, v, MAX_CHECKLIST, 200, arena_printf(c->a, "%schecklist", prefix), e);
    v = json_object_get(in, "required_fields");
    const char *rp = arena_printf(c->a, "%srequired_fields", prefix);
    if (v && !json_is_null(v) && string_list_ok(c, v, MAX_REQUIRED, 80, rp, e)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
            if (!deal_field_requirable(c, json_string_value(x)))
                errs_add(e, arena_printf(c->a, "%s[%zu]", rp, i), "unknown_field",
                         "'%s' is not a deal field a stage can require", json_string_value(x));
    }
}

static void stage_validate(ctx *c, write_set *w, errs *e)
{
    stage_check(c, w->in, "", e);
    if (w->old) return;
    long long pid = json_integer_value(json_object_get(w->in, "pipeline_id"));
    if (!pipeline_live(c, pid)) { errs_add(e, "pipeline_id", "invalid_reference", "no such pipeline"); return; }
    if (!json_object_get(w->in, "position")) {   /* appended at the end */
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, pid);
        w->cols[w->n++] = "position";
        dbp_int(&w->vals, db_scalar(c->db, "SELECT coalesce(max(position), 0) + 1 FROM stages WHERE pipeline_id = ?", &p, 1));
    }
}

/* positions 1..n in the current order, with stage `sid` (0 = none) placed at `wanted` */
static int stages_renumber(ctx *c, long long pid, long long sid, long long wanted)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, pid);
    dbp_int(&p, sid);
    db_cursor *cur = db_query(c->db, "SELECT id FROM stages WHERE pipeline_id = ? AND id <> ? ORDER BY position, id", &p);
    if (!cur) return -1;
    long long ids[MAX_STAGES + 2];
    size_t n = 0;
    while (db_step(cur) == 1 && n < MAX_STAGES + 1) ids[n++] = db_col_int(cur, 0);
    db_done(cur);
    if (sid) {
        size_t at = wanted < 1 ? 0 : (size_t)(wanted - 1) > n ? n : (size_t)(wanted - 1);
        memmove(ids + at + 1, ids + at, (n - at) * sizeof *ids);
        ids[at] = sid;
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_int(&q, (long long)i + 1);
        dbp_int(&q, ids[i]);
        dbp_int(&q, (long long)i + 1);
        if (db_run(c->db, "UPDATE stages SET position = ? WHERE id = ? AND position <> ?", &q) < 0) return -1;
    }
    return 0;
}

static int stage_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    long long pid = w->old ? json_integer_value(json_object_get(w->old, "pipeline_id"))
                           : json_integer_value(json_object_get(w->in, "pipeline_id"));
    if (!w->old) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, pid);
        if (db_scalar(c->db, "SELECT count(*) FROM stages WHERE pipeline_id = ?", &p, 0) > MAX_STAGES) {
            errs_add(e, NULL, "too_many_stages", "a pipeline has at most %d stages", MAX_STAGES);
            return -1;
        }
    }
    json_t *pos = json_object_get(w->in, "position");
    if (!w->old || json_is_integer(pos)) {
        long long wanted = json_is_integer(pos) ? json_integer_value(pos) : MAX_STAGES + 1;
        if (stages_renumber(c, pid, id, wanted) != 0) return -1;
    }
    const char *kind = json_string_value(json_object_get(w->in, "kind"));
    const char *was = w->old ? json_string_value(json_object_get(w->old, "kind")) : NULL;
    if (kind && was && strcmp(kind, was) && deal_stage_kind_changed(c, id, kind) != 0) return -1;
    if (w->old && json_object_get(w->in, "time_limit_days") &&
        !json_equal(json_object_get(w->in, "time_limit_days"), json_object_get(w->old, "time_limit_days")) &&
        deal_stage_limit_changed(c, id) != 0) return -1;
    return 0;
}

static int stage_before_delete(ctx *c, long long id, errs *e)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_scalar(c->db, "SELECT count(*) FROM stages WHERE pipeline_id = (SELECT pipeline_id FROM stages WHERE id = ?)", &p, 0) <= 1) {
        errs_add(e, NULL, "last_stage", "a pipeline keeps at least one stage");
        return -1;
    }
    return 0;
}

const resource stage_resource = {
    .name = "stage", .plural = "stages", .table = "stages", .kind = OBJ_PIPELINES, .fields = stage_fields,
    .default_sort = "position", .validate = stage_validate, .after_save = stage_after_save,
    .before_delete = stage_before_delete,
};

/* removing a stage: its deals go to ?move_to=<stage of the same pipeline> */
static int stage_deleting(req *r, ctx *c, long long pid, long long id, errs *e)
{
    const char *mt = req_query(r, "move_to");
    long long to = 0;
    if (mt) {
        char *end;
        to = strtoll(mt, &end, 10);
        stage_info si;
        if (*end || to <= 0 || to == id || stage_get(c, to, &si) != 1 || si.pipeline_id != pid) {
            errs_add(e, "move_to", "invalid_reference", "'move_to' must be another stage of the same pipeline");
            return 422;
        }
    }
    long long live = deal_count_in_stage(c, id, false);
    if (live < 0) return 500;
    if (live > 0 && !to) {
        errs_add(e, "move_to", "stage_not_empty",
                 "the stage holds %lld deal%s; name the stage they move to with ?move_to=<stage id>", live, live == 1 ? "" : "s");
        return 409;
    }
    if (!to && deal_count_in_stage(c, id, true) > 0) {   /* only deleted deals: to the first other stage */
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, pid);
        dbp_int(&p, id);
        to = db_scalar(c->db, "SELECT id FROM stages WHERE pipeline_id = ? AND id <> ? ORDER BY position LIMIT 1", &p, 0);
    }
    if (to && deal_move_stage(c, id, to) != 0) return 500;
    return 0;
}

static int stages_changed(ctx *c, long long pid, errs *e)
{
    (void)e;
    return stages_renumber(c, pid, 0, 0) == 0 ? 0 : 500;
}

static const subresource stage_sub = {
    .parent = &pipeline_resource, .child = &stage_resource, .segment = "stages", .link = "pipeline_id",
    .changed = stages_changed, .deleting = stage_deleting,
};

/* ---------- pipelines ---------- */

static const field_def pipeline_fields[] = {
    {"name", "name", FT_TEXT, FF_REQUIRED, 200, NULL, NULL},
    {"goals", "goals", FT_TEXT, 0, 4000, NULL, NULL},
    {"owner_id", "owner_id", FT_REF, 0, 0, NULL, "users"},
    {"indicators", "indicators", FT_JSON, 0, 0, NULL, NULL},
    {"currency", "currency", FT_CURRENCY, 0, 3, NULL, NULL},
    {"position", "position", FT_INT, 0, 100000, NULL, NULL},
    {"stages", NULL, FT_JSON, FF_REQUIRED | FF_CREATEONLY, 0, NULL, NULL},
    {0},
};

/* indicators: [{"name", "target"?, "unit"?}] */
static void indicators_check(ctx *c, json_t *v, errs *e)
{
    if (!v || json_is_null(v)) return;
    if (!json_is_array(v) || json_array_size(v) > MAX_INDICATORS) {
        errs_add(e, "indicators", "invalid_type", "'indicators' must be a list of at most %d objects", MAX_INDICATORS);
        return;
    }
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        const char *path = arena_printf(c->a, "indicators[%zu]", i);
        json_t *name = json_object_get(x, "name"), *target = json_object_get(x, "target"), *unit = json_object_get(x, "unit");
        size_t known = (name != NULL) + (target != NULL) + (unit != NULL);
        if (!json_is_object(x) || json_object_size(x) != known)
            errs_add(e, path, "invalid_type", "'%s' must be an object with name, target and unit only", path);
        else if (!json_is_string(name) || json_string_length(name) == 0 || json_string_length(name) > 200)
            errs_add(e, arena_printf(c->a, "%s.name", path), "required", "each indicator needs a name of 1 to 200 characters");
        else if (target && !json_is_null(target) && !json_is_number(target))
            errs_add(e, arena_printf(c->a, "%s.target", path), "invalid_type", "'target' must be a number");
        else if (unit && !json_is_null(unit) && (!json_is_string(unit) || json_string_length(unit) > 20))
            errs_add(e, arena_printf(c->a, "%s.unit", path), "invalid_type", "'unit' must be a text of at most 20 characters");
    }
}

/* the nested stage list of a new pipeline, checked with the stage field rules */
static void stages_check(ctx *c, json_t *v, errs *e)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MAX_STAGES) {
        errs_add(e, "stages", "invalid_type", "'stages' must be a list of 1 to %d stages", MAX_STAGES);
        return;
    }
    size_t i;
    json_t *st;
    json_array_foreach(v, i, st) {
        const char *prefix = arena_printf(c->a, "stages[%zu].", i);
        if (!json_is_object(st)) {
            errs_add(e, arena_printf(c->a, "stages[%zu]", i), "invalid_type", "each stage must be an object");
            continue;
        }
        const char *k;
        json_t *x;
        json_object_foreach(st, k, x) {
            const char *path = arena_printf(c->a, "%s%s", prefix, k);
            const field_def *f = resource_field(&stage_resource, k);
            if (!f) { errs_add(e, path, "unknown_field", "unknown field '%s'", path); continue; }
            if (!strcmp(k, "pipeline_id") || !strcmp(k, "position")) {
                errs_add(e, path, "read_only", "'%s' follows from the list", path);
                continue;
            }
            dbparams scratch;
            dbparams_init(&scratch, c->a);
            field_bind(c, f, path, x, &scratch, e);
        }
        if (!json_object_get(st, "name")) errs_add(e, arena_printf(c->a, "%sname", prefix), "required", "every stage needs a name");
        stage_check(c, st, prefix, e);
    }
}

static void pipeline_validate(ctx *c, write_set *w, errs *e)
{
    if (json_is_null(json_object_get(w->in, "currency"))) errs_add(e, "currency", "required", "'currency' cannot be null");
    if (json_is_null(json_object_get(w->in, "position"))) errs_add(e, "position", "required", "'position' cannot be null");
    indicators_check(c, json_object_get(w->in, "indicators"), e);
    if (!w->old) stages_check(c, json_object_get(w->in, "stages"), e);
}

static int pipeline_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    if (w->old) return 0;
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(w->in, "stages"), i, st) {
        json_t *in = json_copy(st);
        json_object_set_new(in, "pipeline_id", json_integer(id));
        json_object_set_new(in, "position", json_integer((json_int_t)i + 1));
        buf out;
        buf_init(&out, 0);
        long long sid;
        int rc = resource_create(c, &stage_resource, in, &sid, &out, e);
        buf_release(&out);
        json_decref(in);
        if (rc != 201) return -1;
    }
    return 0;
}

static void pipeline_write_extra(ctx *c, long long id, jw *w)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    /* ids first: writing a stage runs its own query on this connection */
    long long ids[MAX_STAGES + 1];
    size_t n = 0;
    db_cursor *cur = db_query(c->db, "SELECT id FROM stages WHERE pipeline_id = ? ORDER BY position, id", &p);
    while (cur && db_step(cur) == 1 && n < MAX_STAGES + 1) ids[n++] = db_col_int(cur, 0);
    db_done(cur);
    jw_key(w, "stages");
    jw_arr(w);
    for (size_t i = 0; i < n; i++) resource_write_record(c, &stage_resource, ids[i], NULL, w);
    jw_arr_end(w);
}

static int pipeline_before_delete(ctx *c, long long id, errs *e)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    if (db_scalar(c->db, "SELECT count(*) FROM pipelines WHERE deleted_at IS NULL AND id <> ?", &p, 0) == 0) {
        errs_add(e, NULL, "last_pipeline", "the last pipeline cannot be deleted");
        return -1;
    }
    long long n = deal_count_in_pipeline(c, id);
    if (n != 0) {
        if (n > 0) errs_add(e, NULL, "pipeline_not_empty", "the pipeline holds %lld deal%s; move or delete them first", n, n == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

const resource pipeline_resource = {
    .name = "pipeline", .plural = "pipelines", .table = "pipelines", .kind = OBJ_PIPELINES, .fields = pipeline_fields,
    .soft_delete = true, .default_sort = "position",
    .validate = pipeline_validate, .after_save = pipeline_after_save, .write_extra = pipeline_write_extra,
    .before_delete = pipeline_before_delete,
};

void pipeline_routes(void)
{
    rest_register(&pipeline_resource);
    subresource_register(&stage_sub);
}
