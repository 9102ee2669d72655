/*
 * aligner.h - puts metric records onto a fixed bucket grid and emits one aligned row per
 * closed bucket (docs/architecture.md §1, step 2).
 *
 * Event time only: a bucket [b I, (b+1) I) closes when the watermark (the newest timestamp seen
 * minus the allowed lateness) reaches its end, so a replay at any speed gives the same rows.
 * Inputs that read several ordered streams at different paces (Kafka partitions) hold the
 * watermark back (aligner_set_hold): it is then the oldest of their progress marks and the
 * newest timestamp, minus the lateness, so the rows do not depend on which stream was read
 * first; a hold keeps buckets open for at most hold_ns beyond the lateness (memory stays fixed),
 * after which the newest timestamp closes them as without a hold.
 * Records for a bucket that has closed are late: rejected and counted. Within a bucket each
 * series aggregates by its own rule (mean, last, sum, count, max).
 * Gap rule (documented in README): count and sum series are event tallies, so a bucket without
 * records is 0 for them. Any other series with no record in a bucket repeats its last
 * emitted value for at most max_gap buckets, then becomes NaN (streaming cannot interpolate
 * towards a value it has not seen yet). After a silence longer than max_gap buckets with
 * nothing buffered, the grid jumps to the watermark instead of emitting the empty rows one by
 * one (counted in `jumps`), so one far-future timestamp cannot flood the output.
 * aligner_flush() closes buckets up to a given time for the idle timeout.
 *
 * Memory is fixed at creation: open buckets ((lateness + hold_ns) / interval + 2) x max_series
 * accumulators, plus the series names (at most max_series, each at most ALIGNER_MAX_NAME
 * bytes). One owner thread.
 */
#ifndef CAUSALMON_ALIGNER_H
#define CAUSALMON_ALIGNER_H

#include "record.h"

#include <stddef.h>
#include <stdint.h>

#define ALIGNER_MAX_NAME 1024

enum aligner_agg { AGG_MEAN = 0, AGG_LAST, AGG_SUM, AGG_COUNT, AGG_MAX };

struct aligner_params {
    int64_t interval_ns; /* bucket width, > 0 */
    int64_t lateness_ns; /* >= 0 */
    int max_series;      /* >= 1 */
    int max_gap;         /* buckets a value is carried forward, >= 0 */
    enum aligner_agg default_agg;
    /* >= 0: how much further than the lateness a hold (aligner_set_hold) may keep buckets open;
     * it adds hold_ns / interval_ns open buckets. 0: holds have no effect. */
    int64_t hold_ns;
};

/* ALIGN_DUPLICATE: the record's bucket was closed before a restart (aligner_resume), so it
 * is already in the restored windows: a replayed duplicate, dropped. ALIGN_FUTURE: more than
 * max_future ahead of the host clock (aligner_set_max_future). */
enum aligner_result { ALIGN_OK = 0, ALIGN_LATE, ALIGN_SERIES_CAP, ALIGN_DUPLICATE, ALIGN_FUTURE };

struct aligner_stats {
    long accepted, late, series_cap, rows, jumps, duplicates, future, expired;
};

/* Receives a closed bucket: its start time and one value per series known so far
 * (row[0..nseries), NaN = missing). The row is valid during the call only. */
typedef void (*aligner_row_fn)(void *ctx, int64_t bucket_start_ns, const double *row, int nseries);

struct aligner;

/* Creates an aligner. Returns NULL with a message in err if a parameter is out of range. */
struct aligner *aligner_new(const struct aligner_params *p, char *err, size_t errlen);
void aligner_free(struct aligner *al);

/* Adds a record, first closing (and emitting through fn) every bucket the new watermark
 * passes. Returns ALIGN_OK, ALIGN_LATE or ALIGN_SERIES_CAP (the record is dropped and counted). */
enum aligner_result aligner_add(struct aligner *al, const struct metric_record *r,
                                aligner_row_fn fn, void *ctx);
/* Holds: up to ALIGNER_MAX_HOLDERS inputs each report how far in event time they have
 * delivered (their slowest stream's newest record). aligner_add_holder() returns a holder id
 * (or -1 when all are taken); aligner_set_hold() sets its mark: INT64_MIN holds every open
 * bucket (a stream has not delivered yet), INT64_MAX holds nothing (removes the hold). Buckets
 * close when min(newest, every mark) - lateness reaches their end, or newest - lateness -
 * hold_ns does (the bound). Setting a mark closes the buckets it releases, through fn. */
#define ALIGNER_MAX_HOLDERS 16
int aligner_add_holder(struct aligner *al);
void aligner_set_hold(struct aligner *al, int holder, int64_t mark_ns, aligner_row_fn fn,
                      void *ctx);
/* Closes every bucket that ends at or before until_ns (idle timeout). */
void aligner_flush(struct aligner *al, int64_t until_ns, aligner_row_fn fn, void *ctx);
/* Closes every bucket up to and including the newest record's (end of input, idle flush);
 * does nothing before the first record. */
void aligner_flush_all(struct aligner *al, aligner_row_fn fn, void *ctx);
/* The idle flush: as aligner_flush_all, but a holder's mark still holds (bounded by hold_ns as
 * the watermark is), so a stream that is behind the others (a Kafka partition whose fetch
 * stalled in a rebalance) does not find its buckets closed when it resumes. With no hold set,
 * or hold_ns 0, the same as aligner_flush_all. Loop thread; does nothing before the first
 * record. */
void aligner_flush_idle(struct aligner *al, aligner_row_fn fn, void *ctx);

/* The id of a series, creating it with the default aggregation if new and below the cap.
 * Returns -1 at the cap. */
int aligner_series(struct aligner *al, const char *name, size_t len);
/* Sets the aggregation of series id; aligner_agg_of reads it (the default for an unknown id). */
void aligner_set_agg(struct aligner *al, int id, enum aligner_agg agg);
enum aligner_agg aligner_agg_of(const struct aligner *al, int id);
/* Series lifecycle: every series whose newest record is more than idle_ns (event time) older
 * than the oldest open bucket is forgotten, after fn(ctx, id) was told (the name is still
 * valid then); its id is reused by the next new series, so a burst of junk names cannot hold
 * the cap forever. Until reused, an expired id's row value is NaN and its name NULL. Returns
 * how many expired. idle_ns <= 0 does nothing. */
int aligner_expire(struct aligner *al, int64_t idle_ns, void (*fn)(void *ctx, int id), void *ctx);
/* Series with a name (aligner_nseries counts expired ids too). */
int aligner_nalive(const struct aligner *al);
/* Number of series ids (rows are this wide) and the NUL-terminated name of series id (owned by
 * the aligner; NULL for an expired id). */
int aligner_nseries(const struct aligner *al);
const char *aligner_series_name(const struct aligner *al, int id);
const struct aligner_stats *aligner_stats(const struct aligner *al);

/* A record aligner_add refused with r (ALIGN_LATE or ALIGN_DUPLICATE) was taken by someone
 * else (a scope's catch-up, scope_owner.h): it no longer counts in the stats. */
void aligner_taken_elsewhere(struct aligner *al, enum aligner_result r);
/* The start of the oldest open bucket (records before it are late or duplicates); INT64_MIN
 * before the first record (or aligner_resume). */
int64_t aligner_open_from(const struct aligner *al);
/* During a row callback: how many records are behind each value of the row (0 for a carried,
 * NaN or empty value), indexed like the row. Owned by the aligner. */
const int *aligner_row_counts(const struct aligner *al);

/* Durability (restart without loss or duplicates). Every record in a bucket that starts before
 * aligner_closed_before() has been emitted through the row callback; INT64_MIN before the
 * first row. */
int64_t aligner_closed_before(const struct aligner *al);
/* Continues after a restart whose restored windows end before closed_before_ns (a value of
 * aligner_closed_before saved with them; newest_ns and empty_run as aligner_newest and
 * aligner_empty_run returned then): the grid resumes there, and records of earlier buckets are
 * duplicates (ALIGN_DUPLICATE). Until the first record is accepted the flushes do nothing
 * (the open buckets are being replayed; an idle flush must not close them). Call before the
 * first record. */
void aligner_resume(struct aligner *al, int64_t closed_before_ns, int64_t newest_ns, int empty_run);
int64_t aligner_newest(const struct aligner *al);
int aligner_empty_run(const struct aligner *al);
/* The carry-forward state of series id (last emitted value, NaN if none; buckets since its
 * last real value), so a restart fills gaps exactly as an uninterrupted run. */
void aligner_carry(const struct aligner *al, int id, double *value, int *missing_run);
void aligner_set_carry(struct aligner *al, int id, double value, int missing_run);
/* Records more than max_future_ns ahead of now_ns (host clock, same epoch as the records) are
 * refused as ALIGN_FUTURE, so one bad clock cannot push the watermark past every other source.
 * max_future_ns <= 0 turns the check off (the default). now_ns is read per call. */
void aligner_set_max_future(struct aligner *al, int64_t max_future_ns, int64_t (*now_ns)(void *ctx),
                            void *ctx);

#endif
