/* json_metrics_fast.c - the zero-copy path of json_metrics for one Telegraf metric per line
 * (json_metrics_doc.h): read with json_scan.h, no tree built; anything it does not take for sure
 * falls back to jansson. */
#include "json_metrics_doc.h"
#include "timestamp.h"

#include <stdlib.h>
#include <string.h>

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
int jm_fast_telegraf(struct doc *d, struct jscan *j, struct pending *p, long *skipped)
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
                if (jm_int_time(v.i, d->unit_s, &ts)) return JSON_SCAN_FALLBACK;
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
        jm_name_add(&tn, "{", 1);
        for (int a = 0; a < ntags; a++) {
            if (a) jm_name_add(&tn, ",", 1);
            jm_name_add(&tn, tags[a].k, tags[a].kn);
            jm_name_add(&tn, "=", 1);
            jm_name_add(&tn, tags[a].v, tags[a].vn);
        }
        jm_name_add(&tn, "}", 1);
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
        jm_name_add(&nm, name, name_n);
        jm_name_add(&nm, ".", 1);
        jm_name_add(&nm, fl[a].k, fl[a].kn);
        jm_name_add(&nm, tn.s, tn.n);
        if (nm.overflow || jm_pending_push(p, &nm, ts, fl[a].v)) return JSON_SCAN_FALLBACK;
    }
    return 0;
}
