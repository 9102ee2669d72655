#include "influx_lp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TS_MAX_NS 4102444800000000000LL /* 2100-01-01 */

int lp_precision_parse(const char *s, enum lp_precision *out)
{
    static const char *const names[] = {"ns", "us", "ms", "s"};
    for (int a = 0; a < 4; a++)
        if (strcmp(s, names[a]) == 0) {
            *out = (enum lp_precision)a;
            return 0;
        }
    return -1;
}

/* A token of the line: [p, end) in the buffer, still escaped. */
struct tok {
    const char *p;
    size_t len;
};

struct line {
    const char *s;
    size_t len, at;
    enum reject_reason err;
};

/* 1 if c is one of the (two or three) characters of stops; a loop beats a strchr call here. */
static inline int is_stop(char c, const char *stops)
{
    for (; *stops; stops++)
        if (*stops == c) return 1;
    return 0;
}

/* Scans a token up to an unescaped stop character (a backslash always protects the next byte
 * here; append() decides which escapes are removed). Fails with REJECT_BAD_ESCAPE when a
 * backslash ends the line. */
static int scan(struct line *l, const char *stops, struct tok *t)
{
    size_t start = l->at;
    while (l->at < l->len && !is_stop(l->s[l->at], stops)) {
        if (l->s[l->at] == '\\') {
            if (l->at + 1 >= l->len) {
                l->err = REJECT_BAD_ESCAPE;
                return -1;
            }
            l->at++;
        }
        l->at++;
    }
    t->p = l->s + start;
    t->len = l->at - start;
    return 0;
}

/* Appends t to out[*n..LP_MAX_NAME) with escapes of `escapable` removed. */
static int append(char *out, size_t *n, struct tok t, const char *escapable)
{
    for (size_t a = 0; a < t.len; a++) {
        char c = t.p[a];
        if (c == '\\' && a + 1 < t.len && is_stop(t.p[a + 1], escapable)) c = t.p[++a];
        if (*n >= LP_MAX_NAME) return -1;
        out[(*n)++] = c;
    }
    return 0;
}

static int append_char(char *out, size_t *n, char c)
{
    if (*n >= LP_MAX_NAME) return -1;
    out[(*n)++] = c;
    return 0;
}

/* Compares two escaped tokens by their unescaped bytes. */
static int tok_cmp(struct tok x, struct tok y)
{
    size_t a = 0, b = 0;
    while (a < x.len && b < y.len) {
        char cx = x.p[a], cy = y.p[b];
        if (cx == '\\' && a + 1 < x.len && is_stop(x.p[a + 1], ",= ")) cx = x.p[++a];
        if (cy == '\\' && b + 1 < y.len && is_stop(y.p[b + 1], ",= ")) cy = y.p[++b];
        if (cx != cy) return (unsigned char)cx < (unsigned char)cy ? -1 : 1;
        a++;
        b++;
    }
    return (a < x.len) - (b < y.len);
}

/* Numeric value of a field token: float, 123i, 123u or boolean. Returns 1 for a number,
 * 0 for a string field (skipped), -1 for a bad value. */
static int field_value(struct tok t, double *v)
{
    static const char *const yes[] = {"t", "T", "true", "True", "TRUE"};
    static const char *const no[] = {"f", "F", "false", "False", "FALSE"};
    char buf[64];
    if (t.len > 0 && t.p[0] == '"') return 0;
    if (t.len == 0 || t.len >= sizeof buf) return -1;
    memcpy(buf, t.p, t.len);
    buf[t.len] = '\0';
    for (int a = 0; a < 5; a++) {
        if (strcmp(buf, yes[a]) == 0) return *v = 1.0, 1;
        if (strcmp(buf, no[a]) == 0) return *v = 0.0, 1;
    }
    size_t n = t.len;
    if (buf[n - 1] == 'i' || buf[n - 1] == 'u') {
        int is_unsigned = buf[n - 1] == 'u';
        buf[n - 1] = '\0';
        if (n < 2 || (is_unsigned && buf[0] == '-')) return -1;
        char *end;
        errno = 0;
        if (is_unsigned) {
            unsigned long long u = strtoull(buf, &end, 10);
            if (end == buf || *end || errno == ERANGE) return -1;
            *v = (double)u;
        } else {
            long long i = strtoll(buf, &end, 10);
            if (end == buf || *end || errno == ERANGE) return -1;
            *v = (double)i;
        }
        return 1;
    }
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (end == buf || *end || !isfinite(x)) return -1;
    /* strtod accepts hex and "infinity"; line protocol floats are decimal */
    for (size_t a = 0; a < n; a++)
        if (!strchr("0123456789+-.eE", buf[a])) return -1;
    *v = x;
    return 1;
}

static int parse_timestamp(struct tok t, enum lp_precision prec, int64_t *ts)
{
    static const int64_t scale[] = {1, 1000, 1000000, 1000000000};
    char buf[32];
    if (t.len == 0 || t.len >= sizeof buf) return -1;
    memcpy(buf, t.p, t.len);
    buf[t.len] = '\0';
    for (size_t a = 0; a < t.len; a++)
        if (!(buf[a] >= '0' && buf[a] <= '9') && !(a == 0 && buf[a] == '-')) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno == ERANGE) return -1;
    if (v < 0 || v > TS_MAX_NS / scale[prec]) return -1;
    *ts = (int64_t)v * scale[prec];
    return 0;
}

/* Parses one line (no newline) and delivers its records. Returns 1 if fn asked to stop. */
static int parse_line(const char *s, size_t len, enum lp_precision prec, int64_t default_ts,
                      metric_record_fn fn, void *ctx, struct reject_stats *st)
{
    struct line l = {s, len, 0, REJECT_SYNTAX};
    while (l.at < len && (s[l.at] == ' ' || s[l.at] == '\t')) l.at++;
    if (l.at == len || s[l.at] == '#') return 0;
    st->lines++;
    if (len > LP_MAX_LINE) {
        reject_count(st, REJECT_LINE_TOO_LONG, s, len);
        return 0;
    }
    struct tok meas, tagk[LP_MAX_TAGS], tagv[LP_MAX_TAGS], fk[LP_MAX_TAGS], fv[LP_MAX_TAGS];
    int ntags = 0, nf = 0;
    if (scan(&l, ", ", &meas) < 0) goto reject;
    if (meas.len == 0) goto reject;
    while (l.at < len && s[l.at] == ',') {
        l.at++;
        if (ntags == LP_MAX_TAGS || scan(&l, ",= ", &tagk[ntags]) < 0) goto reject;
        if (tagk[ntags].len == 0 || l.at >= len || s[l.at] != '=') goto reject;
        l.at++;
        if (scan(&l, ", ", &tagv[ntags]) < 0) goto reject;
        if (tagv[ntags].len == 0) goto reject;
        ntags++;
    }
    if (l.at >= len || s[l.at] != ' ') {
        l.err = REJECT_MISSING_FIELD;
        goto reject;
    }
    while (l.at < len && s[l.at] == ' ') l.at++;
    for (;;) {
        if (nf == LP_MAX_TAGS || scan(&l, ",= ", &fk[nf]) < 0) goto reject;
        if (fk[nf].len == 0 || l.at >= len || s[l.at] != '=') {
            if (fk[nf].len == 0 && nf == 0) l.err = REJECT_MISSING_FIELD;
            goto reject;
        }
        l.at++;
        size_t start = l.at;
        if (l.at < len && s[l.at] == '"') { /* quoted string with \" and \\ */
            l.at++;
            while (l.at < len && s[l.at] != '"')
                l.at += (s[l.at] == '\\' && l.at + 1 < len) ? 2 : 1;
            if (l.at >= len) goto reject; /* unterminated */
            l.at++;
        } else {
            while (l.at < len && s[l.at] != ',' && s[l.at] != ' ') l.at++;
        }
        fv[nf].p = s + start;
        fv[nf].len = l.at - start;
        nf++;
        if (l.at < len && s[l.at] == ',') {
            l.at++;
            continue;
        }
        break;
    }
    int64_t ts = default_ts;
    while (l.at < len && s[l.at] == ' ') l.at++;
    if (l.at < len) {
        struct tok tt = {s + l.at, 0};
        size_t end = len;
        while (end > l.at && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
        tt.len = end - l.at;
        if (parse_timestamp(tt, prec, &ts) < 0) {
            l.err = REJECT_TIMESTAMP;
            goto reject;
        }
    } else if (ts < 0 || ts >= TS_MAX_NS) {
        l.err = REJECT_TIMESTAMP;
        goto reject;
    }
    /* Values first: the line is accepted or rejected whole. */
    double vals[LP_MAX_TAGS];
    int kind[LP_MAX_TAGS];
    for (int a = 0; a < nf; a++) {
        kind[a] = field_value(fv[a], &vals[a]);
        if (kind[a] < 0) {
            l.err = REJECT_BAD_VALUE;
            goto reject;
        }
    }
    /* Tags sorted by key (insertion sort; few tags). */
    for (int a = 1; a < ntags; a++)
        for (int b = a; b > 0 && tok_cmp(tagk[b - 1], tagk[b]) > 0; b--) {
            struct tok tk = tagk[b], tv = tagv[b];
            tagk[b] = tagk[b - 1];
            tagv[b] = tagv[b - 1];
            tagk[b - 1] = tk;
            tagv[b - 1] = tv;
        }
    char suffix[LP_MAX_NAME], name[LP_MAX_NAME];
    size_t ns = 0, nm = 0;
    if (ntags) {
        int bad = append_char(suffix, &ns, '{');
        for (int a = 0; a < ntags && !bad; a++) {
            if (a) bad |= append_char(suffix, &ns, ',');
            bad |= append(suffix, &ns, tagk[a], ",= ");
            bad |= append_char(suffix, &ns, '=');
            bad |= append(suffix, &ns, tagv[a], ",= ");
        }
        bad |= append_char(suffix, &ns, '}');
        if (bad) {
            l.err = REJECT_NAME_TOO_LONG;
            goto reject;
        }
    }
    if (append(name, &nm, meas, ", ") < 0 || append_char(name, &nm, '.') < 0) {
        l.err = REJECT_NAME_TOO_LONG;
        goto reject;
    }
    size_t base = nm;
    /* Check every name fits before delivering anything. */
    for (int a = 0; a < nf; a++) {
        size_t n = base;
        if (kind[a] == 1 && (append(name, &n, fk[a], ",= ") < 0 || n + ns > LP_MAX_NAME)) {
            l.err = REJECT_NAME_TOO_LONG;
            goto reject;
        }
    }
    for (int a = 0; a < nf; a++) {
        if (kind[a] == 0) {
            st->skipped_fields++;
            continue;
        }
        nm = base;
        append(name, &nm, fk[a], ",= ");
        memcpy(name + nm, suffix, ns);
        struct metric_record rec = {name, nm + ns, ts, vals[a]};
        st->records++;
        if (fn(ctx, &rec)) return 1;
    }
    return 0;
reject:
    reject_count(st, l.err, s, len);
    return 0;
}

int influx_lp_parse(const char *buf, size_t len, enum lp_precision prec, int64_t default_ts_ns,
                    metric_record_fn fn, void *ctx, struct reject_stats *st)
{
    size_t at = 0;
    while (at < len) {
        /* A line ends at '\n' outside a quoted string field value. */
        size_t end = at;
        int quoted = 0;
        while (end < len && (quoted || buf[end] != '\n')) {
            if (buf[end] == '\\' && quoted && end + 1 < len)
                end++;
            else if (buf[end] == '"')
                quoted = !quoted;
            end++;
        }
        size_t l = end - at;
        if (l > 0 && buf[at + l - 1] == '\r') l--;
        if (parse_line(buf + at, l, prec, default_ts_ns, fn, ctx, st)) return 1;
        at = end + 1;
    }
    return 0;
}
