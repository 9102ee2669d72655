#include "json_scan.h"

#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void jscan_reset(struct jscan *j, const char *buf, size_t len)
{
    j->p = buf;
    j->end = buf + len;
    j->used = 0;
}

void jscan_free(struct jscan *j)
{
    free(j->scratch);
    j->scratch = NULL;
    j->cap = j->used = 0;
}

int jscan_peek(struct jscan *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
    return j->p < j->end ? (unsigned char)*j->p : -1;
}

int jscan_expect(struct jscan *j, char c)
{
    if (jscan_peek(j) != (unsigned char)c) return JSON_SCAN_FALLBACK;
    j->p++;
    return 0;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 if invalid (overlong,
 * surrogate, above U+10FFFF, truncated), as jansson's decoder judges it. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n) return 0;
    for (size_t a = 1; a < n; a++) {
        if ((p[a] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[a] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int jscan_string(struct jscan *j, const char **s, size_t *len)
{
    if (jscan_expect(j, '"')) return JSON_SCAN_FALLBACK;
    const unsigned char *p = (const unsigned char *)j->p, *end = (const unsigned char *)j->end;
    const unsigned char *start = p;
    int escaped = 0;
    while (p < end && *p != '"') {
        if (*p == '\\') {
            if (p + 1 >= end) return JSON_SCAN_FALLBACK;
            if (!strchr("\"\\/bfnrt", p[1]) || p[1] == 0) return JSON_SCAN_FALLBACK;
            escaped = 1;
            p += 2;
        } else if (*p < 0x20) {
            return JSON_SCAN_FALLBACK;
        } else if (*p >= 0x80) {
            size_t n = utf8_len(p, end);
            if (!n) return JSON_SCAN_FALLBACK;
            p += n;
        } else {
            p++;
        }
    }
    if (p >= end) return JSON_SCAN_FALLBACK;
    j->p = (const char *)p + 1;
    size_t n = (size_t)(p - start);
    if (!escaped) {
        *s = (const char *)start;
        *len = n;
        return 0;
    }
    if (j->used + n > j->cap) {
        size_t cap = j->cap ? j->cap : 4096;
        while (cap < j->used + n) cap *= 2;
        /* strings already handed out point into the old buffer: keep them valid */
        if (j->used) return JSON_SCAN_FALLBACK;
        j->scratch = xrealloc(j->scratch, cap);
        j->cap = cap;
    }
    char *out = j->scratch + j->used, *w = out;
    for (const unsigned char *q = start; q < p; q++) {
        if (*q != '\\') {
            *w++ = (char)*q;
            continue;
        }
        q++;
        switch (*q) {
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        default:
            *w++ = (char)*q;
        }
    }
    *s = out;
    *len = (size_t)(w - out);
    j->used += *len;
    return 0;
}

/* A number per the JSON grammar; integers must fit int64 (jansson's json_int_t). */
static int scan_number(struct jscan *j, struct jscan_value *v)
{
    const char *p = j->p, *end = j->end, *start = p;
    int real = 0;
    if (p < end && *p == '-') p++;
    if (p >= end) return JSON_SCAN_FALLBACK;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return JSON_SCAN_FALLBACK;
    }
    if (p < end && *p == '.') {
        real = 1;
        p++;
        if (p >= end || *p < '0' || *p > '9') return JSON_SCAN_FALLBACK;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') return JSON_SCAN_FALLBACK;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    size_t n = (size_t)(p - start);
    char tmp[64];
    if (n >= sizeof tmp) return JSON_SCAN_FALLBACK;
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    char *e;
    errno = 0;
    if (real) {
        v->d = strtod(tmp, &e);
        if (errno == ERANGE || !isfinite(v->d)) return JSON_SCAN_FALLBACK;
        v->type = JS_REAL;
    } else {
        v->i = strtoll(tmp, &e, 10);
        if (errno == ERANGE) return JSON_SCAN_FALLBACK;
        v->d = (double)v->i;
        v->type = JS_INT;
    }
    if (e != tmp + n) return JSON_SCAN_FALLBACK;
    j->p = p;
    return 0;
}

static int scan_literal(struct jscan *j, const char *word, enum jscan_type t, struct jscan_value *v)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) return JSON_SCAN_FALLBACK;
    j->p += n;
    v->type = t;
    return 0;
}

static int scan_value(struct jscan *j, struct jscan_value *v, int depth);

static int scan_container(struct jscan *j, struct jscan_value *v, int depth)
{
    if (depth >= JSON_SCAN_MAX_DEPTH) return JSON_SCAN_FALLBACK;
    char close = *j->p == '{' ? '}' : ']';
    int obj = close == '}';
    const char *start = j->p++;
    if (jscan_peek(j) == (unsigned char)close) {
        j->p++;
    } else {
        for (;;) {
            struct jscan_value inner;
            if (obj) {
                const char *k;
                size_t kn;
                if (jscan_string(j, &k, &kn) || jscan_expect(j, ':')) return JSON_SCAN_FALLBACK;
            }
            if (scan_value(j, &inner, depth + 1)) return JSON_SCAN_FALLBACK;
            int c = jscan_peek(j);
            if (c == ',') {
                j->p++;
                continue;
            }
            if (c != (unsigned char)close) return JSON_SCAN_FALLBACK;
            j->p++;
            break;
        }
    }
    v->type = obj ? JS_OBJECT : JS_ARRAY;
    v->s = start;
    v->len = (size_t)(j->p - start);
    return 0;
}

static int scan_value(struct jscan *j, struct jscan_value *v, int depth)
{
    int c = jscan_peek(j);
    switch (c) {
    case '"':
        v->type = JS_STRING;
        return jscan_string(j, &v->s, &v->len);
    case '{':
    case '[':
        return scan_container(j, v, depth);
    case 't':
        return scan_literal(j, "true", JS_TRUE, v);
    case 'f':
        return scan_literal(j, "false", JS_FALSE, v);
    case 'n':
        return scan_literal(j, "null", JS_NULL, v);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return scan_number(j, v);
        return JSON_SCAN_FALLBACK;
    }
}

int jscan_value(struct jscan *j, struct jscan_value *v)
{
    return scan_value(j, v, 0);
}
