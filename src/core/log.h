/* log: one line per event on stderr, `key=value` pairs, every line of a request carrying
 * its request id so an access line and its errors can be joined. */
#ifndef KT_LOG_H
#define KT_LOG_H
void log_info(const char *request_id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_error(const char *request_id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
