#include "reject.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *reject_reason_str(enum reject_reason r)
{
    static const char *const names[REJECT_REASONS] = {
        "bad_escape",    "syntax",        "missing_field",  "bad_value", "timestamp",
        "line_too_long", "name_too_long", "unknown_format", "late",      "series_cap",
        "bad_utf8",      "duplicate",     "future",
    };
    return r < REJECT_REASONS ? names[r] : "unknown";
}

void reject_count(struct reject_stats *st, enum reject_reason r, const char *line, size_t len)
{
    st->rejected[r]++;
    st->last_reason = r;
    size_t n = len < REJECT_SAMPLE_LEN - 1 ? len : REJECT_SAMPLE_LEN - 1;
    for (size_t a = 0; a < n; a++) {
        unsigned char c = (unsigned char)line[a];
        st->last_sample[a] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    st->last_sample[n] = '\0';
    st->last_detail[0] = '\0';
}

void reject_count_at(struct reject_stats *st, enum reject_reason r, const char *line, size_t len,
                     long lineno, long col, const char *what)
{
    reject_count(st, r, line, len);
    snprintf(st->last_detail, sizeof st->last_detail, "line %ld, column %ld: %s", lineno, col,
             what);
}

void reject_log(struct reject_stats *st)
{
    long total = 0;
    for (int a = 0; a < REJECT_REASONS; a++) total += st->rejected[a];
    if (total == st->logged || st->limit.last == time(NULL)) return;
    logmsg(LOG_WARNING, "input %s: %ld record(s) rejected (%ld in all); last: %s%s%s: %s",
           st->input[0] ? st->input : "?", total - st->logged, total,
           reject_reason_str(st->last_reason), st->last_detail[0] ? ", " : "", st->last_detail,
           st->last_sample);
    st->limit.last = time(NULL);
    st->logged = total;
}
