/*
 * segment_stats.h - per-regime sufficient statistics and the linear mechanism-change tests
 * computed from them (docs/algorithms.md §8.2).
 *
 * For a target y with k parents Z, each regime (segment) s keeps n_s, the mean and the centred
 * scatter matrix of the row vector [Z, y] (dimension k + 1). From these alone:
 *   RSS_s  residual sum of squares of y on [1, Z] within segment s,
 *   RSS_S  = sum_s RSS_s              (separate regressions: K (k+1) parameters),
 *   RSS_I  from the within scatter W = sum_s S_s (common slopes, per-segment intercepts),
 *   RSS_P  from the pooled scatter S_P = W + sum_s n_s (m_s - m)(m_s - m)^T (one regression).
 * Tests (a Chow test split into its two parts, and a variance test):
 *   mean:         F = [(RSS_P - RSS_I)/(K-1)] / [RSS_I/(n - K - k)]
 *   coefficients: F = [(RSS_I - RSS_S)/((K-1) k)] / [RSS_S/(n - K(k+1))]
 *   variance:     K = 2: two-sided F of the residual variances; K > 2: Bartlett's chi-square.
 * The same statistics can be kept by a sliding window (add/remove rows), which is how the daemon
 * will compare a frozen reference against the current window.
 */
#ifndef CAUSALMON_SEGMENT_STATS_H
#define CAUSALMON_SEGMENT_STATS_H

#include <stddef.h>

struct segment_stats {
    int dim; /* k + 1: the parents, then the target last */
    long n;
    double *mean;    /* [dim] */
    double *scatter; /* [dim * dim] centred cross-products */
};

/* Allocates empty statistics of dimension dim >= 1. Release with segment_stats_fini. */
void segment_stats_init(struct segment_stats *s, int dim);
void segment_stats_fini(struct segment_stats *s);
/* Adds one row [Z, y] (Welford update: exact for data far from zero). */
void segment_stats_add(struct segment_stats *s, const double *row);
/* out = a + b (pooled mean and scatter); out must be initialised with the same dim. */
void segment_stats_merge(struct segment_stats *out, const struct segment_stats *a,
                         const struct segment_stats *b);

/* Residual sum of squares of the target (last coordinate) on [1, the others], from s alone;
 * collinear parents are dropped (their count goes to *kept when kept is not NULL). */
double segment_stats_rss(const struct segment_stats *s, int *kept);

struct linear_change {
    double p_mean, p_coef, p_var; /* 1 when a test is not applicable (e.g. k = 0 for coef) */
    int dropped;                  /* parents dropped as collinear within some segment */
    double *coef;     /* [K * (k + 1)]: per-segment intercept then slopes (the driving force) */
    double *noise_sd; /* [K] per-segment residual standard deviation */
};

/* Runs the three tests for K >= 2 segments of dimension k + 1. Returns 0, or -1 with a message
 * when a segment has fewer than k + 3 rows. Fills out (release with linear_change_fini). */
int linear_change_test(const struct segment_stats *segs, int K, struct linear_change *out,
                       char *err, size_t errlen);
void linear_change_fini(struct linear_change *c);

#endif
