/* duration.h - time as text: durations "500ms", "1s", "2m", "1h", "100us", "10ns" (a bare number
 * is seconds), and RFC 3339 instants. */
#ifndef CAUSALMON_DURATION_H
#define CAUSALMON_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Parses s into nanoseconds (>= 0, at most ~100 days). Returns 0, or -1 if malformed. */
int duration_parse_ns(const char *s, int64_t *out);

/* Writes epoch_s as "2026-01-01T10:00:00Z" (UTC, whole seconds, or with milliseconds when
 * millis != 0) into buf. Any thread. */
void format_rfc3339(double epoch_s, int millis, char *buf, size_t len);

#endif
