#include "duration.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int duration_parse_ns(const char *s, int64_t *out)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = {{"ns", 1},   {"us", 1e3},   {"ms", 1e6}, {"s", 1e9},
                 {"m", 60e9}, {"h", 3600e9}, {"", 1e9}};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v) || v < 0) return -1;
    for (size_t a = 0; a < sizeof units / sizeof units[0]; a++)
        if (strcmp(end, units[a].unit) == 0) {
            double ns = v * units[a].ns;
            if (ns > 8.64e15) return -1;
            *out = (int64_t)llround(ns);
            return 0;
        }
    return -1;
}

void format_rfc3339(double epoch_s, int millis, char *buf, size_t len)
{
    time_t t = (time_t)floor(epoch_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[32];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    if (millis)
        snprintf(buf, len, "%s.%03dZ", b, (int)((epoch_s - floor(epoch_s)) * 1000));
    else
        snprintf(buf, len, "%sZ", b);
}
