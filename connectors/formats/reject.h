/*
 * reject.h - why input was rejected, counted per reason for `query status` and logs
 * (docs/architecture.md §4: bad input is counted per reason, never silently dropped).
 */
#ifndef CAUSALMON_REJECT_H
#define CAUSALMON_REJECT_H

#include "logmsg.h"

#include <stddef.h>

enum reject_reason {
    REJECT_BAD_ESCAPE = 0, /* a backslash at the end of a token */
    REJECT_SYNTAX,         /* structure: missing '=', empty key, unterminated string, ... */
    REJECT_MISSING_FIELD,  /* a line with no field */
    REJECT_BAD_VALUE,      /* not a number, NaN or Inf */
    REJECT_TIMESTAMP,      /* not an integer, or out of range */
    REJECT_LINE_TOO_LONG,
    REJECT_NAME_TOO_LONG, /* series name over the limit */
    REJECT_UNKNOWN_FORMAT,
    REJECT_LATE,       /* older than the aligner's lateness allows */
    REJECT_SERIES_CAP, /* a new series or log stream beyond the configured cap */
    REJECT_BAD_UTF8,   /* a name, tag, stream or log text that is not valid UTF-8 */
    REJECT_DUPLICATE,  /* replayed after a restart, already in the restored windows */
    REJECT_FUTURE,     /* further ahead of the host clock than max_future */
    REJECT_REASONS
};

/* Short stable name of a reason, as in status JSON keys ("bad_escape", ...). */
const char *reject_reason_str(enum reject_reason r);

#define REJECT_SAMPLE_LEN 160
#define REJECT_DETAIL_LEN 160

/* Counters of one input. The last rejected line of each call is kept (truncated) as a sample
 * for rate-limited logs. */
struct reject_stats {
    long lines;   /* lines seen (comments and blank lines excluded) */
    long records; /* records delivered */
    long rejected[REJECT_REASONS];
    long skipped_fields; /* string fields: valid, but not numeric series */
    enum reject_reason last_reason;
    char last_sample[REJECT_SAMPLE_LEN];
    /* where and what, when the parser knows: "line 3, column 17: expected '=' after the tag
     * key, found ' '" (empty if the last rejection had no place) */
    char last_detail[REJECT_DETAIL_LEN];
    /* for reject_log: the input's name, what was logged, and the once-a-second limit */
    char input[64];
    long logged;
    struct log_limit limit;
};

/* Counts a rejection and keeps a printable sample of the offending bytes. */
void reject_count(struct reject_stats *st, enum reject_reason r, const char *line, size_t len);

/* reject_count, plus the place of the error (1-based line and byte column in the text given
 * to the parser: an HTTP body, a Kafka or ZeroMQ message, a chunk of a file) and what was
 * wrong, kept in last_detail and logged by reject_log. */
void reject_count_at(struct reject_stats *st, enum reject_reason r, const char *line, size_t len,
                     long lineno, long col, const char *what);

/* Logs new rejections of an input at most once a second: how many since the last message, the
 * last reason and its sample. Thread: the input's owner. */
void reject_log(struct reject_stats *st);

#endif
