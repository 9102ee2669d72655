/* monitor_scan.c - the change monitor's scan for new lagged parents (change_monitor_impl.h). */
#include "change_monitor_impl.h"
#include "link_scan.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Fills the scan's matrices for rows [lo, lo + n): residuals of every series with a reference
 * (refs[j], rows from `floor` on when floor is set) and the candidates, node (1 + c / N) * N +
 * c % N for column c. */
static void scan_rows(struct change_monitor *m, const struct wstats *const *refs, long lo, int n,
                      int floor)
{
    int N = m->N, K = m->K;
    for (int j = 0; j < N; j++) {
        const struct series *s = &m->s[j];
        int np = s->npar, plag[MAXP], pcol[MAXP];
        for (int a = 0; a < np; a++) {
            plag[a] = s->par[a] / N;
            pcol[a] = s->par[a] % N;
        }
        const double *cf = refs[j] ? refs[j]->coef : NULL;
        for (int r = 0; r < n; r++) {
            long t = lo + r;
            double e = NAN;
            if (cf && (!floor || t >= s->floor_row)) { /* the residual under the fit cf */
                e = cm_value_at(m, t, j) - cf[0];
                for (int a = 0; a < np && isfinite(e); a++)
                    e -= cf[1 + a] * cm_value_at(m, t - plag[a], pcol[a]);
            }
            m->E[(size_t)r * N + j] = e;
        }
    }
    for (int r = 0; r < n; r++)
        for (int lag = 1; lag <= K / N; lag++) /* column c: lag 1 + c / N of series c % N */
            for (int i = 0; i < N; i++)
                m->Z[(size_t)r * K + (size_t)(lag - 1) * N + i] = cm_value_at(m, lo + r - lag, i);
}

/* The new-parent scan of a round: the trailing reference window [lo0, hi0) (the correlations
 * of a series whose reference was frozen this round are kept as its reference's) and the recent
 * window [lo1, hi1); sets scan_p and scan_best of every series. refs[j]: the fit series j is tested
 * against (NULL: none this round). */
void cm_scan(struct change_monitor *m, const struct wstats *const *refs, long lo0, long hi0,
             long lo1, long hi1)
{
    int N = m->N, K = m->K, n0 = (int)(hi0 - lo0), n1 = (int)(hi1 - lo1);
    double *mu0 = xmallocarray((size_t)K, sizeof(double)),
           *sd0 = xmallocarray((size_t)K, sizeof(double)),
           *mu1 = xmallocarray((size_t)K, sizeof(double)),
           *sd1 = xmallocarray((size_t)K, sizeof(double));
    scan_rows(m, refs, lo0, n0, 1);
    link_scan_moments(m->Z, n0, K, mu0, sd0);
    link_scan_corr(m->E, n0, N, m->Z, K, m->r0);
    scan_rows(m, refs, lo1, n1, 0);
    link_scan_moments(m->Z, n1, K, mu1, sd1);
    link_scan_corr(m->E, n1, N, m->Z, K, m->r1);
    /* A candidate whose own level moved is no candidate: a step shared by two series (one
     * drives the other, or both follow a third) correlates them within the recent window
     * whatever their links. */
    int *moved = xcalloc((size_t)K, sizeof(int)), *skip = xcalloc((size_t)K, sizeof(int));
    int *known = xmallocarray((size_t)m->p.tau_max + MAXP, sizeof(int));
    for (int c = 0; c < K; c++) moved[c] = !(fabs(mu1[c] - mu0[c]) < m->p.min_shift * sd0[c]);
    free(mu0);
    free(sd0);
    free(mu1);
    free(sd1);
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        if (s->scan_fresh && refs[j]) { /* just frozen: the reference's correlations */
            if (!s->scan_r0) s->scan_r0 = xmallocarray((size_t)K, sizeof(double));
            memcpy(s->scan_r0, m->r0 + (size_t)j * K, (size_t)K * sizeof(double));
            s->scan_n0 = (int)(hi0 - (lo0 > s->floor_row ? lo0 : s->floor_row));
        }
        s->scan_fresh = 0;
        const double *r0 = s->scan_n0 > 0 ? s->scan_r0 : NULL;
        s->scan_p = 1.0;
        s->scan_best = -1;
        if (!refs[j] || !r0) continue;
        /* the known lagged parents: the series' own lags and its lagged parents (candidate c is
         * node (1 + c / N) * N + c % N, i.e. lag 1 + c / N of series c % N) */
        int nknown = 0;
        for (int c = j; c < K; c += N) known[nknown++] = c;
        for (int a = 0; a < s->npar; a++) {
            int lag = s->par[a] / N, i = s->par[a] % N;
            if (lag >= 1 && i != j) known[nknown++] = (lag - 1) * N + i;
        }
        memcpy(skip, moved, (size_t)K * sizeof(int));
        for (int a = 0; a < nknown; a++) skip[known[a]] = 1;
        const double *r1 = m->r1 + (size_t)j * K;
        s->scan_p = link_scan_test(r0, s->scan_n0, r1, n1, skip, K, m->p.min_link, &s->scan_best);
        /* A new parent must explain more than the known lagged parents do: when the residual
         * moved as much with a known parent (its own lag included), that parent's coefficient
         * changed, and a candidate that moved along is a copy or a proxy of it. */
        if (s->scan_best >= 0) {
            double dbest = fabs(r1[s->scan_best] - r0[s->scan_best]), dknown = 0;
            for (int a = 0; a < nknown; a++) {
                int c = known[a];
                dknown = fmax(dknown, fabs(r1[c] - r0[c]));
            }
            if (dknown >= 0.8 * dbest) {
                s->scan_p = 1.0;
                s->scan_best = -1;
            }
        }
    }
    free(known);
    free(skip);
    free(moved);
}
