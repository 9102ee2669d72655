/* monitor_window.c - one series of the change monitor over one window: statistics, fit and the
 * mechanism tests (change_monitor_impl.h). */
#include "change_monitor_impl.h"
#include "dist.h"
#include "segment_stats.h"
#include "xalloc.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cm_wstats_fini(struct wstats *w)
{
    if (w->ss.mean) segment_stats_fini(&w->ss);
    w->ok = 0;
}

/* Least-squares fit of y on [1, parents] from sufficient statistics (collinear parents ridged). */
static void fit(const struct segment_stats *ss, double *coef, double *sd)
{
    int d = ss->dim, k = d - 1;
    double A[MAXP * MAXP], b[MAXP];
    for (int a = 0; a < k; a++) {
        for (int c = 0; c < k; c++) A[a * k + c] = ss->scatter[a * d + c];
        A[a * k + a] += 1e-9 * ss->scatter[a * d + a] + 1e-12;
        b[a] = ss->scatter[a * d + k];
    }
    if (k && LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', k, 1, A, k, b, 1) != 0)
        memset(b, 0, (size_t)k * sizeof(double));
    coef[0] = ss->mean[k];
    double rss = ss->scatter[k * d + k];
    for (int a = 0; a < k; a++) {
        coef[1 + a] = b[a];
        coef[0] -= b[a] * ss->mean[a];
        rss -= b[a] * ss->scatter[a * d + k];
    }
    long df = ss->n - k - 1;
    *sd = df > 0 && rss > 0 ? sqrt(rss / (double)df) : 0.0;
}

/* Statistics of series j with parents par[0..np) over rows [lo, hi). Returns 0, or -1 when
 * fewer than np + 10 complete rows. */
int cm_window_stats(const struct change_monitor *m, int j, const int *par, int np, long lo, long hi,
                    const struct wstats *ref, struct wstats *w)
{
    double row[MAXP + 1];
    int plag[MAXP], pcol[MAXP];
    for (int a = 0; a < np; a++) {
        plag[a] = par[a] / m->N;
        pcol[a] = par[a] % m->N;
    }
    segment_stats_init(&w->ss, np + 1);
    for (long t = lo; t < hi; t++) {
        int ok = 1;
        for (int a = 0; a < np && ok; a++)
            ok = isfinite(row[a] = cm_value_at(m, t - plag[a], pcol[a]));
        if (ok && isfinite(row[np] = cm_value_at(m, t, j))) segment_stats_add(&w->ss, row);
    }
    if (w->ss.n < np + 10) {
        segment_stats_fini(&w->ss);
        w->ok = 0;
        return -1;
    }
    fit(&w->ss, w->coef, &w->sd);
    /* residuals under the reference fit when there is one (out of sample: a changed
     * coefficient or a new parent shows as a larger residual), else under this window's own */
    const double *cf = ref ? ref->coef : w->coef;
    double eps = 1e-9 * (w->sd > 0 ? w->sd : 1.0), s1 = 0, s2 = 0, r1 = 0;
    long n = 0;
    for (long t = lo; t < hi; t++) {
        double e = cm_value_at(m, t, j) - cf[0];
        for (int a = 0; a < np && isfinite(e); a++)
            e -= cf[1 + a] * cm_value_at(m, t - plag[a], pcol[a]);
        if (!isfinite(e)) continue;
        double l = log(fabs(e) + eps);
        r1 += e;
        s1 += l;
        s2 += l * l;
        n++;
    }
    w->la_n = n;
    w->la_mean = s1 / n;
    w->la_var = n > 1 ? fmax((s2 - s1 * s1 / n) / (n - 1), 1e-12) : 1.0;
    w->res_mean = r1 / n;
    if (ref) /* out of sample: inflated by the reference's estimation error */
        w->la_mean -= 0.5 * log(1.0 + (double)(np + 1) / (double)ref->ss.n);
    else /* in sample: shrunk by about sqrt((n - k - 1) / n) */
        w->la_mean -= 0.5 * log((double)(n - np - 1) / (double)n);
    w->ok = 1;
    return 0;
}

/* Partial correlation of the target (last) with each parent given the other parents. */
void cm_partial_corr(const struct segment_stats *ss, double *r)
{
    int d = ss->dim;
    double P[(MAXP + 1) * (MAXP + 1)];
    for (int a = 0; a < d * d; a++) P[a] = ss->scatter[a];
    for (int a = 0; a < d; a++) P[a * d + a] += 1e-9 * ss->scatter[a * d + a] + 1e-12;
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', d, P, d) != 0 ||
        LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'U', d, P, d) != 0) {
        for (int a = 0; a < d - 1; a++) r[a] = 0;
        return;
    }
    int y = d - 1;
    for (int a = 0; a < y; a++) { /* upper triangle holds the inverse */
        double v = -P[a * d + y] / sqrt(P[a * d + a] * P[y * d + y]);
        r[a] = fmax(-0.999999, fmin(0.999999, v));
    }
}

/* Standard errors of the slopes of a fit from its sufficient statistics and noise sd:
 * sd x sqrt(diag(scatter of the parents)^-1); 0 where the scatter is singular. */
void cm_coef_se(const struct segment_stats *ss, double sd, double *se)
{
    int d = ss->dim, k = d - 1;
    double P[MAXP * MAXP];
    for (int a = 0; a < k; a++)
        for (int c = 0; c < k; c++) P[a * k + c] = ss->scatter[a * d + c];
    for (int a = 0; a < k; a++) P[a * k + a] += 1e-9 * ss->scatter[a * d + a] + 1e-12;
    if (k == 0 || LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', k, P, k) != 0 ||
        LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'U', k, P, k) != 0) {
        for (int a = 0; a < k; a++) se[a] = 0;
        return;
    }
    for (int a = 0; a < k; a++) se[a] = sd * sqrt(fmax(P[a * k + a], 0));
}

double cm_normal_two_sided(double z)
{
    return erfc(fabs(z) / M_SQRT2);
}

/* Mechanism test of reference against recent; fills the p-values and the current fit. */
double cm_mech_test(const struct change_monitor_params *mp, const struct wstats *ref,
                    const struct wstats *cur, struct linear_change *lc, double *pm, double *pc,
                    double *pv)
{
    struct segment_stats segs[2] = {ref->ss, cur->ss};
    char err[128];
    *pm = *pc = *pv = 1.0;
    if (linear_change_test(segs, 2, lc, err, sizeof err) < 0) return 1.0;
    *pm = lc->p_mean;
    *pc = lc->p_coef;
    double t = (cur->la_mean - ref->la_mean) /
               sqrt(ref->la_var / (double)ref->la_n + cur->la_var / (double)cur->la_n);
    *pv = cm_normal_two_sided(t);
    /* practical significance: smaller effects are drift or tails, not a changed mechanism */
    double sd = ref->sd > 0 ? ref->sd : 1.0;
    if (fabs(cur->res_mean) < mp->min_shift * sd) *pm = 1.0;
    if (fabs(cur->la_mean - ref->la_mean) < log(mp->min_scale)) *pv = 1.0;
    int d = ref->ss.dim, k = d - 1;
    double q = 0; /* var of (coef_cur - coef_ref) . x over the recent rows, in reference noise */
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            q += (cur->coef[1 + a] - ref->coef[1 + a]) * (cur->coef[1 + b] - ref->coef[1 + b]) *
                 cur->ss.scatter[a * d + b];
    if (sqrt(fmax(q, 0) / (double)cur->ss.n) < mp->min_coef * sd) *pc = 1.0;
    double p = fmin(*pm, fmin(*pc, *pv));
    return fmin(1.0, 3.0 * p);
}

enum change_kind cm_kind_of(double pm, double pc, double pv)
{
    if (pc <= pm && pc <= pv) return CHANGE_COEF;
    return pv < pm ? CHANGE_VARIANCE : CHANGE_MEAN;
}

/* Estimated first row of the new regime: the split of the residuals (under the reference fit)
 * over [lo, hi) that best separates two Gaussian segments (mean and variance). */
long cm_change_point(const struct change_monitor *m, int j, const struct series *s, long lo,
                     long hi)
{
    int n = 0;
    long *at = xmallocarray((size_t)(hi - lo > 0 ? hi - lo : 1), sizeof(long));
    for (long t = lo; t < hi; t++) {
        double e = cm_value(m, t, j) - s->ref.coef[0];
        for (int a = 0; a < s->npar && isfinite(e); a++)
            e -= s->ref.coef[1 + a] * cm_value(m, t, s->par[a]);
        if (!isfinite(e)) continue;
        m->buf[n] = e;
        at[n++] = t;
    }
    long best_t = hi - m->p.recent;
    double best = INFINITY;
    /* a confirmed change has shown in a quarter of the recent window at least: shorter
     * segments at the ends would fit a fluctuation */
    int side = m->p.recent / 4 > 5 ? m->p.recent / 4 : 5;
    for (int k = side; k <= n - side; k++) {
        double c = 0;
        for (int side = 0; side < 2; side++) {
            int a0 = side ? k : 0, a1 = side ? n : k;
            double s1 = 0, s2 = 0;
            for (int a = a0; a < a1; a++) {
                s1 += m->buf[a];
                s2 += m->buf[a] * m->buf[a];
            }
            double cnt = a1 - a0, v = fmax(s2 / cnt - (s1 / cnt) * (s1 / cnt), 1e-12);
            c += cnt * log(v);
        }
        if (c < best) {
            best = c;
            best_t = at[k];
        }
    }
    free(at);
    return best_t;
}
