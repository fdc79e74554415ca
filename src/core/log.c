/* Structured line logger; lines are written with one write() so threads do not interleave. */
#include "core/log.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static void log_line(const char *level, const char *rid, const char *fmt, va_list ap)
{
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s rid=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level, rid && *rid ? rid : "-");
    if (n < 0 || (size_t)n > sizeof line / 2) return;
    char msg[2048];
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0) return;
    /* values come from clients (paths, names): control characters are escaped so that
     * nobody can forge a log line with an embedded newline or a terminal escape */
    size_t len = (size_t)n;
    for (const unsigned char *p = (const unsigned char *)msg; *p && len < sizeof line - 6; p++) {
        if (*p < 0x20 || *p == 0x7f) len += (size_t)snprintf(line + len, 5, "\\x%02x", *p);
        else line[len++] = (char)*p;
    }
    line[len++] = '\n';
    ssize_t w = write(2, line, len);
    (void)w;
}

void log_info(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("info", rid, fmt, ap);
    va_end(ap);
}

void log_error(const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("error", rid, fmt, ap);
    va_end(ap);
}
