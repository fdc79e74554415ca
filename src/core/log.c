/* Structured line logger; lines are written with one write() so threads do not interleave. */
#include "core/log.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_quiet;
void log_set_quiet(int quiet) { g_quiet = quiet; }

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
    if (n < 0) return;
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    if (m < 0) return;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(2, line, len);
    (void)w;
}

void log_info(const char *rid, const char *fmt, ...)
{
    if (g_quiet) return;
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
