/*
 * timestamp.h - parsing the timestamp forms users send: epoch seconds, epoch milliseconds and
 * RFC 3339. Pure functions; any thread.
 */
#ifndef CAUSALMON_TIMESTAMP_H
#define CAUSALMON_TIMESTAMP_H

#include <stddef.h>

/* Parses s[0..len) as a timestamp and stores epoch seconds in *out.
 *  - a plain number is epoch seconds, or epoch milliseconds when its magnitude is >= 1e11
 *    (1e11 s is the year 5138, 1e11 ms is 1973: the two ranges do not overlap in practice);
 *  - otherwise RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) ('t', ' ' and 'z' accepted).
 * Returns 0, or -1 with a short reason in err. */
int timestamp_parse(const char *s, size_t len, double *out, char *err, size_t errlen);

#endif
