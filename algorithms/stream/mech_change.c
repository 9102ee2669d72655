#include "mech_change.h"

#include "kci.h"
#include "rcot.h"
#include "xalloc.h"

#include <lapacke.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const test_names[] = {"fisherz", "chow", "rcit", "kci"};

const char *change_kind_str(enum change_kind k)
{
    switch (k) {
    case CHANGE_MEAN:
        return "mean";
    case CHANGE_COEF:
        return "coefficients";
    case CHANGE_VARIANCE:
        return "variance";
    case CHANGE_SHAPE:
        return "shape";
    default:
        return "none";
    }
}

int mech_test_parse(const char *s, enum mech_test *out)
{
    for (int a = 0; a < 4; a++)
        if (strcmp(s, test_names[a]) == 0) {
            *out = (enum mech_test)a;
            return 0;
        }
    return -1;
}

const char *mech_test_str(enum mech_test t)
{
    return test_names[t];
}

/* Residual of the least-squares fit of y on [1, Z] over all rows (collinear parents ridged). */
static double *pooled_residual(const double *y, const double *Z, int n, int k)
{
    double *res = xmallocarray((size_t)n, sizeof(double));
    double *A = xmallocarray((size_t)n * (k + 1), sizeof(double));
    for (int r = 0; r < n; r++) {
        A[(size_t)r * (k + 1)] = 1.0;
        memcpy(A + (size_t)r * (k + 1) + 1, Z + (size_t)r * k, (size_t)k * sizeof(double));
        res[r] = y[r];
    }
    double *b = xmallocarray((size_t)n, sizeof(double));
    memcpy(b, y, (size_t)n * sizeof(double));
    lapack_int rank;
    double *sv = xmallocarray((size_t)k + 1, sizeof(double));
    if (LAPACKE_dgelss(LAPACK_ROW_MAJOR, n, k + 1, 1, A, k + 1, b, 1, sv, 1e-10, &rank) == 0) {
        for (int r = 0; r < n; r++) {
            double fit = b[0];
            for (int a = 0; a < k; a++) fit += b[1 + a] * Z[(size_t)r * k + a];
            res[r] = y[r] - fit;
        }
    }
    free(A);
    free(b);
    free(sv);
    return res;
}

int mech_change_test(const double *y, const double *Z, int n, int k, const struct mech_regimes *reg,
                     enum mech_test test, uint64_t seed, double skip_below, struct mech_result *out,
                     char *err, size_t errlen)
{
    const int *seg = reg->seg;
    int K = reg->K;
    memset(out, 0, sizeof *out);
    out->p_mean = out->p_coef = out->p_var = out->p_shape = 1.0;
    struct segment_stats *segs = xmallocarray((size_t)K, sizeof *segs);
    for (int s = 0; s < K; s++) segment_stats_init(&segs[s], k + 1);
    double *row = xmallocarray((size_t)k + 1, sizeof(double));
    for (int r = 0; r < n; r++) {
        memcpy(row, Z + (size_t)r * k, (size_t)k * sizeof(double));
        row[k] = y[r];
        segment_stats_add(&segs[seg[r]], row);
    }
    free(row);
    int rc = linear_change_test(segs, K, &out->lin, err, errlen);
    for (int s = 0; s < K; s++) segment_stats_fini(&segs[s]);
    free(segs);
    if (rc < 0) return -1;
    out->p_mean = out->lin.p_mean;
    out->p_coef = out->lin.p_coef;
    out->p_var = out->lin.p_var;

    /* RCoT can only lower the combined p-value; when the linear tests already reject at the
     * caller's level it cannot change the decision, so it is skipped (p_shape stays 1). */
    double m_all = k > 0 ? 4.0 : 3.0; /* tests in the RCIT combination */
    int linear_rejects = fmin(out->p_mean, fmin(out->p_coef, out->p_var)) * m_all <= skip_below;
    if (test == MECH_KCI || (test == MECH_RCIT && !linear_rejects)) {
        /* C: the continuous context, or the one-hot segments (already features for RCoT) */
        int dc = reg->value ? 1 : K;
        double *C = xcalloc((size_t)n * dc, sizeof(double));
        for (int r = 0; r < n; r++) {
            if (reg->value)
                C[r] = reg->value[r];
            else
                C[(size_t)r * K + seg[r]] = 1.0;
        }
        /* The kernel tests see the residual of the pooled linear fit: under "no change" its
         * law given Z is as time-invariant as y's, and without the linear part the shape is
         * not smeared by the parents' spread. */
        double *res = pooled_residual(y, Z, n, k);
        double stat;
        if (test == MECH_RCIT) {
            struct rcot_params rp;
            rcot_params_default(&rp, seed);
            rp.x_is_features = reg->value == NULL;
            rp.num_fy = 10; /* the residual carries the shape; the context is smooth */
            rcot_test(C, dc, res, 1, Z, k, n, &rp, &stat, &out->p_shape);
        } else {
            int used;
            kci_test(C, dc, res, 1, Z, k, n, &stat, &out->p_shape, &used);
        }
        free(res);
        free(C);
    }
    /* Which tests decide, and the Bonferroni combination over them. */
    double ps[4] = {out->p_mean, out->p_coef, out->p_var, out->p_shape};
    int decide[4] = {1, test != MECH_FISHERZ && k > 0, test != MECH_FISHERZ, test >= MECH_RCIT};
    if (test == MECH_KCI) decide[0] = decide[1] = decide[2] = 0;
    int m = 0, best = 0;
    double pmin = 1.0;
    for (int a = 0; a < 4; a++) {
        if (decide[a]) {
            m++;
            if (ps[a] < pmin) pmin = ps[a];
        }
        /* KCI decides alone; the linear tests still name the kind */
        if ((decide[a] || test == MECH_KCI) && (ps[a] < ps[best] || !decide[best])) best = a;
    }
    out->pval = fmin(1.0, m * pmin);
    out->kind = (enum change_kind)(best + 1);
    return 0;
}

void mech_result_fini(struct mech_result *r)
{
    linear_change_fini(&r->lin);
}
