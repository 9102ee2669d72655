#include "parcorr.h"

#include "dist.h"
#include "xalloc.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* Makes room for condition sets of k members (at least doubling); drops the cached factor,
 * whose row stride changes. */
static void reserve(struct parcorr *pc, int k)
{
    if (k <= pc->max_k && pc->L) return;
    if (k < 2 * pc->max_k) k = 2 * pc->max_k;
    size_t m = (size_t)k + 2;
    pc->max_k = k;
    pc->L = xrealloc(pc->L, m * m * sizeof(double));
    pc->accepted = xrealloc(pc->accepted, m * sizeof(int));
    pc->prev_z = xrealloc(pc->prev_z, m * sizeof(int));
    pc->kept_upto = xrealloc(pc->kept_upto, m * sizeof(int));
    pc->prev_k = -1;
}

void parcorr_init(struct parcorr *pc, const double *R, int dim, long n, int max_k)
{
    pc->R = R;
    pc->entry = NULL;
    pc->entry_ctx = NULL;
    pc->dim = dim;
    pc->n = n;
    pc->max_k = 0;
    pc->L = NULL;
    pc->accepted = pc->prev_z = pc->kept_upto = NULL;
    reserve(pc, max_k > 0 ? max_k : 1);
    pc->prev_k = -1;
    pc->nreused = 0;
    pc->ntests = pc->ncollinear = pc->ndegenerate = pc->nlow_df = 0;
}

void parcorr_init_fn(struct parcorr *pc, parcorr_entry_fn entry, const void *ctx, int dim, long n,
                     int max_k)
{
    parcorr_init(pc, NULL, dim, n, max_k);
    pc->entry = entry;
    pc->entry_ctx = ctx;
}

void parcorr_fini(struct parcorr *pc)
{
    free(pc->L);
    free(pc->accepted);
    free(pc->prev_z);
    free(pc->kept_upto);
    pc->L = NULL;
    pc->accepted = pc->prev_z = pc->kept_upto = NULL;
}

void parcorr_set_matrix(struct parcorr *pc, const double *R, int dim, long n)
{
    pc->R = R;
    pc->entry = NULL;
    pc->dim = dim;
    pc->n = n;
    pc->prev_k = -1;
}

double parcorr_pvalue(double rho, int df)
{
    if (df < 1) return 1.0;
    double a = fabs(rho);
    if (a >= 1.0 - DBL_EPSILON) return 0.0;
    double t = a * sqrt((double)df / (1.0 - a * a));
    return dist_t_two_sided(t, (double)df);
}

/* Entry (u, v) of the matrix under test. */
static inline double rent(const struct parcorr *pc, int u, int v)
{
    return pc->R ? pc->R[(size_t)u * pc->dim + v] : pc->entry(pc->entry_ctx, u, v);
}

/* Forward substitution: w = L^-1 r where L is the m x m lower factor stored with row stride
 * `ld`, and r[a] = R[acc[a]][u]. Returns w.w. */
static double border(const struct parcorr *pc, const double *L, int ld, int m, const int *acc,
                     int u, double *w)
{
    double ww = 0.0;
    const double *Ru = pc->R ? pc->R + (size_t)u * pc->dim : NULL;
    /* fetch r first: the fetches do not depend on one another, so their cache misses overlap
     * (an entry function may read a large table) instead of waiting behind the substitution */
    for (int a = 0; a < m; a++) w[a] = Ru ? Ru[acc[a]] : pc->entry(pc->entry_ctx, u, acc[a]);
    for (int a = 0; a < m; a++) {
        double v = w[a];
        const double *La = L + (size_t)a * ld;
        for (int b = 0; b < a; b++) v -= La[b] * w[b];
        v /= La[a];
        w[a] = v;
        ww += v * v;
    }
    return ww;
}

/* Factors the conditions z[0..k) into pc->L (reusing the previous call's common prefix) and
 * returns the number of kept rows. */
static int factor_conditions(struct parcorr *pc, const int *z, int k)
{
    reserve(pc, k);
    int ld = pc->max_k + 2;
    double *L = pc->L;
    int *acc = pc->accepted;
    /* Reuse the factor rows of the longest common prefix with the previous call. */
    int same = 0;
    while (same < k && same < pc->prev_k && z[same] == pc->prev_z[same]) same++;
    int m = same ? pc->kept_upto[same - 1] : 0;
    pc->nreused += same;
    /* Border the remaining conditions one by one, dropping collinear ones. */
    for (int a = same; a < k; a++) {
        int u = z[a];
        pc->prev_z[a] = u;
        double *row = L + (size_t)m * ld;
        double ww = border(pc, L, ld, m, acc, u, row);
        double uu = rent(pc, u, u);
        double d2 = uu - ww;
        if (d2 <= PARCORR_COLLINEAR_EPS * uu) {
            pc->ncollinear++;
        } else {
            row[m] = sqrt(d2);
            acc[m++] = u;
        }
        pc->kept_upto[a] = m;
    }
    pc->prev_k = k;
    return m;
}

double parcorr_residual(struct parcorr *pc, int x, const int *z, int k, int *k_used)
{
    int m = factor_conditions(pc, z, k), ld = pc->max_k + 2;
    double *w = pc->L + (size_t)m * ld;
    double xx = rent(pc, x, x);
    double r = xx - border(pc, pc->L, ld, m, pc->accepted, x, w);
    if (k_used) *k_used = m;
    return r <= PARCORR_COLLINEAR_EPS * xx ? 0.0 : r;
}

void parcorr_test(struct parcorr *pc, int x, int y, const int *z, int k, struct ci_result *out)
{
    pc->ntests++;
    int m = factor_conditions(pc, z, k); /* may grow the scratch: read it afterwards */
    int ld = pc->max_k + 2;
    double *L = pc->L;
    int *acc = pc->accepted;
    /* Residual (co)variances of x and y given the kept conditions (Schur complement). */
    double *wx = L + (size_t)m * ld, *wy = L + (size_t)(m + 1) * ld;
    double xx = rent(pc, x, x), yy = rent(pc, y, y);
    double rxx = xx - border(pc, L, ld, m, acc, x, wx);
    double ryy = yy - border(pc, L, ld, m, acc, y, wy);
    double rxy = rent(pc, x, y);
    for (int a = 0; a < m; a++) rxy -= wx[a] * wy[a];

    out->k_used = m;
    out->df = (int)(pc->n - m - 2);
    out->degenerate = 0;
    out->low_df = 0;
    if (rxx <= PARCORR_COLLINEAR_EPS * xx || ryy <= PARCORR_COLLINEAR_EPS * yy) {
        pc->ndegenerate++;
        out->degenerate = 1;
        out->val = 0.0;
        out->pval = 1.0;
        return;
    }
    if (out->df < 1) {
        pc->nlow_df++;
        out->low_df = 1;
        out->val = 0.0;
        out->pval = 1.0;
        return;
    }
    double rho = rxy / sqrt(rxx * ryy);
    if (rho > 1.0) rho = 1.0;
    if (rho < -1.0) rho = -1.0;
    out->val = rho;
    out->pval = parcorr_pvalue(rho, out->df);
}
