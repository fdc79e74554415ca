/* Notifications: recording them (notify), the list a user reads and marks, and the rows
 * the live stream fetches. All SQL of the notifications table lives here. */
#include "domain/notification.h"
#include "core/utf8.h"
#include "http/openapi.h"
#include "http/rest.h"
#include <stdlib.h>
#include <string.h>

#define NOTE_COLUMNS "id, user_id, kind, text, object, object_id, actor_id, read_at, created_at"

/* cuts text to NOTIFY_TEXT_MAX characters at a character boundary */
static const char *clip(ctx *c, const char *text)
{
    size_t n = strlen(text);
    if (utf8_length(text, n) <= NOTIFY_TEXT_MAX) return text;
    size_t i = 0;
    for (int chars = 0; i < n && chars < NOTIFY_TEXT_MAX - 1; chars++) {
        size_t k = utf8_valid_prefix_char(text + i, n - i);
        i += k ? k : 1;
    }
    return arena_printf(c->a, "%.*s\xe2\x80\xa6", (int)i, text);
}

long long notify(ctx *c, long long user_id, const char *kind, const char *text, const char *object, long long object_id)
{
    if (user_id <= 0 || user_id == c->user->user_id) return 0;
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, user_id);
    dbp_text(&p, kind);
    dbp_text(&p, clip(c, text));
    dbp_text(&p, object);
    if (object_id > 0) dbp_int(&p, object_id); else dbp_null(&p);
    if (c->user->user_id > 0) dbp_int(&p, c->user->user_id); else dbp_null(&p);
    if (db_run(c->db, "INSERT INTO notifications(user_id, kind, text, object, object_id, actor_id) VALUES(?,?,?,?,?,?)", &p) < 0)
        return -1;
    return db_last_id(c->db);
}

const char *notify_user_name(ctx *c, long long user_id)
{
    dbparams p;
    dbparams_init(&p, c->a);
    dbp_int(&p, user_id);
    const char *name = db_scalar_text(c->db, c->a, "SELECT name FROM users WHERE id = ?", &p);
    return name ? name : arena_printf(c->a, "user %lld", user_id);
}

/* one row (columns as NOTE_COLUMNS) as the API shows it */
static void write_note(db_cursor *cur, jw *w)
{
    jw_obj(w);
    jw_kint(w, "id", db_col_int(cur, 0));
    jw_kstr(w, "kind", db_col_text(cur, 2));
    jw_kstr(w, "text", db_col_text(cur, 3));
    jw_kstr(w, "object", db_col_text(cur, 4));
    jw_key(w, "object_id");
    if (db_col_null(cur, 5)) jw_null(w); else jw_int(w, db_col_int(cur, 5));
    jw_key(w, "actor_id");
    if (db_col_null(cur, 6)) jw_null(w); else jw_int(w, db_col_int(cur, 6));
    jw_kbool(w, "read", !db_col_null(cur, 7));
    jw_kstr(w, "read_at", db_col_text(cur, 7));
    jw_kstr(w, "created_at", db_col_text(cur, 8));
    jw_obj_end(w);
}

/* ---------- the live stream's feed ---------- */

long long notification_latest(db *d)
{
    return db_scalar(d, "SELECT max(id) FROM notifications", NULL, 0);
}

long long notification_fetch(db *d, long long user_id, long long after, int limit, notify_emit_fn emit, void *cls)
{
    arena a;
    arena_init(&a);
    dbparams p;
    dbparams_init(&p, &a);
    const char *sql;
    if (user_id > 0) {
        sql = "SELECT " NOTE_COLUMNS " FROM notifications WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?";
        dbp_int(&p, user_id);
    } else {
        sql = "SELECT " NOTE_COLUMNS " FROM notifications WHERE id > ? ORDER BY id LIMIT ?";
    }
    dbp_int(&p, after);
    dbp_int(&p, limit);
    long long last = after;
    db_cursor *cur = db_query(d, sql, &p);
    if (!cur) last = -1;
    buf b;
    buf_init(&b, 0);
    int rc;
    while (cur && (rc = db_step(cur)) == 1) {
        buf_reset(&b);
        jw w;
        jw_init(&w, &b);
        write_note(cur, &w);
        last = db_col_int(cur, 0);
        emit(cls, db_col_int(cur, 1), last, b.data);
    }
    if (cur && rc < 0) last = -1;
    db_done(cur);
    buf_release(&b);
    arena_release(&a);
    return last;
}

/* ---------- HTTP ---------- */

static int bad_arg(req *r, const char *name, const char *message)
{
    errs e;
    errs_init(&e, &r->a);
    errs_add(&e, name, "invalid_argument", "%s", message);
    return reply_invalid(r, &e);
}

static int unread_count(req *r, long long *n)
{
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    *n = db_scalar(r->db, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", &p, 0);
    return *n < 0 ? -1 : 0;
}

/* GET /api/v1/notifications?unread=true&limit=&after= : newest first, keyset on id */
static int notifications_list(req *r, const void *data)
{
    (void)data;
    long limit = 50;
    const char *ls = req_query(r, "limit"), *as = req_query(r, "after"), *us = req_query(r, "unread");
    char *end;
    if (ls && ((limit = strtol(ls, &end, 10)) < 1 || limit > 500 || *end))
        return bad_arg(r, "limit", "'limit' must be between 1 and 500");
    long long after = 0;
    if (as && ((after = strtoll(as, &end, 10)) < 1 || *end))
        return bad_arg(r, "after", "the cursor is not one this server gave out");
    bool unread = us && (!strcmp(us, "true") || !strcmp(us, "1"));
    if (us && !unread && strcmp(us, "false") && strcmp(us, "0"))
        return bad_arg(r, "unread", "'unread' must be true or false");

    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    dbp_int(&p, after ? after : INT64_MAX);
    dbp_int(&p, limit + 1);
    const char *sql = unread
        ? "SELECT " NOTE_COLUMNS " FROM notifications WHERE user_id = ? AND read_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?"
        : "SELECT " NOTE_COLUMNS " FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
    db_cursor *cur = db_query(r->db, sql, &p);
    if (!cur) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    long rows = 0;
    long long last = 0;
    int rc;
    while ((rc = db_step(cur)) == 1 && rows < limit) {
        write_note(cur, &w);
        last = db_col_int(cur, 0);
        rows++;
    }
    db_done(cur);
    if (rc < 0) return reply_db_error(r);
    jw_arr_end(&w);
    jw_kstr(&w, "next", rc == 1 ? arena_printf(&r->a, "%lld", last) : NULL);
    long long n;
    if (unread_count(r, &n) != 0) return reply_db_error(r);
    jw_kint(&w, "unread", n);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

/* writes the notification `id` of the requesting user; 0 when written, 404 when not theirs */
static int write_own(req *r, long long id, jw *w)
{
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, id);
    dbp_int(&p, r->user.user_id);
    db_cursor *cur = db_query(r->db, "SELECT " NOTE_COLUMNS " FROM notifications WHERE id = ? AND user_id = ?", &p);
    if (!cur) return 500;
    int rc = db_step(cur);
    if (rc == 1) write_note(cur, w);
    db_done(cur);
    return rc == 1 ? 0 : rc == 0 ? 404 : 500;
}

static int notification_get(req *r, const void *data)
{
    (void)data;
    long long id = req_param_id(r, 0);
    jw w;
    jw_init(&w, &r->out);
    int st = id ? write_own(r, id, &w) : 404;
    if (st == 404) return reply_problem(r, 404, "not_found", "no such notification");
    if (st) return reply_db_error(r);
    return reply_json(r, 200);
}

/* POST /api/v1/notifications/{id}/read and /unread */
static int mark(req *r, bool read)
{
    long long id = req_param_id(r, 0);
    if (!id) return reply_problem(r, 404, "not_found", "no such notification");
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, id);
    dbp_int(&p, r->user.user_id);
    const char *sql = read
        ? "UPDATE notifications SET read_at = coalesce(read_at, strftime('%Y-%m-%dT%H:%M:%SZ','now')) WHERE id = ? AND user_id = ?"
        : "UPDATE notifications SET read_at = NULL WHERE id = ? AND user_id = ?";
    long long n = db_run(r->db, sql, &p);
    if (n < 0) return reply_db_error(r);
    if (n == 0) return reply_problem(r, 404, "not_found", "no such notification");
    long long unread;
    if (unread_count(r, &unread) != 0) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "notification");
    if (write_own(r, id, &w) != 0) return reply_db_error(r);
    jw_kint(&w, "unread", unread);
    jw_kstr(&w, "message", read ? "The notification is marked as read." : "The notification is marked as unread.");
    jw_obj_end(&w);
    return reply_json(r, 200);
}

static int notification_read(req *r, const void *data) { (void)data; return mark(r, true); }
static int notification_unread(req *r, const void *data) { (void)data; return mark(r, false); }

/* POST /api/v1/notifications/read-all: optionally only up to {"up_to": id}, so a click
 * on "mark all read" does not swallow one that arrived after the list was drawn */
static int notification_read_all(req *r, const void *data)
{
    (void)data;
    long long up_to = INT64_MAX;
    if (r->json) {
        json_t *u = json_is_object(r->json) ? json_object_get(r->json, "up_to") : NULL;
        if (!json_is_object(r->json) || (u && !json_is_integer(u)))
            return bad_arg(r, "up_to", "'up_to' must be a notification id");
        if (u) up_to = json_integer_value(u);
    }
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    dbp_int(&p, up_to);
    long long n = db_run(r->db, "UPDATE notifications SET read_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                                " WHERE user_id = ? AND read_at IS NULL AND id <= ?", &p);
    if (n < 0) return reply_db_error(r);
    long long unread;
    if (unread_count(r, &unread) != 0) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kint(&w, "marked", n);
    jw_kint(&w, "unread", unread);
    jw_kstr(&w, "message", n == 0 ? "There was nothing unread."
                          : n == 1 ? "1 notification is marked as read."
                                   : arena_printf(&r->a, "%lld notifications are marked as read.", n));
    jw_obj_end(&w);
    return reply_json(r, 200);
}

#define NOTE_SCHEMA \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"kind\":{\"type\":\"string\"}," \
    "\"text\":{\"type\":\"string\"},\"object\":{\"type\":\"string\",\"nullable\":true}," \
    "\"object_id\":{\"type\":\"integer\",\"nullable\":true},\"actor_id\":{\"type\":\"integer\",\"nullable\":true}," \
    "\"read\":{\"type\":\"boolean\"},\"read_at\":{\"type\":\"string\",\"format\":\"date-time\",\"nullable\":true}," \
    "\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"}}}"

void notification_routes(void)
{
    router_add("GET", "/api/v1/notifications", notifications_list, NULL, 0);
    openapi_op("get", "/api/v1/notifications", "the requesting user's notifications, newest first (unread=true for unread only)", NULL,
               "{\"type\":\"object\",\"properties\":{\"data\":{\"type\":\"array\",\"items\":" NOTE_SCHEMA "},"
               "\"next\":{\"type\":\"string\",\"nullable\":true},\"unread\":{\"type\":\"integer\"}}}");
    router_add("GET", "/api/v1/notifications/{}", notification_get, NULL, 0);
    openapi_op("get", "/api/v1/notifications/{id}", "one notification of the requesting user", NULL, NOTE_SCHEMA);
    router_add("POST", "/api/v1/notifications/{}/read", notification_read, NULL, 0);
    openapi_op("post", "/api/v1/notifications/{id}/read", "marks a notification read", NULL,
               "{\"type\":\"object\",\"properties\":{\"notification\":" NOTE_SCHEMA ",\"unread\":{\"type\":\"integer\"},\"message\":{\"type\":\"string\"}}}");
    router_add("POST", "/api/v1/notifications/{}/unread", notification_unread, NULL, 0);
    openapi_op("post", "/api/v1/notifications/{id}/unread", "marks a notification unread", NULL,
               "{\"type\":\"object\",\"properties\":{\"notification\":" NOTE_SCHEMA ",\"unread\":{\"type\":\"integer\"},\"message\":{\"type\":\"string\"}}}");
    router_add("POST", "/api/v1/notifications/read-all", notification_read_all, NULL, 0);
    openapi_op("post", "/api/v1/notifications/read-all", "marks all (or all up to an id) read",
               "{\"type\":\"object\",\"properties\":{\"up_to\":{\"type\":\"integer\"}}}",
               "{\"type\":\"object\",\"properties\":{\"marked\":{\"type\":\"integer\"},\"unread\":{\"type\":\"integer\"},\"message\":{\"type\":\"string\"}}}");
}
