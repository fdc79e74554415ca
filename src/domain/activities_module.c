/* The activities module (order 30, after clients and the funnel): schema of activities,
 * notifications and calendar feeds; routes of activities, the calendar, notifications and
 * the event stream; and its background work: the reminder scheduler and the event hub.
 *
 * Links to contacts, companies, deals and leads are plain integer columns checked on
 * write, not SQL foreign keys: another module rebuilding its table must not cascade into
 * the history of calls. */
#include "core/module.h"
#include "domain/activity.h"
#include "domain/ical.h"
#include "domain/notification.h"
#include "domain/reassign.h"
#include "domain/timeline.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/sse.h"
#include "jobs/scheduler.h"
#include <stddef.h>

void calendar_routes(void);

#define TS "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
#define AT "coalesce(done_at, due_at, created_at)"

static const char *const steps[] = {
    "CREATE TABLE activities(id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, created_by INTEGER,"
    " created_at " TS ", updated_at " TS ", deleted_at TEXT, custom TEXT,"
    " kind TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'planned', subject TEXT, body TEXT,"
    " due_at TEXT, end_at TEXT, remind_at TEXT, reminded_at TEXT, done_at TEXT, result TEXT,"
    " assignee_id INTEGER REFERENCES users(id),"
    " contact_id INTEGER, company_id INTEGER, deal_id INTEGER, lead_id INTEGER,"
    " direction TEXT, phone TEXT, phone_e164 TEXT, duration INTEGER, outcome TEXT, recording_url TEXT, location TEXT);"
    /* a manager's calendar week, everyone's week, the open ones (overdue lists, agenda) */
    "CREATE INDEX activities_assignee_due ON activities(assignee_id, due_at);"
    "CREATE INDEX activities_due ON activities(due_at);"
    "CREATE INDEX activities_open ON activities(assignee_id, due_at) WHERE status = 'planned' AND deleted_at IS NULL;"
    /* reminders not yet fired: the scheduler reads this small index every second */
    "CREATE INDEX activities_remind ON activities(remind_at)"
    " WHERE reminded_at IS NULL AND status = 'planned' AND deleted_at IS NULL AND remind_at IS NOT NULL;"
    /* timelines of a client card, a deal and a lead, newest first */
    "CREATE INDEX activities_contact ON activities(contact_id, " AT ") WHERE contact_id IS NOT NULL;"
    "CREATE INDEX activities_company ON activities(company_id, " AT ") WHERE company_id IS NOT NULL;"
    "CREATE INDEX activities_deal ON activities(deal_id, " AT ") WHERE deal_id IS NOT NULL;"
    "CREATE INDEX activities_lead ON activities(lead_id, " AT ") WHERE lead_id IS NOT NULL;"
    "CREATE VIRTUAL TABLE activities_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE TABLE notifications(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL, text TEXT NOT NULL, object TEXT, object_id INTEGER, actor_id INTEGER,"
    " read_at TEXT, created_at " TS ");"
    "CREATE INDEX notifications_user ON notifications(user_id, id);"
    "CREATE INDEX notifications_unread ON notifications(user_id, id) WHERE read_at IS NULL;"
    "CREATE TABLE calendar_feeds(user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
    " token TEXT NOT NULL UNIQUE, created_at " TS ");",
    /* where the notification rules are in the audit trail */
    "CREATE TABLE notification_cursors(name TEXT PRIMARY KEY, last_id INTEGER NOT NULL) WITHOUT ROWID;",
    NULL,
};

static const timeline_source activity_source = {"activity", activity_timeline_sql};
static const sse_feed notification_feed = {"notification", notification_latest, notification_fetch};
static scheduler *g_notices;

static void activities_routes(void)
{
    activity_routes();
    calendar_routes();
    notification_routes();
    timeline_register(&activity_source);
    reassign_register(&activity_reassign_target);
    merge_register(&activity_merge_hook);
    router_add("GET", "/api/v1/events", sse_events, NULL, 0);
    openapi_op("get", "/api/v1/events", "Server-Sent Events (text/event-stream): the requesting user's notifications, live;"
               " send Last-Event-ID to get what was missed", NULL, NULL);
}

/* one job thread for both: reminders, then what the audit trail says to tell people */
static int notices_step(ctx *c, void *unused)
{
    int a = activity_fire_reminders(c, unused);
    int b = notification_rules_step(c, unused);
    return a < 0 || b < 0 ? -1 : a + b;
}

static void activities_start(void)
{
    sse_start(&notification_feed);
    /* reminders fire within a second or two of remind_at */
    g_notices = scheduler_start("notices", 1000, notices_step, NULL);
}

static void activities_stop(void)
{
    sse_stop();
    scheduler_stop(g_notices);
    g_notices = NULL;
}

static module activities = {
    .name = "activities", .order = 30, .schema = steps,
    .routes = activities_routes, .start = activities_start, .stop = activities_stop,
};
MODULE_REGISTER(activities)
