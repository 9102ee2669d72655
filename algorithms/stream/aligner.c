#include "aligner.h"

#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct acc {
    double sum, max, last;
    int64_t last_ts;
    int count;
};

struct aligner {
    struct aligner_params p;
    int nslots;        /* open buckets kept */
    struct acc *slots; /* nslots x max_series */
    int *slot_records; /* records in each open slot */
    int64_t lo;        /* oldest open bucket index */
    int64_t newest;    /* newest timestamp seen */
    int started;
    int had_rows;      /* a row was emitted (or the grid resumed after a restart) */
    int awaiting;      /* resumed, no record since: the open buckets are being replayed */
    int64_t dup_floor; /* buckets below it were closed before a restart: duplicates */
    int64_t max_future_ns;
    int64_t (*now_ns)(void *ctx);
    void *now_ctx;
    int empty_run;                     /* consecutive emitted buckets without records */
    int64_t hold[ALIGNER_MAX_HOLDERS]; /* each holder's mark (aligner_set_hold) */
    int nholders;
    /* series */
    int nseries;   /* ids in use or freed: 0 .. nseries-1 */
    int nalive;    /* ids with a name */
    int *free_ids; /* ids of expired series, reused first */
    int nfree;
    int64_t *last_bucket; /* bucket of each series' newest accepted record */
    char **names;         /* NULL for an expired id */
    enum aligner_agg *agg;
    double *carry;    /* last emitted value */
    int *missing_run; /* buckets since the last real value */
    int *table;       /* open-addressing hash: series id or -1 */
    int table_size;
    double *row;
    int *counts; /* records behind each value of the row being emitted */
    struct aligner_stats st;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct aligner *aligner_new(const struct aligner_params *p, char *err, size_t errlen)
{
    if (p->interval_ns <= 0 || p->lateness_ns < 0 || p->max_series < 1 || p->max_gap < 0 ||
        p->max_series > 10000000 || p->lateness_ns / p->interval_ns > 100000 || p->hold_ns < 0 ||
        p->hold_ns / p->interval_ns > 100000) {
        snprintf(err, errlen,
                 "aligner: interval, lateness, hold, max_series or max_gap out of range");
        return NULL;
    }
    struct aligner *al = xcalloc(1, sizeof *al);
    al->p = *p;
    /* open buckets span floor(newest / I) - floor((newest - L - H) / I) + 1 <= ceil((L + H) / I)
     * + 1 slots: L and H are summed before the division, or their fractions could add up to one
     * slot too few and two open buckets would share one */
    al->nslots = (int)((p->lateness_ns + p->hold_ns) / p->interval_ns) + 2;
    al->slots = xcalloc((size_t)al->nslots * p->max_series, sizeof *al->slots);
    al->slot_records = xcalloc((size_t)al->nslots, sizeof(int));
    al->names = xcalloc((size_t)p->max_series, sizeof(char *));
    al->free_ids = xmallocarray((size_t)p->max_series, sizeof(int));
    al->last_bucket = xcalloc((size_t)p->max_series, sizeof(int64_t));
    al->agg = xcalloc((size_t)p->max_series, sizeof *al->agg);
    al->carry = xmallocarray((size_t)p->max_series, sizeof(double));
    al->missing_run = xcalloc((size_t)p->max_series, sizeof(int));
    al->table_size = 16;
    while (al->table_size < 2 * p->max_series) al->table_size *= 2;
    al->table = xmallocarray((size_t)al->table_size, sizeof(int));
    for (int a = 0; a < al->table_size; a++) al->table[a] = -1;
    al->row = xmallocarray((size_t)p->max_series, sizeof(double));
    al->counts = xcalloc((size_t)p->max_series, sizeof(int));
    return al;
}

void aligner_free(struct aligner *al)
{
    if (!al) return;
    for (int a = 0; a < al->nseries; a++) free(al->names[a]); /* NULL for expired ids */
    free(al->names);
    free(al->free_ids);
    free(al->last_bucket);
    free(al->slots);
    free(al->slot_records);
    free(al->agg);
    free(al->carry);
    free(al->missing_run);
    free(al->table);
    free(al->row);
    free(al->counts);
    free(al);
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t a = 0; a < n; a++) h = (h ^ (unsigned char)s[a]) * 1099511628211ULL;
    return h;
}

int aligner_series(struct aligner *al, const char *name, size_t len)
{
    if (len > ALIGNER_MAX_NAME) return -1;
    size_t mask = (size_t)al->table_size - 1, at = fnv1a(name, len) & mask;
    for (; al->table[at] >= 0; at = (at + 1) & mask) {
        const char *have = al->names[al->table[at]];
        if (strlen(have) == len && memcmp(have, name, len) == 0) return al->table[at];
    }
    if (al->nfree == 0 && al->nseries == al->p.max_series) return -1;
    int id = al->nfree ? al->free_ids[--al->nfree] : al->nseries++;
    al->nalive++;
    al->last_bucket[id] = al->started ? al->lo : INT64_MIN;
    al->names[id] = xmalloc(len + 1);
    memcpy(al->names[id], name, len);
    al->names[id][len] = '\0';
    al->agg[id] = al->p.default_agg;
    al->carry[id] = NAN;
    al->missing_run[id] = 0;
    al->table[at] = id;
    return id;
}

void aligner_set_agg(struct aligner *al, int id, enum aligner_agg agg)
{
    if (id >= 0 && id < al->nseries) al->agg[id] = agg;
}

enum aligner_agg aligner_agg_of(const struct aligner *al, int id)
{
    return id >= 0 && id < al->nseries ? al->agg[id] : al->p.default_agg;
}

int aligner_nseries(const struct aligner *al)
{
    return al->nseries;
}

const char *aligner_series_name(const struct aligner *al, int id)
{
    return id >= 0 && id < al->nseries ? al->names[id] : NULL;
}

const struct aligner_stats *aligner_stats(const struct aligner *al)
{
    return &al->st;
}

static struct acc *slot_of(struct aligner *al, int64_t bucket)
{
    int64_t s = bucket % al->nslots;
    if (s < 0) s += al->nslots;
    return al->slots + (size_t)s * al->p.max_series;
}

static int *records_of(struct aligner *al, int64_t bucket)
{
    int64_t s = bucket % al->nslots;
    if (s < 0) s += al->nslots;
    return &al->slot_records[s];
}

static double aggregate(enum aligner_agg agg, const struct acc *a)
{
    switch (agg) {
    case AGG_LAST:
        return a->last;
    case AGG_SUM:
        return a->sum;
    case AGG_COUNT:
        return a->count;
    case AGG_MAX:
        return a->max;
    default:
        return a->sum / a->count;
    }
}

/* Emits the row of bucket lo and clears its slot. */
static void emit(struct aligner *al, aligner_row_fn fn, void *ctx)
{
    struct acc *s = slot_of(al, al->lo);
    int *rec = records_of(al, al->lo);
    for (int i = 0; i < al->nseries; i++) {
        al->counts[i] = s[i].count;
        if (!al->names[i]) { /* an expired id, not reused yet */
            al->row[i] = NAN;
            continue;
        }
        if (s[i].count > 0) {
            al->row[i] = aggregate(al->agg[i], &s[i]);
            al->carry[i] = al->row[i];
            al->missing_run[i] = 0;
        } else if (al->agg[i] == AGG_COUNT || al->agg[i] == AGG_SUM) {
            al->row[i] = 0.0; /* events: an empty bucket counts none */
            al->missing_run[i] = 0;
        } else if (al->missing_run[i] < al->p.max_gap && !isnan(al->carry[i])) {
            al->row[i] = al->carry[i]; /* short gap: carry forward */
            al->missing_run[i]++;
        } else {
            al->row[i] = NAN;
            al->missing_run[i]++;
        }
    }
    al->empty_run = *rec ? 0 : al->empty_run + 1;
    memset(s, 0, (size_t)al->nseries * sizeof *s);
    *rec = 0;
    al->st.rows++;
    al->had_rows = 1;
    if (fn) fn(ctx, al->lo * al->p.interval_ns, al->row, al->nseries);
}

/* Closes every bucket ending at or before wm. */
static void close_until(struct aligner *al, int64_t wm, aligner_row_fn fn, void *ctx)
{
    if (!al->started) return;
    int64_t last = floor_div(wm, al->p.interval_ns) - 1;
    while (al->lo <= last) {
        if (!al->had_rows && !*records_of(al, al->lo)) { /* nothing before the first data */
            al->lo++;
            continue;
        }
        int buffered = 0;
        for (int s = 0; s < al->nslots; s++) buffered += al->slot_records[s];
        if (!buffered && al->empty_run > al->p.max_gap) {
            /* long silence, nothing buffered, carry-forward exhausted: jump */
            for (int i = 0; i < al->nseries; i++) al->missing_run[i] = al->p.max_gap;
            al->lo = last + 1;
            al->st.jumps++;
            break;
        }
        emit(al, fn, ctx);
        al->lo++;
    }
}

/* The watermark for the newest time seen: held back by the holders' marks, by at most
 * hold_ns. */
static int64_t watermark(const struct aligner *al)
{
    int64_t wm = al->newest;
    for (int h = 0; h < al->nholders; h++)
        if (al->hold[h] < wm) wm = al->hold[h];
    int64_t floor_wm = al->newest - al->p.hold_ns; /* the bound: no older than this */
    if (wm < floor_wm) wm = floor_wm;
    return wm - al->p.lateness_ns;
}

int aligner_add_holder(struct aligner *al)
{
    if (al->nholders == ALIGNER_MAX_HOLDERS) return -1;
    al->hold[al->nholders] = INT64_MAX;
    return al->nholders++;
}

void aligner_set_hold(struct aligner *al, int holder, int64_t mark_ns, aligner_row_fn fn, void *ctx)
{
    if (holder < 0 || holder >= al->nholders) return;
    int64_t was = al->hold[holder];
    al->hold[holder] = mark_ns;
    if (mark_ns > was && al->started && !al->awaiting) close_until(al, watermark(al), fn, ctx);
}

enum aligner_result aligner_add(struct aligner *al, const struct metric_record *r,
                                aligner_row_fn fn, void *ctx)
{
    int64_t b = floor_div(r->ts_ns, al->p.interval_ns);
    if (al->started && b < al->dup_floor) {
        al->st.duplicates++;
        return ALIGN_DUPLICATE;
    }
    if (al->max_future_ns > 0 && al->now_ns &&
        r->ts_ns - al->now_ns(al->now_ctx) > al->max_future_ns) {
        al->st.future++;
        return ALIGN_FUTURE;
    }
    if (al->started && b < al->lo) {
        al->st.late++;
        return ALIGN_LATE;
    }
    int id = aligner_series(al, r->name, r->name_len);
    if (id < 0) {
        al->st.series_cap++;
        return ALIGN_SERIES_CAP;
    }
    if (!al->started) {
        /* the grid starts at the lowest watermark, so records up to the lateness (and the
         * hold) older than the first one are accepted too; leading empty buckets are not
         * emitted */
        al->started = 1;
        al->dup_floor = INT64_MIN;
        al->lo = floor_div(r->ts_ns - al->p.lateness_ns - al->p.hold_ns, al->p.interval_ns);
        al->newest = r->ts_ns;
    }
    if (r->ts_ns > al->newest) {
        al->newest = r->ts_ns;
        close_until(al, watermark(al), fn, ctx);
    }
    if (b < al->lo) { /* the record's own bucket just closed (it set the watermark) */
        al->st.late++;
        return ALIGN_LATE;
    }
    struct acc *a = slot_of(al, b) + id;
    if (a->count == 0) {
        a->max = r->value;
        a->last_ts = r->ts_ns;
        a->last = r->value;
    }
    a->sum += r->value;
    a->count++;
    if (r->value > a->max) a->max = r->value;
    if (r->ts_ns >= a->last_ts) {
        a->last_ts = r->ts_ns;
        a->last = r->value;
    }
    (*records_of(al, b))++;
    if (b > al->last_bucket[id]) al->last_bucket[id] = b;
    al->st.accepted++;
    al->awaiting = 0;
    return ALIGN_OK;
}

void aligner_flush(struct aligner *al, int64_t until_ns, aligner_row_fn fn, void *ctx)
{
    if (al->awaiting) return;
    close_until(al, until_ns, fn, ctx);
}

void aligner_flush_all(struct aligner *al, aligner_row_fn fn, void *ctx)
{
    if (al->started && !al->awaiting)
        close_until(al, (floor_div(al->newest, al->p.interval_ns) + 1) * al->p.interval_ns, fn,
                    ctx);
}

void aligner_flush_idle(struct aligner *al, aligner_row_fn fn, void *ctx)
{
    if (!al->started || al->awaiting) return;
    int64_t until = (floor_div(al->newest, al->p.interval_ns) + 1) * al->p.interval_ns;
    int64_t held = INT64_MAX;
    for (int h = 0; h < al->nholders; h++)
        if (al->hold[h] < held) held = al->hold[h];
    if (al->p.hold_ns > 0 && held < until) { /* a stream behind: up to its mark, bounded */
        int64_t floor_ns = al->newest - al->p.hold_ns;
        until = held > floor_ns ? held : floor_ns;
    }
    close_until(al, until, fn, ctx);
}

void aligner_taken_elsewhere(struct aligner *al, enum aligner_result r)
{
    if (r == ALIGN_LATE && al->st.late > 0) al->st.late--;
    if (r == ALIGN_DUPLICATE && al->st.duplicates > 0) al->st.duplicates--;
}

int64_t aligner_open_from(const struct aligner *al)
{
    return al->started ? al->lo * al->p.interval_ns : INT64_MIN;
}

const int *aligner_row_counts(const struct aligner *al)
{
    return al->counts;
}

int64_t aligner_closed_before(const struct aligner *al)
{
    return al->started && al->had_rows ? al->lo * al->p.interval_ns : INT64_MIN;
}

void aligner_resume(struct aligner *al, int64_t closed_before_ns, int64_t newest_ns, int empty_run)
{
    al->started = 1;
    al->had_rows = 1;
    al->awaiting = 1;
    al->lo = floor_div(closed_before_ns, al->p.interval_ns);
    al->dup_floor = al->lo;
    for (int id = 0; id < al->nseries; id++) al->last_bucket[id] = al->lo; /* idle from here */
    /* the newest time seen before the restart; never past what would reopen closed buckets */
    int64_t lo_newest = al->lo * al->p.interval_ns + al->p.lateness_ns;
    int64_t hi_newest = lo_newest + al->p.interval_ns - 1;
    al->newest = newest_ns < lo_newest ? lo_newest : newest_ns > hi_newest ? hi_newest : newest_ns;
    al->empty_run = empty_run < 0 ? 0 : empty_run;
}

int64_t aligner_newest(const struct aligner *al)
{
    return al->started ? al->newest : INT64_MIN;
}

int aligner_empty_run(const struct aligner *al)
{
    return al->empty_run;
}

void aligner_carry(const struct aligner *al, int id, double *value, int *missing_run)
{
    *value = id >= 0 && id < al->nseries ? al->carry[id] : NAN;
    *missing_run = id >= 0 && id < al->nseries ? al->missing_run[id] : 0;
}

void aligner_set_carry(struct aligner *al, int id, double value, int missing_run)
{
    if (id < 0 || id >= al->nseries) return;
    al->carry[id] = value;
    al->missing_run[id] = missing_run < 0 ? 0 : missing_run;
}

void aligner_set_max_future(struct aligner *al, int64_t max_future_ns, int64_t (*now_ns)(void *ctx),
                            void *ctx)
{
    al->max_future_ns = max_future_ns;
    al->now_ns = now_ns;
    al->now_ctx = ctx;
}

int aligner_nalive(const struct aligner *al)
{
    return al->nalive;
}

int aligner_expire(struct aligner *al, int64_t idle_ns, void (*fn)(void *ctx, int id), void *ctx)
{
    if (!al->started || idle_ns <= 0) return 0;
    int64_t idle = idle_ns / al->p.interval_ns, n = 0;
    for (int id = 0; id < al->nseries; id++) {
        /* idle that long, and every record of it in a closed bucket */
        if (!al->names[id] || al->last_bucket[id] >= al->lo - idle) continue;
        if (fn) fn(ctx, id);
        free(al->names[id]);
        al->names[id] = NULL;
        al->carry[id] = NAN;
        al->missing_run[id] = 0;
        al->agg[id] = al->p.default_agg;
        al->free_ids[al->nfree++] = id;
        al->nalive--;
        n++;
    }
    if (n) { /* rebuild the name table without them */
        for (int a = 0; a < al->table_size; a++) al->table[a] = -1;
        size_t mask = (size_t)al->table_size - 1;
        for (int id = 0; id < al->nseries; id++) {
            if (!al->names[id]) continue;
            size_t at = fnv1a(al->names[id], strlen(al->names[id])) & mask;
            while (al->table[at] >= 0) at = (at + 1) & mask;
            al->table[at] = id;
        }
        al->st.expired += n;
    }
    return (int)n;
}
