#include "json_metrics.h"
#include "json_metrics_doc.h"

#include "json_scan.h"
#include "timestamp.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void name_adds(struct name *nm, const char *p)
{
    jm_name_add(nm, p, strlen(p));
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
    jm_name_add(nm, "{", 1);
    for (size_t a = 0; a < nk; a++) {
        if (a) jm_name_add(nm, ",", 1);
        name_adds(nm, keys[a]);
        jm_name_add(nm, "=", 1);
        json_t *tv = json_object_get(obj, keys[a]);
        if (json_is_string(tv)) {
            jm_name_add(nm, json_string_value(tv), json_string_length(tv));
        } else {
            char *s = json_dumps(tv, JSON_ENCODE_ANY | JSON_COMPACT);
            if (s) {
                name_adds(nm, s);
                free(s);
            }
        }
    }
    jm_name_add(nm, "}", 1);
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

/* A JSON timestamp: integer (exact), real, or string (RFC 3339 or number). Missing -> dflt. */
static int json_time(json_t *v, double unit_s, int64_t dflt, int64_t *out)
{
    if (!v || json_is_null(v)) {
        *out = dflt;
        return 0;
    }
    if (json_is_integer(v)) return jm_int_time(json_integer_value(v), unit_s, out);
    if (json_is_number(v)) return timestamp_from_number(json_number_value(v), unit_s, out);
    if (json_is_string(v))
        return timestamp_parse_ns(json_string_value(v), json_string_length(v), unit_s, out);
    return -1;
}

int jm_pending_push(struct pending *p, const struct name *nm, int64_t ts, double v)
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
            jm_name_add(&nm, json_string_value(name), json_string_length(name));
            jm_name_add(&nm, ".", 1);
            name_adds(&nm, fk);
            jm_name_add(&nm, tags.s, tags.n);
            if (nm.overflow || tags.overflow) {
                *why = REJECT_NAME_TOO_LONG;
                return -1;
            }
            if (jm_pending_push(p, &nm, ts, v)) {
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
    jm_name_add(&nm, json_string_value(name), json_string_length(name));
    name_add_tags(&nm, labels, "__name__");
    if (nm.overflow) {
        *why = REJECT_NAME_TOO_LONG;
        return -1;
    }
    if (jm_pending_push(p, &nm, ts, v)) {
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
            if (jm_fast_telegraf(&d, &js, p, &skipped) == 0 && jscan_peek(&js) < 0) {
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
