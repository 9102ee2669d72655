/* duration.h - "500ms", "1s", "2m", "1h", "100us", "10ns" (a bare number is seconds). */
#ifndef CAUSALMON_DURATION_H
#define CAUSALMON_DURATION_H

#include <stdint.h>

/* Parses s into nanoseconds (>= 0, at most ~100 days). Returns 0, or -1 if malformed. */
int duration_parse_ns(const char *s, int64_t *out);

#endif
