/* iCalendar feed and time zone arithmetic over libical: see ical.h. */
#include "domain/ical.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/utf8.h"
#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { DESCRIPTION_MAX = 4000 };   /* bytes of body text carried into the feed */

static pthread_mutex_t g_tz_lock = PTHREAD_MUTEX_INITIALIZER;

/* once, on the first call rather than at start: libical brings ICU and libstdc++ with it
 * (util/lazy_ical.c opens it then), about 3 MiB a server serving no calendar need not hold */
static pthread_once_t g_ical_once = PTHREAD_ONCE_INIT;
static void ical_setup(void)
{
    icalerror_set_errors_are_fatal(0);
    pthread_mutex_lock(&g_tz_lock);
    (void)icaltimezone_get_utc_timezone();   /* libical fills its zone table lazily: do it now, on one thread */
    pthread_mutex_unlock(&g_tz_lock);
}
static void ical_ready(void) { pthread_once(&g_ical_once, ical_setup); }

struct ical_feed {
    icalcomponent *cal;
    char *organizer;   /* "mailto:..." */
    char *cn;          /* the organizer's name as a parameter value */
};

/* text for a TEXT value: valid UTF-8, no control characters but newline and tab (RFC 5545
 * 3.3.11 forbids the others), at most max bytes, cut on a character boundary; arena */
static char *clean(arena *a, const char *s, size_t max)
{
    size_t n = strlen(s);
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n && b.len < max;) {
        unsigned char ch = (unsigned char)s[i];
        size_t k = utf8_valid_prefix_char(s + i, n - i);
        if (!k) { if (b.len + 3 <= max) buf_adds(&b, "\xef\xbf\xbd"); else break; i++; continue; }
        if (k == 1 && (ch < 0x20 || ch == 0x7f)) {
            if (ch == '\n' || ch == '\t') buf_addc(&b, (char)ch);
            else if (ch != '\r') buf_addc(&b, ' ');
            i++;
            continue;
        }
        if (b.len + k > max) break;
        buf_add(&b, s + i, k);
        i += k;
    }
    char *r = arena_strndup(a, b.data, b.len);
    buf_release(&b);
    return r;
}

/* nothing but spaces: libical's parser trims a value, and an empty one is an error */
static bool blank(const char *s) { return !s[strspn(s, " \t\n")]; }

static struct icaltimetype utc_of(const char *rfc3339)
{
    time_t t = 0;
    clock_parse_rfc3339(rfc3339, NULL, &t);
    return icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
}

static struct icaltimetype utc_plus(const char *rfc3339, long seconds)
{
    time_t t = 0;
    clock_parse_rfc3339(rfc3339, NULL, &t);
    return icaltime_from_timet_with_zone(t + seconds, 0, icaltimezone_get_utc_timezone());
}

ical_feed *ical_feed_new(const char *name, const char *owner, const char *email)
{
    ical_ready();
    arena a;
    arena_init(&a);
    ical_feed *f = xmalloc(sizeof *f);
    f->organizer = xmalloc(strlen(email) + 8);
    memcpy(f->organizer, "mailto:", 7);
    memcpy(f->organizer + 7, email, strlen(email) + 1);
    /* a parameter value may not hold a double quote; libical quotes the rest as needed */
    f->cn = xstrdup(clean(&a, owner, 200));
    for (char *p = f->cn; *p; p++) if (*p == '"' || *p == '\n' || *p == '\t') *p = '\'';
    f->cal = icalcomponent_new_vcalendar();
    icalcomponent_add_property(f->cal, icalproperty_new_prodid("-//Kartoteka//Kartoteka CRM//EN"));
    icalcomponent_add_property(f->cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(f->cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(f->cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    const char *clean_name = clean(&a, name, 200);
    if (blank(clean_name)) clean_name = "Kartoteka";
    icalcomponent_add_property(f->cal, icalproperty_new_name(clean_name));
    icalproperty *x = icalproperty_new_x(clean_name);
    icalproperty_set_x_name(x, "X-WR-CALNAME");
    icalcomponent_add_property(f->cal, x);
    /* subscribers poll; tell them every 15 minutes is enough (RFC 7986 and Outlook's own) */
    icalproperty *refresh = icalproperty_new_refreshinterval(icaldurationtype_from_int(15 * 60));
    icalproperty_add_parameter(refresh, icalparameter_new_value(ICAL_VALUE_DURATION));
    icalcomponent_add_property(f->cal, refresh);
    icalproperty *ttl = icalproperty_new_x("PT15M");
    icalproperty_set_x_name(ttl, "X-PUBLISHED-TTL");
    icalcomponent_add_property(f->cal, ttl);
    arena_release(&a);
    return f;
}

/* length of an activity without an end time, by kind */
static long default_length(const activity_row *r)
{
    if (r->duration > 0) return r->duration;
    if (!strcmp(r->kind, "meeting")) return 3600;
    return 15 * 60;
}

void ical_feed_add(ical_feed *f, const activity_row *r)
{
    if (!r->due_at) return;
    arena a;
    arena_init(&a);
    icalcomponent *ev = icalcomponent_new_vevent();
    char uid[64];
    snprintf(uid, sizeof uid, "activity-%lld@kartoteka", r->id);
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_of(r->updated_at)));
    icalcomponent_add_property(ev, icalproperty_new_created(utc_of(r->created_at)));
    icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc_of(r->updated_at)));
    icalcomponent_add_property(ev, icalproperty_new_sequence((int)(r->version > 1000000 ? 1000000 : r->version)));
    icalproperty *org = icalproperty_new_organizer(f->organizer);
    if (!blank(f->cn)) icalproperty_add_parameter(org, icalparameter_new_cn(f->cn));
    icalcomponent_add_property(ev, org);
    icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_of(r->due_at)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(r->end_at ? utc_of(r->end_at) : utc_plus(r->due_at, default_length(r))));

    bool done = !strcmp(r->status, "done"), cancelled = !strcmp(r->status, "cancelled");
    const char *subject = r->subject ? clean(&a, r->subject, 1000) : "";
    if (blank(subject)) subject = activity_kind_word(r->kind);
    char *summary = clean(&a, done ? arena_printf(&a, "Done: %s", subject) : subject, 1000);
    icalcomponent_add_property(ev, icalproperty_new_summary(summary));

    buf d;
    buf_init(&d, 0);
    buf_printf(&d, "Kartoteka %s", activity_kind_word(r->kind));
    if (r->phone && *r->phone) buf_printf(&d, ", phone %s", r->phone);
    if (r->body && *r->body) { buf_adds(&d, "\n\n"); buf_adds(&d, r->body); }
    if (r->result && *r->result) { buf_adds(&d, "\n\nResult: "); buf_adds(&d, r->result); }
    icalcomponent_add_property(ev, icalproperty_new_description(clean(&a, d.data, DESCRIPTION_MAX)));
    buf_release(&d);
    const char *location = r->location ? clean(&a, r->location, 1000) : "";
    if (!blank(location)) icalcomponent_add_property(ev, icalproperty_new_location(location));
    char category[32];
    snprintf(category, sizeof category, "%s", activity_kind_word(r->kind));
    for (char *p = category; *p; p++) if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    icalcomponent_add_property(ev, icalproperty_new_categories(category));
    icalcomponent_add_property(ev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    /* tasks and notes do not make the user busy; calls and meetings do */
    bool busy = !strcmp(r->kind, "meeting") || !strcmp(r->kind, "call");
    icalcomponent_add_property(ev, icalproperty_new_transp(busy ? ICAL_TRANSP_OPAQUE : ICAL_TRANSP_TRANSPARENT));

    if (r->remind_at && !done && !cancelled) {
        icalcomponent *alarm = icalcomponent_new_valarm();
        icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
        icalcomponent_add_property(alarm, icalproperty_new_description(summary));
        struct icaltriggertype tr;
        memset(&tr, 0, sizeof tr);
        tr.time = utc_of(r->remind_at);
        icalproperty *trigger = icalproperty_new_trigger(tr);
        icalproperty_add_parameter(trigger, icalparameter_new_value(ICAL_VALUE_DATETIME));
        icalcomponent_add_property(alarm, trigger);
        icalcomponent_add_component(ev, alarm);
    }
    icalcomponent_add_component(f->cal, ev);
    arena_release(&a);
}

/* Folds the lines of libical's text again: at most 75 octets a line, never inside a UTF-8
 * character (RFC 5545 3.1). libical 3.0 folds too, but a folding point that falls on the
 * end of a property splits its CRLF ("...x\r" CRLF SPACE "\n"); unfolding first repairs
 * that, since the text holds no other CR or LF (TEXT values escape newlines). */
static char *refold(arena *a, const char *in)
{
    buf flat;
    buf_init(&flat, 0);
    for (const char *p = in; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) { p += 2; continue; }
        buf_addc(&flat, *p);
    }
    buf out;
    buf_init(&out, 0);
    for (const char *line = flat.data; *line;) {
        const char *end = strstr(line, "\r\n");
        size_t n = end ? (size_t)(end - line) : strlen(line);
        size_t room = 75, i = 0;
        while (i < n) {
            size_t k = n - i <= room ? n - i : room;
            size_t whole = k;
            while (k > 0 && i + k < n && ((unsigned char)line[i + k] & 0xc0) == 0x80) k--;   /* not inside a character */
            if (k == 0) k = whole;   /* not UTF-8 after all: cut anywhere rather than loop */
            buf_add(&out, line + i, k);
            i += k;
            if (i < n) { buf_adds(&out, "\r\n "); room = 74; }
        }
        buf_adds(&out, "\r\n");
        line += n + (end ? 2 : 0);
    }
    char *r = arena_strndup(a, out.data, out.len);
    buf_release(&flat);
    buf_release(&out);
    return r;
}

char *ical_feed_finish(ical_feed *f, arena *a)
{
    char *s = icalcomponent_as_ical_string_r(f->cal);
    char *r = refold(a, s ? s : "");
    icalmemory_free_buffer(s);
    icalcomponent_free(f->cal);
    free(f->organizer);
    free(f->cn);
    free(f);
    return r;
}

/* ---------- time zones ---------- */

/* the zone, or NULL when unknown; caller holds g_tz_lock */
static icaltimezone *zone_of(const char *tz)
{
    if (!tz || !*tz || !strcmp(tz, "UTC") || !strcmp(tz, "Etc/UTC")) return icaltimezone_get_utc_timezone();
    if (strlen(tz) > 64) return NULL;
    for (const char *p = tz; *p; p++)   /* zone names are ASCII words with / _ - + */
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '-' || *p == '+')) return NULL;
    return icaltimezone_get_builtin_timezone(tz);
}

bool ical_tz_known(const char *tz)
{
    ical_ready();
    pthread_mutex_lock(&g_tz_lock);
    bool ok = zone_of(tz) != NULL;
    pthread_mutex_unlock(&g_tz_lock);
    return ok;
}

bool ical_day_bounds(const char *tz, const char *date, time_t *start, time_t *end)
{
    ical_ready();
    if (date && !clock_parse_date(date)) return false;
    pthread_mutex_lock(&g_tz_lock);
    icaltimezone *z = zone_of(tz);
    bool ok = z != NULL;
    if (ok) {
        struct icaltimetype day = icaltime_current_time_with_zone(z);
        if (date) {
            day.year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
            day.month = (date[5] - '0') * 10 + (date[6] - '0');
            day.day = (date[8] - '0') * 10 + (date[9] - '0');
        }
        day.hour = day.minute = day.second = 0;
        day.is_date = 0;
        day.zone = z;
        struct icaltimetype next = day;
        icaltime_adjust(&next, 1, 0, 0, 0);
        *start = icaltime_as_timet_with_zone(day, z);
        *end = icaltime_as_timet_with_zone(next, z);
    }
    pthread_mutex_unlock(&g_tz_lock);
    return ok;
}
