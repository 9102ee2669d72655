/* monitor_rows.c - the change monitor's per-row likelihood-ratio CUSUMs on every series'
 * residual under its frozen reference (change_monitor_impl.h).
 *
 * For series j with a frozen reference (intercept, coefficients given its parents, noise sd),
 * the standardised residual of row t is z_t = (x_j,t - fit_t) / sd, N(0, 1) under no change. A
 * change of the coefficient of parent c adds delta x_c,t to it (a vanished link: -coef x_c,t). For
 * every learned parent from another series (and, with row_watch, the own lags and the intercept
 * x_c = 1), with both signs and two effect sizes a (row_effect and twice it; the intercept: 2
 * min_shift), a CUSUM adds the log-likelihood ratio of "z_t = +-a x_c,t + noise" against "z_t =
 * noise", x_c standardised by its series' reference mean and sd:
 *     S = max(0, S + min(+-a x z - a^2 x^2 / 2, ROW_CAP))
 * so the evidence grows at the information rate of the change (a d - a^2 / 2 per row for an
 * effect of d sds, d^2 / 2 when a = d) instead of round by round; the drift is positive only
 * for effects beyond a / 2. z and x are clipped to +-ROW_CLIP and a row adds at most ROW_CAP (a
 * burst of heavy-tailed outliers in a parent and its child is not a changed link). Under no
 * change exp(S) is a supermartingale from each reset on, so one CUSUM alarms at h with a run
 * length >= e^h (Wald); with M CUSUMs per series, n series with a reference and a wanted rate of
 * F alarms per 10,000 rows, h = ln(n M 10,000 / F). The reference is estimated, and drift and
 * cycles leave the residual not quite N(0, 1), so F is set well below the wanted rate
 * (bench/monitor measures it); and a CUSUM is window-limited: evidence that has built up for
 * more than gap + 2 recent rows starts again (such a slow rise is drift or a cycle's leftovers
 * against a reference that old, left to the rounds). The estimate of the change point is the
 * row after the alarming CUSUM's last reset. New parents are left to the rounds' scan
 * (monitor_scan.c): a parent the learned graph misses, a cycle's leftovers or drift keep the
 * residual correlated with many candidates, and per-row CUSUMs on all of them raised false alarms.
 */
#include "change_monitor_impl.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROW_CLIP 3.0
#define ROW_CAP  2.0 /* largest evidence one row adds */

/* Deseasoned value of series i at row u from the ring (NaN when missing or out of the ring). */
static double row_value(const struct change_monitor *m, long u, int i)
{
    if (u < 0 || u < m->rows - m->H) return NAN;
    double v = m->ring[(size_t)(u % m->H) * m->N + i];
    const struct series *s = &m->s[i];
    return s->period > 0 ? v - s->profile[u % s->period] : v;
}

static double clip(double v)
{
    return v > ROW_CLIP ? ROW_CLIP : v < -ROW_CLIP ? -ROW_CLIP : v;
}

void cm_rows_reset(struct change_monitor *m, int j)
{
    struct series *s = &m->s[j];
    memset(s->rs, 0, sizeof s->rs);
    for (int c = 0; c < ROW_SLOTS; c++) s->rr[c] = m->rows;
    s->row_alarm = 0;
}

double cm_rows_threshold(const struct change_monitor *m, int ncusums, int nseries)
{
    double M = ncusums > 0 ? ncusums : 1, n = nseries > 0 ? nseries : 1;
    return log(n * M * 1e4 / m->p.row_false_alarms);
}

/* Standardised value of series i at row u (NaN without a reference or a value). */
static double std_value(const struct change_monitor *m, long u, int i)
{
    const struct series *s = &m->s[i];
    if (!s->ref.ok) return NAN;
    int d = s->ref.ss.dim;
    double mu = s->ref.ss.mean[d - 1],
           sd = sqrt(fmax(s->ref.ss.scatter[(d - 1) * d + d - 1], 0) / (double)s->ref.ss.n);
    double v = row_value(m, u, i);
    return sd > 0 && isfinite(v) ? clip((v - mu) / sd) : NAN;
}

/* Whether slot c of series j (parent c, or the intercept at npar) has per-row CUSUMs. */
static int watched(const struct change_monitor *m, const struct series *s, int j, int c)
{
    if (c == s->npar) return m->p.row_watch & ROW_WATCH_MEAN;
    if (s->par[c] % m->N == j) return m->p.row_watch & ROW_WATCH_OWN;
    return 1;
}

int cm_rows_update(struct change_monitor *m)
{
    const struct change_monitor_params *p = &m->p;
    if (!(p->row_effect > 0)) return 0;
    int N = m->N, alarms = 0, nref = 0;
    long t = m->rows - 1, span = p->gap + 2L * p->recent;
    for (int i = 0; i < N; i++) nref += m->s[i].ref.ok;
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        if (s->state != QUIET || !s->ref.ok || s->row_alarm || !(s->ref.sd > 0)) continue;
        double e = row_value(m, t, j) - s->ref.coef[0], x[MAXP + 1];
        for (int b = 0; b < s->npar && isfinite(e); b++) {
            int lag = s->par[b] / N, i = s->par[b] % N;
            e -= s->ref.coef[1 + b] * row_value(m, t - lag, i);
            x[b] = std_value(m, t - lag, i);
        }
        if (!isfinite(e)) continue;
        x[s->npar] = 1.0; /* the intercept */
        double z = clip(e / s->ref.sd), best = 0;
        int arg = -1, ncus = 0;
        for (int c = 0; c <= s->npar; c++) {
            if (!watched(m, s, j, c)) continue;
            ncus += c == s->npar ? 2 : 4;
            if (!isfinite(x[c])) continue;
            for (int k = 0; k < 4; k++) { /* sign, size */
                if (c == s->npar && k >= 2) break;
                double a = c == s->npar ? 2.0 * p->min_shift : p->row_effect * (k < 2 ? 1 : 2);
                double u = a * x[c] * z, q = 0.5 * a * a * x[c] * x[c];
                double *S = &s->rs[4 * c + k];
                *S += fmin((k % 2 ? -u : u) - q, ROW_CAP);
                if (*S <= 0 || m->rows - s->rr[4 * c + k] > span) {
                    *S = 0;
                    s->rr[4 * c + k] = m->rows;
                } else if (*S > best) {
                    best = *S;
                    arg = 4 * c + k;
                }
            }
        }
        double h = cm_rows_threshold(m, ncus, nref);
        if (arg < 0 || best < h) continue;
        int c = arg / 4;
        s->row_alarm = 1;
        s->row_p = fmin(1.0, ncus * exp(-best));
        s->row_change = s->rr[arg];
        s->row_node = c < s->npar ? s->par[c] : -1;
        alarms++;
    }
    return alarms;
}
