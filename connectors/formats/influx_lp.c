#include "influx_lp.h"

#include "utf8.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
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

/* Byte classes. A name token (measurement, tag key, tag value, field key) ends at an unescaped
 * byte of its stop class; a backslash escapes the next byte only if that byte is in the token's
 * escape class, and is a literal backslash otherwise. */
enum {
    S_MEAS = 1,  /* ends a measurement: ',' ' ' and control characters */
    S_KEY = 2,   /* ends a tag key, tag value or field key: ',' '=' ' ' and controls */
    E_MEAS = 4,  /* escapable in a measurement: ',' ' ' */
    E_KEY = 8,   /* escapable in tag keys, tag values and field keys: ',' '=' ' ' */
    V_END = 16,  /* ends an unquoted field value: ',' ' ' '\r' '\n' */
    V_SPACE = 32 /* may follow a field value or a timestamp: ' ' '\r' '\n' */
};
#define CTL  (S_MEAS | S_KEY)
#define CTL8 CTL, CTL, CTL, CTL, CTL, CTL, CTL, CTL
#define EOLC (CTL | V_END | V_SPACE)
/* 0..31: controls, '\n' (10) and '\r' (13) also end values; 32: ' ' */
/* clang-format off */
static const unsigned char cls[256] = {
    CTL8, CTL, CTL, EOLC, CTL, CTL, EOLC, CTL, CTL, CTL8, CTL8,
    S_MEAS | S_KEY | E_MEAS | E_KEY | V_END | V_SPACE,
    [','] = S_MEAS | S_KEY | E_MEAS | E_KEY | V_END,
    ['='] = S_KEY | E_KEY,
    [0x7f] = CTL,
};
/* clang-format on */

/* A token of the line: [p, p + len) in the buffer, still escaped. */
struct tok {
    const char *p;
    size_t len;
    unsigned char hi; /* bit 7 set if a byte is not ASCII (UTF-8 to check) */
};

/* Scans a name token from s[i] (buffer end n) up to an unescaped byte of class stop; escapes of
 * class esc are skipped over. Returns the index where the token ends. */
static inline size_t scan_name(const char *s, size_t i, size_t n, unsigned stop, unsigned esc,
                               struct tok *t)
{
    size_t start = i;
    unsigned char any = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            i += (i + 1 < n && (cls[(unsigned char)s[i + 1]] & esc)) ? 2 : 1;
            continue;
        }
        if (cls[c] & stop) break;
        any |= c;
        i++;
    }
    t->p = s + start;
    t->len = i - start;
    t->hi = any & 0x80;
    return i;
}

/* Appends t to out[*n..LP_MAX_NAME) with escapes of class esc removed. */
static int append(char *out, size_t *n, struct tok t, unsigned esc)
{
    for (size_t a = 0; a < t.len; a++) {
        char c = t.p[a];
        if (c == '\\' && a + 1 < t.len && (cls[(unsigned char)t.p[a + 1]] & esc)) c = t.p[++a];
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

/* Compares two escaped keys by their unescaped bytes. */
static int tok_cmp(struct tok x, struct tok y)
{
    size_t a = 0, b = 0;
    while (a < x.len && b < y.len) {
        char cx = x.p[a], cy = y.p[b];
        if (cx == '\\' && a + 1 < x.len && (cls[(unsigned char)x.p[a + 1]] & E_KEY)) cx = x.p[++a];
        if (cy == '\\' && b + 1 < y.len && (cls[(unsigned char)y.p[b + 1]] & E_KEY)) cy = y.p[++b];
        if (cx != cy) return (unsigned char)cx < (unsigned char)cy ? -1 : 1;
        a++;
        b++;
    }
    return (a < x.len) - (b < y.len);
}

/* 1 if the string field value t (quotes included) is valid UTF-8. NUL bytes are allowed in a
 * string value (utf8_valid refuses them, so each NUL-free run is checked on its own). */
static int string_utf8_ok(struct tok t)
{
    const char *p = t.p + 1, *end = t.p + t.len - 1;
    while (p < end) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
        if (!utf8_valid(p, n)) return 0;
        p += n + 1;
    }
    return 1;
}

/* Numeric value of a field token: float, 123i, 123u or boolean. Returns 1 for a number, 0 for a
 * string field (skipped), -1 for a bad value. Long literals (a float may have hundreds of
 * digits) are copied to the heap; the usual short ones stay on the stack. */
static int field_value(struct tok t, double *v)
{
    char sbuf[64], *buf = sbuf;
    size_t n = t.len;
    if (n > 0 && t.p[0] == '"') return 0;
    if (n == 0) return -1;
    char c0 = t.p[0];
    if (c0 == 't' || c0 == 'T' || c0 == 'f' || c0 == 'F') {
        static const char *const yes[] = {"t", "T", "true", "True", "TRUE"};
        static const char *const no[] = {"f", "F", "false", "False", "FALSE"};
        for (int a = 0; a < 5; a++) {
            if (n == strlen(yes[a]) && memcmp(t.p, yes[a], n) == 0) return *v = 1.0, 1;
            if (n == strlen(no[a]) && memcmp(t.p, no[a], n) == 0) return *v = 0.0, 1;
        }
        return -1;
    }
    char last = t.p[n - 1];
    if (last == 'i' || last == 'u') { /* integers: [-]digits */
        size_t a = last == 'i' && c0 == '-';
        if (n - 1 == a) return -1;
        for (size_t k = a; k < n - 1; k++)
            if (t.p[k] < '0' || t.p[k] > '9') return -1;
        if (n >= sizeof sbuf) buf = xmalloc(n);
        memcpy(buf, t.p, n - 1);
        buf[n - 1] = '\0';
        errno = 0;
        if (last == 'u')
            *v = (double)strtoull(buf, NULL, 10);
        else
            *v = (double)strtoll(buf, NULL, 10);
        int range = errno == ERANGE;
        if (buf != sbuf) free(buf);
        return range ? -1 : 1;
    }
    /* a decimal float: [-] digits [. digits] [e|E [+|-] digits], a digit in the mantissa */
    size_t k = c0 == '-';
    int digits = 0;
    while (k < n && t.p[k] >= '0' && t.p[k] <= '9') k++, digits++;
    if (k < n && t.p[k] == '.')
        for (k++; k < n && t.p[k] >= '0' && t.p[k] <= '9'; k++) digits++;
    if (!digits) return -1;
    if (k < n && (t.p[k] == 'e' || t.p[k] == 'E')) {
        k++;
        if (k < n && (t.p[k] == '+' || t.p[k] == '-')) k++;
        if (k == n) return -1;
        while (k < n && t.p[k] >= '0' && t.p[k] <= '9') k++;
    }
    if (k != n) return -1;
    if (n >= sizeof sbuf) buf = xmalloc(n + 1);
    memcpy(buf, t.p, n);
    buf[n] = '\0';
    double x = strtod(buf, NULL);
    if (buf != sbuf) free(buf);
    if (!isfinite(x)) return -1;
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
    if (end == buf || *end || errno == ERANGE) return -1;
    if (v < 0 || v > TS_MAX_NS / scale[prec]) return -1;
    *ts = (int64_t)v * scale[prec];
    return 0;
}

/* Where and why a line failed. */
struct fail {
    enum reject_reason why;
    size_t at; /* offset in the buffer */
    const char *what;
    char c; /* the offending byte, shown when what ends with "%s" */
};

#define FAIL(r, pos, msg)                                                                          \
    do {                                                                                           \
        f->why = (r);                                                                              \
        f->at = (pos);                                                                             \
        f->what = (msg);                                                                           \
        f->c = (pos) < n ? s[pos] : 0;                                                             \
        return -1;                                                                                 \
    } while (0)

/* 1 if s[i] ends the line: end of input, '\n', or '\r' before '\n' or at the end of input. */
static inline int at_eol(const char *s, size_t i, size_t n)
{
    return i >= n || s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] == '\n'));
}

/* The entry of a line that starts at s[i]: its tokens. */
struct entry {
    struct tok meas, tagk[LP_MAX_TAGS], tagv[LP_MAX_TAGS], fk[LP_MAX_TAGS], fv[LP_MAX_TAGS];
    int ntags, nf;
    int64_t ts;
    long nl; /* newlines inside string field values */
};

/* Reads one entry from s[i] (buffer end n). On success sets *end to the index of the line's
 * '\n' (or n) and returns 0; on failure fills f and returns -1. */
static int read_entry(const char *s, size_t i, size_t n, enum lp_precision prec, int64_t dflt,
                      struct entry *e, size_t *end, struct fail *f)
{
    i = scan_name(s, i, n, S_MEAS, E_MEAS, &e->meas);
    if (e->meas.len == 0)
        FAIL(REJECT_SYNTAX, i, "invalid character %s at the start of the measurement");
    e->ntags = e->nf = 0;
    e->nl = 0;
    while (i < n && s[i] == ',') {
        i++;
        if (e->ntags == LP_MAX_TAGS) FAIL(REJECT_SYNTAX, i, "more tags than the limit (64)");
        struct tok *k = &e->tagk[e->ntags], *v = &e->tagv[e->ntags];
        i = scan_name(s, i, n, S_KEY, E_KEY, k);
        if (k->len == 0) FAIL(REJECT_SYNTAX, i, "expected a tag key, found %s");
        if (i >= n || s[i] != '=')
            FAIL(REJECT_SYNTAX, i, "expected '=' after the tag key, found %s");
        i++;
        i = scan_name(s, i, n, S_KEY, E_KEY, v);
        if (v->len == 0) FAIL(REJECT_SYNTAX, i, "expected a tag value, found %s");
        e->ntags++;
    }
    if (i >= n || s[i] != ' ') {
        if (i == n && s[i - 1] == '\\') FAIL(REJECT_BAD_ESCAPE, i - 1, "a backslash ends the text");
        if (at_eol(s, i, n))
            FAIL(REJECT_MISSING_FIELD, i, "no field after the measurement and tags");
        FAIL(REJECT_SYNTAX, i, "unexpected %s after the measurement or a tag");
    }
    while (i < n && s[i] == ' ') i++;
    for (;;) {
        if (e->nf == LP_MAX_TAGS) FAIL(REJECT_SYNTAX, i, "more fields than the limit (64)");
        struct tok *k = &e->fk[e->nf], *v = &e->fv[e->nf];
        i = scan_name(s, i, n, S_KEY, E_KEY, k);
        if (i == n && s[i - 1] == '\\') FAIL(REJECT_BAD_ESCAPE, i - 1, "a backslash ends the text");
        if (k->len == 0) {
            if (e->nf == 0 && at_eol(s, i, n)) FAIL(REJECT_MISSING_FIELD, i, "no field");
            FAIL(REJECT_SYNTAX, i, "expected a field key, found %s");
        }
        if (i >= n || s[i] != '=')
            FAIL(REJECT_SYNTAX, i, "expected '=' after the field key, found %s");
        i++;
        size_t start = i;
        unsigned char hi = 0;
        if (i >= n) FAIL(REJECT_SYNTAX, i, "expected a field value, found %s");
        char c = s[i];
        if (c == '"') { /* a string: \" and \\ escape, newlines allowed */
            for (i++; i < n && s[i] != '"'; i++) {
                hi |= (unsigned char)s[i];
                e->nl += s[i] == '\n';
                if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) i++;
            }
            if (i >= n) FAIL(REJECT_SYNTAX, start, "unterminated string field value");
            i++;
        } else if (c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 't' || c == 'T' ||
                   c == 'f' || c == 'F') {
            while (i < n && !(cls[(unsigned char)s[i]] & V_END)) i++;
        } else {
            FAIL(REJECT_BAD_VALUE, i, "field value of unknown type, starting with %s");
        }
        v->p = s + start;
        v->len = i - start;
        v->hi = hi & 0x80;
        e->nf++;
        if (i < n && s[i] == ',') {
            i++;
            continue;
        }
        if (i < n && !(cls[(unsigned char)s[i]] & V_SPACE))
            FAIL(REJECT_SYNTAX, i, "unexpected %s after a field value");
        break;
    }
    while (i < n && s[i] == ' ') i++;
    e->ts = dflt;
    if (!at_eol(s, i, n)) {
        struct tok t = {s + i, 0, 0};
        size_t t0 = i;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '-')) i++;
        t.len = i - t0;
        if (t.len == 0 && i < n && (cls[(unsigned char)s[i]] & V_SPACE))
            FAIL(REJECT_SYNTAX, i, "unexpected %s after the fields");
        if (t.len == 0 || (i < n && !(cls[(unsigned char)s[i]] & V_SPACE)))
            FAIL(REJECT_TIMESTAMP, t0, "the timestamp is not an integer");
        while (i < n && s[i] == ' ') i++;
        if (!at_eol(s, i, n)) FAIL(REJECT_SYNTAX, i, "unexpected %s after the timestamp");
        if (parse_timestamp(t, prec, &e->ts) < 0)
            FAIL(REJECT_TIMESTAMP, t0, "timestamp out of range (1970 to 2100)");
    } else if (dflt < 0 || dflt >= TS_MAX_NS) {
        FAIL(REJECT_TIMESTAMP, i, "the default time is out of range (1970 to 2100)");
    }
    *end = i < n && s[i] == '\r' ? i + 1 : i;
    return 0;
}

/* Delivers the records of a parsed entry. Returns 1 if fn asked to stop, 0 if delivered, -1
 * (with f filled) if the entry is rejected: a line is accepted or rejected whole. */
static int deliver(const char *s, size_t n, struct entry *e, metric_record_fn fn, void *ctx,
                   struct reject_stats *st, struct fail *f)
{
    /* Values and UTF-8 first. */
    double vals[LP_MAX_TAGS];
    int kind[LP_MAX_TAGS];
    size_t base_at = (size_t)(e->meas.p - s);
    if (e->meas.hi && !utf8_valid(e->meas.p, e->meas.len))
        FAIL(REJECT_BAD_UTF8, base_at, "the measurement is not valid UTF-8");
    for (int a = 0; a < e->ntags; a++) {
        if (e->tagk[a].hi && !utf8_valid(e->tagk[a].p, e->tagk[a].len))
            FAIL(REJECT_BAD_UTF8, (size_t)(e->tagk[a].p - s), "a tag key is not valid UTF-8");
        if (e->tagv[a].hi && !utf8_valid(e->tagv[a].p, e->tagv[a].len))
            FAIL(REJECT_BAD_UTF8, (size_t)(e->tagv[a].p - s), "a tag value is not valid UTF-8");
    }
    for (int a = 0; a < e->nf; a++) {
        size_t at = (size_t)(e->fv[a].p - s);
        if (e->fk[a].hi && !utf8_valid(e->fk[a].p, e->fk[a].len))
            FAIL(REJECT_BAD_UTF8, (size_t)(e->fk[a].p - s), "a field key is not valid UTF-8");
        kind[a] = field_value(e->fv[a], &vals[a]);
        if (kind[a] < 0)
            FAIL(REJECT_BAD_VALUE, at, "the field value is not a finite number or a boolean");
        if (kind[a] == 0 && e->fv[a].hi && !string_utf8_ok(e->fv[a]))
            FAIL(REJECT_BAD_UTF8, at, "a string field value is not valid UTF-8");
    }
    /* Tags sorted by key (insertion sort; few tags); a key given twice is an error. */
    struct tok *tk = e->tagk, *tv = e->tagv;
    for (int a = 1; a < e->ntags; a++)
        for (int b = a; b > 0 && tok_cmp(tk[b - 1], tk[b]) > 0; b--) {
            struct tok x = tk[b], y = tv[b];
            tk[b] = tk[b - 1];
            tv[b] = tv[b - 1];
            tk[b - 1] = x;
            tv[b - 1] = y;
        }
    for (int a = 1; a < e->ntags; a++)
        if (tok_cmp(tk[a - 1], tk[a]) == 0)
            FAIL(REJECT_SYNTAX, (size_t)(tk[a].p - s), "the tag key is given twice");
    char suffix[LP_MAX_NAME], name[LP_MAX_NAME];
    size_t ns = 0, nm = 0;
    if (e->ntags) {
        int bad = append_char(suffix, &ns, '{');
        for (int a = 0; a < e->ntags && !bad; a++) {
            if (a) bad |= append_char(suffix, &ns, ',');
            bad |= append(suffix, &ns, tk[a], E_KEY);
            bad |= append_char(suffix, &ns, '=');
            bad |= append(suffix, &ns, tv[a], E_KEY);
        }
        bad |= append_char(suffix, &ns, '}');
        if (bad) FAIL(REJECT_NAME_TOO_LONG, base_at, "the series name is longer than 1024 bytes");
    }
    if (append(name, &nm, e->meas, E_MEAS) < 0 || append_char(name, &nm, '.') < 0)
        FAIL(REJECT_NAME_TOO_LONG, base_at, "the series name is longer than 1024 bytes");
    size_t base = nm;
    /* Check every name fits before delivering anything. */
    for (int a = 0; a < e->nf; a++) {
        size_t k = base;
        if (kind[a] == 1 && (append(name, &k, e->fk[a], E_KEY) < 0 || k + ns > LP_MAX_NAME))
            FAIL(REJECT_NAME_TOO_LONG, (size_t)(e->fk[a].p - s),
                 "the series name is longer than 1024 bytes");
    }
    for (int a = 0; a < e->nf; a++) {
        if (kind[a] == 0) {
            st->skipped_fields++;
            continue;
        }
        nm = base;
        append(name, &nm, e->fk[a], E_KEY);
        memcpy(name + nm, suffix, ns);
        struct metric_record rec = {name, nm + ns, e->ts, vals[a]};
        st->records++;
        if (fn(ctx, &rec)) return 1;
    }
    return 0;
}

/* Counts the rejection of the line s[start..end) with the place and reason of f. lineno is
 * the line the entry starts on. */
static void reject_line(const char *s, size_t start, size_t end, long lineno, const struct fail *f,
                        struct reject_stats *st)
{
    size_t at = f->at < start ? start : f->at, col0 = start;
    for (size_t k = start; k < at; k++)
        if (s[k] == '\n') lineno++, col0 = k + 1;
    char what[112], shown[24];
    unsigned char c = (unsigned char)f->c;
    if (f->at >= end || c == '\n' || c == '\r')
        snprintf(shown, sizeof shown, "the end of the line");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(shown, sizeof shown, "'%c'", c);
    else
        snprintf(shown, sizeof shown, "byte 0x%02x", c);
    const char *hole = strstr(f->what, "%s");
    if (hole)
        snprintf(what, sizeof what, "%.*s%s%s", (int)(hole - f->what), f->what, shown, hole + 2);
    else
        snprintf(what, sizeof what, "%s", f->what);
    reject_count_at(st, f->why, s + start, end - start, lineno, (long)(at - col0 + 1), what);
}

int influx_lp_parse(const char *buf, size_t len, enum lp_precision prec, int64_t default_ts_ns,
                    metric_record_fn fn, void *ctx, struct reject_stats *st)
{
    size_t at = 0;
    long lineno = 1;
    struct entry e;
    while (at < len) {
        size_t i = at;
        while (i < len && buf[i] == ' ') i++;
        if (i == len) break;
        if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 == len || buf[i + 1] == '\n'))) {
            at = i + (buf[i] == '\r' ? 2 : 1); /* a blank line */
            lineno++;
            continue;
        }
        size_t end;
        struct fail f = {REJECT_SYNTAX, i, NULL, 0};
        int rc = -1;
        if (buf[i] == '#') { /* a comment: printable bytes to the end of the line */
            size_t k = i + 1;
            while (k < len && ((unsigned char)buf[k] >= 0x20 && buf[k] != 0x7f)) k++;
            if (at_eol(buf, k, len)) {
                at = (k < len && buf[k] == '\r' ? k + 1 : k) + 1;
                lineno++;
                continue;
            }
            f = (struct fail){REJECT_SYNTAX, k, "control character %s in a comment", buf[k]};
            st->lines++;
        } else {
            st->lines++;
            rc = read_entry(buf, i, len, prec, default_ts_ns, &e, &end, &f);
        }
        long nl = rc == 0 ? e.nl : 0;
        if (rc < 0) { /* skip the rest of the line from where it failed */
            const char *p = f.at < len ? memchr(buf + f.at, '\n', len - f.at) : NULL;
            end = p ? (size_t)(p - buf) : len;
            for (size_t k = at; k < f.at && k < len; k++) nl += buf[k] == '\n';
        }
        size_t stop = end > at && buf[end - 1] == '\r' ? end - 1 : end;
        if (stop - at > LP_MAX_LINE) {
            f = (struct fail){REJECT_LINE_TOO_LONG, at, "the line is longer than 65536 bytes", 0};
            rc = -1;
        } else if (rc == 0) {
            rc = deliver(buf, len, &e, fn, ctx, st, &f);
            if (rc == 1) return 1;
        }
        if (rc < 0) reject_line(buf, at, stop, lineno, &f, st);
        lineno += nl + 1;
        at = end + 1;
    }
    return 0;
}
