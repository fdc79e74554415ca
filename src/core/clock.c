/* RFC 3339 formatting and strict parsing. */
#include "core/clock.h"
#include <stdio.h>
#include <string.h>

void clock_format(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    /* not strftime's %Y: glibc writes year 1 as "1", and RFC 3339 needs four digits */
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
             (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

void clock_now(char out[32]) { clock_format(time(NULL), out); }

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return d[m - 1];
}

static bool parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-') return false;
    *y = digits(s, 4); *m = digits(s + 5, 2); *d = digits(s + 8, 2);
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

bool clock_parse_date(const char *s)
{
    int y, m, d;
    return strlen(s) == 10 && parse_ymd(s, &y, &m, &d);
}

bool clock_parse_rfc3339(const char *s, char out[32], time_t *t)
{
    int y, mo, d;
    if (!parse_ymd(s, &y, &mo, &d)) return false;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
    const char *p = s + 11;
    if (strlen(p) < 8 || p[2] != ':' || p[5] != ':') return false;
    int hh = digits(p, 2), mm = digits(p + 3, 2), ss = digits(p + 6, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return false;
    p += 8;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        /* "+hh:mm" exactly; each byte is looked at only after the one before it proved
         * not to be the terminating NUL */
        int oh = digits(p + 1, 2);
        if (oh < 0 || oh > 23 || p[3] != ':') return false;
        int om = digits(p + 4, 2);
        if (om < 0 || om > 59) return false;
        off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
        p += 6;
    } else return false;
    if (*p) return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mm, .tm_sec = ss > 59 ? 59 : ss};
    time_t tt = timegm(&tm) - off;
    if (tt < -62135596800LL || tt > 253402300799LL) return false;
    if (out) clock_format(tt, out);
    if (t) *t = tt;
    return true;
}
