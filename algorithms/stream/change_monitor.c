/* change_monitor.c - mechanisms and links, reference against recent window (change_monitor.h). */
#include "change_monitor.h"

#include "dist.h"
#include "fdr.h"
#include "link_scan.h"
#include "svar_limits.h"
#include "seasonality.h"
#include "segment_stats.h"
#include "xalloc.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXP (CHANGE_MONITOR_MAX_PARENTS + 8)

enum { QUIET = 0, SUSPECT, CHANGED };

/* Statistics of one window for one series: sufficient statistics of [parents, y], the fit,
 * and the mean and variance of log |residual|. */
struct wstats {
    struct segment_stats ss;
    double coef[MAXP + 1], sd;
    double la_mean, la_var;
    double res_mean; /* mean residual */
    long la_n;
    int ok;
};

struct series {
    int npar, par[MAXP];
    int pending, npend, pend[MAXP]; /* parents to take once quiet */
    int state, streak, revert;
    int reported;   /* CHANGED: the event went out (it waits for rows after the change point) */
    long floor_row; /* the trailing reference never starts before this row */
    long change_row;
    double pq[2];          /* p and q of the confirming round */
    enum change_kind kind; /* of the confirmed change */
    struct wstats ref;     /* frozen reference (SUSPECT, CHANGED) */
    int period;
    double *profile; /* [period] */
    double level;    /* of the deseasoned series */
    long nseen;
    double centre, absdev; /* for clipping outliers */
    /* new-parent scan: reference correlations frozen with the reference ([K], lazily), the
     * p-value and best candidate of the last scan, the new parent of a confirmed change */
    double *scan_r0;
    int scan_n0;
    double scan_p;
    int scan_best, scan_node;
    double scan_rb, scan_ra;
};

struct change_monitor {
    struct change_monitor_params p;
    int N, H; /* ring rows */
    double *ring;
    long rows;
    struct series *s;
    int changed;
    /* per-round scratch */
    double *pm, *qm;
    double *buf;
    /* new-parent scan: K = N x tau_max candidates; correlations of the last scan; scratch */
    int K;
    long next_scan;
    double *r0, *r1, *E, *Z;
};

void change_monitor_params_default(struct change_monitor_params *p)
{
    p->tau_max = 2;
    p->reference = 300;
    p->gap = 60;
    p->recent = 80;
    p->every = 10;
    p->alpha = 0.001;
    p->confirm = 3;
    p->adopt = 300;
    p->deseason = 1;
    p->reseason = 1000;
    p->min_shift = 1.0;
    p->min_scale = 1.2;
    p->min_coef = 0.2;
    p->scan_every = 10;
    p->min_link = 0.2;
}

struct change_monitor *change_monitor_new(const struct change_monitor_params *p, int nseries,
                                          char *err, size_t errlen)
{
    if (nseries < 1 || p->tau_max < 0 || p->tau_max > SVAR_TAU_MAX_LIMIT || p->reference < 30 ||
        p->recent < 20 || p->gap < 0 || p->every < 1 || !(p->alpha > 0 && p->alpha <= 0.5) ||
        p->confirm < 1 || p->adopt < p->recent || p->reseason < 1 || p->scan_every < 0 ||
        !(p->min_link >= 0 && p->min_link < 1)) {
        snprintf(err, errlen,
                 "change monitor: parameters out of range (reference >= 30, recent >= 20, gap "
                 ">= 0, every >= 1, alpha in (0, 0.5], confirm >= 1, adopt >= recent, "
                 "scan_every >= 0, min_link in [0, 1))");
        return NULL;
    }
    if (p->recent <= MAXP + 3) {
        snprintf(err, errlen, "change monitor: recent window %d rows, more than %d needed",
                 p->recent, MAXP + 3);
        return NULL;
    }
    struct change_monitor *m = xcalloc(1, sizeof *m);
    m->p = *p;
    m->N = nseries;
    m->H = p->reference + p->gap + p->recent + p->tau_max + 1;
    m->ring = xmallocarray((size_t)m->H * nseries, sizeof(double));
    for (size_t a = 0; a < (size_t)m->H * nseries; a++) m->ring[a] = NAN;
    m->s = xcalloc((size_t)nseries, sizeof *m->s);
    for (int j = 0; j < nseries; j++) {
        struct series *s = &m->s[j];
        for (int lag = 1; lag <= p->tau_max && s->npar < MAXP; lag++)
            s->par[s->npar++] = lag * nseries + j;
    }
    m->pm = xmallocarray((size_t)nseries, sizeof(double));
    m->qm = xmallocarray((size_t)nseries, sizeof(double));
    m->buf = xmallocarray((size_t)m->H, sizeof(double));
    for (int j = 0; j < nseries; j++) {
        m->s[j].scan_p = 1.0;
        m->s[j].scan_best = m->s[j].scan_node = -1;
    }
    if (p->scan_every > 0 && p->tau_max > 0) {
        m->K = nseries * p->tau_max;
        size_t rows = (size_t)(p->reference > p->recent ? p->reference : p->recent);
        m->r0 = xcalloc((size_t)nseries * m->K, sizeof(double));
        m->r1 = xcalloc((size_t)nseries * m->K, sizeof(double));
        m->E = xmallocarray(rows * nseries, sizeof(double));
        m->Z = xmallocarray(rows * m->K, sizeof(double));
    }
    return m;
}

static void wstats_fini(struct wstats *w)
{
    if (w->ss.mean) segment_stats_fini(&w->ss);
    w->ok = 0;
}

void change_monitor_free(struct change_monitor *m)
{
    if (!m) return;
    for (int j = 0; j < m->N; j++) {
        wstats_fini(&m->s[j].ref);
        free(m->s[j].profile);
        free(m->s[j].scan_r0);
    }
    free(m->r0);
    free(m->r1);
    free(m->E);
    free(m->Z);
    free(m->s);
    free(m->ring);
    free(m->pm);
    free(m->qm);
    free(m->buf);
    free(m);
}

long change_monitor_rows(const struct change_monitor *m)
{
    return m->rows;
}

int change_monitor_changed(const struct change_monitor *m)
{
    return m->changed;
}

int change_monitor_period(const struct change_monitor *m, int j)
{
    return j >= 0 && j < m->N ? m->s[j].period : 0;
}

static int set_parents(struct change_monitor *m, struct series *s, int j, const int *nodes, int n)
{
    int N = m->N, np = 0;
    for (int lag = 1; lag <= m->p.tau_max && np < MAXP; lag++) s->par[np++] = lag * N + j;
    for (int a = 0; a < n && np < MAXP; a++) {
        int dup = 0;
        for (int b = 0; b < np; b++) dup |= s->par[b] == nodes[a];
        if (!dup) s->par[np++] = nodes[a];
    }
    s->npar = np;
    return 0;
}

int change_monitor_set_parents(struct change_monitor *m, int j, const int *nodes, int n)
{
    if (j < 0 || j >= m->N || n < 0) return -1;
    int N = m->N, keep = 0, tmp[MAXP];
    for (int a = 0; a < n; a++) {
        int lag = nodes[a] / N, i = nodes[a] % N;
        if (nodes[a] < 0 || lag > m->p.tau_max || (lag == 0 && i == j)) return -1;
        if (keep < CHANGE_MONITOR_MAX_PARENTS && i != j) tmp[keep++] = nodes[a];
    }
    struct series *s = &m->s[j];
    if (s->state != QUIET) { /* keep the parents the reference was measured with */
        s->pending = 1;
        s->npend = keep;
        memcpy(s->pend, tmp, (size_t)keep * sizeof(int));
        return 0;
    }
    return set_parents(m, s, j, tmp, keep);
}

/* Value of node (lag * N + i) at row t (0-based count of pushed rows), deseasoned. */
static double value(const struct change_monitor *m, long t, int node)
{
    int lag = node / m->N, i = node % m->N;
    long u = t - lag;
    if (u < 0 || u < m->rows - m->H) return NAN;
    double v = m->ring[(size_t)(u % m->H) * m->N + i];
    const struct series *s = &m->s[i];
    if (s->period > 0) v -= s->profile[u % s->period];
    return v;
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
static int window_stats(const struct change_monitor *m, int j, const int *par, int np, long lo,
                        long hi, const struct wstats *ref, struct wstats *w)
{
    double row[MAXP + 1];
    segment_stats_init(&w->ss, np + 1);
    for (long t = lo; t < hi; t++) {
        int ok = 1;
        for (int a = 0; a < np && ok; a++) ok = isfinite(row[a] = value(m, t, par[a]));
        if (ok && isfinite(row[np] = value(m, t, j))) segment_stats_add(&w->ss, row);
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
        double e = value(m, t, j) - cf[0];
        for (int a = 0; a < np && isfinite(e); a++) e -= cf[1 + a] * value(m, t, par[a]);
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
static void partial_corr(const struct segment_stats *ss, double *r)
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
static void coef_se(const struct segment_stats *ss, double sd, double *se)
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

static double normal_two_sided(double z)
{
    return erfc(fabs(z) / M_SQRT2);
}

/* Mechanism test of reference against recent; fills the p-values and the current fit. */
static double mech_test(const struct change_monitor_params *mp, const struct wstats *ref,
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
    *pv = normal_two_sided(t);
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

static enum change_kind kind_of(double pm, double pc, double pv)
{
    if (pc <= pm && pc <= pv) return CHANGE_COEF;
    return pv < pm ? CHANGE_VARIANCE : CHANGE_MEAN;
}

/* Estimated first row of the new regime: the split of the residuals (under the reference fit)
 * over [lo, hi) that best separates two Gaussian segments (mean and variance). */
static long change_point(const struct change_monitor *m, int j, const struct series *s, long lo,
                         long hi)
{
    int n = 0;
    long *at = xmallocarray((size_t)(hi - lo > 0 ? hi - lo : 1), sizeof(long));
    for (long t = lo; t < hi; t++) {
        double e = value(m, t, j) - s->ref.coef[0];
        for (int a = 0; a < s->npar && isfinite(e); a++)
            e -= s->ref.coef[1 + a] * value(m, t, s->par[a]);
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

static void fill_event(struct change_event *e, enum change_event_type type, int j,
                       const struct series *s, long row)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    e->series = j;
    e->row = row;
    e->change_row = s->change_row;
    e->nparents = s->npar;
    memcpy(e->parents, s->par, (size_t)s->npar * sizeof(int));
    e->link_from = -1;
    e->r_before = e->r_after = NAN;
}

/* Seasonal profiles: every column of the ring is checked for a cycle; a newly found period
 * starts its profile from the per-phase means over the ring (smoothed over neighbouring
 * phases); the profile is then refined at every row (profile_update). A column without a
 * cycle any more loses its profile. */
static void deseason(struct change_monitor *m)
{
    int H = m->H - m->p.tau_max - 1, N = m->N;
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        double sum = 0;
        int cnt = 0;
        for (int a = 0; a < H; a++) {
            long t = m->rows - H + a;
            double v = m->ring[(size_t)(t % m->H) * N + j];
            m->buf[a] = v;
            if (isfinite(v)) {
                sum += v;
                cnt++;
            }
        }
        if (cnt < H / 2) continue;
        for (int a = 0; a < H; a++)
            if (!isfinite(m->buf[a])) m->buf[a] = sum / cnt;
        int P = season_detect(m->buf, H);
        if (P == s->period) continue;
        free(s->profile);
        s->profile = NULL;
        s->period = 0;
        if (P < 2) continue;
        double *raw = xcalloc((size_t)P, sizeof(double)),
               *prof = xcalloc((size_t)P, sizeof(double));
        int *n = xcalloc((size_t)P, sizeof(int));
        for (int a = 0; a < H; a++) {
            int ph = (int)((m->rows - H + a) % P);
            raw[ph] += m->buf[a] - sum / cnt;
            n[ph]++;
        }
        for (int ph = 0; ph < P; ph++) raw[ph] = n[ph] ? raw[ph] / n[ph] : 0;
        int w = P / 20; /* smoothing half-width */
        for (int ph = 0; ph < P; ph++) {
            double acc = 0;
            for (int d = -w; d <= w; d++) acc += raw[((ph + d) % P + P) % P];
            prof[ph] = acc / (2 * w + 1);
        }
        s->profile = prof;
        s->period = P;
        s->level = sum / cnt;
        free(raw);
        free(n);
    }
}

/* Refines the profile of series j with the value x of row t (exponential averages of the level
 * and of each phase's deviation from it). */
static void profile_update(struct series *s, long t, double x)
{
    if (s->period <= 0 || !isfinite(x)) return;
    int ph = (int)(t % s->period);
    s->level += 0.002 * (x - s->profile[ph] - s->level);
    s->profile[ph] += 0.05 * (x - s->level - s->profile[ph]);
}

/* Clips x to the series' centre +- CLIP robust sds (exponential averages of the value and of
 * its absolute deviation): a heavy-tailed outlier must not pass for a changed coefficient. */
#define CLIP 6.0
static double clip(struct series *s, double x)
{
    if (!isfinite(x)) return x;
    if (s->nseen++ == 0) {
        s->centre = x;
        s->absdev = 0;
        return x;
    }
    double lim = CLIP * 1.25 * s->absdev, v = x;
    if (s->nseen > 50 && lim > 0) v = fmin(s->centre + lim, fmax(s->centre - lim, x));
    double lam = s->nseen < 100 ? 1.0 / (double)s->nseen : 0.01;
    s->absdev += lam * (fabs(v - s->centre) - s->absdev);
    s->centre += lam * (v - s->centre);
    return v;
}

static int emit(struct change_event *ev, int maxev, int n, const struct change_event *e)
{
    if (n < maxev) ev[n] = *e;
    return n + 1;
}

/* A change of series j is confirmed: the mechanism event, measured on the rows after the
 * estimated change point (a window that straddles a step in the mean shows a spurious
 * autocorrelation), and, for a change of the coefficients, the links whose partial correlation
 * moved (Fisher-z difference, BH across the series' parents). */
static int confirmed(struct change_monitor *m, int j, const struct wstats *cur, long now, double p,
                     double q, struct change_event *ev, int maxev, int nev)
{
    const struct change_monitor_params *mp = &m->p;
    struct series *s = &m->s[j];
    struct wstats post = {0};
    const struct wstats *after = cur;
    double pm, pc, pv;
    struct linear_change lc = {0};
    if (window_stats(m, j, s->par, s->npar, s->change_row, now, &s->ref, &post) == 0 &&
        post.ss.n >= 2 * (s->npar + 5))
        after = &post;
    mech_test(mp, &s->ref, after, &lc, &pm, &pc, &pv);
    linear_change_fini(&lc);
    struct change_event e;
    fill_event(&e, CHANGE_EVENT_MECHANISM, j, s, now);
    e.pval = p;
    e.qval = q;
    e.p_mean = pm;
    e.p_coef = pc;
    e.p_var = pv;
    /* The kind: residuals under the reference fit move with every kind of change, so the rows
     * after the change are also fitted on their own: a new noise scale shows in their own fit;
     * a mean shift as a mean residual under the reference fit; else the coefficients. */
    double ratio = s->ref.sd > 0 ? after->sd / s->ref.sd : 1.0,
           sd = s->ref.sd > 0 ? s->ref.sd : 1.0;
    double d0 = (double)(s->ref.ss.n - s->npar - 1), d1 = (double)(after->ss.n - s->npar - 1);
    double up = d0 > 0 && d1 > 0 ? dist_f_upper(ratio * ratio, d1, d0) : 0.5;
    double p_ratio = fmin(1.0, 2.0 * fmin(up, 1.0 - up));
    if ((ratio >= mp->min_scale || ratio <= 1.0 / mp->min_scale) && p_ratio <= mp->alpha)
        e.kind = CHANGE_VARIANCE;
    else if (pm <= mp->alpha && fabs(after->res_mean) >= mp->min_shift * sd)
        e.kind = CHANGE_MEAN;
    else if (pc <= mp->alpha)
        e.kind = CHANGE_COEF;
    else
        e.kind = kind_of(pm, pc, pv);
    if (s->scan_node >= 0) e.kind = CHANGE_COEF; /* a new parent */
    s->kind = e.kind;
    memcpy(e.coef_before, s->ref.coef, (size_t)(s->npar + 1) * sizeof(double));
    memcpy(e.coef_after, after->coef, (size_t)(s->npar + 1) * sizeof(double));
    e.noise_before = s->ref.sd;
    e.noise_after = after->sd;
    nev = emit(ev, maxev, nev, &e);
    if (s->scan_node >= 0) { /* the new parent: correlation of the residual with it */
        fill_event(&e, CHANGE_EVENT_LINK, j, s, now);
        e.link_from = s->scan_node;
        e.r_before = s->scan_rb;
        e.r_after = s->scan_ra;
        e.pval = p;
        e.qval = q;
        e.kind = CHANGE_COEF;
        nev = emit(ev, maxev, nev, &e);
    }
    if (s->kind == CHANGE_COEF) {
        /* a link changed when its coefficient moved (t-test of the difference, BH across the
         * series' parents): a partial correlation also moves when only the parent's or the
         * other parents' spread changes, which is no change of the structure */
        double r0[MAXP], r1[MAXP], se0[MAXP], se1[MAXP], pl[MAXP], ql[MAXP];
        partial_corr(&s->ref.ss, r0);
        partial_corr(&after->ss, r1);
        coef_se(&s->ref.ss, s->ref.sd, se0);
        coef_se(&after->ss, after->sd, se1);
        for (int a = 0; a < s->npar; a++) {
            double v = se0[a] * se0[a] + se1[a] * se1[a];
            pl[a] = v > 0 && isfinite(v)
                        ? normal_two_sided((after->coef[1 + a] - s->ref.coef[1 + a]) / sqrt(v))
                        : 1.0;
        }
        fdr_bh(pl, (size_t)s->npar, ql);
        int d = after->ss.dim;
        for (int a = 0; a < s->npar; a++) {
            double sx = sqrt(after->ss.scatter[a * d + a] / (double)after->ss.n);
            double moved = fabs(after->coef[1 + a] - s->ref.coef[1 + a]) * sx;
            /* a link is between two series: the own lags are the series' mechanism */
            if (ql[a] > mp->alpha || s->par[a] % m->N == j ||
                moved < mp->min_coef * (s->ref.sd > 0 ? s->ref.sd : 1.0))
                continue;
            fill_event(&e, CHANGE_EVENT_LINK, j, s, now);
            e.link_from = s->par[a];
            e.r_before = r0[a];
            e.r_after = r1[a];
            e.pval = pl[a];
            e.qval = ql[a];
            e.kind = CHANGE_COEF;
            nev = emit(ev, maxev, nev, &e);
        }
    }
    wstats_fini(&post);
    return nev;
}

/* Residual of series j at row t under the fit cf (intercept, then slopes of par[0..np)). */
static double residual(const struct change_monitor *m, int j, const int *par, int np,
                       const double *cf, long t)
{
    double e = value(m, t, j) - cf[0];
    for (int a = 0; a < np && isfinite(e); a++) e -= cf[1 + a] * value(m, t, par[a]);
    return e;
}

/* Fills the scan's matrices for rows [lo, lo + n): residuals of every series with a reference
 * (refs[j], rows from `floor` on when floor is set) and the candidates, node (1 + c / N) * N +
 * c % N for column c. */
static void scan_rows(struct change_monitor *m, const struct wstats *const *refs, long lo, int n,
                      int floor)
{
    int N = m->N, K = m->K;
    for (int r = 0; r < n; r++) {
        long t = lo + r;
        for (int j = 0; j < N; j++) {
            const struct series *s = &m->s[j];
            m->E[(size_t)r * N + j] = refs[j] && (!floor || t >= s->floor_row)
                                          ? residual(m, j, s->par, s->npar, refs[j]->coef, t)
                                          : NAN;
        }
        for (int c = 0; c < K; c++) m->Z[(size_t)r * K + c] = value(m, t, (1 + c / N) * N + c % N);
    }
}

/* The new-parent scan of a round: the trailing reference window [lo0, hi0) (the correlations
 * every quiet series is compared with, kept in m->r0 for a freeze) and the recent window
 * [lo1, hi1); sets scan_p and scan_best of every series. refs[j]: the fit series j is tested
 * against (NULL: none this round). */
static void scan(struct change_monitor *m, const struct wstats *const *refs, long lo0, long hi0,
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
    for (int c = 0; c < K; c++) moved[c] = !(fabs(mu1[c] - mu0[c]) < m->p.min_shift * sd0[c]);
    free(mu0);
    free(sd0);
    free(mu1);
    free(sd1);
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        if (s->state == QUIET) s->scan_n0 = (int)(hi0 - (lo0 > s->floor_row ? lo0 : s->floor_row));
        const double *r0 = s->state == QUIET ? m->r0 + (size_t)j * K : s->scan_r0;
        s->scan_p = 1.0;
        s->scan_best = -1;
        if (!refs[j] || !r0) continue;
        for (int c = 0; c < K; c++) {
            int node = (1 + c / N) * N + c % N;
            skip[c] = c % N == j || moved[c];
            for (int a = 0; a < s->npar && !skip[c]; a++) skip[c] = s->par[a] == node;
        }
        s->scan_p = link_scan_test(r0, s->scan_n0, m->r1 + (size_t)j * K, n1, skip, K,
                                   m->p.min_link, &s->scan_best);
    }
    free(skip);
    free(moved);
}

static int round_run(struct change_monitor *m, struct change_event *ev, int maxev)
{
    const struct change_monitor_params *p = &m->p;
    int N = m->N, nev = 0;
    long now = m->rows, cur_lo = now - p->recent, tr_hi = cur_lo - p->gap;
    struct wstats *cur = xcalloc((size_t)N, sizeof *cur),
                  *trail = xcalloc((size_t)N, sizeof *trail);
    struct linear_change *lc = xcalloc((size_t)N, sizeof *lc);
    double *pmk = xmallocarray((size_t)N * 4, sizeof(double));
    const struct wstats **refs = xcalloc((size_t)N, sizeof *refs);
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        m->pm[j] = 1.0;
        pmk[4 * j] = pmk[4 * j + 1] = pmk[4 * j + 2] = pmk[4 * j + 3] = 1.0;
        const struct wstats *ref = &s->ref;
        if (s->state == QUIET) {
            long lo = tr_hi - p->reference;
            if (lo < s->floor_row) lo = s->floor_row;
            if (tr_hi - lo < 30 ||
                window_stats(m, j, s->par, s->npar, lo, tr_hi, NULL, &trail[j]) < 0)
                continue;
            ref = &trail[j];
        }
        if (!ref->ok || window_stats(m, j, s->par, s->npar, cur_lo, now, ref, &cur[j]) < 0)
            continue;
        refs[j] = ref;
        m->pm[j] =
            mech_test(p, ref, &cur[j], &lc[j], &pmk[4 * j], &pmk[4 * j + 1], &pmk[4 * j + 2]);
    }
    if (m->K > 0 && now >= m->next_scan) {
        scan(m, refs, tr_hi - p->reference, tr_hi, cur_lo, now);
        m->next_scan = now + p->scan_every;
    }
    if (m->K > 0) /* Bonferroni over the four tests: mean, coefficients, noise, new parent */
        for (int j = 0; j < N; j++) {
            pmk[4 * j + 3] = refs[j] ? m->s[j].scan_p : 1.0;
            m->pm[j] = fmin(1.0, fmin(m->pm[j] * 4.0 / 3.0, 4.0 * pmk[4 * j + 3]));
        }
    free(refs);
    fdr_bh(m->pm, (size_t)N, m->qm);
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        int hit = m->qm[j] <= p->alpha && cur[j].ok;
        struct change_event e;
        if (s->state == QUIET && hit) { /* freeze the reference it was measured against */
            if (m->K > 0) {
                if (!s->scan_r0) s->scan_r0 = xmallocarray((size_t)m->K, sizeof(double));
                memcpy(s->scan_r0, m->r0 + (size_t)j * m->K, (size_t)m->K * sizeof(double));
            }
            s->ref = trail[j];
            trail[j].ok = 0;
            trail[j].ss.mean = NULL;
            s->state = SUSPECT;
            s->streak = 1;
        } else if (s->state == SUSPECT) {
            if (!hit) {
                wstats_fini(&s->ref);
                s->state = QUIET;
                s->streak = 0;
            } else
                s->streak++;
        }
        if (s->state == SUSPECT && s->streak >= p->confirm) {
            s->state = CHANGED;
            s->revert = 0;
            s->change_row =
                change_point(m, j, s, now - p->recent - p->every * (p->confirm - 1) - p->gap, now);
            s->reported = 0;
            s->pq[0] = m->pm[j];
            s->pq[1] = m->qm[j];
            s->scan_node = -1; /* the new parent decided it */
            double pmech = fmin(pmk[4 * j], fmin(pmk[4 * j + 1], pmk[4 * j + 2]));
            if (s->scan_best >= 0 && s->scan_p <= pmech && s->scan_r0) {
                int c = s->scan_best;
                s->scan_node = (1 + c / N) * N + c % N;
                s->scan_rb = s->scan_r0[c];
                s->scan_ra = m->r1[(size_t)j * m->K + c];
            }
            m->changed++;
        }
        if (s->state == CHANGED && !s->reported) {
            /* measured on enough rows after the change point (a quarter of the recent window
             * and twice the parameters) */
            long need = p->recent / 4 > 2 * (s->npar + 5) ? p->recent / 4 : 2 * (s->npar + 5);
            if (now - s->change_row >= need) {
                nev = confirmed(m, j, &cur[j], now, s->pq[0], s->pq[1], ev, maxev, nev);
                s->reported = 1;
            }
        } else if (s->state == CHANGED && s->reported) {
            if (m->pm[j] > 0.1 && cur[j].ok)
                s->revert++;
            else
                s->revert = 0;
            int adopt = now - s->change_row >= p->adopt;
            if (s->revert >= p->confirm || adopt) {
                fill_event(&e,
                           adopt && s->revert < p->confirm ? CHANGE_EVENT_ADOPTED
                                                           : CHANGE_EVENT_REVERTED,
                           j, s, now);
                if (e.type == CHANGE_EVENT_ADOPTED) {
                    s->floor_row = s->change_row;
                    if (s->scan_node >= 0 && s->npar < MAXP) /* the new parent joins */
                        s->par[s->npar++] = s->scan_node;
                    if (s->scan_node >= 0 && s->pending && s->npend < CHANGE_MONITOR_MAX_PARENTS)
                        s->pend[s->npend++] = s->scan_node;
                }
                e.pval = m->pm[j];
                e.qval = m->qm[j];
                nev = emit(ev, maxev, nev, &e);
                wstats_fini(&s->ref);
                s->state = QUIET;
                s->streak = 0;
                m->changed--;
                if (s->pending) {
                    set_parents(m, s, j, s->pend, s->npend);
                    s->pending = 0;
                }
            }
        }
    }
    for (int j = 0; j < N; j++) {
        wstats_fini(&cur[j]);
        wstats_fini(&trail[j]);
        linear_change_fini(&lc[j]);
    }
    free(cur);
    free(trail);
    free(lc);
    free(pmk);
    return nev;
}

int change_monitor_push(struct change_monitor *m, const double *row, struct change_event *ev,
                        int maxev)
{
    double *dst = m->ring + (size_t)(m->rows % m->H) * m->N;
    for (int j = 0; j < m->N; j++) {
        dst[j] = clip(&m->s[j], row[j]);
        profile_update(&m->s[j], m->rows, dst[j]);
    }
    m->rows++;
    const struct change_monitor_params *p = &m->p;
    long full = m->H;
    if (p->deseason && m->rows >= full && (m->rows - full) % p->reseason == 0) deseason(m);
    /* with deseasoning, the first round waits for the first cycle detection */
    long first = p->deseason ? full : p->recent + p->gap + 30 + p->tau_max;
    if (m->rows % p->every != 0 || m->rows < first) return 0;
    return round_run(m, ev, maxev);
}
