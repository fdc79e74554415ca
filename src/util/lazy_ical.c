/* libical, opened on the first call (util/lazylib.h): it writes the calendar feed and
 * does the time zone arithmetic of the calendar views, and brings ICU and libstdc++ with
 * it. The functions the program calls, nothing else. */
#include <libical/ical.h>

#include "util/lazylib.h"

#define ICAL_FUNCTIONS(F, V)                                                               \
    V(icalcomponent_add_component, (icalcomponent *parent, icalcomponent *child), (parent, child)) \
    V(icalcomponent_add_property, (icalcomponent *c, icalproperty *p), (c, p))            \
    F(char *, icalcomponent_as_ical_string_r, (icalcomponent *c), (c))                     \
    V(icalcomponent_free, (icalcomponent *c), (c))                                         \
    F(icalcomponent *, icalcomponent_new_valarm, (void), ())                               \
    F(icalcomponent *, icalcomponent_new_vcalendar, (void), ())                            \
    F(icalcomponent *, icalcomponent_new_vevent, (void), ())                               \
    F(struct icaldurationtype, icaldurationtype_from_int, (int t), (t))                    \
    V(icalerror_set_errors_are_fatal, (int fatal), (fatal))                                \
    V(icalmemory_free_buffer, (void *buf), (buf))                                          \
    F(icalparameter *, icalparameter_new_cn, (const char *v), (v))                         \
    F(icalparameter *, icalparameter_new_value, (icalparameter_value v), (v))              \
    V(icalproperty_add_parameter, (icalproperty *p, icalparameter *par), (p, par))         \
    F(icalproperty *, icalproperty_new_action, (enum icalproperty_action v), (v))          \
    F(icalproperty *, icalproperty_new_calscale, (const char *v), (v))                     \
    F(icalproperty *, icalproperty_new_categories, (const char *v), (v))                   \
    F(icalproperty *, icalproperty_new_created, (struct icaltimetype v), (v))              \
    F(icalproperty *, icalproperty_new_description, (const char *v), (v))                 \
    F(icalproperty *, icalproperty_new_dtend, (struct icaltimetype v), (v))                \
    F(icalproperty *, icalproperty_new_dtstamp, (struct icaltimetype v), (v))              \
    F(icalproperty *, icalproperty_new_dtstart, (struct icaltimetype v), (v))              \
    F(icalproperty *, icalproperty_new_lastmodified, (struct icaltimetype v), (v))         \
    F(icalproperty *, icalproperty_new_location, (const char *v), (v))                    \
    F(icalproperty *, icalproperty_new_method, (enum icalproperty_method v), (v))          \
    F(icalproperty *, icalproperty_new_name, (const char *v), (v))                         \
    F(icalproperty *, icalproperty_new_organizer, (const char *v), (v))                    \
    F(icalproperty *, icalproperty_new_prodid, (const char *v), (v))                       \
    F(icalproperty *, icalproperty_new_refreshinterval, (struct icaldurationtype v), (v))  \
    F(icalproperty *, icalproperty_new_sequence, (int v), (v))                             \
    F(icalproperty *, icalproperty_new_status, (enum icalproperty_status v), (v))          \
    F(icalproperty *, icalproperty_new_summary, (const char *v), (v))                      \
    F(icalproperty *, icalproperty_new_transp, (enum icalproperty_transp v), (v))          \
    F(icalproperty *, icalproperty_new_trigger, (struct icaltriggertype v), (v))           \
    F(icalproperty *, icalproperty_new_uid, (const char *v), (v))                          \
    F(icalproperty *, icalproperty_new_version, (const char *v), (v))                      \
    F(icalproperty *, icalproperty_new_x, (const char *v), (v))                            \
    V(icalproperty_set_x_name, (icalproperty *p, const char *name), (p, name))             \
    V(icaltime_adjust, (struct icaltimetype *tt, const int days, const int hours,          \
                        const int minutes, const int seconds),                             \
      (tt, days, hours, minutes, seconds))                                                 \
    F(time_t, icaltime_as_timet_with_zone, (const struct icaltimetype tt, const icaltimezone *zone), \
      (tt, zone))                                                                          \
    F(struct icaltimetype, icaltime_current_time_with_zone, (const icaltimezone *zone), (zone)) \
    F(struct icaltimetype, icaltime_from_timet_with_zone,                                  \
      (const time_t tm, const int is_date, const icaltimezone *zone), (tm, is_date, zone)) \
    F(icaltimezone *, icaltimezone_get_builtin_timezone, (const char *location), (location)) \
    F(icaltimezone *, icaltimezone_get_utc_timezone, (void), ())

LAZYLIB_DEFINE("libical.so.3", ICAL_FUNCTIONS)
