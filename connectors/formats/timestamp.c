#include "timestamp.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static int digits(const char *s, size_t len, size_t at, int n, int *out)
{
    int v = 0;
    for (int a = 0; a < n; a++) {
        if (at + a >= len || !isdigit((unsigned char)s[at + a])) return -1;
        v = v * 10 + (s[at + a] - '0');
    }
    *out = v;
    return 0;
}

/* Parses RFC 3339 into whole seconds and nanoseconds (fraction digits past the 9th are
 * dropped). */
static int parse_rfc3339(const char *s, size_t len, int64_t *sec_out, long *ns_out)
{
    int Y, M, D, h, m, sec;
    if (digits(s, len, 0, 4, &Y) || len < 19 || s[4] != '-' || digits(s, len, 5, 2, &M) ||
        s[7] != '-' || digits(s, len, 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s, len, 11, 2, &h) || s[13] != ':' || digits(s, len, 14, 2, &m) || s[16] != ':' ||
        digits(s, len, 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -1;
    size_t at = 19;
    long ns = 0;
    if (at < len && s[at] == '.') {
        long scale = 100000000;
        at++;
        if (at >= len || !isdigit((unsigned char)s[at])) return -1;
        while (at < len && isdigit((unsigned char)s[at])) {
            ns += (s[at] - '0') * scale;
            scale /= 10;
            at++;
        }
    }
    long offset = 0;
    if (at < len && (s[at] == 'Z' || s[at] == 'z')) {
        at++;
    } else if (at < len && (s[at] == '+' || s[at] == '-')) {
        int oh, om;
        if (digits(s, len, at + 1, 2, &oh) || at + 3 >= len || s[at + 3] != ':' ||
            digits(s, len, at + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (s[at] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
        at += 6;
    } else {
        return -1;
    }
    if (at != len) return -1;
    long days = days_from_civil(Y, (unsigned)M, (unsigned)D);
    *sec_out = (int64_t)days * 86400 + h * 3600L + m * 60L + sec - offset;
    *ns_out = ns;
    return 0;
}

int timestamp_parse(const char *s, size_t len, double *out, char *err, size_t errlen)
{
    char buf[64];
    if (len == 0) {
        snprintf(err, errlen, "empty timestamp");
        return -1;
    }
    if (len >= sizeof buf) {
        snprintf(err, errlen, "timestamp longer than %zu characters", sizeof buf - 1);
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isdigit((unsigned char)buf[0]) && len >= 10 && buf[4] == '-') {
        int64_t sec;
        long ns;
        if (parse_rfc3339(buf, len, &sec, &ns) == 0) {
            *out = (double)sec + ns * 1e-9;
            return 0;
        }
        snprintf(err, errlen, "'%s' is not an RFC 3339 timestamp", buf);
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        snprintf(err, errlen, "'%s' is neither epoch seconds/milliseconds nor RFC 3339", buf);
        return -1;
    }
    if (fabs(v) >= 1e11) v /= 1000.0;
    if (fabs(v) >= 1e11) {
        snprintf(err, errlen, "timestamp '%s' out of range", buf);
        return -1;
    }
    *out = v;
    return 0;
}

#define TS_MAX_S 4102444800LL /* 2100-01-01 */

int timestamp_parse_ns(const char *s, size_t len, double numeric_unit_s, int64_t *out_ns)
{
    if (len == 0 || len >= 64) return -1;
    char buf[64];
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (isdigit((unsigned char)buf[0]) && len >= 10 && buf[4] == '-') {
        int64_t sec;
        long ns;
        if (parse_rfc3339(buf, len, &sec, &ns) || sec < 0 || sec >= TS_MAX_S) return -1;
        *out_ns = sec * 1000000000LL + ns;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || errno == ERANGE) return -1;
    return timestamp_from_number(v, numeric_unit_s, out_ns);
}

int timestamp_from_number(double v, double unit_s, int64_t *out_ns)
{
    if (!isfinite(v)) return -1;
    if (unit_s <= 0) { /* by magnitude */
        double a = fabs(v);
        unit_s = a >= 1e17 ? 1e-9 : a >= 1e14 ? 1e-6 : a >= 1e11 ? 1e-3 : 1.0;
    }
    double sec = v * unit_s;
    if (!(sec >= 0 && sec < (double)TS_MAX_S)) return -1;
    int64_t mul = unit_s >= 1 ? 1000000000 : unit_s >= 1e-3 ? 1000000 : unit_s >= 1e-6 ? 1000 : 1;
    /* whole units and the fraction separately: v * mul in doubles would round to 256 ns */
    double whole = floor(v);
    *out_ns = (int64_t)whole * mul + (int64_t)llround((v - whole) * (double)mul);
    return 0;
}
