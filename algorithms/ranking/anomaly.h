/*
 * anomaly.h - robust anomaly evidence of one series for root-cause ranking: how far its
 * incident rows [split, rows) leave its reference rows [0, split), in the direction that is
 * bad news for its kind (metric_kind.h), in units of a spread that cannot collapse to 0.
 *
 *   med  = median of the reference values
 *   s    = max(r, rel_floor[kind] x |med|, resolution), where r is the robust spread
 *          max(IQR / 1.349, 1.4826 MAD), which earlier incidents inside the reference do not
 *          inflate: the MAD stands up to half the reference far off. The IQR breaks at a
 *          quarter, so when it exceeds trim_iqr_ratio MADs and the reference holds exactly
 *          one run of trim_run or more consecutive values (in time) beyond trim_mads MADs of
 *          the median, holding at most trim_max_share of it, the IQR is taken without that
 *          run: an earlier incident is one block of rows, while a series that leaves its
 *          band often (bursts, a second mode) keeps its spread. r is 0 for a series that is
 *          mostly one value (a rarely called endpoint's latency, a log template's count, a
 *          gauge that stays flat): r is then std_share x its standard deviation, which
 *          carries the spread of its occasional values. The relative floor keeps a flat
 *          gauge's small step small and makes the score free of units (bytes or megabytes
 *          give the same score); it is larger for kinds whose small relative moves are
 *          routine, such as latency percentiles. The resolution (the smallest step between
 *          the reference's distinct values, for series with few distinct values; values
 *          closer than 1e-9 of the largest are one value) keeps a counter's step of one from
 *          scoring as infinitely many spreads.
 *   z_t  = (x_t - med) / s for an "up" series, (med - x_t) / s for "down", |x_t - med| / s
 *          for "both", floored at 0
 *   z    = the mean of the largest max(ceil(top_share x incident rows), top_min) of z_t (all
 *          of them when there are fewer), so a long incident (1-second rows) needs a
 *          sustained departure, and a short one (1-minute rows) more than one row: a single
 *          row's spike of a spiky or quantised series (a latency histogram bucket) is not
 *          enough.
 *   A reference that is 0 throughout (a series that did not exist yet: a new log template, a
 *   pod that served nothing) has no spread at all: its score is new_score x the share of
 *   incident rows that left 0 in the counted direction, a fixed and moderate value.
 *   z is capped at zmax. Missing values (NaN) are skipped; a series with fewer than
 *   min_reference reference values or no incident value scores NaN.
 *
 * anomaly_evidence() maps z to [0, 1) as log1p(z) / log1p(zmax): scale-free and saturating, so
 * one series' score of 1e8 cannot dwarf every other term of a ranking.
 * Pure; any thread.
 */
#ifndef CAUSALMON_ANOMALY_H
#define CAUSALMON_ANOMALY_H

#include "metric_kind.h"

struct anomaly_params {
    double rel_floor[MKIND_COUNT]; /* spread floor relative to |median|, by kind (see .c) */
    double std_share;              /* the standard deviation's share in r when the IQR is 0 (1) */
    double top_share;              /* share of incident rows averaged at the top (0.1) */
    int top_min;                   /* incident rows averaged at least (2; below 1: 1) */
    double new_score;  /* score of a series new in the incident, all rows changed (10) */
    double zmax;       /* cap (1e4) */
    int min_reference; /* reference values needed (2) */
    /* an earlier incident in the reference, left out of the IQR (see above): */
    double trim_mads;      /* band around the median, in MADs (3; 0: never) */
    int trim_run;          /* consecutive values beyond it that make a run (3) */
    double trim_iqr_ratio; /* only when IQR / 1.349 exceeds this many MADs (1.5) */
    double trim_max_share; /* and the run holds at most this share of the reference (0.5) */
};

void anomaly_params_default(struct anomaly_params *p);

/* Scores every column of X (rows x n, row-major, NaN missing) with direction dir[j] (NULL:
 * both for all) and kind kind[j] (enum metric_kind, choosing the relative floor; NULL: other)
 * into z[n] (NaN: unscorable). Returns 0, or -1 when split is not in [1, rows - 1]. */
int anomaly_scores(const double *X, int rows, int n, int split, const signed char *dir,
                   const signed char *kind, const struct anomaly_params *p, double *z);

/* z mapped to [0, 1) (NaN -> 0). */
double anomaly_evidence(double z, const struct anomaly_params *p);

#endif
