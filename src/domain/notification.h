/* notification: in-app messages to one user ("Reminder: call Jan Kowalski at 10:00",
 * "Anna assigned you a task", "The client Acme has been transferred to you", "Deal won").
 *
 * Any module tells a user something with notify(), inside the transaction of the change
 * that caused it: the notification exists exactly when the change commits. The live event
 * stream (GET /api/v1/events, http/sse.h) picks committed notifications up by id, so a
 * notify() never has to know about open connections. Users read their own notifications
 * only, whatever their role: /api/v1/notifications lists them and marks them read/unread.
 *
 * Kinds in use: "reminder" (activity reminder due), "assigned" (a task or activity given
 * to you), "transferred" (a client, deal or lead handed over to you), "deal_won"; a module
 * may add its own kind (lower-case letters and _).
 *
 * Handovers and won deals need no notify() from the module that makes them: the rules in
 * notification_rules.c read them off the audit trail (an owner_id that changed, a deal
 * status that became "won"), whatever door the change came through. */
#ifndef KT_NOTIFICATION_H
#define KT_NOTIFICATION_H
#include "core/buf.h"
#include "domain/ctx.h"

enum { NOTIFY_TEXT_MAX = 1000 };   /* characters; longer texts are cut with "…" */

/* records a notification for `user_id` about `object` ("activity", "contact", "deal"...;
 * NULL when about nothing in particular) with id `object_id` (0 = none), text in plain
 * language. Runs in the caller's transaction when one is open. A user is not told about
 * their own action: when user_id is the acting user (or 0) nothing is recorded and 0 is
 * returned. Otherwise the new id, or -1 on a database error (the caller rolls back). */
long long notify(ctx *c, long long user_id, const char *kind, const char *text, const char *object, long long object_id);

/* the display name of a user for confirmations ("... assigned to Anna"); "user N" when
 * the user is missing; allocated in the arena */
const char *notify_user_name(ctx *c, long long user_id);

/* the live stream's view of the table: the newest id, and the notifications after `after`
 * (all users when user_id is 0) in id order, at most `limit`, each handed to `emit` as the
 * JSON object the API shows. Returns the last id emitted (`after` when none), -1 on error. */
typedef void (*notify_emit_fn)(void *cls, long long user_id, long long id, const char *json);
long long notification_latest(db *d);
long long notification_fetch(db *d, long long user_id, long long after, int limit, notify_emit_fn emit, void *cls);

/* the scheduler step of those rules: notifies for the audit rows written since the last
 * step, advancing a cursor kept in the database in the same transaction (so each change
 * notifies once, across restarts). Returns 1 when more rows wait, 0, or -1 on error. */
int notification_rules_step(ctx *c, void *unused);

/* HTTP: /api/v1/notifications (list, read, unread, read-all) */
void notification_routes(void);
#endif
