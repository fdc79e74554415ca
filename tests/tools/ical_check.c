/* ical_check: the API tests' iCalendar parser. Reads an iCalendar file on stdin, parses it
 * with libical (a real RFC 5545 parser, independent of how the server wrote it), checks
 * libical's component restrictions, and prints what it understood as one JSON object:
 *   {"errors": [...], "calendar": {"PRODID": ..., ...}, "events": [{"UID": ..., "DTSTART":
 *    "2026-05-08T10:00:00Z", "SUMMARY": ..., "ALARMS": ["2026-05-08T09:00:00Z"]}, ...]}
 * Exit status 0 when the text parsed into one VCALENDAR, 1 otherwise. */
#include <jansson.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(FILE *f)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t k;
    while (b && (k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) b = realloc(b, cap *= 2);
    }
    if (b) b[n] = 0;
    return b;
}

static json_t *time_json(struct icaltimetype t)
{
    if (icaltime_is_null_time(t)) return json_null();
    char s[32];
    snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d%s", t.year, t.month, t.day, t.hour, t.minute, t.second,
             icaltime_is_utc(t) ? "Z" : "");
    return json_string(s);
}

/* every property of a component by name, text values unescaped by libical */
static json_t *props(icalcomponent *c)
{
    json_t *o = json_object();
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
        const char *name = icalproperty_get_property_name(p);
        icalproperty_kind k = icalproperty_isa(p);
        json_t *v;
        if (k == ICAL_DTSTART_PROPERTY || k == ICAL_DTEND_PROPERTY || k == ICAL_DTSTAMP_PROPERTY ||
            k == ICAL_CREATED_PROPERTY || k == ICAL_LASTMODIFIED_PROPERTY)
            v = time_json(icalvalue_get_datetime(icalproperty_get_value(p)));
        else if (k == ICAL_SEQUENCE_PROPERTY)
            v = json_integer(icalproperty_get_sequence(p));
        else if (k == ICAL_TRIGGER_PROPERTY)
            v = time_json(icalproperty_get_trigger(p).time);
        else if (k == ICAL_SUMMARY_PROPERTY || k == ICAL_DESCRIPTION_PROPERTY || k == ICAL_LOCATION_PROPERTY ||
                 k == ICAL_UID_PROPERTY || k == ICAL_CATEGORIES_PROPERTY || k == ICAL_NAME_PROPERTY)
            v = json_string(icalvalue_get_text(icalproperty_get_value(p)) ? icalvalue_get_text(icalproperty_get_value(p)) : "");
        else if (k == ICAL_X_PROPERTY)
            v = json_string(icalvalue_get_x(icalproperty_get_value(p)) ? icalvalue_get_x(icalproperty_get_value(p)) : "");
        else
            v = json_string(icalproperty_get_value_as_string(p));
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

static void collect_errors(icalcomponent *c, json_t *errors)
{
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY))
        json_array_append_new(errors, json_string(icalproperty_get_xlicerror(p)));
    for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
         k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        collect_errors(k, errors);
}

int main(void)
{
    icalerror_set_errors_are_fatal(0);
    char *text = read_all(stdin);
    icalcomponent *cal = text ? icalparser_parse_string(text) : NULL;
    json_t *out = json_object(), *errors = json_array(), *events = json_array();
    int rc = 0;
    if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
        json_array_append_new(errors, json_string("not one VCALENDAR"));
        rc = 1;
    } else {
        collect_errors(cal, errors);
        if (!icalrestriction_check(cal)) {
            json_array_append_new(errors, json_string("restriction check failed"));
            collect_errors(cal, errors);
        }
        json_object_set_new(out, "calendar", props(cal));
        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
            json_t *e = props(ev), *alarms = json_array();
            for (icalcomponent *a = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT); a;
                 a = icalcomponent_get_next_component(ev, ICAL_VALARM_COMPONENT))
                json_array_append_new(alarms, time_json(icalproperty_get_trigger(icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY)).time));
            json_object_set_new(e, "ALARMS", alarms);
            json_array_append_new(events, e);
        }
    }
    json_object_set_new(out, "errors", errors);
    json_object_set_new(out, "events", events);
    char *s = json_dumps(out, JSON_COMPACT);
    puts(s);
    free(s);
    json_decref(out);
    if (cal) icalcomponent_free(cal);
    free(text);
    return rc;
}
