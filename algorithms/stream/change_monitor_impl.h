/*
 * change_monitor_impl.h - the change monitor's state and its parts, shared by the files of the
 * monitor only (not part of its interface, change_monitor.h):
 *   change_monitor.c  parameters, parents, rounds, sequential evidence and events;
 *   monitor_window.c  one series over one window: statistics, fit and the mechanism tests;
 *   monitor_season.c  cycles removed and outliers clipped as rows arrive;
 *   monitor_scan.c    the scan for new lagged parents (link_scan.h).
 * One thread at a time per monitor (the caller's).
 */
#ifndef CAUSALMON_CHANGE_MONITOR_IMPL_H
#define CAUSALMON_CHANGE_MONITOR_IMPL_H

#include "change_monitor.h"
#include "segment_stats.h"

#include <math.h>

#define MAXP (CHANGE_MONITOR_MAX_PARENTS + 8)

enum { QUIET = 0, CHANGED };

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
    int npar, par[MAXP];            /* the parents the reference was measured with */
    int pending, npend, pend[MAXP]; /* parents to take at the next freeze of the reference */
    int state, revert;
    double cusum;   /* evidence of a change since reset_row (cusum.h) */
    long reset_row; /* rows pushed at the last round the CUSUM was at 0 */
    long ref_row;   /* rows pushed when the reference was frozen */
    int reported;   /* CHANGED: the event went out (it waits for rows after the change point) */
    long floor_row; /* the trailing reference never starts before this row */
    long change_row;
    double pq[2];            /* p and q of the confirming round */
    enum change_kind kind;   /* of the confirmed change */
    struct wstats ref;       /* the frozen reference (ok = 0: none yet) */
    int period, season_miss; /* season_miss: detections in a row without the cycle */
    double *profile;         /* [period] */
    double level;            /* of the deseasoned series */
    long nseen;
    double centre, absdev; /* for clipping outliers */
    /* new-parent scan: reference correlations frozen with the reference ([K], lazily), the
     * p-value and best candidate of the last scan, the new parent of a confirmed change */
    double *scan_r0;
    int scan_n0, scan_fresh; /* scan_fresh: take scan_r0 from the next scan (just frozen) */
    double scan_p;
    int scan_best, scan_node;
    double scan_rb, scan_ra;
};

struct change_monitor {
    struct change_monitor_params p;
    int N, H; /* ring rows */
    double *ring;
    /* the ring's rows rows - H .. rows - 1 in order, deseasoned (NaN before row 0), written at
     * the start of each round (cm_view) so that a round reads values without an index modulo
     * the ring or the period */
    double *view;
    long rows;
    struct series *s;
    int changed;
    /* per-round scratch */
    double *pm, *qm;
    double *buf;
    /* new-parent scan: K = N x tau_max candidates; correlations of the last scan; scratch */
    int K;
    long next_scan;
    /* CUSUM threshold for h_n series tested in a round; ln ARL0 = cal_a + cal_b h */
    int h_n;
    double h, cal_a, cal_b;
    double *r0, *r1, *E, *Z;
};

/* Value of series i at row u (0-based count of pushed rows), deseasoned; NaN when missing or no
 * longer in the ring. Reads the round's view (cm_view): only within a round. */
static inline double cm_value_at(const struct change_monitor *m, long u, int i)
{
    long r = u - (m->rows - m->H);
    if (u < 0 || r < 0) return NAN;
    return m->view[(size_t)r * m->N + i];
}

/* Value of node (lag * N + i) at row t, as cm_value_at(m, t - lag, i). */
static inline double cm_value(const struct change_monitor *m, long t, int node)
{
    return cm_value_at(m, t - node / m->N, node % m->N);
}

/* monitor_window.c */
void cm_wstats_fini(struct wstats *w);
/* Statistics of series j with parents par[0..np) over rows [lo, hi), residuals under ref's fit
 * (NULL: its own). Returns 0, or -1 when fewer than np + 10 complete rows. */
int cm_window_stats(const struct change_monitor *m, int j, const int *par, int np, long lo, long hi,
                    const struct wstats *ref, struct wstats *w);
/* Partial correlation of the target with each parent given the others (0 when singular). */
void cm_partial_corr(const struct segment_stats *ss, double *r);
/* Standard errors of the slopes of a fit with noise sd sd (0 when singular). */
void cm_coef_se(const struct segment_stats *ss, double sd, double *se);
double cm_normal_two_sided(double z);
/* Mechanism tests of cur against ref: p of mean, coefficients, noise; returns 3 min p. */
double cm_mech_test(const struct change_monitor_params *mp, const struct wstats *ref,
                    const struct wstats *cur, struct linear_change *lc, double *pm, double *pc,
                    double *pv);
enum change_kind cm_kind_of(double pm, double pc, double pv);
/* Estimated first row of the new regime of series j within [lo, hi). */
long cm_change_point(const struct change_monitor *m, int j, const struct series *s, long lo,
                     long hi);

/* change_monitor.c */
/* Writes the round's view of the ring (m->view). */
void cm_view(struct change_monitor *m);

/* monitor_season.c */
/* Detects cycles on every column of the ring and (re)starts their profiles. */
void cm_deseason(struct change_monitor *m);
/* Refines the profile of a series with the value x of row t. */
void cm_profile_update(struct series *s, long t, double x);
/* x clipped to the series' centre +- 4.5 robust sds (NaN stays NaN). */
double cm_clip(struct series *s, double x);

/* monitor_scan.c */
/* The new-parent scan of a round; sets scan_p and scan_best of every series. */
void cm_scan(struct change_monitor *m, const struct wstats *const *refs, long lo0, long hi0,
             long lo1, long hi1);

#endif
