/*
 * mech_change.h - the one mechanism-change primitive (docs/algorithms.md §8.2): is the regime
 * indicator C dependent on X_j given Pa(X_j)? Used by CD-NOD (C adjacent to X_j) and, later, by
 * the daemon's detector (C = reference vs current window).
 *
 * C is a segment label per row (0..K-1: two windows, K segments, or a categorical context).
 * Tests, by `enum mech_test`:
 *   MECH_FISHERZ  mean only: the F-test of the segment dummies given the parents (what
 *                 causal-learn's fisherz does with a context variable);
 *   MECH_CHOW     mean, coefficients and noise variance (segment_stats.h, exact from
 *                 sufficient statistics);
 *   MECH_RCIT     the three linear tests plus RCoT of (one-hot C) vs X_j given Pa(X_j), which
 *                 also catches changes of shape (rcot.h);
 *   MECH_KCI      KCI of (one-hot C) vs X_j given Pa(X_j) decides (kci.h); the linear tests
 *                 only name the kind.
 * The combined p-value is Bonferroni over the tests that decide (m * min p), so its false
 * positive rate stays at alpha; `kind` is the test with the smallest p-value.
 */
#ifndef CAUSALMON_MECH_CHANGE_H
#define CAUSALMON_MECH_CHANGE_H

#include "segment_stats.h"

#include <stddef.h>
#include <stdint.h>

enum change_kind { CHANGE_NONE = 0, CHANGE_MEAN, CHANGE_COEF, CHANGE_VARIANCE, CHANGE_SHAPE };
enum mech_test { MECH_FISHERZ = 0, MECH_CHOW, MECH_RCIT, MECH_KCI };

struct mech_result {
    double pval;                           /* combined p-value */
    enum change_kind kind;                 /* the kind whose test gave the smallest p-value */
    double p_mean, p_coef, p_var, p_shape; /* 1 where not run */
    struct linear_change lin;              /* per-segment intercept, slopes and noise sd */
};

/* Name of a change kind: "mean", "coefficients", "variance", "shape" ("none"). */
const char *change_kind_str(enum change_kind k);
/* Parses "fisherz", "chow", "rcit" or "kci". Returns 0, or -1 if unknown. */
int mech_test_parse(const char *s, enum mech_test *out);
const char *mech_test_str(enum mech_test t);

/* The regime indicator C. The linear tests always use the segment labels; the kernel tests use
 * the continuous context `value` when it is given (e.g. the time index, so a change is seen
 * wherever it falls, not only at block borders), else the one-hot segments. */
struct mech_regimes {
    const int *seg;      /* [n] segment of each row, 0..K-1 */
    int K;               /* >= 2 */
    const double *value; /* [n] continuous context for RCoT/KCI, or NULL */
};

/* Tests target y[0..n) with parents Z (n x k, row-major; k may be 0) across the regimes reg.
 * With MECH_RCIT, RCoT is skipped when the linear tests alone already give a combined p-value
 * <= skip_below (pass 0 to always run it): it could only lower the p-value further, never
 * change that decision. Returns 0 and fills *out (release with mech_result_fini), or -1 with a
 * message in err: a segment with too few rows for k parents. Pure; any thread. */
int mech_change_test(const double *y, const double *Z, int n, int k, const struct mech_regimes *reg,
                     enum mech_test test, uint64_t seed, double skip_below, struct mech_result *out,
                     char *err, size_t errlen);
void mech_result_fini(struct mech_result *r);

#endif
