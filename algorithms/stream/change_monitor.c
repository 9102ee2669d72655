/* change_monitor.c - the change monitor's parameters, parents, rounds, confirmation and events
 * (change_monitor.h; its parts: change_monitor_impl.h). */
#include "change_monitor.h"
#include "change_monitor_impl.h"
#include "cusum.h"

#include "dist.h"
#include "fdr.h"
#include "svar_limits.h"
#include "segment_stats.h"
#include "xalloc.h"

#include <math.h>

/* Largest score of a round (p about 3e-7): one round of a drift or an outlier cannot confirm a
 * change alone; with the defaults (cusum_k 3, h about 6) three rounds in a row at least. */
#define ZCAP 5.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void change_monitor_params_default(struct change_monitor_params *p)
{
    p->tau_max = 2;
    p->reference = 300;
    p->gap = 60;
    p->recent = 80;
    p->every = 10;
    p->offset = 0;
    p->alpha = 0.001;
    p->confirm = 3;
    p->false_alarms = 0.01;
    p->cusum_k = 3.0;
    p->refreeze = 10;
    p->grow = 0;
    p->adopt = 300;
    p->deseason = 1;
    p->reseason = 1000;
    p->min_shift = 1.0;
    p->min_scale = 1.2;
    p->min_coef = 0.2;
    p->scan_every = 10;
    p->min_link = 0.2;
}

double change_monitor_bytes(const struct change_monitor_params *p, int nseries)
{
    double N = nseries, H = (double)p->reference + p->gap + p->recent + p->tau_max + 1;
    double dim = MAXP + 1, ss = (dim + dim * dim) * 8; /* segment statistics of one window */
    /* the ring and its view, per-series state with a frozen reference and a seasonal profile (a
     * period of at most a third of the ring), the round's p- and q-values and the deseasoning
     * buffer */
    double b =
        2 * H * N * 8 + N * (sizeof(struct series) + ss + (H / 3 + 1) * 8) + 2 * N * 8 + H * 8;
    /* one round: current and trailing statistics and the change test of every series */
    b += N * (2 * (sizeof(struct wstats) + ss) + sizeof(struct linear_change) + 2 * dim * 8 +
              4 * 8 + sizeof(void *));
    if (p->scan_every > 0 && p->tau_max > 0) {
        double K = N * p->tau_max, rows = p->reference > p->recent ? p->reference : p->recent;
        /* r0, r1 and a frozen row of r0 for every series; the residual and candidate rows; the
         * scan's per-candidate scratch */
        b += 3 * N * K * 8 + rows * (N + K) * 8 + K * (4 * 8 + 2 * 4) + (N + K) * (8 + 4);
    }
    return b;
}

struct change_monitor *change_monitor_new(const struct change_monitor_params *p, int nseries,
                                          char *err, size_t errlen)
{
    if (nseries < 1 || p->tau_max < 0 || p->tau_max > SVAR_TAU_MAX_LIMIT || p->reference < 30 ||
        p->recent < 20 || p->gap < 0 || p->every < 1 || p->offset < 0 || p->offset >= p->every ||
        !(p->alpha > 0 && p->alpha <= 0.5) || p->confirm < 1 || p->adopt < p->recent ||
        p->reseason < 1 || p->scan_every < 0 || !(p->min_link >= 0 && p->min_link < 1) ||
        !(p->false_alarms > 0 && p->false_alarms <= 1e4) || !(p->cusum_k > 0 && p->cusum_k <= 8) ||
        p->refreeze < 1) {
        snprintf(err, errlen,
                 "change monitor: parameters out of range (reference >= 30, recent >= 20, gap "
                 ">= 0, every >= 1, offset in [0, every), alpha in (0, 0.5], confirm >= 1, adopt "
                 ">= recent, scan_every >= 0, min_link in [0, 1), false_alarms in (0, 10000], "
                 "cusum_k in (0, 8], refreeze >= 1, grow <= reference + gap)");
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
    m->view = xmallocarray((size_t)m->H * nseries, sizeof(double));
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
    /* run lengths of the CUSUM on the round scores of overlapping windows under no change
     * (cusum.h); Siegmund's approximation, too cautious for such scores, when it fails */
    int w = (p->recent + p->every - 1) / p->every;
    if (cusum_calibrate(p->cusum_k, w < 64 ? w : 64, ZCAP, 1000000, 12345, &m->cal_a, &m->cal_b) <
        0)
        m->cal_b = 0;
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

void change_monitor_free(struct change_monitor *m)
{
    if (!m) return;
    for (int j = 0; j < m->N; j++) {
        cm_wstats_fini(&m->s[j].ref);
        free(m->s[j].profile);
        free(m->s[j].scan_r0);
    }
    free(m->r0);
    free(m->r1);
    free(m->E);
    free(m->Z);
    free(m->s);
    free(m->ring);
    free(m->view);
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
    /* the reference keeps the parents it was measured with; these are taken at its next
     * freeze */
    s->pending = 1;
    s->npend = keep;
    memcpy(s->pend, tmp, (size_t)keep * sizeof(int));
    return 0;
}

int change_monitor_parents(const struct change_monitor *m, int j, int *nodes, int max)
{
    if (j < 0 || j >= m->N) return -1;
    const struct series *s = &m->s[j];
    for (int a = 0; a < s->npar && a < max; a++) nodes[a] = s->par[a];
    return s->npar;
}

double change_monitor_evidence(const struct change_monitor *m, int j)
{
    return j >= 0 && j < m->N ? m->s[j].cusum : 0.0;
}

double change_monitor_threshold(const struct change_monitor *m, int n)
{
    const struct change_monitor_params *p = &m->p;
    double arl = (double)n * 1e4 / ((double)p->every * p->false_alarms);
    if (m->cal_b > 0) {
        double h = (log(arl) - m->cal_a) / m->cal_b;
        return h > 0 ? h : 0;
    }
    return cusum_threshold(p->cusum_k, cusum_overlap_variance(p->recent, p->every), arl);
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

const char *change_link_str(enum change_link l)
{
    return l == CHANGE_LINK_APPEARED      ? "appeared"
           : l == CHANGE_LINK_DISAPPEARED ? "disappeared"
                                          : "changed";
}

/* Fills the link fields of a link event e from parent node `from` and its partial correlations
 * before and after. */
static void set_link(struct change_event *e, int from, double rb, double ra)
{
    e->link_from = from;
    e->r_before = rb;
    e->r_after = ra;
    int before = fabs(rb) >= CHANGE_LINK_PRESENT, after = fabs(ra) >= CHANGE_LINK_PRESENT;
    e->link = before == after ? CHANGE_LINK_RESIZED
              : after         ? CHANGE_LINK_APPEARED
                              : CHANGE_LINK_DISAPPEARED;
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
    if (cm_window_stats(m, j, s->par, s->npar, s->change_row, now, &s->ref, &post) == 0 &&
        post.ss.n >= 2 * (s->npar + 5))
        after = &post;
    cm_mech_test(mp, &s->ref, after, &lc, &pm, &pc, &pv);
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
        e.kind = cm_kind_of(pm, pc, pv);
    if (s->scan_node >= 0) e.kind = CHANGE_COEF; /* a new parent */
    s->kind = e.kind;
    memcpy(e.coef_before, s->ref.coef, (size_t)(s->npar + 1) * sizeof(double));
    memcpy(e.coef_after, after->coef, (size_t)(s->npar + 1) * sizeof(double));
    e.noise_before = s->ref.sd;
    e.noise_after = after->sd;
    nev = emit(ev, maxev, nev, &e);
    if (s->scan_node >= 0) { /* the new parent: correlation of the residual with it */
        fill_event(&e, CHANGE_EVENT_LINK, j, s, now);
        set_link(&e, s->scan_node, s->scan_rb, s->scan_ra);
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
        cm_partial_corr(&s->ref.ss, r0);
        cm_partial_corr(&after->ss, r1);
        cm_coef_se(&s->ref.ss, s->ref.sd, se0);
        cm_coef_se(&after->ss, after->sd, se1);
        for (int a = 0; a < s->npar; a++) {
            double v = se0[a] * se0[a] + se1[a] * se1[a];
            pl[a] = v > 0 && isfinite(v)
                        ? cm_normal_two_sided((after->coef[1 + a] - s->ref.coef[1 + a]) / sqrt(v))
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
            set_link(&e, s->par[a], r0[a], r1[a]);
            e.pval = pl[a];
            e.qval = ql[a];
            e.kind = CHANGE_COEF;
            nev = emit(ev, maxev, nev, &e);
        }
    }
    cm_wstats_fini(&post);
    return nev;
}

void cm_view(struct change_monitor *m)
{
    int N = m->N, H = m->H;
    for (int r = 0; r < H; r++) {
        long u = m->rows - H + r;
        double *dst = m->view + (size_t)r * N;
        if (u < 0) {
            for (int i = 0; i < N; i++) dst[i] = NAN;
            continue;
        }
        const double *src = m->ring + (size_t)(u % H) * N;
        for (int i = 0; i < N; i++) {
            const struct series *s = &m->s[i];
            dst[i] = s->period > 0 ? src[i] - s->profile[u % s->period] : src[i];
        }
    }
}

/* Freezes the reference of series j at round `now`: the parents given since the last freeze
 * are taken, and the reference is measured over the trailing window (reference rows ending
 * gap rows before the recent window, never before floor_row). Returns 0, or -1 (no reference)
 * with too few rows. */
static int freeze(struct change_monitor *m, int j, long now)
{
    const struct change_monitor_params *p = &m->p;
    struct series *s = &m->s[j];
    cm_wstats_fini(&s->ref);
    if (s->pending) {
        set_parents(m, s, j, s->pend, s->npend);
        s->pending = 0;
    }
    s->ref_row = now;
    s->cusum = 0;
    s->reset_row = now;
    s->scan_n0 = 0;
    s->scan_fresh = 1;
    long hi = now - p->recent - p->gap, lo = hi - p->reference;
    if (lo < s->floor_row) lo = s->floor_row;
    if (hi - lo < 30 || cm_window_stats(m, j, s->par, s->npar, lo, hi, NULL, &s->ref) < 0) {
        s->ref.ok = 0;
        return -1;
    }
    return 0;
}

/* The CUSUM threshold of a round that tests n series (cached). */
static double threshold(struct change_monitor *m, int n)
{
    if (n != m->h_n) {
        m->h = change_monitor_threshold(m, n);
        m->h_n = n;
    }
    return m->h;
}

/* The round's score of a p-value: its normal score, within [-4, ZCAP]. */
static double score(double p)
{
    double z = dist_normal_upper_quantile(p);
    return z < -4 ? -4 : z > ZCAP ? ZCAP : z;
}

static int round_run(struct change_monitor *m, struct change_event *ev, int maxev)
{
    cm_view(m);
    const struct change_monitor_params *p = &m->p;
    int N = m->N, nev = 0, ntested = 0;
    long now = m->rows, cur_lo = now - p->recent, tr_hi = cur_lo - p->gap;
    struct wstats *cur = xcalloc((size_t)N, sizeof *cur);
    struct linear_change *lc = xcalloc((size_t)N, sizeof *lc);
    double *pmk = xmallocarray((size_t)N * 4, sizeof(double));
    const struct wstats **refs = xcalloc((size_t)N, sizeof *refs);
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        m->pm[j] = 1.0;
        pmk[4 * j] = pmk[4 * j + 1] = pmk[4 * j + 2] = pmk[4 * j + 3] = 1.0;
        /* a quiet series without evidence follows slow drift: its reference is frozen again
         * every `refreeze` rows, and only then takes new parents */
        if (s->state == QUIET && (!s->ref.ok || (s->cusum == 0 && now - s->ref_row >= p->refreeze)))
            freeze(m, j, now);
        /* with evidence, the recent window grows back to the first round that showed it
         * (up to `grow` rows): all the rows since the candidate change go into one test */
        long lo = cur_lo;
        if (s->state == QUIET && s->cusum > 0 && p->grow > p->recent) {
            lo = s->reset_row + p->every - p->recent;
            if (lo < now - p->grow) lo = now - p->grow;
            if (lo > cur_lo) lo = cur_lo;
        }
        if (!s->ref.ok || cm_window_stats(m, j, s->par, s->npar, lo, now, &s->ref, &cur[j]) < 0)
            continue;
        refs[j] = &s->ref;
        ntested++;
        m->pm[j] = cm_mech_test(p, &s->ref, &cur[j], &lc[j], &pmk[4 * j], &pmk[4 * j + 1],
                                &pmk[4 * j + 2]);
    }
    if (m->K > 0 && now >= m->next_scan) {
        cm_scan(m, refs, tr_hi - p->reference, tr_hi, cur_lo, now);
        m->next_scan = now + p->scan_every;
    }
    for (int j = 0; j < N; j++) m->s[j].scan_fresh = 0;
    if (m->K > 0) /* Bonferroni over the four tests: mean, coefficients, noise, new parent */
        for (int j = 0; j < N; j++) {
            pmk[4 * j + 3] = refs[j] ? m->s[j].scan_p : 1.0;
            m->pm[j] = fmin(1.0, fmin(m->pm[j] * 4.0 / 3.0, 4.0 * pmk[4 * j + 3]));
        }
    fdr_bh(m->pm, (size_t)N, m->qm);
    double h = ntested > 0 ? threshold(m, ntested) : INFINITY;
    for (int j = 0; j < N; j++) {
        struct series *s = &m->s[j];
        if (!refs[j]) continue;
        struct change_event e;
        if (s->state == QUIET) {
            s->cusum = cusum_step(s->cusum, score(m->pm[j]), p->cusum_k);
            if (s->cusum == 0) s->reset_row = now;
            if (s->cusum >= h) {
                s->state = CHANGED;
                s->revert = 0;
                /* the change began after the CUSUM's last reset (within the recent window of
                 * the round after it, or later), and after the reference (which a quiet
                 * series re-measures at every reset): searched from the reference's end */
                long lo = s->ref_row - p->recent - p->gap;
                if (lo > s->reset_row - p->recent) lo = s->reset_row - p->recent;
                s->change_row = cm_change_point(m, j, s, lo, now);
                s->reported = 0;
                s->pq[0] = m->pm[j];
                s->pq[1] = m->qm[j];
                s->scan_node = -1; /* the new parent decided it */
                double pmech = fmin(pmk[4 * j], fmin(pmk[4 * j + 1], pmk[4 * j + 2]));
                if (s->scan_best >= 0 && s->scan_p <= pmech && s->scan_n0 > 0) {
                    int c = s->scan_best;
                    s->scan_node = (1 + c / N) * N + c % N;
                    s->scan_rb = s->scan_r0[c];
                    s->scan_ra = m->r1[(size_t)j * m->K + c];
                }
                m->changed++;
            }
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
            if (m->pm[j] > 0.1)
                s->revert++;
            else
                s->revert = 0;
            int adopt = now - s->change_row >= p->adopt;
            if (s->revert >= p->confirm || adopt) {
                fill_event(&e,
                           adopt && s->revert < p->confirm ? CHANGE_EVENT_ADOPTED
                                                           : CHANGE_EVENT_REVERTED,
                           j, s, now);
                e.pval = m->pm[j];
                e.qval = m->qm[j];
                nev = emit(ev, maxev, nev, &e);
                s->state = QUIET;
                s->cusum = 0;
                s->reset_row = now;
                m->changed--;
                if (e.type == CHANGE_EVENT_ADOPTED) {
                    /* the new regime is measured from the next round on; a new parent joins */
                    s->floor_row = s->change_row;
                    if (s->scan_node >= 0) {
                        int *to = s->pending ? s->pend : s->par,
                            *n = s->pending ? &s->npend : &s->npar;
                        if (*n < (s->pending ? CHANGE_MONITOR_MAX_PARENTS : MAXP))
                            to[(*n)++] = s->scan_node;
                    }
                    cm_wstats_fini(&s->ref);
                }
            }
        }
    }
    free(refs);
    for (int j = 0; j < N; j++) {
        cm_wstats_fini(&cur[j]);
        linear_change_fini(&lc[j]);
    }
    free(cur);
    free(lc);
    free(pmk);
    return nev;
}

int change_monitor_push(struct change_monitor *m, const double *row, struct change_event *ev,
                        int maxev)
{
    double *dst = m->ring + (size_t)(m->rows % m->H) * m->N;
    for (int j = 0; j < m->N; j++) {
        dst[j] = cm_clip(&m->s[j], row[j]);
        cm_profile_update(&m->s[j], m->rows, dst[j]);
    }
    m->rows++;
    const struct change_monitor_params *p = &m->p;
    long full = m->H;
    if (p->deseason && m->rows >= full && (m->rows - full) % p->reseason == 0) cm_deseason(m);
    /* with deseasoning, the first round waits for the first cycle detection */
    long first = p->deseason ? full : p->recent + p->gap + 30 + p->tau_max;
    if ((m->rows + p->offset) % p->every != 0 || m->rows < first) return 0;
    return round_run(m, ev, maxev);
}
