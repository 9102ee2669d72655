/*
 * timestamp.h - parsing the timestamp forms users send: epoch seconds, epoch milliseconds and
 * RFC 3339. Pure functions; any thread.
 */
#ifndef CAUSALMON_TIMESTAMP_H
#define CAUSALMON_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* Parses s[0..len) as a timestamp and stores epoch seconds in *out.
 *  - a plain number is epoch seconds, or epoch milliseconds when its magnitude is >= 1e11
 *    (1e11 s is the year 5138, 1e11 ms is 1973: the two ranges do not overlap in practice);
 *  - otherwise RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) ('t', ' ' and 'z' accepted).
 * Returns 0, or -1 with a short reason in err. */
int timestamp_parse(const char *s, size_t len, double *out, char *err, size_t errlen);

/* Parses s[0..len) into exact nanoseconds since the epoch, for streaming records: RFC 3339
 * (fraction kept to the nanosecond), or a number in units of numeric_unit_s seconds (1, 1e-3,
 * 1e-6, 1e-9), or by magnitude when numeric_unit_s <= 0 (>= 1e17 ns, >= 1e14 us, >= 1e11 ms,
 * else s). The time must fall in [1970, 2100). Returns 0, or -1 if malformed or out of range. */
int timestamp_parse_ns(const char *s, size_t len, double numeric_unit_s, int64_t *out_ns);

/* Converts a numeric timestamp v in units of unit_s seconds (by magnitude when unit_s <= 0, as
 * above) into nanoseconds. Returns 0, or -1 if not finite or outside [1970, 2100). */
int timestamp_from_number(double v, double unit_s, int64_t *out_ns);

#endif
