#include "json_metrics.h"

#include "json_scan.h"
#include "timestamp.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The series name under construction. */
struct name {
    char s[JSON_MAX_NAME + 1];
    size_t n;
    int overflow;
};

static void name_add(struct name *nm, const char *p, size_t len)
{
    if (nm->n + len > JSON_MAX_NAME) {
        nm->overflow = 1;
        return;
    }
    memcpy(nm->s + nm->n, p, len);
    nm->n += len;
}

static void name_adds(struct name *nm, const char *p)
{
    name_add(nm, p, strlen(p));
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends "{k1=v1,k2=v2}" for the string members of obj sorted by key, leaving out `skip`.
 * Non-string tag values are formatted as JSON scalars. */
static void name_add_tags(struct name *nm, json_t *obj, const char *skip)
{
    if (!json_is_object(obj)) return;
    const char *keys[64];
    size_t nk = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (skip && strcmp(k, skip) == 0) continue;
        if (nk == 64) {
            nm->overflow = 1;
            return;
        }
        keys[nk++] = k;
    }
    if (nk == 0) return;
    qsort(keys, nk, sizeof *keys, key_cmp);
    name_add(nm, "{", 1);
    for (size_t a = 0; a < nk; a++) {
        if (a) name_add(nm, ",", 1);
        name_adds(nm, keys[a]);
        name_add(nm, "=", 1);
        json_t *tv = json_object_get(obj, keys[a]);
        if (json_is_string(tv)) {
            name_add(nm, json_string_value(tv), json_string_length(tv));
        } else {
            char *s = json_dumps(tv, JSON_ENCODE_ANY | JSON_COMPACT);
            if (s) {
                name_adds(nm, s);
                free(s);
            }
        }
    }
    name_add(nm, "}", 1);
}

/* A JSON value as a record value: numbers, booleans, and numeric strings when allow_string.
 * Returns 0, 1 for "not numeric (skip)", or -1 for a bad value (NaN, Inf, unparsable). */
static int json_number(json_t *v, int allow_string, double *out)
{
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        *out = json_real_value(v);
    } else if (json_is_boolean(v)) {
        *out = json_is_true(v) ? 1.0 : 0.0;
    } else if (json_is_string(v) && allow_string) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        *out = strtod(s, &end);
        if (end == s || *end != '\0' || errno == ERANGE) return -1;
    } else if (json_is_string(v)) {
        return 1;
    } else {
        return -1;
    }
    return isfinite(*out) ? 0 : -1;
}

static int int_time(long long i, double unit_s, int64_t *out);

/* A JSON timestamp: integer (exact), real, or string (RFC 3339 or number). Missing -> dflt. */
static int json_time(json_t *v, double unit_s, int64_t dflt, int64_t *out)
{
    if (!v || json_is_null(v)) {
        *out = dflt;
        return 0;
    }
    if (json_is_integer(v)) return int_time(json_integer_value(v), unit_s, out);
    if (json_is_number(v)) return timestamp_from_number(json_number_value(v), unit_s, out);
    if (json_is_string(v))
        return timestamp_parse_ns(json_string_value(v), json_string_length(v), unit_s, out);
    return -1;
}

struct doc {
    double unit_s;
    int64_t dflt;
    metric_record_fn fn;
    void *ctx;
    struct reject_stats *st;
    const char *raw;
    size_t raw_len;
};

/* Pending records of one document, delivered only when the whole document is good. Names
 * live in one growing pool; records point into it by offset until delivery. */
#define DOC_MAX_RECORDS 65536
struct pending {
    struct metric_record *r; /* name is set at delivery, from off[] */
    size_t *off;
    int n, cap_r;
    char *names;
    size_t used, cap;
};

static int pending_push(struct pending *p, const struct name *nm, int64_t ts, double v)
{
    if (p->n == p->cap_r) {
        if (p->n == DOC_MAX_RECORDS) return -1;
        int cap = p->cap_r ? p->cap_r * 2 : 64;
        struct metric_record *r = realloc(p->r, (size_t)cap * sizeof *r);
        if (!r) return -1;
        p->r = r;
        size_t *off = realloc(p->off, (size_t)cap * sizeof *off);
        if (!off) return -1;
        p->off = off;
        p->cap_r = cap;
    }
    if (p->used + nm->n > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 65536;
        while (cap < p->used + nm->n) cap *= 2;
        char *names = realloc(p->names, cap);
        if (!names) return -1;
        p->names = names;
        p->cap = cap;
    }
    memcpy(p->names + p->used, nm->s, nm->n);
    p->r[p->n] = (struct metric_record){NULL, nm->n, ts, v};
    p->off[p->n] = p->used;
    p->used += nm->n;
    p->n++;
    return 0;
}

/* Parses one metric object into pending records. Returns -1 with *why set on rejection. */
static int one_metric(struct doc *d, json_t *m, struct pending *p, enum reject_reason *why)
{
    if (!json_is_object(m)) {
        *why = REJECT_SYNTAX;
        return -1;
    }
    json_t *fields = json_object_get(m, "fields");
    json_t *name = json_object_get(m, "name");
    struct name nm = {.n = 0};
    if (json_is_object(fields)) { /* Telegraf */
        if (!json_is_string(name) || json_string_length(name) == 0) {
            *why = REJECT_MISSING_FIELD;
            return -1;
        }
        int64_t ts;
        if (json_time(json_object_get(m, "timestamp"), d->unit_s, d->dflt, &ts)) {
            *why = REJECT_TIMESTAMP;
            return -1;
        }
        if (json_object_size(fields) == 0) {
            *why = REJECT_MISSING_FIELD;
            return -1;
        }
        struct name tags = {.n = 0}; /* "{k=v,...}", sorted once for all fields */
        name_add_tags(&tags, json_object_get(m, "tags"), NULL);
        const char *fk;
        json_t *fv;
        json_object_foreach(fields, fk, fv)
        {
            double v;
            int rc = json_number(fv, 0, &v);
            if (rc < 0) {
                *why = REJECT_BAD_VALUE;
                return -1;
            }
            if (rc > 0) {
                d->st->skipped_fields++;
                continue;
            }
            nm.n = 0;
            name_add(&nm, json_string_value(name), json_string_length(name));
            name_add(&nm, ".", 1);
            name_adds(&nm, fk);
            name_add(&nm, tags.s, tags.n);
            if (nm.overflow || tags.overflow) {
                *why = REJECT_NAME_TOO_LONG;
                return -1;
            }
            if (pending_push(p, &nm, ts, v)) {
                *why = REJECT_LINE_TOO_LONG;
                return -1;
            }
        }
        return 0;
    }
    json_t *labels = json_object_get(m, "labels");
    if (!json_is_string(name) && json_is_object(labels)) name = json_object_get(labels, "__name__");
    json_t *value = json_object_get(m, "value");
    if (!json_is_string(name) || json_string_length(name) == 0 || !value) {
        *why = REJECT_MISSING_FIELD;
        return -1;
    }
    double v;
    if (json_number(value, 1, &v)) {
        *why = REJECT_BAD_VALUE;
        return -1;
    }
    json_t *tv = json_object_get(m, "timestamp");
    if (!tv) tv = json_object_get(m, "time");
    int64_t ts;
    if (json_time(tv, d->unit_s, d->dflt, &ts)) {
        *why = REJECT_TIMESTAMP;
        return -1;
    }
    name_add(&nm, json_string_value(name), json_string_length(name));
    name_add_tags(&nm, labels, "__name__");
    if (nm.overflow) {
        *why = REJECT_NAME_TOO_LONG;
        return -1;
    }
    if (pending_push(p, &nm, ts, v)) {
        *why = REJECT_LINE_TOO_LONG;
        return -1;
    }
    return 0;
}

/* One parsed document: a metric, a Telegraf batch, or an array. */
static int one_doc(struct doc *d, json_t *root, struct pending *p)
{
    enum reject_reason why = REJECT_SYNTAX;
    int bad = 0;
    json_t *list = json_is_array(root) ? root : json_object_get(root, "metrics");
    if (json_is_array(list)) {
        size_t i;
        json_t *m;
        json_array_foreach(list, i, m)
        {
            if (one_metric(d, m, p, &why)) {
                bad = 1;
                break;
            }
        }
    } else if (one_metric(d, root, p, &why)) {
        bad = 1;
    }
    d->st->lines++;
    if (bad) {
        reject_count(d->st, why, d->raw, d->raw_len);
        return 0;
    }
    for (int a = 0; a < p->n; a++) {
        p->r[a].name = p->names + p->off[a];
        d->st->records++;
        if (d->fn(d->ctx, &p->r[a])) return 1;
    }
    return 0;
}

/* json_time for an integer timestamp (exact), shared with the fast path. */
static int int_time(long long i, double unit_s, int64_t *out)
{
    if (unit_s <= 0)
        unit_s = i >= 100000000000000000LL ? 1e-9
                 : i >= 100000000000000LL  ? 1e-6
                 : i >= 100000000000LL     ? 1e-3
                                           : 1;
    int64_t mul = unit_s >= 1 ? 1000000000 : unit_s >= 1e-3 ? 1000000 : unit_s >= 1e-6 ? 1000 : 1;
    if (i < 0 || i > INT64_MAX / mul || i * mul >= 4102444800000000000LL) return -1;
    *out = i * mul;
    return 0;
}

struct fast_tag {
    const char *k, *v;
    size_t kn, vn;
};

static int fast_tag_cmp(const void *a, const void *b)
{
    const struct fast_tag *x = a, *y = b;
    size_t n = x->kn < y->kn ? x->kn : y->kn;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->kn > y->kn) - (x->kn < y->kn);
}

/* A key with no NUL byte (jansson's object keys are C strings; such keys take the slow path). */
static int plain_key(const char *k, size_t n)
{
    return memchr(k, '\0', n) == NULL;
}

#define FAST_MAX_FIELDS 256

/* The fast path for one Telegraf metric on one line, {"name":..,"tags":{..},"fields":{..},
 * "timestamp":N} in any key order (json_scan.h): fills p with the records jansson's path would
 * give. Returns 0 when the document was read and is good, or JSON_SCAN_FALLBACK when jansson
 * must decide (other shapes, batches, anything it would reject). */
static int fast_telegraf(struct doc *d, struct jscan *j, struct pending *p, long *skipped)
{
    const char *name = NULL;
    size_t name_n = 0;
    int have_ts = 0, have_tags = 0, have_fields = 0;
    int64_t ts = d->dflt;
    struct fast_tag tags[64];
    int ntags = 0;
    struct {
        const char *k;
        size_t kn;
        double v;
        int skip;
    } fl[FAST_MAX_FIELDS];
    int nf = 0;
    if (jscan_expect(j, '{') || jscan_peek(j) == '}') return JSON_SCAN_FALLBACK;
    for (;;) {
        const char *k;
        size_t kn;
        if (jscan_string(j, &k, &kn) || jscan_expect(j, ':')) return JSON_SCAN_FALLBACK;
        if (kn == 4 && memcmp(k, "name", 4) == 0) {
            if (name) return JSON_SCAN_FALLBACK;
            if (jscan_peek(j) != '"' || jscan_string(j, &name, &name_n) || name_n == 0 ||
                !plain_key(name, name_n))
                return JSON_SCAN_FALLBACK;
        } else if (kn == 9 && memcmp(k, "timestamp", 9) == 0) {
            struct jscan_value v;
            if (have_ts || jscan_value(j, &v)) return JSON_SCAN_FALLBACK;
            have_ts = 1;
            if (v.type == JS_INT) {
                if (int_time(v.i, d->unit_s, &ts)) return JSON_SCAN_FALLBACK;
            } else if (v.type == JS_REAL) {
                if (timestamp_from_number(v.d, d->unit_s, &ts)) return JSON_SCAN_FALLBACK;
            } else if (v.type != JS_NULL) {
                return JSON_SCAN_FALLBACK;
            }
        } else if (kn == 4 && memcmp(k, "tags", 4) == 0) {
            if (have_tags || jscan_expect(j, '{')) return JSON_SCAN_FALLBACK;
            have_tags = 1;
            if (jscan_peek(j) == '}') {
                j->p++;
            } else {
                for (;;) {
                    if (ntags == 64) return JSON_SCAN_FALLBACK;
                    struct fast_tag *t = &tags[ntags++];
                    if (jscan_string(j, &t->k, &t->kn) || !plain_key(t->k, t->kn) ||
                        jscan_expect(j, ':') || jscan_peek(j) != '"' ||
                        jscan_string(j, &t->v, &t->vn) || !plain_key(t->v, t->vn))
                        return JSON_SCAN_FALLBACK;
                    int c = jscan_peek(j);
                    j->p++;
                    if (c == '}') break;
                    if (c != ',') return JSON_SCAN_FALLBACK;
                }
            }
        } else if (kn == 6 && memcmp(k, "fields", 6) == 0) {
            if (have_fields || jscan_expect(j, '{') || jscan_peek(j) == '}')
                return JSON_SCAN_FALLBACK;
            have_fields = 1;
            for (;;) {
                if (nf == FAST_MAX_FIELDS) return JSON_SCAN_FALLBACK;
                struct jscan_value v;
                if (jscan_string(j, &fl[nf].k, &fl[nf].kn) || !plain_key(fl[nf].k, fl[nf].kn) ||
                    jscan_expect(j, ':') || jscan_value(j, &v))
                    return JSON_SCAN_FALLBACK;
                fl[nf].skip = 0;
                if (v.type == JS_INT || v.type == JS_REAL)
                    fl[nf].v = v.d;
                else if (v.type == JS_TRUE || v.type == JS_FALSE)
                    fl[nf].v = v.type == JS_TRUE;
                else if (v.type == JS_STRING)
                    fl[nf].skip = 1;
                else
                    return JSON_SCAN_FALLBACK;
                nf++;
                int c = jscan_peek(j);
                j->p++;
                if (c == '}') break;
                if (c != ',') return JSON_SCAN_FALLBACK;
            }
        } else if ((kn == 7 && memcmp(k, "metrics", 7) == 0) || !plain_key(k, kn)) {
            return JSON_SCAN_FALLBACK;
        } else {
            struct jscan_value v; /* another key: jansson's path ignores it too */
            if (jscan_value(j, &v)) return JSON_SCAN_FALLBACK;
        }
        int c = jscan_peek(j);
        if (c == '}') {
            j->p++;
            break;
        }
        if (c != ',') return JSON_SCAN_FALLBACK;
        j->p++;
    }
    if (!name || !have_fields) return JSON_SCAN_FALLBACK;
    /* duplicate keys: jansson keeps the last value; leave such documents to it */
    for (int a = 0; a < nf; a++)
        for (int b = a + 1; b < nf; b++)
            if (fl[a].kn == fl[b].kn && memcmp(fl[a].k, fl[b].k, fl[a].kn) == 0)
                return JSON_SCAN_FALLBACK;
    qsort(tags, (size_t)ntags, sizeof tags[0], fast_tag_cmp);
    for (int a = 1; a < ntags; a++)
        if (fast_tag_cmp(&tags[a - 1], &tags[a]) == 0) return JSON_SCAN_FALLBACK;
    struct name tn = {.n = 0};
    if (ntags) {
        name_add(&tn, "{", 1);
        for (int a = 0; a < ntags; a++) {
            if (a) name_add(&tn, ",", 1);
            name_add(&tn, tags[a].k, tags[a].kn);
            name_add(&tn, "=", 1);
            name_add(&tn, tags[a].v, tags[a].vn);
        }
        name_add(&tn, "}", 1);
    }
    if (tn.overflow) return JSON_SCAN_FALLBACK;
    struct name nm;
    *skipped = 0;
    for (int a = 0; a < nf; a++) {
        if (fl[a].skip) {
            (*skipped)++;
            continue;
        }
        nm.n = 0;
        nm.overflow = 0;
        name_add(&nm, name, name_n);
        name_add(&nm, ".", 1);
        name_add(&nm, fl[a].k, fl[a].kn);
        name_add(&nm, tn.s, tn.n);
        if (nm.overflow || pending_push(p, &nm, ts, fl[a].v)) return JSON_SCAN_FALLBACK;
    }
    return 0;
}

int json_time_unit_parse(const char *name, double *unit_s)
{
    static const char *const names[] = {"s", "ms", "us", "ns", "auto"};
    static const double units[] = {1, 1e-3, 1e-6, 1e-9, 0};
    for (int a = 0; a < 5; a++)
        if (strcmp(names[a], name) == 0) {
            *unit_s = units[a];
            return 0;
        }
    return -1;
}

static int all_space(const char *s, size_t n)
{
    for (size_t a = 0; a < n; a++)
        if (s[a] != ' ' && s[a] != '\t' && s[a] != '\r' && s[a] != '\n') return 0;
    return 1;
}

static int parse(const char *buf, size_t len, double ts_unit_s, int64_t default_ts_ns,
                 metric_record_fn fn, void *ctx, struct reject_stats *st, int slow_only)
{
    struct doc d = {ts_unit_s, default_ts_ns, fn, ctx, st, NULL, 0};
    struct jscan js = {0};
    struct pending pend = {0}, *p = &pend;
    int stop = 0;
    size_t at = 0;
    while (at < len && !stop) {
        while (at < len &&
               (buf[at] == ' ' || buf[at] == '\t' || buf[at] == '\r' || buf[at] == '\n'))
            at++;
        if (at == len) break;
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t line_end = nl ? (size_t)(nl - buf) : len;
        d.raw = buf + at;
        d.raw_len = line_end - at;
        if (len - at > JSON_MAX_DOC && line_end - at > JSON_MAX_DOC) {
            st->lines++;
            reject_count(st, REJECT_LINE_TOO_LONG, d.raw, d.raw_len);
            at = line_end;
            continue;
        }
        if (!slow_only) { /* the zero-copy path for one Telegraf metric per line */
            long skipped;
            p->n = 0;
            p->used = 0;
            jscan_reset(&js, d.raw, d.raw_len);
            if (fast_telegraf(&d, &js, p, &skipped) == 0 && jscan_peek(&js) < 0) {
                st->lines++;
                st->skipped_fields += skipped;
                for (int a = 0; a < p->n && !stop; a++) {
                    p->r[a].name = p->names + p->off[a];
                    st->records++;
                    stop = fn(ctx, &p->r[a]);
                }
                at = line_end;
                continue;
            }
        }
        size_t span = len - at < JSON_MAX_DOC ? len - at : JSON_MAX_DOC;
        json_error_t e;
        json_t *root = json_loadb(buf + at, span, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &e);
        if (!root) {
            st->lines++;
            reject_count(st, REJECT_SYNTAX, d.raw, d.raw_len);
            at = line_end; /* resume at the next line */
            continue;
        }
        size_t used = (size_t)e.position;
        if (used == 0 || used > span) used = line_end - at; /* defensive */
        /* The rest of the line must be blank (JSON lines); otherwise the line is malformed. */
        size_t doc_end = at + used;
        const char *nl2 = memchr(buf + doc_end, '\n', len - doc_end);
        size_t rest_end = nl2 ? (size_t)(nl2 - buf) : len;
        if (doc_end < rest_end && !all_space(buf + doc_end, rest_end - doc_end) &&
            memchr(buf + at, '\n', used) == NULL) {
            json_decref(root);
            st->lines++;
            reject_count(st, REJECT_SYNTAX, d.raw, d.raw_len);
            at = rest_end;
            continue;
        }
        p->n = 0;
        p->used = 0;
        if (json_is_object(root) || json_is_array(root)) {
            stop = one_doc(&d, root, p);
        } else {
            st->lines++;
            reject_count(st, REJECT_SYNTAX, d.raw, d.raw_len);
        }
        json_decref(root);
        at = doc_end;
    }
    free(p->names);
    free(p->r);
    free(p->off);
    jscan_free(&js);
    return stop;
}

int json_metrics_parse(const char *buf, size_t len, double ts_unit_s, int64_t default_ts_ns,
                       metric_record_fn fn, void *ctx, struct reject_stats *st)
{
    return parse(buf, len, ts_unit_s, default_ts_ns, fn, ctx, st, 0);
}

int json_metrics_parse_jansson(const char *buf, size_t len, double ts_unit_s, int64_t default_ts_ns,
                               metric_record_fn fn, void *ctx, struct reject_stats *st)
{
    return parse(buf, len, ts_unit_s, default_ts_ns, fn, ctx, st, 1);
}
