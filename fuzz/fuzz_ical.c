/* Fuzz the iCalendar feed writer and the calendar's time zone reading.
 *
 * Input: a mode byte, then fields separated by 0x1f. Mode even: the fields are an
 * activity's subject, body, location, phone, result and kind (any bytes: the writer must
 * cope with invalid UTF-8 and control characters); the feed must come out as valid
 * RFC 5545 that libical parses back into one VCALENDAR with one VEVENT and no error
 * properties, every line at most 75 octets and ending in CRLF, and no control character
 * but tab in any line. Mode odd: the fields are a time zone name and a date for
 * ical_day_bounds, which must either refuse them or give a day of at most two days (a day
 * can be 23, 23.5, 25 hours, or even vanish when a zone jumped the date line). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libical/ical.h>

#include "domain/ical.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NFIELDS = 6 };

static void split(const uint8_t *data, size_t size, arena *a, const char *f[NFIELDS])
{
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= size && k < NFIELDS; i++)
        if (i == size || data[i] == 0x1f) {
            /* a C string ends at NUL, as it would coming out of the database */
            f[k++] = arena_strndup(a, (const char *)data + start, i - start);
            start = i + 1;
        }
    while (k < NFIELDS) f[k++] = NULL;
}

static int count_errors(icalcomponent *c)
{
    int n = icalcomponent_count_properties(c, ICAL_XLICERROR_PROPERTY);
    for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
         k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        n += count_errors(k);
    return n;
}

static void check_lines(const char *text)
{
    for (const char *p = text; *p;) {
        const char *cr = strstr(p, "\r\n");
        if (!cr || cr - p > 75) abort();
        for (const char *q = p; q < cr; q++)
            if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f) abort();
        p = cr + 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    arena a;
    arena_init(&a);
    const char *f[NFIELDS];
    split(data + 1, size - 1, &a, f);
    if (data[0] % 2 == 0) {
        static const char *const kinds[] = {"task", "call", "meeting", "email", "sms", "note", "message"};
        activity_row r = {
            .id = 7, .version = 3, .assignee_id = 1, .duration = (long long)(data[0] / 2) * 60 - 1,
            .kind = kinds[(data[0] / 2) % 7], .status = (data[0] & 4) ? "done" : (data[0] & 8) ? "cancelled" : "planned",
            .subject = f[0], .body = f[1], .location = f[2], .phone = f[3], .result = f[4],
            .due_at = "2030-05-08T10:00:00Z", .end_at = (data[0] & 16) ? "2030-05-08T11:00:00Z" : NULL,
            .remind_at = (data[0] & 32) ? "2030-05-08T09:45:00Z" : NULL,
            .created_at = "2030-05-01T00:00:00Z", .updated_at = "2030-05-02T00:00:00Z",
        };
        ical_feed *feed = ical_feed_new(f[5] ? f[5] : "", f[0] ? f[0] : "", "user@example.com");
        ical_feed_add(feed, &r);
        char *text = ical_feed_finish(feed, &a);
        check_lines(text);
        icalcomponent *cal = icalparser_parse_string(text);
        if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) abort();
        if (icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT) != 1 || count_errors(cal) != 0) abort();
        icalcomponent_free(cal);
    } else {
        time_t start, end;
        if (ical_day_bounds(f[0], f[1], &start, &end) && (end < start || end - start > 2 * 86400)) abort();
        ical_tz_known(f[0]);
    }
    arena_release(&a);
    return 0;
}
