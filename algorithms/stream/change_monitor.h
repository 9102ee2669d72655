/*
 * change_monitor.h - always-on monitoring of mechanisms and links on a stream, without a KPI.
 *
 * Every series x_j is watched given its parents Pa(j) (the learned ones, set with
 * change_monitor_set_parents, plus its own lags 1..tau_max always). Rows go into a ring of
 * reference + gap + recent rows. Every `every` rows a round runs, for every series:
 *   - mechanism: the change primitive of segment_stats.h between the reference window and the
 *     recent, non-overlapping window (two segments): mean and coefficients (F-tests from the
 *     sufficient statistics) and noise scale (Welch test on log |residual|, the recent window's
 *     residuals taken under the reference fit, so a changed coefficient or a new parent shows
 *     too; heavy tails do not fool it, unlike the F-test of variances); a test counts only when
 *     its effect is at least min_shift / min_scale / min_coef;
 *   - new parent: the correlation of the residual under the reference fit with every other
 *     series at lags 1..tau_max, reference window against recent window (link_scan.h; Fisher-z
 *     difference, Bonferroni over the candidates), so an edge the learned graph does not have
 *     yet is seen too; p = 4 min p (Bonferroni over the four tests);
 *   Benjamini-Hochberg across series, per round.
 * Sequential evidence: every series tested in a round adds the normal score of its p-value
 * (z = Phi^-1(1 - p), within [-4, 5]: one round alone cannot confirm) to a one-sided CUSUM, S =
 * max(0, S + z - cusum_k) (cusum.h); the series is confirmed changed when S reaches h. h comes from
 * the false-alarm rate: with n series tested every `every` rows, a run length under no change of n
 * x 10,000 / (every x false_alarms) rounds per series (Bonferroni over the series). The run length
 * as a function of h is calibrated by simulation when the monitor is made (cusum_calibrate: the
 * CUSUM on the clipped scores of uniform p-values of windows of `recent` rows every `every` rows,
 * 10^6 rounds, ln ARL0 linear in h); Siegmund's approximation with the scores' long-run variance is
 * far too cautious for such correlated scores (test_cusum) and only the fallback. On real streams
 * the p-values of a round are not uniform under no change (the reference is estimated and frozen at
 * the first evidence, drift, cycles, heavy tails), so the measured rate is higher than
 * false_alarms: bench/monitor measures it, and the default is set so that it stays <= 1 per 10,000
 * rows on the bench's fault-free streams. The BH q-value of the confirming round is reported with
 * its p-value. The change point is then estimated on the residuals under the reference fit, from
 * the recent window of the round after the CUSUM's last reset on, and the event (kind, coefficients
 * and noise scale after) is measured on the rows after it: a window that straddles a step in the
 * mean shows a spurious autocorrelation. A change the new-parent scan found also gives a
 * CHANGE_EVENT_LINK for the new parent (the correlations of the residual with it, before and after)
 * and, once adopted, that parent joins the series' parents. Links: for a confirmed change of the
 * coefficients, the partial correlation of x_j with each parent given the others, reference against
 * the rows after the change point (Fisher-z difference, BH across the series' parents); each link
 * with q <= alpha is a CHANGE_EVENT_LINK. References are frozen: a series is tested against a
 * reference measured once over the trailing window (`reference` rows ending `gap` rows before the
 * recent window) with the parents it had then. While its CUSUM is at 0 the reference is frozen
 * again every `refreeze` rows (slow drift is followed); with evidence it stays. Parents given with
 * change_monitor_set_parents are taken only at the next freeze (or after an adoption), so a
 * refresh of the learned graph never changes the test of a reference already measured. After a
 * confirmed change, `adopt` rows past the estimated change point the new regime becomes the
 * reference (event ADOPTED; the reference is frozen anew from the change point on); a series
 * whose recent window matches the old reference again (p > 0.1) in `confirm` rounds in a row
 * reverts (event REVERTED).
 * Seasonality: with `deseason`, every column of the ring is checked for a cycle
 * (seasonality.h) when the ring is full and then every `reseason` rows; values are read with the
 * per-phase median profile subtracted, as cdnod does.
 * Missing values (NaN): a row enters a series' statistics only when the series and its parents
 * are all present.
 * Memory: (reference + gap + recent) x N doubles plus O(N x parents^2), and with the scan
 * (reference + recent) x N x (tau_max + 1) plus 3 x N^2 x tau_max doubles; no I/O; one thread
 * at a time per monitor (the caller's).
 */
#ifndef CAUSALMON_CHANGE_MONITOR_H
#define CAUSALMON_CHANGE_MONITOR_H

#include "mech_change.h"

#include <stddef.h>

#define CHANGE_MONITOR_MAX_PARENTS 16 /* learned parents kept per series (strongest first) */

struct change_monitor_params {
    int tau_max;         /* own lags 1..tau_max are always parents; default 2 */
    int reference;       /* rows of the reference window; default 300 */
    int gap;             /* rows between the reference and the recent window; default 60 */
    int recent;          /* rows of the recent window; default 80 */
    int every;           /* rows between rounds; default 10 */
    int offset;          /* rounds run when (rows pushed + offset) is a multiple of every, so
                            that monitors fed the same rows can take their rounds at different
                            rows; [0, every), default 0 */
    double alpha;        /* level of the link tests of a confirmed change (BH); default 0.001 */
    int confirm;         /* rounds in a row matching the old reference that revert; default 3 */
    double false_alarms; /* mechanism alarms per 10,000 rows under no change for ideal
                            scores (see above); default 0.01 */
    double cusum_k;      /* CUSUM reference value, in normal-score units; default 3 */
    int refreeze;        /* rows between freezes of a quiet reference; default 10 */
    int grow;     /* with evidence, the recent window reaches back to the first round that showed
                     it, up to grow rows (0 or <= recent: fixed); default 0 */
    int adopt;    /* rows after the change point before the new regime is the reference;
                     default 300 */
    int deseason; /* remove detected cycles; default 1 */
    int reseason; /* rows between cycle detections; default 1000 */
    /* Smallest effects that count (practical significance), in reference noise sds: */
    double min_shift; /* mean residual of the recent window; default 1 */
    double min_scale; /* ratio of noise scales (either way); default 1.2 */
    double min_coef;  /* sd of (coefficients after - before) . parents; default 0.2 */
    /* New lagged parents (link_scan.h): the residual of every series against every series at
     * lags 1..tau_max, reference against recent window, every scan_every rows (at a round);
     * 0 turns the scan off. A candidate counts when its correlation moved by min_link. */
    int scan_every;  /* default 10 */
    double min_link; /* default 0.2 */
};

enum change_event_type {
    CHANGE_EVENT_MECHANISM = 0, /* a series' mechanism changed */
    CHANGE_EVENT_LINK,          /* a link's strength changed (enum change_link says how) */
    CHANGE_EVENT_ADOPTED,       /* the new regime of a changed series is now its reference */
    CHANGE_EVENT_REVERTED       /* a changed series is back to its old reference */
};

/* What a link event did to the structure, from its partial correlations: a link is present from
 * |r| >= CHANGE_LINK_PRESENT. Only an appeared or a disappeared link changes the structure; a
 * link present before and after whose coefficient moved is part of its child's mechanism change
 * (a link event always follows its child's CHANGE_EVENT_MECHANISM, which carries the
 * coefficients before and after). */
#define CHANGE_LINK_PRESENT 0.1
enum change_link { CHANGE_LINK_RESIZED = 0, CHANGE_LINK_APPEARED, CHANGE_LINK_DISAPPEARED };

/* "changed", "appeared" or "disappeared", for alerts and logs. Any thread. */
const char *change_link_str(enum change_link l);

struct change_event {
    enum change_event_type type;
    int series;
    long row;        /* rows pushed so far when the event was raised */
    long change_row; /* estimated first row of the new regime (0-based count of pushed rows) */
    enum change_kind kind;
    double pval, qval; /* of the round that confirmed it */
    double p_mean, p_coef, p_var;
    int nparents;
    int parents[CHANGE_MONITOR_MAX_PARENTS + 8]; /* nodes lag * N + i, lag 0 contemporaneous */
    double coef_before[CHANGE_MONITOR_MAX_PARENTS + 9]; /* intercept then slopes */
    double coef_after[CHANGE_MONITOR_MAX_PARENTS + 9];
    double noise_before, noise_after; /* residual standard deviations */
    /* CHANGE_EVENT_LINK: parent node (lag * N + i) and partial correlations */
    int link_from;
    double r_before, r_after;
    enum change_link link;
};

struct change_monitor;

void change_monitor_params_default(struct change_monitor_params *p);

/* Upper bound of the bytes a monitor of nseries series with parameters p allocates: resident
 * (the ring, per-series state, a frozen reference and seasonal profile for every series, the
 * scan's correlation matrices and a frozen reference row of them for every series) plus the
 * scratch of one round. Allocator overhead not counted. Pure; any thread. */
double change_monitor_bytes(const struct change_monitor_params *p, int nseries);

/* Returns a monitor of nseries series, or NULL with a message in err when a parameter is out of
 * range (windows < 10 rows, recent <= parents, every < 1, offset not in [0, every), alpha not in
 * (0, 0.5], confirm < 1, scan_every < 0, min_link not in [0, 1)). */
struct change_monitor *change_monitor_new(const struct change_monitor_params *p, int nseries,
                                          char *err, size_t errlen);
void change_monitor_free(struct change_monitor *m);

/* Sets the learned parents of series j (nodes lag * N + i, 0 <= lag <= tau_max, i != j when
 * lag = 0; own lags are added anyway). Extra parents beyond CHANGE_MONITOR_MAX_PARENTS are
 * dropped. They are taken at the series' next freeze of its reference (see above); until then
 * it is tested with the parents its reference was measured with. Returns 0, or -1 for an
 * out-of-range node. */
int change_monitor_set_parents(struct change_monitor *m, int j, const int *nodes, int n);

/* The parents series j is tested with now (own lags first), up to max written into nodes;
 * returns their number, or -1 for no such series. */
int change_monitor_parents(const struct change_monitor *m, int j, int *nodes, int max);

/* The CUSUM of series j (its evidence of a change, 0 when quiet; 0 for no such series). */
double change_monitor_evidence(const struct change_monitor *m, int j);

/* The CUSUM threshold h of a round that tests n series (see above). */
double change_monitor_threshold(const struct change_monitor *m, int n);

/* Adds one row (nseries values, NaN = missing). When a round is due, runs it and writes up to
 * maxev events into ev; returns how many events there were (may exceed maxev: the rest are
 * dropped). */
int change_monitor_push(struct change_monitor *m, const double *row, struct change_event *ev,
                        int maxev);

/* Rows pushed so far; series currently confirmed changed. */
long change_monitor_rows(const struct change_monitor *m);
int change_monitor_changed(const struct change_monitor *m);
/* Period removed from series j (0: none). */
int change_monitor_period(const struct change_monitor *m, int j);

#endif
