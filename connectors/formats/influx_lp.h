/*
 * influx_lp.h - InfluxDB line protocol -> metric records (docs/conventions.md §3.5).
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * Several lines per buffer ('\n'-separated; "\r\n" ends a line too; blank lines and lines
 * starting with '#' are skipped). The grammar is InfluxDB's (its published decode cases are a
 * test, tests/unit/test_influx_corpus.c):
 *  - Escapes: in the measurement a backslash escapes ',' and ' '; in tag keys, tag values and
 *    field keys it escapes ',', '=' and ' '; a backslash before any other byte (a backslash
 *    included) is a literal backslash: the tag value written `east\\ ` reads `east\ ` (a
 *    literal backslash, then an escaped space). A backslash that ends the text is a bad
 *    escape.
 *  - Names (measurement, tag keys and values, field keys) may not contain control characters
 *    (0x00-0x1f, 0x7f) and must be valid UTF-8; a tag key may appear once per line.
 *  - Field values: floats (decimal, any number of digits), integers (123i), unsigned (123u),
 *    booleans (t, T, true, True, TRUE, f, F, false, False, FALSE -> 1/0), strings
 *    (double-quoted, \" and \\ escapes, may contain newlines; valid but not numeric: counted
 *    in skipped_fields, no record). NaN and Inf are rejected.
 *  - The timestamp is an integer in the given precision, followed only by spaces; without one,
 *    default_ts_ns is used. Timestamps must fall in [1970, 2100) (InfluxDB takes any int64).
 *
 * Each numeric field becomes one record named `measurement.field`, followed by `{k1=v1,k2=v2}`
 * with the tags sorted by key (bytewise) when there are tags; escapes are removed. A line is
 * accepted or rejected whole: on any error none of its fields is delivered, the line is
 * counted under its reason with the line and column of the error and what was wrong
 * (reject_count_at), and parsing goes on with the next line.
 *
 * Zero-copy: tokens are read in place; only the series name is assembled, in a stack buffer of
 * LP_MAX_NAME bytes (a float literal of 64 bytes or more is copied to the heap to be read).
 * Never reads outside buf[0..len). Pure; any thread.
 */
#ifndef CAUSALMON_INFLUX_LP_H
#define CAUSALMON_INFLUX_LP_H

#include "record.h"
#include "reject.h"

#include <stddef.h>
#include <stdint.h>

#define LP_MAX_LINE (64 * 1024)
#define LP_MAX_NAME 1024
#define LP_MAX_TAGS 64

enum lp_precision { LP_NS = 0, LP_US, LP_MS, LP_S };

/* Parses a precision name "ns", "us", "ms" or "s". Returns 0, or -1 if unknown. */
int lp_precision_parse(const char *s, enum lp_precision *out);

/* Parses buf[0..len) and calls fn for every record. Counts lines, records and rejections in
 * st (accumulating). Returns 0, or 1 if fn asked to stop. */
int influx_lp_parse(const char *buf, size_t len, enum lp_precision prec, int64_t default_ts_ns,
                    metric_record_fn fn, void *ctx, struct reject_stats *st);

#endif
