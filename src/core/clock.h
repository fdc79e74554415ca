/* clock: wall time as the API writes it (RFC 3339 UTC, second precision) and parsing of
 * what clients send. */
#ifndef KT_CLOCK_H
#define KT_CLOCK_H
#include <stdbool.h>
#include <time.h>
/* writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL) */
void clock_format(time_t t, char out[32]);
void clock_now(char out[32]);
/* accepts RFC 3339 with Z or +hh:mm offsets and optional fraction, years 1..9999;
 * normalises to UTC "YYYY-MM-DDTHH:MM:SSZ". false when malformed or out of range */
bool clock_parse_rfc3339(const char *s, char out[32], time_t *t);
/* "YYYY-MM-DD", a real calendar date, years 1..9999 */
bool clock_parse_date(const char *s);
#endif
