#include "reject.h"

#include <string.h>

const char *reject_reason_str(enum reject_reason r)
{
    static const char *const names[REJECT_REASONS] = {
        "bad_escape",    "syntax",        "missing_field",  "bad_value", "timestamp",
        "line_too_long", "name_too_long", "unknown_format", "late",      "series_cap",
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
}
