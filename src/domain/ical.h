/* ical: iCalendar (RFC 5545) for the calendar feed, made with libical, and the time zone
 * arithmetic of the calendar views ("today" in Europe/Warsaw).
 *
 * Every activity becomes a VEVENT, tasks included, because Google Calendar ignores VTODO:
 * UID activity-<id>@kartoteka (stable, so a moved call moves in the subscriber's
 * calendar), SEQUENCE the record version, DTSTART the due time, DTEND the end time or a
 * length by kind, STATUS:CANCELLED for cancelled ones (subscribers drop them) and a
 * VALARM at remind_at for planned ones. Text is cleaned of control characters before
 * libical escapes and folds it, so no subject can break the file.
 *
 * libical keeps global state for time zones, so the time zone functions take a lock; the
 * feed functions touch only their own component tree and may run on many threads. */
#ifndef KT_ICAL_H
#define KT_ICAL_H
#include <stdbool.h>
#include <time.h>
#include "core/arena.h"
#include "domain/activity.h"

typedef struct ical_feed ical_feed;
/* a calendar named `name` (shown by the subscriber's app) of the user `owner` with email
 * `email`, who is the ORGANIZER of every event (iTIP PUBLISH wants one) */
ical_feed *ical_feed_new(const char *name, const char *owner, const char *email);
void ical_feed_add(ical_feed *f, const activity_row *a);
/* the whole text (CRLF lines), copied into the arena; frees the feed */
char *ical_feed_finish(ical_feed *f, arena *a);

/* true when `tz` names a time zone libical knows ("Europe/Warsaw"; "UTC"; NULL = UTC) */
bool ical_tz_known(const char *tz);
/* the UTC bounds [start, end) of the calendar day `date` ("YYYY-MM-DD"; NULL = today)
 * in time zone `tz` (NULL = UTC); false when the zone or the date is unknown */
bool ical_day_bounds(const char *tz, const char *date, time_t *start, time_t *end);
#endif
