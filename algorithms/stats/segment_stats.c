#include "segment_stats.h"

#include "dist.h"
#include "parcorr.h"
#include "xalloc.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void segment_stats_init(struct segment_stats *s, int dim)
{
    s->dim = dim;
    s->n = 0;
    s->mean = xcalloc((size_t)dim, sizeof(double));
    s->scatter = xcalloc((size_t)dim * dim, sizeof(double));
}

void segment_stats_fini(struct segment_stats *s)
{
    free(s->mean);
    free(s->scatter);
    s->mean = s->scatter = NULL;
}

void segment_stats_add(struct segment_stats *s, const double *row)
{
    int d = s->dim;
    double delta[64], *dl = d <= 64 ? delta : xmallocarray((size_t)d, sizeof(double));
    s->n++;
    for (int a = 0; a < d; a++) {
        dl[a] = row[a] - s->mean[a];
        s->mean[a] += dl[a] / (double)s->n;
    }
    double w = (double)(s->n - 1) / (double)s->n;
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) s->scatter[a * d + b] += w * dl[a] * dl[b];
    if (dl != delta) free(dl);
}

void segment_stats_merge(struct segment_stats *out, const struct segment_stats *a,
                         const struct segment_stats *b)
{
    int d = a->dim;
    long n = a->n + b->n;
    double f = n ? (double)a->n * (double)b->n / (double)n : 0.0;
    for (int p = 0; p < d; p++)
        for (int q = 0; q < d; q++)
            out->scatter[p * d + q] = a->scatter[p * d + q] + b->scatter[p * d + q] +
                                      f * (a->mean[p] - b->mean[p]) * (a->mean[q] - b->mean[q]);
    for (int p = 0; p < d; p++)
        out->mean[p] = n ? (a->mean[p] * (double)a->n + b->mean[p] * (double)b->n) / (double)n : 0;
    out->n = n;
}

/* RSS of the target (last coordinate) on the others, from a scatter matrix. */
static double rss(struct parcorr *pc, const double *S, int dim, const int *z, int *kept)
{
    parcorr_set_matrix(pc, S, dim, 0);
    return parcorr_residual(pc, dim - 1, z, dim - 1, kept);
}

double segment_stats_rss(const struct segment_stats *s, int *kept)
{
    int d = s->dim, k0;
    if (d == 1) {
        if (kept) *kept = 0;
        return s->scatter[0];
    }
    struct parcorr pc;
    int *z = xmallocarray((size_t)d, sizeof(int));
    for (int a = 0; a < d; a++) z[a] = a;
    parcorr_init(&pc, s->scatter, d, 0, d);
    double r = rss(&pc, s->scatter, d, z, &k0);
    parcorr_fini(&pc);
    free(z);
    if (kept) *kept = k0;
    return r;
}

/* Per-segment regression coefficients (intercept, slopes) and residual sd, for the report.
 * Collinear parents get slope 0. */
static void segment_fit(const struct segment_stats *s, double *coef, double *sd, double rss_s,
                        int kept)
{
    int d = s->dim, k = d - 1;
    double *A = xmallocarray((size_t)(k ? k * k : 1), sizeof(double));
    double *b = xcalloc((size_t)(k ? k : 1), sizeof(double));
    for (int p = 0; p < k; p++) {
        for (int q = 0; q < k; q++) A[p * k + q] = s->scatter[p * d + q];
        A[p * k + p] += 1e-12 * (A[p * k + p] + 1e-300); /* ridge against exact collinearity */
        b[p] = s->scatter[p * d + k];
    }
    if (k && LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', k, 1, A, k, b, 1) != 0)
        memset(b, 0, (size_t)k * sizeof(double));
    double icpt = s->mean[k];
    for (int p = 0; p < k; p++) {
        coef[1 + p] = b[p];
        icpt -= b[p] * s->mean[p];
    }
    coef[0] = icpt;
    long df = s->n - kept - 1;
    *sd = df > 0 ? sqrt(rss_s / (double)df) : 0.0;
    free(A);
    free(b);
}

int linear_change_test(const struct segment_stats *segs, int K, struct linear_change *out,
                       char *err, size_t errlen)
{
    int dim = segs[0].dim, k = dim - 1;
    memset(out, 0, sizeof *out);
    out->p_mean = out->p_coef = out->p_var = 1.0;
    for (int s = 0; s < K; s++)
        if (segs[s].n < k + 3) {
            snprintf(err, errlen,
                     "segment %d has %ld row(s), fewer than %d needed for %d parent(s) plus "
                     "intercept",
                     s, segs[s].n, k + 3, k);
            return -1;
        }
    out->coef = xcalloc((size_t)K * dim, sizeof(double));
    out->noise_sd = xcalloc((size_t)K, sizeof(double));
    struct parcorr pc;
    int *z = xmallocarray((size_t)dim, sizeof(int));
    for (int a = 0; a < dim; a++) z[a] = a;
    parcorr_init(&pc, segs[0].scatter, dim, 0, dim);

    struct segment_stats W, P, tmp;
    segment_stats_init(&W, dim);
    segment_stats_init(&P, dim);
    segment_stats_init(&tmp, dim);
    double rss_sep = 0, *rss_s = xmallocarray((size_t)K, sizeof(double));
    long n = 0;
    int *kept = xmallocarray((size_t)K, sizeof(int));
    for (int s = 0; s < K; s++) {
        rss_s[s] = rss(&pc, segs[s].scatter, dim, z, &kept[s]);
        if (kept[s] < k) out->dropped += k - kept[s];
        rss_sep += rss_s[s];
        n += segs[s].n;
        for (int a = 0; a < dim * dim; a++) W.scatter[a] += segs[s].scatter[a];
        segment_fit(&segs[s], out->coef + (size_t)s * dim, &out->noise_sd[s], rss_s[s], kept[s]);
        /* pooled: P = P + seg s */
        memcpy(tmp.mean, P.mean, (size_t)dim * sizeof(double));
        memcpy(tmp.scatter, P.scatter, (size_t)dim * dim * sizeof(double));
        tmp.n = P.n;
        segment_stats_merge(&P, &tmp, &segs[s]);
    }
    int kw, kp;
    double rss_within = rss(&pc, W.scatter, dim, z, &kw);
    double rss_pooled = rss(&pc, P.scatter, dim, z, &kp);

    double df_i = (double)(n - K - kw);
    if (df_i > 0 && rss_within > 0) {
        double F = ((rss_pooled - rss_within) / (K - 1)) / (rss_within / df_i);
        out->p_mean = dist_f_upper(F, K - 1, df_i);
    }
    double df_s = (double)n;
    int params = 0;
    for (int s = 0; s < K; s++) params += kept[s] + 1;
    df_s -= params;
    int df_c = params - (K + kw); /* extra slope parameters of the separate fits */
    if (k > 0 && df_c > 0 && df_s > 0 && rss_sep > 0) {
        double F = ((rss_within - rss_sep) / df_c) / (rss_sep / df_s);
        out->p_coef = dist_f_upper(F, df_c, df_s);
    }
    if (K == 2) {
        double d0 = (double)(segs[0].n - kept[0] - 1), d1 = (double)(segs[1].n - kept[1] - 1);
        if (rss_s[0] > 0 && rss_s[1] > 0) {
            double F = (rss_s[1] / d1) / (rss_s[0] / d0);
            double up = dist_f_upper(F, d1, d0);
            out->p_var = fmin(1.0, 2.0 * fmin(up, 1.0 - up));
        }
    } else {
        double tot_df = 0, sum_log = 0, inv = 0, pooled = 0;
        int ok = 1;
        for (int s = 0; s < K; s++) {
            double df = (double)(segs[s].n - kept[s] - 1);
            if (rss_s[s] <= 0) ok = 0;
            tot_df += df;
            pooled += rss_s[s];
            inv += 1.0 / df;
        }
        if (ok) {
            pooled /= tot_df;
            for (int s = 0; s < K; s++) {
                double df = (double)(segs[s].n - kept[s] - 1);
                sum_log += df * log(rss_s[s] / df);
            }
            double c = 1.0 + (inv - 1.0 / tot_df) / (3.0 * (K - 1));
            double T = (tot_df * log(pooled) - sum_log) / c;
            out->p_var = dist_chisq_upper(T, K - 1);
        }
    }
    parcorr_fini(&pc);
    segment_stats_fini(&W);
    segment_stats_fini(&P);
    segment_stats_fini(&tmp);
    free(rss_s);
    free(kept);
    free(z);
    return 0;
}

void linear_change_fini(struct linear_change *c)
{
    free(c->coef);
    free(c->noise_sd);
    c->coef = c->noise_sd = NULL;
}
