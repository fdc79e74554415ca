/* HTTP side of activities: the standard routes (create answers with a plain-language
 * confirmation) and the actions a manager clicks — complete (with the next step in the
 * same transaction), postpone and cancel. Each action answers the activity record with a
 * "message" member saying what happened. */
#include "domain/activity.h"
#include "domain/notification.h"
#include "http/openapi.h"
#include "http/rest.h"
#include "core/clock.h"
#include "core/utf8.h"
#include <stdio.h>
#include <string.h>

/* the record in `out` gets one more member: ,"key": <json> */
static void add_member_raw(buf *out, const char *key, const char *json)
{
    if (!out->len || out->data[out->len - 1] != '}') return;
    out->len--;
    buf_addc(out, ',');
    buf_json_str(out, key);
    buf_addc(out, ':');
    buf_adds(out, json);
    buf_addc(out, '}');
}

static void add_message(buf *out, const char *message)
{
    buf m;
    buf_init(&m, 0);
    buf_json_str(&m, message);
    add_member_raw(out, "message", m.data);
    buf_release(&m);
}

/* "the call “Call Ivan”" */
static const char *named(ctx *c, const activity_row *a)
{
    if (!a->subject || !*a->subject) return arena_printf(c->a, "the %s", activity_kind_word(a->kind));
    return arena_printf(c->a, "the %s \xe2\x80\x9c%s\xe2\x80\x9d", activity_kind_word(a->kind), a->subject);
}

static const char *capitalised(ctx *c, const char *s)
{
    char *r = arena_strdup(c->a, s);
    if (*r >= 'a' && *r <= 'z') *r = (char)(*r - 'a' + 'A');
    return r;
}

/* what a planned activity now is: "planned for <time>, assigned to Anna, reminder at <time>" */
static const char *plan_words(ctx *c, const activity_row *a)
{
    buf b;
    buf_init(&b, 0);
    if (a->due_at) buf_printf(&b, "planned for %s", activity_when(c, a->due_at));
    else buf_adds(&b, "planned without a due time");
    if (a->assignee_id && a->assignee_id != c->user->user_id)
        buf_printf(&b, ", assigned to %s", notify_user_name(c, a->assignee_id));
    if (a->remind_at) buf_printf(&b, ", with a reminder at %s", activity_when(c, a->remind_at));
    const char *r = arena_strdup(c->a, b.data);
    buf_release(&b);
    return r;
}

static const char *created_message(ctx *c, long long id)
{
    activity_row a;
    if (activity_row_load(c, id, &a) != 0) return "Saved.";
    if (!strcmp(a.kind, "note")) return "The note is saved.";
    if (!strcmp(a.status, "done")) return arena_printf(c->a, "%s is logged as done.", capitalised(c, named(c, &a)));
    if (!strcmp(a.status, "cancelled")) return arena_printf(c->a, "%s is saved as cancelled.", capitalised(c, named(c, &a)));
    return arena_printf(c->a, "%s is %s.", capitalised(c, named(c, &a)), plan_words(c, &a));
}

static int activity_create(req *r, const void *data)
{
    const resource *res = data;
    if (!r->json) return reply_problem(r, 400, "missing_body", "a JSON object body is required");
    if (db_begin(r->db) != 0) return reply_problem(r, 503, "busy", "the database is busy; retry the request");
    if (idempotency_begin(r) != 0) { db_rollback(r->db); return r->status; }
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    long long id = 0;
    int st = resource_create(&c, res, r->json, &id, &r->out, &e);
    if (st != 201) {
        db_rollback(r->db);
        return rest_status(r, res, st, &e);
    }
    add_message(&r->out, created_message(&c, id));
    req_add_header(r, "Location", arena_printf(&r->a, "/api/v1/activities/%lld", id));
    rest_status(r, res, 201, &e);
    idempotency_store(r);
    if (db_commit(r->db) != 0) return reply_db_error(r);
    return 201;
}

/* ---------- actions ---------- */

/* the visible activity as stored, or NULL after replying 404 */
static json_t *load_visible(req *r, ctx *c, long long id)
{
    json_t *cur = id ? resource_load(c, &activity_resource, id, ACT_READ) : NULL;
    if (!cur) reply_problem(r, 404, "not_found", "no such activity");
    return cur;
}

/* planned activities only; else replies 409 and returns false */
static bool must_be_planned(req *r, json_t *cur, const char *doing)
{
    const char *status = json_string_value(json_object_get(cur, "status"));
    if (status && !strcmp(status, "planned")) return true;
    const char *kind = activity_kind_word(json_string_value(json_object_get(cur, "kind")));
    reply_problem(r, 409, "invalid_state", "cannot %s: the %s is already %s (reopen it with PATCH {\"status\": \"planned\"} first)",
                  doing, kind, status ? status : "closed");
    return false;
}

static void json_decref_cb(void *p) { json_decref(p); }
static void buf_release_cb(void *p) { buf_release(p); }

/* an empty object that lives as long as the request */
static json_t *new_object(req *r)
{
    json_t *o = json_object();
    arena_defer(&r->a, json_decref_cb, o);
    return o;
}

/* the body as an object (an absent body is an empty one); NULL after replying 422 */
static json_t *body_object(req *r)
{
    if (!r->json) return new_object(r);
    if (json_is_object(r->json)) return r->json;
    errs e;
    errs_init(&e, &r->a);
    errs_add(&e, NULL, "invalid_body", "the body must be a JSON object");
    reply_invalid(r, &e);
    return NULL;
}

/* runs the update of an action inside the request's transaction; on success the record
 * is in r->out and 0 is returned, else the answer is sent and the transaction rolled back */
static int action_update(req *r, ctx *c, long long id, json_t *upd, long long ver)
{
    errs e;
    errs_init(&e, &r->a);
    int st = resource_update(c, &activity_resource, id, upd, ver, &r->out, &e);
    if (st == 200) return 0;
    db_rollback(r->db);
    rest_status(r, &activity_resource, st, &e);
    return -1;
}

/* begins the action: If-Match, transaction, idempotency replay; 1 replayed, -1 answered,
 * 0 go on (transaction open) */
static int action_begin(req *r, long long *ver)
{
    if ((*ver = rest_if_match(r)) < 0) return -1;
    if (db_begin(r->db) != 0) { reply_problem(r, 503, "busy", "the database is busy; retry the request"); return -1; }
    int rc = idempotency_begin(r);
    if (rc != 0) { db_rollback(r->db); return rc > 0 ? 1 : -1; }
    return 0;
}

/* opens an action on activity {id}: action_begin, then the activity must be visible and
 * planned; 0 with the activity as stored in *cur and the transaction open, else the
 * status answered (nothing left open) */
static int action_open(req *r, ctx *c, long long id, const char *doing, long long *ver, json_t **cur)
{
    if (action_begin(r, ver)) return r->status;
    *cur = load_visible(r, c, id);
    if (!*cur) { db_rollback(r->db); return 404; }
    if (!must_be_planned(r, *cur, doing)) { db_rollback(r->db); return 409; }
    return 0;
}

static int action_finish(req *r, const char *message)
{
    add_message(&r->out, message);
    reply_json(r, 200);
    idempotency_store(r);
    if (db_commit(r->db) != 0) return reply_db_error(r);
    return 200;
}

/* the next step inherits what the body leaves out: kind, subject, links, assignee */
static void next_defaults(json_t *next, json_t *done)
{
    static const char *const inherit[] = {"kind", "subject", "assignee_id", NULL};
    static const char *const links[] = {"contact_id", "company_id", "deal_id", "lead_id", NULL};
    for (const char *const *k = inherit; *k; k++)
        if (!json_object_get(next, *k)) json_object_set(next, *k, json_object_get(done, *k));
    bool linked = false;
    for (const char *const *k = links; *k; k++) linked |= json_object_get(next, *k) != NULL;
    if (!linked)
        for (const char *const *k = links; *k; k++) {
            json_t *v = json_object_get(done, *k);
            if (v && !json_is_null(v)) json_object_set(next, *k, v);
        }
}

/* POST /api/v1/activities/{id}/complete {"result", call details..., "next": {activity}} */
static int activity_complete(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0), ver;
    json_t *in = body_object(r);
    if (!in) return 422;
    json_t *next_in = json_object_get(in, "next");
    if (json_object_get(in, "status") || (next_in && !json_is_object(next_in) && !json_is_null(next_in))) {
        errs e;
        errs_init(&e, &r->a);
        if (json_object_get(in, "status")) errs_add(&e, "status", "read_only", "'status' is set by complete: leave it out");
        else errs_add(&e, "next", "invalid_type", "'next' must be an activity (a JSON object) or null");
        return reply_invalid(r, &e);
    }
    ctx c = rest_ctx(r);
    json_t *cur;
    int st = action_open(r, &c, id, "complete it", &ver, &cur);
    if (st) return st;

    json_t *upd = new_object(r);
    json_object_update(upd, in);
    json_object_del(upd, "next");
    json_object_set_new(upd, "status", json_string("done"));
    if (action_update(r, &c, id, upd, ver) != 0) return r->status;

    activity_row done;
    activity_row_load(&c, id, &done);
    const char *message = arena_printf(c.a, "Done: %s.", named(&c, &done));
    if (json_is_object(next_in)) {
        json_t *next = new_object(r);
        json_object_update(next, next_in);
        next_defaults(next, cur);
        buf *nb = arena_alloc(&r->a, sizeof *nb);
        buf_init(nb, 0);
        arena_defer(&r->a, buf_release_cb, nb);
        errs e;
        errs_init(&e, &r->a);
        long long nid = 0;
        int st = resource_create(&c, &activity_resource, next, &nid, nb, &e);
        if (st != 201) {
            db_rollback(r->db);
            for (size_t i = 0; i < e.n; i++)
                e.v[i].field = e.v[i].field ? arena_printf(&r->a, "next.%s", e.v[i].field) : "next";
            return rest_status(r, &activity_resource, st, &e);
        }
        add_member_raw(&r->out, "next", nb->data);
        activity_row na;
        if (activity_row_load(&c, nid, &na) == 0)
            message = arena_printf(c.a, "Done: %s. Next: %s, %s.", named(&c, &done), named(&c, &na), plan_words(&c, &na));
    } else {
        add_member_raw(&r->out, "next", "null");
    }
    return action_finish(r, message);
}

/* POST /api/v1/activities/{id}/postpone {"due_at", optional "end_at", "remind_at"} */
static int activity_postpone(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0), ver;
    json_t *in = body_object(r);
    if (!in) return 422;
    errs e;
    errs_init(&e, &r->a);
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v)
        if (strcmp(key, "due_at") && strcmp(key, "end_at") && strcmp(key, "remind_at"))
            errs_add(&e, key, "unknown_field", "postpone takes 'due_at', 'end_at' and 'remind_at' only, not '%s'", key);
    json_t *due = json_object_get(in, "due_at");
    if (!due || json_is_null(due)) errs_add(&e, "due_at", "required", "'due_at' is required: the new time");
    if (e.n) return reply_invalid(r, &e);
    ctx c = rest_ctx(r);
    json_t *cur;
    int st = action_open(r, &c, id, "postpone it", &ver, &cur);
    if (st) return st;
    if (action_update(r, &c, id, in, ver) != 0) return r->status;
    activity_row a;
    activity_row_load(&c, id, &a);
    return action_finish(r, arena_printf(c.a, "%s is moved: now %s.", capitalised(&c, named(&c, &a)), plan_words(&c, &a)));
}

/* POST /api/v1/activities/{id}/cancel {"reason"} */
static int activity_cancel(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0), ver;
    json_t *in = body_object(r);
    if (!in) return 422;
    errs e;
    errs_init(&e, &r->a);
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v)
        if (strcmp(key, "reason")) errs_add(&e, key, "unknown_field", "cancel takes 'reason' only, not '%s'", key);
    json_t *reason = json_object_get(in, "reason");
    if (reason && !json_is_null(reason) && !json_is_string(reason)) errs_add(&e, "reason", "invalid_type", "'reason' must be a string");
    else if (json_is_string(reason) && utf8_length(json_string_value(reason), json_string_length(reason)) > ACTIVITY_RESULT_MAX)
        errs_add(&e, "reason", "too_long", "'reason' is longer than %d characters", ACTIVITY_RESULT_MAX);
    if (e.n) return reply_invalid(r, &e);
    ctx c = rest_ctx(r);
    json_t *cur;
    int st = action_open(r, &c, id, "cancel it", &ver, &cur);
    if (st) return st;
    json_t *upd = new_object(r);
    json_object_set_new(upd, "status", json_string("cancelled"));
    if (json_is_string(reason)) json_object_set(upd, "result", reason);
    if (action_update(r, &c, id, upd, ver) != 0) return r->status;
    activity_row a;
    activity_row_load(&c, id, &a);
    return action_finish(r, arena_printf(c.a, "%s is cancelled.", capitalised(&c, named(&c, &a))));
}

void activity_routes(void)
{
    const resource *res = &activity_resource;
    router_add("GET", "/api/v1/activities", rest_list, res, 0);
    router_add("POST", "/api/v1/activities", activity_create, res, 0);
    router_add("GET", "/api/v1/activities/{}", rest_get, res, 0);
    router_add("PATCH", "/api/v1/activities/{}", rest_update, res, 0);
    router_add("PUT", "/api/v1/activities/{}", rest_update, res, 0);
    router_add("DELETE", "/api/v1/activities/{}", rest_delete, res, 0);
    openapi_resource(res);

    static const char *const done_schema =
        "{\"allOf\":[{\"$ref\":\"#/components/schemas/activity\"},{\"type\":\"object\",\"properties\":{"
        "\"next\":{\"allOf\":[{\"$ref\":\"#/components/schemas/activity\"}],\"nullable\":true},\"message\":{\"type\":\"string\"}}}]}";
    static const char *const with_message =
        "{\"allOf\":[{\"$ref\":\"#/components/schemas/activity\"},{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}}}]}";
    router_add("POST", "/api/v1/activities/{}/complete", activity_complete, res, 0);
    openapi_op("post", "/api/v1/activities/{id}/complete", "marks a planned activity done with a result and plans the next step in the same transaction",
               "{\"type\":\"object\",\"properties\":{\"result\":{\"type\":\"string\"},\"done_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
               "\"outcome\":{\"type\":\"string\"},\"duration\":{\"type\":\"integer\"},\"recording_url\":{\"type\":\"string\"},"
               "\"next\":{\"$ref\":\"#/components/schemas/activity\"}}}", done_schema);
    router_add("POST", "/api/v1/activities/{}/postpone", activity_postpone, res, 0);
    openapi_op("post", "/api/v1/activities/{id}/postpone", "moves a planned activity to a new time (end and reminder move with it)",
               "{\"type\":\"object\",\"required\":[\"due_at\"],\"properties\":{\"due_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
               "\"end_at\":{\"type\":\"string\",\"format\":\"date-time\"},\"remind_at\":{\"type\":\"string\",\"format\":\"date-time\"}}}", with_message);
    router_add("POST", "/api/v1/activities/{}/cancel", activity_cancel, res, 0);
    openapi_op("post", "/api/v1/activities/{id}/cancel", "cancels a planned activity; the reason is kept as its result",
               "{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\"}}}", with_message);
}
