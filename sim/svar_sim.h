/*
 * svar_sim.h - seeded random structural VAR models and data, with their true graph.
 *
 * Model: x_j(t) = mean_j + sum_{tau=0..tau_max} sum_i a[i][j][tau] (x_i(t-tau) - mean_i)
 *                 + noise_sd_j e_j(t),   e ~ N(0, 1) i.i.d.
 * Contemporaneous coefficients (tau = 0) form a DAG along a random causal order. Every variable
 * has an autoregressive link at lag 1; cross links are drawn at random (a `contemp_frac` share of
 * them at lag 0, the rest at lags 1..tau_max). Lagged coefficients are scaled down until the
 * reduced-form process is stable (companion spectral radius <= 0.9), so no series explodes.
 * Deterministic for a given seed.
 */
#ifndef CAUSALMON_SVAR_SIM_H
#define CAUSALMON_SVAR_SIM_H

#include "rng.h"
#include "svar_graph.h"

#include <stddef.h>
#include <stdint.h>

struct svar_sim_params {
    int nvars;                 /* >= 1 */
    int tau_max;               /* >= 1: largest lag of a true link */
    double links_per_var;      /* cross links (i != j) per variable, on average */
    double contemp_frac;       /* share of cross links at lag 0, [0, 1] */
    double auto_min, auto_max; /* |lag-1 autoregressive coefficient| range */
    double coef_min, coef_max; /* |cross coefficient| range, random sign */
    double level;              /* mean level added to every series (test numerics at 1e9) */
    uint64_t seed;
};

struct svar_model {
    int nvars, tau_max;
    double *coef;     /* [(i * nvars + j) * (tau_max + 1) + tau], as svar_graph_at */
    double *noise_sd; /* [nvars] */
    double *mean;     /* [nvars] */
    int *order;       /* [nvars] causal order of the contemporaneous DAG */
};

/* Fills p with the defaults used by tests and benchmarks: 1 cross link per variable, 30 % of
 * them contemporaneous, |auto| in [0.4, 0.7], |cross| in [0.3, 0.5], level 0. */
void svar_sim_params_default(struct svar_sim_params *p, int nvars, int tau_max, uint64_t seed);

/* Draws a random stable model. Returns NULL with a message in err if the parameters are out of
 * range. The caller owns the model (svar_model_free). */
struct svar_model *svar_model_random(const struct svar_sim_params *p, char *err, size_t errlen);
void svar_model_free(struct svar_model *m);

/* Simulates T rows into X[T * nvars] (row-major) after `burnin` discarded rows, drawing noise
 * from r. */
void svar_model_simulate(const struct svar_model *m, struct rng *r, int T, int burnin, double *X);

/* Regime changes at a known time (for CD-NOD and the mechanism-change tests). Each changes only
 * the mechanism P(x_var | parents) from row `at` on; the variables downstream are symptoms. */
enum svar_change_kind {
    SVAR_CHANGE_COEF = 0,    /* a parent's coefficient drops to a quarter */
    SVAR_CHANGE_EDGE_ADD,    /* a new lag-1 parent appears (coefficient 0.5) */
    SVAR_CHANGE_EDGE_REMOVE, /* a parent's link disappears */
    SVAR_CHANGE_NOISE,       /* the noise standard deviation doubles */
    SVAR_CHANGE_MEAN,        /* the intercept shifts by 1.5 noise standard deviations */
    SVAR_CHANGE_NONLINEAR,   /* c x_i becomes c s (x_i^2 / s^2 - 1) / sqrt 2: same mean and
                                variance (x_i Gaussian with sd s), different shape */
    SVAR_CHANGE_KINDS,       /* the six kinds above; the one below is an extra hard case */
    SVAR_CHANGE_SIGN_FLIP = SVAR_CHANGE_KINDS, /* a parent's coefficient flips sign: the child's
                                marginal law stays the same, so with a contemporaneous parent
                                the change is symmetric between parent and child (not
                                identifiable) */
    SVAR_CHANGE_ALL
};

struct svar_change {
    enum svar_change_kind kind;
    int var;      /* the variable whose mechanism changes */
    int parent;   /* the parent involved (coef, edge, nonlinear), else -1 */
    int lag;      /* that parent's lag */
    int at;       /* first row (after burn-in) of the new regime */
    int set_coef; /* nonzero: the changed coefficient becomes coef_after (coef, edge kinds) */
    double coef_after;
};

/* Name of a change kind ("coefficient", "edge_added", ...). */
const char *svar_change_kind_str(enum svar_change_kind k);

/* Picks a variable (and, where the kind needs one, the cross parent with the largest
 * |coefficient| x noise sd relative to the child's noise sd) for a change of `kind` at row
 * `at`, deterministically from r. Returns 0, or -1 if the model has no suitable variable. */
int svar_change_pick(const struct svar_model *m, enum svar_change_kind kind, int at, struct rng *r,
                     struct svar_change *out);

/* Picks a small contemporaneous change of `kind` at row `at` (the hard cases of CD-NOD):
 *   SVAR_CHANGE_COEF         a contemporaneous parent's coefficient c becomes -0.93 c (0.28 ->
 * -0.26); SVAR_CHANGE_EDGE_ADD     a new contemporaneous parent (earlier in the causal order) with
 *                            coefficient +-size;
 *   SVAR_CHANGE_EDGE_REMOVE  the contemporaneous parent with the largest contribution vanishes;
 *   SVAR_CHANGE_NOISE, SVAR_CHANGE_MEAN as svar_change_pick.
 * The parent of a coefficient or removal is the contemporaneous one with the largest
 * |coefficient| x noise sd ratio. Returns 0, or -1 if the model has no suitable variable. */
int svar_change_pick_contemp(const struct svar_model *m, enum svar_change_kind kind, int at,
                             double size, struct rng *r, struct svar_change *out);

/* Like svar_model_simulate, switching to the changed mechanism at row ch->at. */
void svar_model_simulate_change(const struct svar_model *m, const struct svar_change *ch,
                                struct rng *r, int T, int burnin, double *X);

/* The true graph: (i, j, tau) = --> for every nonzero coefficient (contemporaneous links also
 * get their <-- mirror). p-values are 0 and val the coefficient. Caller frees the graph. */
struct svar_graph *svar_model_truth(const struct svar_model *m);

#endif
