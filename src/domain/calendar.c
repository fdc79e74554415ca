/* Calendar views over activities: a period for a user, a team or everyone visible; the
 * overdue and today lists; the per-manager agenda counts a head of sales looks at; and
 * the iCalendar feed each user subscribes to from Google Calendar, Outlook or Thunderbird
 * through a secret address. The lists are ordinary activity lists (same JSON, cursor,
 * fields=, filters and role scopes) restricted to a time window and sorted by due_at. */
#include "domain/activity.h"
#include "domain/auth.h"
#include "domain/ical.h"
#include "http/openapi.h"
#include "http/rest.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CALENDAR_MAX_DAYS = 93,          /* a quarter: month views show six weeks */
    FEED_PAST_DAYS = 90, FEED_FUTURE_DAYS = 400, FEED_MAX_EVENTS = 5000,
};

/* ---------- whose calendar ---------- */

/* the assignees a view covers, as an SQL set with params: ?user=ID|me|all, ?team=ID.
 * *set is NULL for "all" (the role's scope still applies). -1 after replying 422. */
static int parse_who(req *r, const char **set, dbparams *p)
{
    const char *user = req_query(r, "user"), *team = req_query(r, "team");
    errs e;
    errs_init(&e, &r->a);
    *set = "?";
    if (user && team) {
        errs_add(&e, "team", "conflict", "give either 'user' or 'team', not both");
    } else if (team) {
        char *end;
        long long id = strtoll(team, &end, 10);
        dbparams q;
        dbparams_init(&q, &r->a);
        dbp_int(&q, id);
        if (*end || id <= 0 || db_scalar(r->db, "SELECT 1 FROM teams WHERE id = ?", &q, 0) != 1)
            errs_add(&e, "team", "invalid_reference", "'team' must be the id of a team");
        *set = "SELECT user_id FROM team_members WHERE team_id = ?";
        dbp_int(p, id);
    } else if (user && !strcmp(user, "all")) {
        *set = NULL;
    } else if (user && strcmp(user, "me")) {
        char *end;
        long long id = strtoll(user, &end, 10);
        dbparams q;
        dbparams_init(&q, &r->a);
        dbp_int(&q, id);
        if (*end || id <= 0 || db_scalar(r->db, "SELECT 1 FROM users WHERE id = ?", &q, 0) != 1)
            errs_add(&e, "user", "invalid_reference", "'user' must be a user id, 'me' or 'all'");
        dbp_int(p, id);
    } else {
        dbp_int(p, r->user.user_id);
    }
    if (e.n) { reply_invalid(r, &e); return -1; }
    return 0;
}

/* a bound of the window: an RFC 3339 time, or a date read in the time zone `tz` */
static bool parse_bound(const char *s, const char *tz, bool is_end, char out[32])
{
    if (clock_parse_rfc3339(s, out, NULL)) return true;
    time_t start, end;
    if (!ical_day_bounds(tz, s, &start, &end)) return false;
    /* a date as the end means "through that day" */
    clock_format(is_end ? end : start, out);
    return true;
}

static const char *tz_arg(req *r, errs *e)
{
    const char *tz = req_query(r, "tz");
    if (tz && !ical_tz_known(tz)) errs_add(e, "tz", "invalid_tz", "'tz' must be a time zone name such as Europe/Warsaw");
    return tz;
}

/* runs the activity list with the window predicate `window` (params in wp), sorted by due */
static int window_list(req *r, const char *set, dbparams *who, const char *window, dbparams *wp)
{
    list_query q;
    if (rest_list_query(r, &activity_resource, &q) != 0) return 422;
    buf sql;
    buf_init(&sql, 0);
    dbparams *p = arena_alloc(&r->a, sizeof *p);
    dbparams_init(p, &r->a);
    if (set) {
        buf_printf(&sql, "t.assignee_id IN (%s) AND ", set);
        dbp_append(p, who);
    }
    buf_adds(&sql, window);
    dbp_append(p, wp);
    if (!req_query(r, "status")) buf_adds(&sql, " AND t.status <> 'cancelled'");
    q.extra_sql = arena_strdup(&r->a, sql.data);
    q.extra_params = p;
    q.sort = "due_at";
    buf_release(&sql);
    ctx c = rest_ctx(r);
    errs e;
    errs_init(&e, &r->a);
    return rest_status(r, &activity_resource, resource_list(&c, &activity_resource, &q, &r->out, &e), &e);
}

/* GET /api/v1/calendar?from=&to=&user=|team=&tz= */
static int calendar_period(req *r, const void *data)
{
    (void)data;
    errs e;
    errs_init(&e, &r->a);
    const char *tz = tz_arg(r, &e);
    const char *from = req_query(r, "from"), *to = req_query(r, "to");
    char f[32], t[32];
    if (!from) errs_add(&e, "from", "required", "'from' is required: a date (2026-05-04) or an RFC 3339 time");
    else if (!parse_bound(from, tz, false, f)) errs_add(&e, "from", "invalid_time", "'from' must be a date (2026-05-04) or an RFC 3339 time");
    if (!to) errs_add(&e, "to", "required", "'to' is required: a date (2026-05-10, included) or an RFC 3339 time (excluded)");
    else if (!parse_bound(to, tz, true, t)) errs_add(&e, "to", "invalid_time", "'to' must be a date (2026-05-10) or an RFC 3339 time");
    if (!e.n) {
        time_t ft, tt;
        clock_parse_rfc3339(f, NULL, &ft);
        clock_parse_rfc3339(t, NULL, &tt);
        if (tt <= ft) errs_add(&e, "to", "before_start", "'to' must be after 'from'");
        else if (tt - ft > CALENDAR_MAX_DAYS * 86400L) errs_add(&e, "to", "range_too_long", "a calendar view spans at most %d days", CALENDAR_MAX_DAYS);
    }
    if (e.n) return reply_invalid(r, &e);
    const char *set;
    dbparams who;
    dbparams_init(&who, &r->a);
    if (parse_who(r, &set, &who) != 0) return 422;
    /* what starts in the window, and what started up to a day before and still runs */
    time_t ft;
    clock_parse_rfc3339(f, NULL, &ft);
    char day_before[32];
    clock_format(ft - 86400, day_before);
    dbparams wp;
    dbparams_init(&wp, &r->a);
    dbp_text(&wp, arena_strdup(&r->a, day_before));
    dbp_text(&wp, arena_strdup(&r->a, t));
    dbp_text(&wp, arena_strdup(&r->a, f));
    dbp_text(&wp, arena_strdup(&r->a, f));
    return window_list(r, set, &who, "t.due_at >= ? AND t.due_at < ? AND (t.due_at >= ? OR t.end_at > ?)", &wp);
}

/* GET /api/v1/calendar/overdue?user=|team= : planned and past due, oldest first */
static int calendar_overdue(req *r, const void *data)
{
    (void)data;
    const char *set;
    dbparams who;
    dbparams_init(&who, &r->a);
    if (parse_who(r, &set, &who) != 0) return 422;
    char now[32];
    clock_now(now);
    dbparams wp;
    dbparams_init(&wp, &r->a);
    dbp_text(&wp, arena_strdup(&r->a, now));
    /* the status term matches the partial index activities_open */
    return window_list(r, set, &who, "t.status = 'planned' AND t.due_at < ?", &wp);
}

/* GET /api/v1/calendar/today?user=|team=&tz=&date= : everything due that day, done or not */
static int calendar_today(req *r, const void *data)
{
    (void)data;
    errs e;
    errs_init(&e, &r->a);
    const char *tz = tz_arg(r, &e);
    const char *date = req_query(r, "date");
    time_t start = 0, end = 0;
    if (!e.n && !ical_day_bounds(tz, date, &start, &end)) errs_add(&e, "date", "invalid_date", "'date' must be a date YYYY-MM-DD");
    if (e.n) return reply_invalid(r, &e);
    const char *set;
    dbparams who;
    dbparams_init(&who, &r->a);
    if (parse_who(r, &set, &who) != 0) return 422;
    char s[32], t[32];
    clock_format(start, s);
    clock_format(end, t);
    dbparams wp;
    dbparams_init(&wp, &r->a);
    dbp_text(&wp, arena_strdup(&r->a, s));
    dbp_text(&wp, arena_strdup(&r->a, t));
    return window_list(r, set, &who, "t.due_at >= ? AND t.due_at < ?", &wp);
}

/* ---------- agenda of a team ---------- */

typedef struct agenda_row { long long user_id, overdue, today; } agenda_row;
typedef struct agenda { agenda_row *v; size_t n, cap; arena *a; } agenda;

static void agenda_found(void *cls, long long user_id, long long overdue, long long today)
{
    agenda *g = cls;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        agenda_row *v = arena_alloc(g->a, cap * sizeof *v);
        if (g->n) memcpy(v, g->v, g->n * sizeof *v);
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n++] = (agenda_row){user_id, overdue, today};
}

/* GET /api/v1/calendar/agenda?team=|user=all&tz= : per manager, overdue and due today */
static int calendar_agenda(req *r, const void *data)
{
    (void)data;
    errs e;
    errs_init(&e, &r->a);
    const char *tz = tz_arg(r, &e);
    time_t start = 0, end = 0;
    if (!e.n) ical_day_bounds(tz, NULL, &start, &end);
    if (e.n) return reply_invalid(r, &e);
    const char *set;
    dbparams who;
    dbparams_init(&who, &r->a);
    if (parse_who(r, &set, &who) != 0) return 422;
    if (!set) set = "SELECT id FROM users WHERE disabled = 0";
    char now[32], s[32], t[32];
    clock_now(now);
    clock_format(start, s);
    clock_format(end, t);
    ctx c = rest_ctx(r);
    agenda g = {NULL, 0, 0, &r->a};
    if (activity_agenda_counts(&c, set, &who, now, s, t, agenda_found, &g) != 0) return reply_db_error(r);

    buf sql;
    buf_init(&sql, 0);
    buf_printf(&sql, "SELECT id, name FROM users WHERE disabled = 0 AND id IN (%s) ORDER BY name, id", set);
    db_cursor *cur = db_query(r->db, sql.data, &who);
    buf_release(&sql);
    if (!cur) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "day_start", s);
    jw_kstr(&w, "day_end", t);
    jw_key(&w, "data");
    jw_arr(&w);
    int rc;
    while ((rc = db_step(cur)) == 1) {
        long long uid = db_col_int(cur, 0), overdue = 0, today = 0;
        for (size_t i = 0; i < g.n; i++)
            if (g.v[i].user_id == uid) { overdue = g.v[i].overdue; today = g.v[i].today; }
        jw_obj(&w);
        jw_kint(&w, "user_id", uid);
        jw_kstr(&w, "name", db_col_text(cur, 1));
        jw_kint(&w, "overdue", overdue);
        jw_kint(&w, "today", today);
        jw_obj_end(&w);
    }
    db_done(cur);
    if (rc < 0) return reply_db_error(r);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return reply_json(r, 200);
}

/* ---------- the iCalendar feed ---------- */

/* "https://host" from the request: the address the user's browser used */
static const char *base_url(req *r)
{
    const char *host = req_header(r, "Host");
    bool ok = host && *host && strlen(host) <= 255;
    for (const char *p = host; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '.' || *p == '-' || *p == ':' || *p == '[' || *p == ']';
    const char *proto = req_header(r, "X-Forwarded-Proto");
    bool https = proto && !strcmp(proto, "https");
    return arena_printf(&r->a, "%s://%s", https ? "https" : "http", ok ? host : "localhost");
}

/* the user's feed token, made on first use (rotate: a new one replaces it) */
static const char *feed_token(req *r, bool rotate)
{
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    if (!rotate) {
        const char *t = db_scalar_text(r->db, &r->a, "SELECT token FROM calendar_feeds WHERE user_id = ?", &p);
        if (t) return t;
    }
    char *secret;
    auth_new_secret(&r->a, &secret, NULL);
    dbp_text(&p, secret);
    if (db_run(r->db, "INSERT OR REPLACE INTO calendar_feeds(user_id, token) VALUES(?, ?)", &p) < 0) return NULL;
    return secret;
}

static int feed_answer(req *r, bool rotate)
{
    const char *token = feed_token(r, rotate);
    if (!token) return reply_db_error(r);
    const char *base = base_url(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "url", arena_printf(&r->a, "%s/api/v1/calendar/feed/%s.ics", base, token));
    jw_kstr(&w, "webcal_url", arena_printf(&r->a, "webcal://%s/api/v1/calendar/feed/%s.ics", strstr(base, "://") + 3, token));
    jw_kstr(&w, "message", rotate ? "A new calendar address is ready; the old one has stopped working."
                                  : "Subscribe to this address in Google Calendar, Outlook or Thunderbird. Keep it secret: anyone with it sees your calendar.");
    jw_obj_end(&w);
    return reply_json(r, 200);
}

static int feed_get(req *r, const void *data) { (void)data; return feed_answer(r, false); }
static int feed_reset(req *r, const void *data) { (void)data; return feed_answer(r, true); }

static int feed_delete(req *r, const void *data)
{
    (void)data;
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_int(&p, r->user.user_id);
    long long n = db_run(r->db, "DELETE FROM calendar_feeds WHERE user_id = ?", &p);
    if (n < 0) return reply_db_error(r);
    jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "message", n ? "The calendar address is switched off; subscribed calendars stop updating."
                             : "There was no calendar address to switch off.");
    jw_obj_end(&w);
    return reply_json(r, 200);
}

static void feed_found(void *cls, const activity_row *a) { ical_feed_add(cls, a); }

/* GET /api/v1/calendar/feed/{token}.ics, public: the secret in the address is the key */
static int feed_serve(req *r, const void *data)
{
    (void)data;
    const char *tok = r->nparams ? r->params[0] : "";
    size_t n = strlen(tok);
    if (n > 4 && !strcmp(tok + n - 4, ".ics")) n -= 4;
    if (n < 20 || n > 100) return reply_problem(r, 404, "not_found", "no such calendar");
    dbparams p;
    dbparams_init(&p, &r->a);
    dbp_textn(&p, tok, n);
    long long uid = db_scalar(r->db, "SELECT user_id FROM calendar_feeds WHERE token = ?", &p, 0);
    if (uid <= 0 || principal_load(r->db, &r->a, uid, &r->user) != 0 ||
        resource_level(&(ctx){&r->a, r->db, &r->user, r->id}, &activity_resource, ACT_READ) == SCOPE_NONE)
        return reply_problem(r, 404, "not_found", "no such calendar");
    ctx c = rest_ctx(r);
    time_t now = time(NULL);
    char from[32], to[32];
    clock_format(now - FEED_PAST_DAYS * 86400L, from);
    clock_format(now + FEED_FUTURE_DAYS * 86400L, to);
    dbparams u;
    dbparams_init(&u, &r->a);
    dbp_int(&u, uid);
    const char *email = db_scalar_text(r->db, &r->a, "SELECT email FROM users WHERE id = ?", &u);
    ical_feed *f = ical_feed_new(arena_printf(&r->a, "Kartoteka: %s", r->user.name), r->user.name, email ? email : "");
    int rc = activity_each_for_feed(&c, uid, from, to, FEED_MAX_EVENTS, feed_found, f);
    char *text = ical_feed_finish(f, &r->a);
    if (rc != 0) return reply_db_error(r);
    buf_adds(&r->out, text);
    r->status = 200;
    r->content_type = "text/calendar; charset=utf-8";
    req_add_header(r, "Content-Disposition", "inline; filename=\"kartoteka.ics\"");
    return 200;
}

void calendar_routes(void)
{
    static const char *const list = "#/components/schemas/activity_list";
    router_add("GET", "/api/v1/calendar", calendar_period, NULL, 0);
    openapi_op("get", "/api/v1/calendar", "activities due in [from, to) of a user (?user=ID|me|all) or a team (?team=ID); dates read in ?tz=", NULL, list);
    router_add("GET", "/api/v1/calendar/overdue", calendar_overdue, NULL, 0);
    openapi_op("get", "/api/v1/calendar/overdue", "planned activities past their due time, oldest first (?user=, ?team=)", NULL, list);
    router_add("GET", "/api/v1/calendar/today", calendar_today, NULL, 0);
    openapi_op("get", "/api/v1/calendar/today", "activities due today in ?tz= (or on ?date=), done or not (?user=, ?team=)", NULL, list);
    router_add("GET", "/api/v1/calendar/agenda", calendar_agenda, NULL, 0);
    openapi_op("get", "/api/v1/calendar/agenda", "per user of a team (?team=) or everyone (?user=all): planned activities overdue and due today", NULL,
               "{\"type\":\"object\",\"properties\":{\"day_start\":{\"type\":\"string\",\"format\":\"date-time\"},"
               "\"day_end\":{\"type\":\"string\",\"format\":\"date-time\"},\"data\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
               "\"properties\":{\"user_id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"overdue\":{\"type\":\"integer\"},"
               "\"today\":{\"type\":\"integer\"}}}}}}");
    static const char *const feed_schema = "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"},"
                                           "\"webcal_url\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}";
    router_add("GET", "/api/v1/calendar/feed", feed_get, NULL, 0);
    openapi_op("get", "/api/v1/calendar/feed", "the secret address of the requesting user's iCalendar feed (made on first use)", NULL, feed_schema);
    router_add("POST", "/api/v1/calendar/feed/reset", feed_reset, NULL, 0);
    openapi_op("post", "/api/v1/calendar/feed/reset", "a new feed address; the old one stops working", NULL, feed_schema);
    router_add("DELETE", "/api/v1/calendar/feed", feed_delete, NULL, 0);
    openapi_op("delete", "/api/v1/calendar/feed", "switches the feed address off", NULL,
               "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}}}");
    router_add("GET", "/api/v1/calendar/feed/{}", feed_serve, NULL, ROUTE_PUBLIC);
    openapi_op("get", "/api/v1/calendar/feed/{token}", "the iCalendar feed (text/calendar, RFC 5545); no login: the token is the key", NULL, NULL);
}
