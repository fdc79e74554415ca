/* activity: anything planned or done with a client — task, call, meeting, email, sms,
 * note, message — linked to any of a contact, a company, a deal and a lead.
 *
 * Table `activities` (schema in activities_module.c). An activity is `planned` (with a
 * due time `due_at`, for meetings an `end_at`, an `assignee_id` and a reminder time
 * `remind_at`), `done` (`done_at` and a `result`) or `cancelled`. Calls also carry
 * direction, phone (as typed, plus `phone_e164`), duration in seconds, outcome and a
 * recording URL. The status and done_at stay consistent whatever a client writes (see
 * activity_validate in activity.c): marking done stamps done_at, reopening clears it,
 * moving due_at moves end_at and remind_at with it and re-arms the reminder.
 *
 * Scope: an activity belongs to its assignee and its creator; a role's `activities` scope
 * (own/team/all) applies to either. Linked records are not opened up by an activity: a
 * manager sees a task assigned to them on a colleague's client, not the client's card
 * beyond what the role allows for contacts. The other way round, a card's timeline shows
 * every activity on the card to whoever may read the card: it is the client's history. */
#ifndef KT_ACTIVITY_H
#define KT_ACTIVITY_H
#include "domain/resource.h"
#include "domain/merge.h"
#include "domain/reassign.h"

enum {
    ACTIVITY_BODY_MAX = 100000,     /* characters of a note or an email body */
    ACTIVITY_RESULT_MAX = 5000,
};

extern const resource activity_resource;
/* POST /api/v1/reassign target "activities": the planned ones move to the new assignee */
extern const reassign_target activity_reassign_target;
/* merging client cards: the activities of the absorbed card move to the survivor */
extern const merge_hook activity_merge_hook;

/* what an activity is called in a sentence: "call", "task", "meeting" ... "note" */
const char *activity_kind_word(const char *kind);

/* a stored time in words for messages: "Fri 08 May 2026 10:00 UTC" (arena) */
const char *activity_when(ctx *c, const char *rfc3339);

/* one stored activity in the shape confirmations and the calendar feed need; strings
 * are in the arena, absent values NULL */
typedef struct activity_row {
    long long id, version, assignee_id, duration;
    const char *kind, *status, *subject, *body, *location, *phone;
    const char *due_at, *end_at, *remind_at, *done_at, *created_at, *updated_at, *result;
} activity_row;
/* 0 and *out filled when the activity exists (whatever the scope), 404, or 500 */
int activity_row_load(ctx *c, long long id, activity_row *out);

/* the reminder step of the scheduler: notifies the assignee of every planned activity whose
 * remind_at has come and stamps reminded_at in the same transaction, so a reminder fires
 * once even across restarts and one that came due while the server was down fires at
 * start. Returns the number fired, -1 on error. */
int activity_fire_reminders(ctx *c, void *unused);

/* the calendar feed of one user: planned and done activities assigned to them with a due
 * time in [from, to) (RFC 3339 UTC), cancelled ones changed since `from` (so subscribed
 * calendars drop them), oldest first, at most `limit`. Calls found for each. */
int activity_each_for_feed(ctx *c, long long user_id, const char *from, const char *to, int limit,
                           void (*found)(void *cls, const activity_row *a), void *cls);

/* per assignee among `users_sql` (an SQL set over team_members/users with params p):
 * planned activities overdue at `now` and due in [day_start, day_end); for the agenda of a
 * head of sales. Calls found(cls, user_id, overdue, today). Visible ones only. */
int activity_agenda_counts(ctx *c, const char *users_sql, const dbparams *users_p, const char *now,
                           const char *day_start, const char *day_end,
                           void (*found)(void *cls, long long user_id, long long overdue, long long today), void *cls);

/* timeline source: appends the SELECT of the activities of a contact, company, deal or
 * lead (at = done_at, else due_at, else created_at). A reader who may see the record sees
 * all of its activities there, whoever they are assigned to, unless the role has no
 * activity scope at all */
void activity_timeline_sql(ctx *c, const char *object, long long id, buf *sql, dbparams *p);

/* HTTP: /api/v1/activities with the actions complete, postpone and cancel */
void activity_routes(void);
#endif
