/*
 * json_metrics_doc.h - what the two parsing paths of json_metrics.c share: the series name under
 * construction, the document being read, and its pending records (delivered only when the whole
 * document is good). The zero-copy fast path for one Telegraf metric per line is
 * json_metrics_fast.c; the jansson path, which decides everything else, is json_metrics.c.
 * Internal to connectors/formats.
 */
#ifndef CAUSALMON_JSON_METRICS_DOC_H
#define CAUSALMON_JSON_METRICS_DOC_H

#include "json_metrics.h"
#include "json_scan.h"

#include <stdint.h>
#include <string.h>

/* The series name under construction. */
struct name {
    char s[JSON_MAX_NAME + 1];
    size_t n;
    int overflow;
};

static inline void jm_name_add(struct name *nm, const char *p, size_t len)
{
    if (nm->n + len > JSON_MAX_NAME) {
        nm->overflow = 1;
        return;
    }
    memcpy(nm->s + nm->n, p, len);
    nm->n += len;
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

/* Appends a record named nm to p. Returns 0, or -1 when p is full (DOC_MAX_RECORDS) or out of
 * memory. */
int jm_pending_push(struct pending *p, const struct name *nm, int64_t ts, double v);

/* A JSON integer timestamp in unit_s seconds (0: guessed from its size) as nanoseconds, exactly.
 * Returns 0, or -1 when it is negative or beyond 2100. */
static inline int jm_int_time(long long i, double unit_s, int64_t *out)
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

/* The fast path for one Telegraf metric on one line (json_metrics_fast.c): fills p with the
 * records jansson's path would give, *skipped with its non-numeric fields. Returns 0 when the
 * document was read and is good, or JSON_SCAN_FALLBACK when jansson must decide. */
int jm_fast_telegraf(struct doc *d, struct jscan *j, struct pending *p, long *skipped);

#endif
