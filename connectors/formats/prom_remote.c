/* prom_remote.c - a decoder of the remote_write WriteRequest message (prom_remote.h). */
#include "prom_remote.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

struct pb {
    const unsigned char *p, *end;
};

static int varint(struct pb *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end) return -1;
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Reads a field key; returns 0 with the field number and wire type. */
static int key(struct pb *b, uint64_t *field, int *wire)
{
    uint64_t k;
    if (varint(b, &k)) return -1;
    *field = k >> 3;
    *wire = (int)(k & 7);
    return 0;
}

/* Reads a length-delimited payload into sub. */
static int bytes(struct pb *b, struct pb *sub)
{
    uint64_t n;
    if (varint(b, &n) || n > (uint64_t)(b->end - b->p)) return -1;
    sub->p = b->p;
    sub->end = b->p + n;
    b->p += n;
    return 0;
}

static int skip(struct pb *b, int wire)
{
    uint64_t v;
    struct pb sub;
    switch (wire) {
    case 0:
        return varint(b, &v);
    case 1:
        if (b->end - b->p < 8) return -1;
        b->p += 8;
        return 0;
    case 2:
        return bytes(b, &sub);
    case 5:
        if (b->end - b->p < 4) return -1;
        b->p += 4;
        return 0;
    default:
        return -1;
    }
}

struct label {
    const char *name, *value;
    size_t nl, vl;
};

static int label_cmp(const struct label *a, const struct label *b)
{
    size_t n = a->nl < b->nl ? a->nl : b->nl;
    int c = memcmp(a->name, b->name, n);
    return c ? c : (a->nl > b->nl) - (a->nl < b->nl);
}

/* One TimeSeries. Returns 0, 1 (stop), or -1 (malformed). */
static int series(struct pb *ts, metric_record_fn fn, void *ctx, struct reject_stats *st)
{
    struct label lab[PROM_MAX_LABELS];
    int nl = 0, too_many = 0;
    const char *metric = NULL;
    size_t ml = 0;
    struct pb save = *ts;
    uint64_t f;
    int w;
    st->lines++;
    while (ts->p < ts->end) { /* labels first (their order in the message is free) */
        if (key(ts, &f, &w)) return -1;
        if (f != 1 || w != 2) {
            if (skip(ts, w)) return -1;
            continue;
        }
        struct pb l, v = {NULL, NULL}, n = {NULL, NULL};
        if (bytes(ts, &l)) return -1;
        while (l.p < l.end) {
            uint64_t lf;
            int lw;
            if (key(&l, &lf, &lw)) return -1;
            if (lf == 1 && lw == 2) {
                if (bytes(&l, &n)) return -1;
            } else if (lf == 2 && lw == 2) {
                if (bytes(&l, &v)) return -1;
            } else if (skip(&l, lw)) {
                return -1;
            }
        }
        if (!n.p) continue;
        size_t nlen = (size_t)(n.end - n.p), vlen = v.p ? (size_t)(v.end - v.p) : 0;
        if (nlen == 8 && !memcmp(n.p, "__name__", 8)) {
            metric = (const char *)v.p;
            ml = vlen;
        } else if (vlen == 0) { /* an empty label is no label */
        } else if (nl == PROM_MAX_LABELS) {
            too_many = 1;
        } else {
            lab[nl++] = (struct label){(const char *)n.p, (const char *)v.p, nlen, vlen};
        }
    }
    if (!metric || ml == 0) {
        reject_count(st, REJECT_MISSING_FIELD, "remote_write series without __name__", 36);
        return 0;
    }
    for (int a = 1; a < nl; a++) /* insertion sort: usually sorted already */
        for (int b = a; b > 0 && label_cmp(&lab[b - 1], &lab[b]) > 0; b--) {
            struct label t = lab[b];
            lab[b] = lab[b - 1];
            lab[b - 1] = t;
        }
    char name[PROM_MAX_NAME];
    size_t len = 0;
    int over = too_many || ml > sizeof name;
    if (!over) {
        memcpy(name, metric, ml);
        len = ml;
    }
    for (int a = 0; a < nl && !over; a++) {
        size_t need = 1 + lab[a].nl + 1 + lab[a].vl + (a == nl - 1 ? 1 : 0);
        if (len + need > sizeof name) {
            over = 1;
            break;
        }
        name[len++] = a == 0 ? '{' : ',';
        memcpy(name + len, lab[a].name, lab[a].nl);
        len += lab[a].nl;
        name[len++] = '=';
        memcpy(name + len, lab[a].value, lab[a].vl);
        len += lab[a].vl;
        if (a == nl - 1) name[len++] = '}';
    }
    if (over) {
        reject_count(st, REJECT_NAME_TOO_LONG, metric, ml);
        return 0;
    }
    *ts = save; /* now the samples */
    while (ts->p < ts->end) {
        if (key(ts, &f, &w)) return -1;
        if (f != 2 || w != 2) {
            if (skip(ts, w)) return -1;
            continue;
        }
        struct pb s;
        if (bytes(ts, &s)) return -1;
        double value = 0;
        int64_t ms = 0;
        while (s.p < s.end) {
            uint64_t sf, v;
            int sw;
            if (key(&s, &sf, &sw)) return -1;
            if (sf == 1 && sw == 1) {
                if (s.end - s.p < 8) return -1;
                uint64_t bits = 0;
                for (int k = 7; k >= 0; k--) bits = bits << 8 | s.p[k]; /* little endian */
                memcpy(&value, &bits, sizeof value);
                s.p += 8;
            } else if (sf == 2 && sw == 0) {
                if (varint(&s, &v)) return -1;
                ms = (int64_t)v;
            } else if (skip(&s, sw)) {
                return -1;
            }
        }
        if (!isfinite(value)) {
            st->skipped_fields++;
            continue;
        }
        if (ms < 0 || ms >= 4102444800000LL) { /* [1970, 2100) */
            reject_count(st, REJECT_TIMESTAMP, name, len);
            continue;
        }
        st->records++;
        struct metric_record r = {name, len, ms * 1000000, value};
        if (fn(ctx, &r)) return 1;
    }
    return 0;
}

int prom_remote_parse(const char *buf, size_t len, metric_record_fn fn, void *ctx,
                      struct reject_stats *st)
{
    struct pb b = {(const unsigned char *)buf, (const unsigned char *)buf + len};
    while (b.p < b.end) {
        uint64_t f;
        int w;
        struct pb ts;
        if (key(&b, &f, &w)) goto bad;
        if (f != 1 || w != 2) {
            if (skip(&b, w)) goto bad;
            continue;
        }
        if (bytes(&b, &ts)) goto bad;
        int rc = series(&ts, fn, ctx, st);
        if (rc < 0) goto bad;
        if (rc > 0) return 1;
    }
    return 0;
bad:
    st->lines++;
    reject_count(st, REJECT_SYNTAX, "malformed remote_write protobuf", 31);
    return -1;
}
