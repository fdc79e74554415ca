/* Activities as a resource: fields, the rules that keep status, times and call details
 * consistent, the "assigned to you" notification, the reminder step, the timeline source
 * and the feed and agenda queries. All SQL over the activities table lives here. */
#include "domain/activity.h"
#include "domain/fts_queue.h"
#include "domain/contact.h"
#include "domain/deal.h"
#include "domain/lead.h"
#include "domain/notification.h"
#include "domain/reassign.h"
#include "core/clock.h"
#include "core/config.h"
#include "util/fold.h"
#include "util/phone.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"task", "call", "meeting", "email", "sms", "note", "message", NULL};
static const char *const statuses[] = {"planned", "done", "cancelled", NULL};
static const char *const directions[] = {"inbound", "outbound", NULL};
static const char *const outcomes[] = {"answered", "missed", "busy", "voicemail", NULL};

static const field_def activity_fields[] = {
    {"kind", "kind", FT_ENUM, FF_REQUIRED, 0, kinds, NULL},
    {"status", "status", FT_ENUM, 0, 0, statuses, NULL},
    {"subject", "subject", FT_TEXT, 0, 500, NULL, NULL},
    {"body", "body", FT_TEXT, FF_NOSORT | FF_NOFILTER, ACTIVITY_BODY_MAX, NULL, NULL},
    {"due_at", "due_at", FT_TIME, 0, 0, NULL, NULL},
    {"end_at", "end_at", FT_TIME, 0, 0, NULL, NULL},
    {"remind_at", "remind_at", FT_TIME, 0, 0, NULL, NULL},
    {"reminded_at", "reminded_at", FT_TIME, FF_READONLY, 0, NULL, NULL},
    {"done_at", "done_at", FT_TIME, 0, 0, NULL, NULL},
    {"result", "result", FT_TEXT, FF_NOSORT, ACTIVITY_RESULT_MAX, NULL, NULL},
    {"assignee_id", "assignee_id", FT_REF, 0, 0, NULL, "users"},
    {"contact_id", "contact_id", FT_REF, 0, 0, NULL, "contacts"},
    {"company_id", "company_id", FT_REF, 0, 0, NULL, "companies"},
    {"deal_id", "deal_id", FT_REF, 0, 0, NULL, "deals"},
    {"lead_id", "lead_id", FT_REF, 0, 0, NULL, "leads"},
    {"direction", "direction", FT_ENUM, 0, 0, directions, NULL},
    {"phone", "phone", FT_TEXT, FF_NOSORT, 64, NULL, NULL},
    {"phone_e164", "phone_e164", FT_TEXT, FF_READONLY, 32, NULL, NULL},
    {"duration", "duration", FT_INT, 0, 86400, NULL, NULL},
    {"outcome", "outcome", FT_ENUM, 0, 0, outcomes, NULL},
    {"recording_url", "recording_url", FT_URL, FF_NOSORT, 2048, NULL, NULL},
    {"location", "location", FT_TEXT, 0, 500, NULL, NULL},
    {0},
};

const char *activity_kind_word(const char *kind)
{
    if (!kind) return "activity";
    if (!strcmp(kind, "sms")) return "SMS";
    return kind;
}

/* ---------- the write set, as the rules see it ---------- */

/* the value a column will have after this write: the bound value when the write sets it,
 * else the stored one. Text only (times are bound normalised, so they compare as text). */
static const char *final_text(write_set *w, const char *col)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->cols[i], col)) return w->vals.v[i].type == DBV_TEXT ? w->vals.v[i].s : NULL;
    return w->old ? json_string_value(json_object_get(w->old, col)) : NULL;
}

static bool final_set(write_set *w, const char *col)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->cols[i], col)) return w->vals.v[i].type != DBV_NULL;
    json_t *o = w->old ? json_object_get(w->old, col) : NULL;
    return o && !json_is_null(o);
}

/* sets a column of the write, replacing what the body set; v NULL writes NULL. The value
 * must live in the arena. */
static void ws_put(ctx *c, write_set *w, const char *col, const char *v)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->cols[i], col)) {
            dbparams one;
            dbparams_init(&one, c->a);
            dbp_text(&one, v);
            w->vals.v[i] = one.v[0];
            return;
        }
    const char **cols = arena_alloc(c->a, (w->n + 1) * sizeof *cols);
    memcpy(cols, w->cols, w->n * sizeof *cols);
    cols[w->n++] = col;
    w->cols = cols;
    dbp_text(&w->vals, v);
}

static time_t parse_time(const char *s)
{
    time_t t = 0;
    if (s) clock_parse_rfc3339(s, NULL, &t);
    return t;
}

/* status and done_at agree: done has a done_at, planned and cancelled have none */
static void settle_status(ctx *c, write_set *w, errs *e)
{
    json_t *in_status = json_object_get(w->in, "status");
    json_t *in_done = json_object_get(w->in, "done_at");
    const char *old_status = w->old ? json_string_value(json_object_get(w->old, "status")) : NULL;
    if (in_status && json_is_null(in_status)) {
        errs_add(e, "status", "required", "'status' must be planned, done or cancelled");
        return;
    }
    const char *status;
    if (in_status) status = json_string_value(in_status);
    else if (in_done && !json_is_null(in_done)) status = "done";
    else if (in_done && old_status && !strcmp(old_status, "done")) status = "planned";   /* done_at: null reopens */
    else if (old_status) status = old_status;
    else status = !strcmp(final_text(w, "kind"), "note") ? "done" : "planned";

    if (!strcmp(status, "done")) {
        if (!final_set(w, "done_at")) {
            char now[32];
            clock_now(now);
            ws_put(c, w, "done_at", arena_strdup(c->a, now));
        }
    } else if (in_done && !json_is_null(in_done)) {
        errs_add(e, "done_at", "not_done", "'done_at' is only for done activities, and this one is %s", status);
        return;
    } else if (final_set(w, "done_at")) {
        ws_put(c, w, "done_at", NULL);
    }
    ws_put(c, w, "status", status);
}

/* moving due_at moves end_at and remind_at by as much (unless the body sets them): a
 * postponed meeting keeps its length and its reminder lead */
static void follow_due(ctx *c, write_set *w, errs *e)
{
    json_t *in_due = json_object_get(w->in, "due_at");
    const char *old_due = w->old ? json_string_value(json_object_get(w->old, "due_at")) : NULL;
    const char *new_due = final_text(w, "due_at");
    if (!in_due || !old_due || !new_due) return;
    time_t delta = parse_time(new_due) - parse_time(old_due);
    if (delta == 0) return;
    static const char *const followers[] = {"end_at", "remind_at"};
    for (int i = 0; i < 2; i++) {
        const char *old = json_string_value(json_object_get(w->old, followers[i]));
        if (json_object_get(w->in, followers[i]) || !old) continue;
        time_t t = parse_time(old) + delta;
        char out[32];
        if (t < -62135596800LL || t > 253402300799LL) {
            errs_add(e, followers[i], "out_of_range", "moving 'due_at' would move '%s' past the year 9999", followers[i]);
            return;
        }
        clock_format(t, out);
        ws_put(c, w, followers[i], arena_strdup(c->a, out));
    }
}

/* a field that only some kinds have: an error when it is set on another kind */
static void kind_only(write_set *w, errs *e, const char *kind, const char *field, const char *const *allowed, const char *what)
{
    if (!final_set(w, field)) return;
    for (const char *const *k = allowed; *k; k++)
        if (!strcmp(*k, kind)) return;
    errs_add(e, field, "not_for_kind", "'%s' is only for %s, not for a %s", field, what, activity_kind_word(kind));
}

static void check_phone(ctx *c, write_set *w, errs *e)
{
    json_t *ph = json_object_get(w->in, "phone");
    if (!ph) return;
    if (json_is_null(ph)) { ws_put(c, w, "phone_e164", NULL); return; }
    phone_result pr;
    const char *s = json_string_value(ph);
    if (phone_parse(s, strlen(s), config_region(), &pr) != 0 || !pr.possible) {
        errs_add(e, "phone", "invalid_phone", "'phone' is not a phone number that can be dialled: '%s'", s);
        return;
    }
    ws_put(c, w, "phone_e164", arena_strdup(c->a, pr.e164));
}

/* a linked record must be one the principal may read: an activity can neither attach to
 * nor reveal a card the role hides */
static void check_link(ctx *c, write_set *w, errs *e, const char *field, const resource *res)
{
    json_t *v = json_object_get(w->in, field);
    if (!json_is_integer(v)) return;
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    buf_printf(&sql, "SELECT 1 FROM %s t WHERE t.id = ?", res->table);
    dbp_int(&p, json_integer_value(v));
    if (res->soft_delete) buf_adds(&sql, " AND t.deleted_at IS NULL");
    resource_scope_sql(c, res, ACT_READ, &sql, &p);
    if (db_scalar(c->db, sql.data, &p, 0) != 1)
        errs_add(e, field, "invalid_reference", "'%s' must be a %s you can see", field, res->name);
    buf_release(&sql);
}

static void activity_validate(ctx *c, write_set *w, errs *e)
{
    const char *kind = final_text(w, "kind");
    static const char *const comms[] = {"call", "email", "sms", "message", NULL};
    static const char *const phoned[] = {"call", "sms", NULL};
    static const char *const timed[] = {"call", "meeting", NULL};
    static const char *const calls[] = {"call", NULL};
    static const char *const meetings[] = {"meeting", "call", NULL};
    kind_only(w, e, kind, "direction", comms, "calls, emails, SMS and messages");
    kind_only(w, e, kind, "phone", phoned, "calls and SMS");
    kind_only(w, e, kind, "duration", timed, "calls and meetings");
    kind_only(w, e, kind, "outcome", calls, "calls");
    kind_only(w, e, kind, "recording_url", calls, "calls");
    kind_only(w, e, kind, "location", meetings, "meetings and calls");

    json_t *dur = json_object_get(w->in, "duration");
    if (json_is_integer(dur) && json_integer_value(dur) < 0)
        errs_add(e, "duration", "out_of_range", "'duration' is in seconds and cannot be negative");

    const char *subject = final_text(w, "subject"), *body = final_text(w, "body");
    bool has_subject = subject && subject[strspn(subject, " \t\r\n")];
    if (!strcmp(kind, "note")) {
        if (!has_subject && !(body && body[strspn(body, " \t\r\n")]))
            errs_add(e, "body", "required", "a note needs a 'body' (or at least a 'subject')");
    } else if (!has_subject) {
        errs_add(e, "subject", "required", "'subject' is required: say what the %s is about", activity_kind_word(kind));
    }

    json_t *assignee = json_object_get(w->in, "assignee_id");
    if (json_is_integer(assignee)) {
        dbparams p;
        dbparams_init(&p, c->a);
        dbp_int(&p, json_integer_value(assignee));
        if (db_scalar(c->db, "SELECT 1 FROM users WHERE id = ? AND disabled = 0", &p, 0) != 1)
            errs_add(e, "assignee_id", "invalid_reference", "'assignee_id' must be an active user");
    }

    check_link(c, w, e, "contact_id", &contact_resource);
    check_link(c, w, e, "company_id", &company_resource);
    check_link(c, w, e, "deal_id", &deal_resource);
    check_link(c, w, e, "lead_id", &lead_resource);
    check_phone(c, w, e);
    follow_due(c, w, e);
    if (e->n) return;

    const char *due = final_text(w, "due_at"), *end = final_text(w, "end_at");
    if (end && !due) errs_add(e, "end_at", "needs_start", "'end_at' needs a 'due_at' (the start)");
    else if (end && strcmp(end, due) < 0) errs_add(e, "end_at", "before_start", "'end_at' (%s) is before the start 'due_at' (%s)", end, due);

    settle_status(c, w, e);

    /* a reminder set anew (or moved) fires again */
    const char *old_remind = w->old ? json_string_value(json_object_get(w->old, "remind_at")) : NULL;
    const char *new_remind = final_text(w, "remind_at");
    if (w->old && (old_remind ? !new_remind || strcmp(old_remind, new_remind) : new_remind != NULL))
        ws_put(c, w, "reminded_at", NULL);
}

/* ---------- reading rows ---------- */

#define ROW_COLUMNS "id, version, assignee_id, duration, kind, status, subject, body, location, phone," \
                    " due_at, end_at, remind_at, done_at, created_at, updated_at, result"

static const char *col_dup(ctx *c, db_cursor *cur, int i)
{
    return db_col_null(cur, i) ? NULL : arena_strndup(c->a, db_col_text(cur, i), db_col_len(cur, i));
}

static void row_read(ctx *c, db_cursor *cur, activity_row *a)
{
    a->id = db_col_int(cur, 0);
    a->version = db_col_int(cur, 1);
    a->assignee_id = db_col_null(cur, 2) ? 0 : db_col_int(cur, 2);
    a->duration = db_col_null(cur, 3) ? -1 : db_col_int(cur, 3);
    a->kind = col_dup(c, cur, 4);
    a->status = col_dup(c, cur, 5);
    a->subject = col_dup(c, cur, 6);
    a->body = col_dup(c, cur, 7);
    a->location = col_dup(c, cur, 8);
    a->phone = col_dup(c, cur, 9);
    a->due_at = col_dup(c, cur, 10);
    a->end_at = col_dup(c, cur, 11);
    a->remind_at = col_dup(c, cur, 12);
    a->done_at = col_dup(c, cur, 13);
    a->created_at = col_dup(c, cur, 14);
    a->updated_at = col_dup(c, cur, 15);
    a->result = col_dup(c, cur, 16);
}

int activity_row_load(ctx *c, long long id, activity_row *out)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, id);
    db_cursor *cur = db_query(c->db, "SELECT " ROW_COLUMNS " FROM activities WHERE id = ? AND deleted_at IS NULL", &p);
    if (!cur) return 500;
    int rc = db_step(cur);
    if (rc == 1) row_read(c, cur, out);
    db_done(cur);
    return rc == 1 ? 0 : rc == 0 ? 404 : 500;
}

const char *activity_when(ctx *c, const char *rfc3339)
{
    time_t t = parse_time(rfc3339);
    struct tm tm;
    gmtime_r(&t, &tm);
    char out[64];
    strftime(out, sizeof out, "%a %d %b %Y %H:%M UTC", &tm);
    return arena_strdup(c->a, out);
}

/* ---------- notifications ---------- */

enum { SEARCH_BODY_MAX = 10000 };   /* bytes of a body the full-text index holds */

/* the folded search text of one activity: subject, result and the start of the body */
static int reindex(ctx *c, const activity_row *a)
{
    buf t;
    buf_init(&t, 0);
    if (a->subject) { buf_adds(&t, a->subject); buf_addc(&t, ' '); }
    if (a->result) { buf_adds(&t, a->result); buf_addc(&t, ' '); }
    if (a->body) buf_add(&t, a->body, strnlen(a->body, SEARCH_BODY_MAX));
    char *folded = arena_alloc(c->a, t.len + 1);
    text_fold(t.data, t.len, folded, t.len + 1);
    buf_release(&t);
    return fts_queue_set(c, "activities_fts", "text", a->id, folded);
}

static int activity_after_save(ctx *c, long long id, write_set *w, errs *e)
{
    (void)e;
    activity_row a;
    if (activity_row_load(c, id, &a) != 0) return -1;
    bool text_changed = !w->old || json_object_get(w->in, "subject") || json_object_get(w->in, "body") ||
                        json_object_get(w->in, "result");
    if (text_changed && reindex(c, &a) != 0) return -1;

    json_t *in_assignee = json_object_get(w->in, "assignee_id");
    long long old_assignee = w->old ? json_integer_value(json_object_get(w->old, "assignee_id")) : 0;
    if (w->old && (!json_is_integer(in_assignee) || json_integer_value(in_assignee) == old_assignee)) return 0;
    if (!a.assignee_id || strcmp(a.status, "planned")) return 0;
    const char *who = c->user->user_id ? c->user->name : "Kartoteka";
    const char *text = a.due_at
        ? arena_printf(c->a, "%s assigned you a %s: %s (due %s)", who, activity_kind_word(a.kind), a.subject ? a.subject : "", activity_when(c, a.due_at))
        : arena_printf(c->a, "%s assigned you a %s: %s", who, activity_kind_word(a.kind), a.subject ? a.subject : "");
    return notify(c, a.assignee_id, "assigned", text, "activity", id) < 0 ? -1 : 0;
}

/* ---------- the reminder step ---------- */

enum { REMINDER_BATCH = 200 };

int activity_fire_reminders(ctx *c, void *unused)
{
    (void)unused;
    char now[32];
    clock_now(now);
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, now);
    dbp_int(&p, REMINDER_BATCH);
    if (db_begin(c->db) != 0) return -1;
    /* the terms match the partial index activities_remind word for word */
    db_cursor *cur = db_query(c->db, "SELECT " ROW_COLUMNS " FROM activities"
                                     " WHERE reminded_at IS NULL AND status = 'planned' AND deleted_at IS NULL"
                                     " AND remind_at <= ? ORDER BY remind_at LIMIT ?", &p);
    if (!cur) { db_rollback(c->db); return -1; }
    activity_row *rows = arena_alloc(c->a, REMINDER_BATCH * sizeof *rows);
    int n = 0, rc;
    while (n < REMINDER_BATCH && (rc = db_step(cur)) == 1) row_read(c, cur, &rows[n++]);
    db_done(cur);
    if (rc < 0) { db_rollback(c->db); return -1; }
    for (int i = 0; i < n; i++) {
        const activity_row *a = &rows[i];
        const char *what = arena_printf(c->a, "%s%s%s", activity_kind_word(a->kind), a->subject ? ": " : "", a->subject ? a->subject : "");
        const char *text = a->due_at ? arena_printf(c->a, "Reminder: %s, due %s", what, activity_when(c, a->due_at))
                                     : arena_printf(c->a, "Reminder: %s", what);
        dbparams q;
        dbparams_init(&q, c->a);
        dbp_text(&q, now);
        dbp_int(&q, a->id);
        if (notify(c, a->assignee_id, "reminder", text, "activity", a->id) < 0 ||
            db_run(c->db, "UPDATE activities SET reminded_at = ? WHERE id = ?", &q) < 0) {
            db_rollback(c->db);
            return -1;
        }
    }
    if (db_commit(c->db) != 0) return -1;
    return n;
}

/* ---------- calendar feed and agenda ---------- */

int activity_each_for_feed(ctx *c, long long user_id, const char *from, const char *to, int limit,
                           void (*found)(void *cls, const activity_row *a), void *cls)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, user_id);
    dbp_text(&p, from);
    dbp_text(&p, to);
    dbp_text(&p, from);
    dbp_int(&p, limit);
    db_cursor *cur = db_query(c->db, "SELECT " ROW_COLUMNS " FROM activities t WHERE t.assignee_id = ? AND t.deleted_at IS NULL"
                                     " AND t.due_at >= ? AND t.due_at < ? AND (t.status <> 'cancelled' OR t.updated_at >= ?)"
                                     " ORDER BY t.due_at, t.id LIMIT ?", &p);
    if (!cur) return -1;
    int rc;
    while ((rc = db_step(cur)) == 1) {
        activity_row a;
        row_read(c, cur, &a);
        found(cls, &a);
    }
    db_done(cur);
    return rc < 0 ? -1 : 0;
}

int activity_agenda_counts(ctx *c, const char *users_sql, const dbparams *users_p, const char *now,
                           const char *day_start, const char *day_end,
                           void (*found)(void *cls, long long user_id, long long overdue, long long today), void *cls)
{
    buf sql;
    buf_init(&sql, 0);
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_text(&p, now);
    dbp_text(&p, day_start);
    dbp_text(&p, day_end);
    buf_adds(&sql, "SELECT t.assignee_id, sum(t.due_at < ?), sum(t.due_at >= ? AND t.due_at < ?) FROM activities t"
                   " WHERE t.status = 'planned' AND t.deleted_at IS NULL AND t.assignee_id IN (");
    buf_adds(&sql, users_sql);
    dbp_append(&p, users_p);
    buf_adds(&sql, ") AND t.due_at < ?");
    dbp_text(&p, strcmp(now, day_end) > 0 ? now : day_end);
    resource_scope_sql(c, &activity_resource, ACT_READ, &sql, &p);
    buf_adds(&sql, " GROUP BY t.assignee_id");
    db_cursor *cur = db_query(c->db, sql.data, &p);
    buf_release(&sql);
    if (!cur) return -1;
    int rc;
    while ((rc = db_step(cur)) == 1) found(cls, db_col_int(cur, 0), db_col_int(cur, 1), db_col_int(cur, 2));
    db_done(cur);
    return rc < 0 ? -1 : 0;
}

/* ---------- timeline ---------- */

void activity_timeline_sql(ctx *c, const char *object, long long id, buf *sql, dbparams *p)
{
    const char *col = !strcmp(object, "contact") ? "contact_id" : !strcmp(object, "company") ? "company_id"
                    : !strcmp(object, "deal") ? "deal_id" : !strcmp(object, "lead") ? "lead_id" : NULL;
    if (!col) return;
    /* the `at` expression is the one the activities_<object> indexes hold */
    buf_printf(sql, "SELECT coalesce(t.done_at, t.due_at, t.created_at) AS at, 'activity' AS kind, t.id AS item_id,"
                    " json_object('type', t.kind, 'status', t.status, 'subject', t.subject,"
                    " 'body', substr(t.body, 1, 500), 'body_truncated', json(CASE WHEN length(t.body) > 500 THEN 'true' ELSE 'false' END),"
                    " 'due_at', t.due_at, 'end_at', t.end_at, 'done_at', t.done_at, 'result', t.result,"
                    " 'assignee_id', t.assignee_id, 'direction', t.direction, 'phone', t.phone, 'duration', t.duration,"
                    " 'outcome', t.outcome, 'recording_url', t.recording_url) AS payload"
                    " FROM activities t WHERE t.%s = ? AND t.deleted_at IS NULL", col);
    dbp_int(p, id);
    /* the card was checked visible by the timeline: its whole history goes with it, as its
     * audit rows do, whoever did the work; a role without activities sees none */
    if (resource_level(c, &activity_resource, ACT_READ) == SCOPE_NONE) buf_adds(sql, " AND 0");
}

/* ---------- reassignment ---------- */

/* hands the planned activities of `from` to `to` (done ones stay: they are `from`'s work) */
static int move_open(ctx *c, long long from, long long to, long long *moved)
{
    size_t n;
    int rc = reassign_rows(c, "activity",
                           "SELECT id FROM activities WHERE assignee_id = ? AND status = 'planned' AND deleted_at IS NULL ORDER BY id",
                           "UPDATE activities SET assignee_id = ?, version = version + 1,"
                           " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?",
                           from, to, arena_printf(c->a, "{\"assignee_id\":[%lld,%lld]}", from, to), &n);
    if (rc == 0 && n > 0) {
        const char *text = n == 1 ? arena_printf(c->a, "A planned activity of %s has been handed to you", notify_user_name(c, from))
                                  : arena_printf(c->a, "%zu planned activities of %s have been handed to you", n, notify_user_name(c, from));
        if (notify(c, to, "transferred", text, NULL, 0) < 0) rc = -1;
    }
    if (rc == 0) *moved += (long long)n;
    return rc;
}

const reassign_target activity_reassign_target = {"activities", OBJ_ACTIVITIES, move_open};

/* ---------- merged client cards ---------- */

/* the history of a merged card follows it: its activities now point at the survivor;
 * `moved` gets their ids for the undo */
static int merge_move(ctx *c, const char *object, long long from, long long into, json_t *moved)
{
    return merge_move_rows(c, "activities", object, from, into, moved);
}

/* undo: the moved activities that still point at the survivor go back */
static int merge_undo(ctx *c, const char *object, long long from, long long into, json_t *moved)
{
    return merge_undo_rows(c, "activities", object, from, into, moved);
}

const merge_hook activity_merge_hook = {"activities", merge_move, merge_undo};

const resource activity_resource = {
    .name = "activity", .plural = "activities", .table = "activities", .kind = OBJ_ACTIVITIES,
    .fields = activity_fields,
    .owner_sql = "t.assignee_id IN ({users}) OR t.created_by IN ({users})", .owner_column = "assignee_id",
    .soft_delete = true, .custom_fields = true, .default_sort = "-id",
    .search_sql = FTS_SEARCH_SQL("activities_fts"),
    .validate = activity_validate, .after_save = activity_after_save,
};
