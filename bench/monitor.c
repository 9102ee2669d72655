/*
 * bench/monitor - the change monitor (change_monitor.h) on seeded SVAR streams, one core.
 *
 * Detection: for each kind (coefficient drops to a quarter, noise sd x3, lag-1 edge of 0.5
 * added, edge removed, mean shift of 2 noise sds) and each seed, a random model with N in 8..50
 * series (tau_max 2, |cross coefficient| in [0.25, 0.5]) changes at a random row in
 * [1000, 2000); parents are learned by PCMCI+ on the first 600 rows (as a scope refresh would).
 * A case is detected when the first mechanism event after the change comes within 120 rows and
 * names the changed series. Mechanism events before the change are false alarms. For the kinds
 * with a parent, the column of_reachable counts the cases an oracle could detect within 120 rows
 * (and how many of those the monitor detected): a CUSUM on the log-likelihood ratio of the known
 * change, whose effect d is the changed term in noise sds as a regression sees it (|coefficient
 * change| x sd of the parent given the child's other true regressors, pre-change rows), with one
 * false alarm per N x 10,000 rows per series, needs about 2 ln(N x 10,000) / d^2 rows (Lorden);
 * Lorden's CUSUM is asymptotically optimal for the worst-case delay at a given false-alarm
 * rate, so a case far above 120 rows is out of reach of the 120-row target whatever the
 * monitor does (an approximate bound, not an exact one).
 * False alarms: fault-free streams of 20,000 rows, N = 20: plain; a daily cycle (period 96,
 * amplitude 2 noise sds, every series); t-distributed noise (3 df, unit variance); a slow random
 * walk (step 0.02 noise sd) added to one series; 5 % missing values. Events per 10,000 rows.
 * Cost: 200 series, tau_max 3, a round every row (reference 300, recent 80), mean time per
 * pushed row.
 *
 * BENCH_KIND=k / BENCH_SEED=s run one kind / seed of the detection; BENCH_VERBOSE=1 prints every
 * case (the changed series, its parent, whether the parent was learned, and the effect of the
 * change in noise sds: 0.75 x |coefficient| x sd(parent) / noise sd for a coefficient drop; the
 * effect given the other regressors and the oracle's rows) and every false alarm; BENCH_FA_ONLY=1
 * skips the detection.
 *
 * Wide (--wide N [--wide-rows T], alone): the daemon's code path for one scope of N series
 * (tau_max 3, the scope's default monitor options: reference 300, gap 60, recent 80, a round
 * every 10 rows with the new-parent scan): a refresh learns the graph on a T-row window with
 * rca_graph_learn (PCMCI+, as scope_refresh.c does), its directed links become the monitor's
 * parents (strongest 16 per series), then the T rows are pushed through the monitor. Prints the
 * refresh's time and peak memory, the monitor's time per row without a round and per round, its
 * peak memory, and next to them what `causalmon run --check-config` counts for such a scope
 * (mem_estimate.h: the refresh job, the monitor, the scope's resident total). Peak memory is the
 * process's VmHWM over the phase (reset through /proc/self/clear_refs) less its VmRSS before.
 *
 * usage: bench_monitor [--seeds S] [--rows R] [--fa-seeds F] [--false-alarms A] [--cusum-k K]
 *        [--grow G] [--reference W] [--gap W] [--recent W] [--every E] (the monitor's
 *        false_alarms, alarms per 10,000 rows, cusum_k, grow and windows for the detection and
 *        false-alarm parts; default their defaults)
 *        bench_monitor --wide N [--wide-rows T]
 */
#include "bench_util.h"
#include "change_monitor.h"
#include "config.h"
#include "mem_estimate.h"
#include "rca.h"
#include "rng.h"
#include "segment_stats.h"
#include "svar_discover.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Learns parents on rows [0, rows) of X with PCMCI+ and gives them to the monitor. */
static int learn_parents(struct change_monitor *m, const double *X, int rows, int N, int tau,
                         int want, int node)
{
    int has = 0;
    struct svar_discover_params dp;
    svar_discover_params_default(&dp, tau);
    struct svar_discover_result res;
    char err[256];
    if (svar_discover_run(X, rows, N, &dp, &res, err, sizeof err) != 0) return 0;
    int nodes[256];
    for (int b = 0; b < res.nkept; b++) {
        int j = res.kept[b], n = 0;
        for (int a = 0; a < res.nkept && n < 256; a++)
            for (int lag = 0; lag <= tau; lag++) {
                int t = res.graph->type[svar_graph_at(res.graph, a, b, lag)];
                if (t == LINK_FWD && !(lag == 0 && a == b)) nodes[n++] = lag * N + res.kept[a];
            }
        for (int a = 0; a < n; a++) has |= j == want && nodes[a] == node;
        change_monitor_set_parents(m, j, nodes, n);
    }
    svar_discover_result_free(&res);
    return has;
}

static double fa_rate = 0, cusum_k = 0; /* --false-alarms, --cusum-k (0: the default) */
static int grow = -1;                   /* --grow (-1: the default) */
/* --reference, --gap, --recent, --every (-1: the default) */
static int win[4] = {-1, -1, -1, -1};

static struct change_monitor *monitor(int N, int tau)
{
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.tau_max = tau;
    if (fa_rate > 0) p.false_alarms = fa_rate;
    if (cusum_k > 0) p.cusum_k = cusum_k;
    if (grow >= 0) p.grow = grow;
    if (win[0] > 0) p.reference = win[0];
    if (win[1] >= 0) p.gap = win[1];
    if (win[2] > 0) p.recent = win[2];
    if (win[3] > 0) p.every = win[3];
    char err[256];
    struct change_monitor *m = change_monitor_new(&p, N, err, sizeof err);
    if (!m) {
        fprintf(stderr, "bench_monitor: %s\n", err);
        exit(1);
    }
    return m;
}

/* The change of the changed parent's term in noise sds of the child, measured as a regression
 * sees it: |coefficient change| x sd of the parent's residual given the child's other true
 * regressors (its own lags and its other true parents; pre-change rows) / noise sd. 0 for the
 * kinds without a parent. */
static double partial_effect(const struct svar_model *mod, const struct svar_change *ch,
                             const double *X)
{
    int N = mod->nvars, L = mod->tau_max, T1 = L + 1, j = ch->var;
    if (ch->parent < 0) return 0;
    double c = mod->coef[((size_t)ch->parent * N + j) * T1 + ch->lag];
    double after = ch->set_coef                          ? ch->coef_after
                   : ch->kind == SVAR_CHANGE_COEF        ? 0.25 * c
                   : ch->kind == SVAR_CHANGE_EDGE_ADD    ? 0.5
                   : ch->kind == SVAR_CHANGE_EDGE_REMOVE ? 0.0
                                                         : c;
    int node[64], n = 0;
    for (int lag = 0; lag <= L; lag++)
        for (int i = 0; i < N && n < 63; i++) {
            if (i == ch->parent && lag == ch->lag) continue;
            if ((i == j && lag > 0) ||
                (!(i == j && lag == 0) && mod->coef[((size_t)i * N + j) * T1 + lag] != 0.0))
                node[n++] = lag * N + i;
        }
    struct segment_stats st;
    segment_stats_init(&st, n + 1);
    double row[64];
    for (int t = L; t < ch->at; t++) {
        for (int a = 0; a < n; a++) row[a] = X[(size_t)(t - node[a] / N) * N + node[a] % N];
        row[n] = X[(size_t)(t - ch->lag) * N + ch->parent];
        segment_stats_add(&st, row);
    }
    double rss = segment_stats_rss(&st, NULL), dof = (double)st.n - n - 1;
    segment_stats_fini(&st);
    return dof > 0 ? fabs(after - c) * sqrt(fmax(rss, 0) / dof) / mod->noise_sd[j] : 0;
}

/* Rows an oracle needs: a CUSUM on the log-likelihood ratio of the known change (Kullback-Leibler
 * information d^2 / 2 per row for an effect of d noise sds) with a run length of N x 10,000 rows
 * per series under no change (one false alarm per 10,000 rows in the scope) needs about
 * ln(ARL0) / KL rows (Lorden; asymptotically the best worst-case delay at that false-alarm
 * rate). */
static double oracle_rows(double d, int N)
{
    return d > 0 ? 2.0 * log((double)N * 1e4) / (d * d) : INFINITY;
}

/* One detection case in words: the changed series and parent, whether the parent was learned,
 * the first event, and the effect of the change in the child's noise sds (the parent's term
 * that changed: |coefficient change| x sd(parent) / noise sd). */
static void verbose_case(const char *kind, int seed, const struct svar_model *mod,
                         const struct svar_change *ch, const double *X, int has, int first,
                         int first_row)
{
    int N = mod->nvars, T1 = mod->tau_max + 1, at = ch->at;
    double c = ch->parent >= 0 ? mod->coef[((size_t)ch->parent * N + ch->var) * T1 + ch->lag] : 0;
    double dc = ch->kind == SVAR_CHANGE_COEF          ? 0.75 * fabs(c)
                : ch->kind == SVAR_CHANGE_EDGE_REMOVE ? fabs(c)
                : ch->kind == SVAR_CHANGE_EDGE_ADD    ? 0.5
                                                      : 0.0;
    double s1 = 0, s2 = 0;
    for (int t = 0; t < at && ch->parent >= 0; t++) {
        double v = X[(size_t)t * N + ch->parent];
        s1 += v;
        s2 += v * v;
    }
    double sdp = ch->parent >= 0 ? sqrt(fmax(s2 / at - (s1 / at) * (s1 / at), 0)) : 0;
    double pe = partial_effect(mod, ch, X);
    printf("  %s seed %d N %d series %d parent %d lag %d learned %d: first event series %d after "
           "%d rows; effect %.2f noise sd (given the other regressors %.2f: an oracle needs %.0f "
           "rows)\n",
           kind, seed, N, ch->var, ch->parent, ch->lag, has, first,
           first_row >= 0 ? first_row - at : -1, dc * sdp / mod->noise_sd[ch->var], pe,
           oracle_rows(pe, N));
}

static void detection(int seeds)
{
    static const enum svar_change_kind kinds[5] = {SVAR_CHANGE_COEF, SVAR_CHANGE_NOISE,
                                                   SVAR_CHANGE_EDGE_ADD, SVAR_CHANGE_EDGE_REMOVE,
                                                   SVAR_CHANGE_MEAN};
    static const char *names[5] = {"coefficient", "noise_x3", "edge_added", "edge_removed",
                                   "mean_2sd"};
    printf("detection: first mechanism event within 120 rows naming the changed series\n");
    printf("%-13s %9s %8s %8s %12s %9s %12s\n", "kind", "detected", "late", "other", "delay_med",
           "false_ev", "of_reachable");
    struct change_event ev[64];
    for (int k = 0; k < 5; k++) {
        int ok = 0, late = 0, other = 0, runs = 0, falsev = 0, reach = 0, reach_ok = 0;
        double delays[200];
        int nd = 0;
        if (getenv("BENCH_KIND") && atoi(getenv("BENCH_KIND")) != k) continue;
        for (int s = 1; s <= seeds; s++) {
            if (getenv("BENCH_SEED") && atoi(getenv("BENCH_SEED")) != s) continue;
            int N = 8 + (int)((s * 7919u) % 43u);
            struct svar_sim_params sp;
            svar_sim_params_default(&sp, N, 2, (uint64_t)(9000 + s));
            sp.coef_min = 0.25;
            char err[256];
            struct svar_model *mod = svar_model_random(&sp, err, sizeof err);
            struct rng pick, r;
            rng_seed(&pick, (uint64_t)s * 77 + (uint64_t)k);
            int at = 1000 + (int)rng_below(&pick, 1000);
            struct svar_change ch;
            if (svar_change_pick(mod, kinds[k], at, &pick, &ch) < 0) {
                svar_model_free(mod);
                continue;
            }
            if (kinds[k] == SVAR_CHANGE_NOISE || kinds[k] == SVAR_CHANGE_MEAN) {
                ch.set_coef = 1;
                ch.coef_after = kinds[k] == SVAR_CHANGE_NOISE ? 3.0 : 2.0;
            }
            int T = at + 400;
            if (getenv("BENCH_VERBOSE")) printf("  change at %d\n", at);
            double *X = xmallocarray((size_t)T * N, sizeof(double));
            rng_seed(&r, (uint64_t)s * 131 + (uint64_t)k);
            svar_model_simulate_change(mod, &ch, &r, T, 300, X);
            struct change_monitor *m = monitor(N, 2);
            int has = learn_parents(m, X, 600, N, 2, ch.var, ch.lag * N + ch.parent);
            int first = -1, first_row = -1;
            for (int t = 0; t < T && first < 0; t++) {
                int n = change_monitor_push(m, X + (size_t)t * N, ev, 64);
                for (int e = 0; e < n && e < 64; e++) {
                    if (ev[e].type != CHANGE_EVENT_MECHANISM) continue;
                    if (t < at)
                        falsev++;
                    else if (first < 0) {
                        first = ev[e].series;
                        first_row = t;
                    }
                }
            }
            runs++;
            if (getenv("BENCH_VERBOSE"))
                verbose_case(names[k], s, mod, &ch, X, has, first, first_row);
            int within = ch.parent < 0 || oracle_rows(partial_effect(mod, &ch, X), N) <= 120;
            reach += within;
            if (first == ch.var && first_row - at <= 120) {
                ok++;
                reach_ok += within;
                delays[nd++] = first_row - at;
            } else if (first == ch.var)
                late++;
            else if (first >= 0)
                other++;
            change_monitor_free(m);
            svar_model_free(mod);
            free(X);
        }
        qsort(delays, (size_t)nd, sizeof(double), bench_cmp_double);
        printf("%-13s %4d/%-4d %8d %8d %12.0f %9d %7d/%-4d\n", names[k], ok, runs, late, other,
               nd ? delays[nd / 2] : -1.0, falsev, reach_ok, reach);
        fflush(stdout);
    }
}

enum fa_kind { FA_PLAIN, FA_CYCLE, FA_T3, FA_DRIFT, FA_MISSING, FA_KINDS };

/* Student t with 3 df scaled to unit variance. */
static double t3(struct rng *r)
{
    double z = rng_normal(r), c = 0;
    for (int a = 0; a < 3; a++) {
        double g = rng_normal(r);
        c += g * g;
    }
    return z / sqrt(c / 3.0) / sqrt(3.0);
}

/* Simulates the model with the noise of kind fk (t3 or Gaussian). */
static void simulate(const struct svar_model *m, struct rng *r, int T, int burnin, int heavy,
                     double *X)
{
    int N = m->nvars, L = m->tau_max, T1 = L + 1;
    double *dev = xcalloc((size_t)(T + burnin) * N, sizeof(double));
    for (int t = 0; t < T + burnin; t++) {
        double *cur = dev + (size_t)t * N;
        for (int a = 0; a < N; a++) {
            int j = m->order[a];
            double v = m->noise_sd[j] * (heavy ? t3(r) : rng_normal(r));
            for (int tau = 0; tau <= L && tau <= t; tau++)
                for (int b = 0; b < (tau ? N : a); b++) {
                    int i = tau ? b : m->order[b];
                    double c = m->coef[((size_t)i * N + j) * T1 + tau];
                    if (c != 0.0) v += c * dev[(size_t)(t - tau) * N + i];
                }
            cur[j] = v;
        }
    }
    for (int t = 0; t < T; t++)
        for (int j = 0; j < N; j++)
            X[(size_t)t * N + j] = m->mean[j] + dev[(size_t)(t + burnin) * N + j];
    free(dev);
}

static void false_alarms(int rows, int seeds)
{
    static const char *names[FA_KINDS] = {"plain", "daily_cycle", "t3_noise", "random_walk",
                                          "missing_5pct"};
    printf("false alarms: fault-free streams of %d rows, N 20, tau_max 2, %d seed(s) each\n", rows,
           seeds);
    printf("%-13s %8s %8s %16s\n", "stream", "mech_ev", "link_ev", "per_10k_rows");
    struct change_event ev[64];
    int N = 20;
    for (int fk = 0; fk < FA_KINDS; fk++) {
        long mech = 0, link = 0, total = 0;
        for (int s = 1; s <= seeds; s++) {
            struct svar_sim_params sp;
            svar_sim_params_default(&sp, N, 2, (uint64_t)(500 + s));
            sp.coef_min = 0.25;
            char err[256];
            struct svar_model *mod = svar_model_random(&sp, err, sizeof err);
            struct rng r;
            rng_seed(&r, (uint64_t)(700 + s * 10 + fk));
            double *X = xmallocarray((size_t)rows * N, sizeof(double));
            simulate(mod, &r, rows, 300, fk == FA_T3, X);
            double w = 0;
            for (int t = 0; t < rows; t++) {
                if (fk == FA_CYCLE)
                    for (int j = 0; j < N; j++)
                        X[(size_t)t * N + j] +=
                            2.0 * mod->noise_sd[j] * sin(2 * M_PI * t / 96.0 + 0.5 * j);
                if (fk == FA_DRIFT) {
                    w += 0.02 * mod->noise_sd[0] * rng_normal(&r);
                    X[(size_t)t * N] += w;
                }
                if (fk == FA_MISSING)
                    for (int j = 0; j < N; j++)
                        if (rng_uniform(&r) < 0.05) X[(size_t)t * N + j] = NAN;
            }
            struct change_monitor *m = monitor(N, 2);
            /* parents from the first 600 rows (gaps filled by the discovery's screening) */
            learn_parents(m, X, 600, N, 2, -1, -1);
            for (int t = 0; t < rows; t++) {
                int n = change_monitor_push(m, X + (size_t)t * N, ev, 64);
                for (int e = 0; e < n && e < 64; e++) {
                    if (getenv("BENCH_VERBOSE") && ev[e].type == CHANGE_EVENT_MECHANISM)
                        printf("  %s row %d series %d %s p %.2g (mean %.2g coef %.2g var %.2g) "
                               "noise %.3f -> %.3f c0 %.3f -> %.3f\n",
                               names[fk], t, ev[e].series, change_kind_str(ev[e].kind), ev[e].pval,
                               ev[e].p_mean, ev[e].p_coef, ev[e].p_var, ev[e].noise_before,
                               ev[e].noise_after, ev[e].coef_before[0], ev[e].coef_after[0]);
                    mech += ev[e].type == CHANGE_EVENT_MECHANISM;
                    link += ev[e].type == CHANGE_EVENT_LINK;
                }
            }
            total += rows;
            change_monitor_free(m);
            svar_model_free(mod);
            free(X);
        }
        printf("%-13s %8ld %8ld %16.2f\n", names[fk], mech, link, 1e4 * (double)mech / total);
        fflush(stdout);
    }
}

static void cost(void)
{
    int N = 200, tau = 3, T = 1500;
    struct svar_sim_params sp;
    svar_sim_params_default(&sp, N, tau, 4242);
    char err[256];
    struct svar_model *mod = svar_model_random(&sp, err, sizeof err);
    struct rng r;
    rng_seed(&r, 17);
    double *X = xmallocarray((size_t)T * N, sizeof(double));
    svar_model_simulate(mod, &r, T, 200, X);
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.tau_max = tau;
    p.every = 1;
    struct change_monitor *m = change_monitor_new(&p, N, err, sizeof err);
    /* the true parents (as a learned graph would give them) */
    for (int j = 0; j < N; j++) {
        int nodes[64], n = 0;
        for (int i = 0; i < N; i++)
            for (int lag = 0; lag <= tau && n < 64; lag++)
                if (i != j && mod->coef[((size_t)i * N + j) * (tau + 1) + lag] != 0.0)
                    nodes[n++] = lag * N + i;
        change_monitor_set_parents(m, j, nodes, n);
    }
    struct change_event ev[64];
    int warm = p.reference + p.gap + p.recent + tau + 1;
    for (int t = 0; t < warm; t++) change_monitor_push(m, X + (size_t)t * N, ev, 64);
    double t0 = bench_now();
    for (int t = warm; t < T; t++) change_monitor_push(m, X + (size_t)t * N, ev, 64);
    double per = (bench_now() - t0) / (T - warm);
    printf("cost: %d series, tau_max %d, a round every row: %.3f ms per row (update + test), "
           "1 core\n",
           N, tau, per * 1e3);
    change_monitor_free(m);
    svar_model_free(mod);
    free(X);
}

/* Starts a phase: resets the peak RSS to the current RSS; returns the RSS in kB. */
static long phase_start(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
    return bench_proc_kb(0, "VmRSS");
}

/* MB the peak RSS of the phase rose above its start. */
static double phase_peak_mb(long start_kb)
{
    return (bench_proc_kb(0, "VmHWM") - start_kb) / 1024.0;
}

/* What --check-config counts for one scope of N series, a window of T rows, tau_max 3 and the
 * monitor's defaults (a configuration written to a temporary directory and loaded as the
 * daemon loads it). Returns 0 and the parts in MB, or -1. */
static int check_config_mb(int N, int T, double *refresh, double *monitor, double *scope,
                           double *total)
{
    char dir[] = "/tmp/causalmon-bench-monitor.XXXXXX", path[128], err[1024];
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/wide.yaml", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f,
            "state_dir: %s\nworkers: 1\nmax_series: %d\n"
            "inputs:\n  - {name: m, type: zmq_pull, endpoint: \"tcp://127.0.0.1:1\"}\n"
            "scopes:\n  - {name: wide, match: [\"*\"], max_series: %d, window: %d, tau_max: 3}\n",
            dir, N, N, T);
    fclose(f);
    struct config *c = malloc(sizeof *c);
    int rc = config_load(path, c, err, sizeof err);
    unlink(path);
    rmdir(dir);
    if (rc) {
        fprintf(stderr, "bench_monitor: %s\n", err);
        free(c);
        return -1;
    }
    struct mem_breakdown b;
    mem_estimate_breakdown(c, &b);
    *refresh = mem_estimate_refresh_bytes(&c->scopes[0]) / 1048576.0;
    *monitor = mem_estimate_monitor_bytes(&c->scopes[0]) / 1048576.0;
    *scope = b.scopes / 1048576.0;
    *total = b.total / 1048576.0;
    free(c);
    return 0;
}

/* The refresh of wide(): the graph of X (T x N) as scope_refresh.c learns it, its directed
 * links as parents par[j * cap ..] (strongest first, npar[j] of them). */
static void learn_wide(const double *X, int T, int N, int tau, int *par, int *npar, int *nlinks,
                       double *secs, double *peak_mb)
{
    struct rca_params rp;
    rca_params_default(&rp);
    rp.tau_max = tau;
    struct rca_learned l;
    char err[256];
    long rss0 = phase_start();
    double t0 = bench_now();
    if (rca_graph_learn(X, T, N, &rp, NULL, &l, err, sizeof err) != 0) {
        fprintf(stderr, "bench_monitor: refresh: %s\n", err);
        _exit(1);
    }
    *secs = bench_now() - t0;
    *peak_mb = phase_peak_mb(rss0);
    *nlinks = (int)rca_learned_parents(&l, N, CHANGE_MONITOR_MAX_PARENTS, par, npar);
    rca_learned_free(&l);
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The daemon's path at N series: a refresh (rca_graph_learn, as scope_refresh.c) on T rows,
 * its directed links as the monitor's parents (strongest CHANGE_MONITOR_MAX_PARENTS), then the
 * T rows through the monitor with the scope's default options and tau_max 3. */
static void wide(int N, int T)
{
    int tau = 3;
    struct svar_sim_params sp;
    svar_sim_params_default(&sp, N, tau, 4243);
    char err[256];
    struct svar_model *mod = svar_model_random(&sp, err, sizeof err);
    if (!mod) {
        fprintf(stderr, "bench_monitor: %s\n", err);
        exit(1);
    }
    struct rng r;
    rng_seed(&r, 18);
    double *X = xmallocarray((size_t)T * N, sizeof(double));
    svar_model_simulate(mod, &r, T, 300, X);
    printf("wide: N %d, T %d, tau_max 3, the daemon's code path (refresh, then the monitor with "
           "the scope's defaults: reference 300, gap 60, recent 80, a round and a scan every 10 "
           "rows), 1 core\n",
           N, T);
    /* the refresh, as scope_refresh.c runs it, in a child process (its freed memory would
     * otherwise stay with the allocator and hide the monitor's); the parents come back through
     * a pipe */
    int cap = CHANGE_MONITOR_MAX_PARENTS, nlinks = 0;
    int *par = xcalloc((size_t)N * cap, sizeof(int)), *npar = xcalloc((size_t)N, sizeof(int));
    double t_refresh = 0, mb_refresh = 0;
    int fd[2];
    if (pipe(fd) != 0) exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        learn_wide(X, T, N, tau, par, npar, &nlinks, &t_refresh, &mb_refresh);
        if (write_all(fd[1], par, (size_t)N * cap * sizeof(int)) ||
            write_all(fd[1], npar, (size_t)N * sizeof(int)) ||
            write_all(fd[1], &nlinks, sizeof nlinks) ||
            write_all(fd[1], &t_refresh, sizeof t_refresh) ||
            write_all(fd[1], &mb_refresh, sizeof mb_refresh))
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    int st = 0;
    if (read_all(fd[0], par, (size_t)N * cap * sizeof(int)) ||
        read_all(fd[0], npar, (size_t)N * sizeof(int)) || read_all(fd[0], &nlinks, sizeof nlinks) ||
        read_all(fd[0], &t_refresh, sizeof t_refresh) ||
        read_all(fd[0], &mb_refresh, sizeof mb_refresh) || waitpid(pid, &st, 0) < 0 ||
        !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_monitor: the refresh failed\n");
        exit(1);
    }
    close(fd[0]);
    printf("refresh (PCMCI+ on the window): %.2f s, peak +%.0f MB; %d directed links\n", t_refresh,
           mb_refresh, nlinks);
    /* the monitor */
    long rss0 = phase_start();
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.tau_max = tau;
    struct change_monitor *m = change_monitor_new(&p, N, err, sizeof err);
    long kept = 0;
    for (int j = 0; j < N; j++) {
        change_monitor_set_parents(m, j, par + (size_t)j * cap, npar[j]);
        kept += npar[j];
    }
    struct change_event ev[64];
    double t_plain = 0, t_round = 0, worst = 0;
    long n_plain = 0, n_round = 0, events = 0;
    for (int t = 0; t < T; t++) {
        double a = bench_now();
        int n = change_monitor_push(m, X + (size_t)t * N, ev, 64);
        double d = bench_now() - a;
        events += n;
        /* a round runs at every row that is a multiple of `every` once the ring is full */
        long rows = t + 1, H = p.reference + p.gap + p.recent + p.tau_max + 1;
        if (rows >= H && rows % p.every == 0) {
            t_round += d;
            n_round++;
            if (d > worst) worst = d;
        } else {
            t_plain += d;
            n_plain++;
        }
    }
    double mb_monitor = phase_peak_mb(rss0);
    printf("monitor: %.1f learned parents per series; %.3f ms per row without a round (%ld rows), "
           "%.1f ms per round (mean of %ld, worst %.1f ms, cycle detection included), %ld "
           "events; peak +%.0f MB\n",
           (double)kept / N, n_plain ? 1e3 * t_plain / n_plain : 0.0, n_plain,
           n_round ? 1e3 * t_round / n_round : 0.0, n_round, 1e3 * worst, events, mb_monitor);
    double e_ref, e_mon, e_scope, e_total;
    if (check_config_mb(N, T, &e_ref, &e_mon, &e_scope, &e_total) == 0)
        printf("--check-config for one scope (max_series %d, window %d, tau_max 3, workers 1): "
               "refresh %.0f MB (measured %.0f), monitor %.0f MB (measured %.0f), scope resident "
               "%.0f MB, total %.0f MB\n",
               N, T, e_ref, mb_refresh, e_mon, mb_monitor, e_scope, e_total);
    change_monitor_free(m);
    free(par);
    free(npar);
    svar_model_free(mod);
    free(X);
}

int main(int argc, char **argv)
{
    int seeds = 20, rows = 20000, fa_seeds = 1, a = 1, wide_n = 0, wide_t = 2000;
    while (a + 1 < argc) {
        if (strcmp(argv[a], "--seeds") == 0)
            seeds = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--rows") == 0)
            rows = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--fa-seeds") == 0)
            fa_seeds = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--wide") == 0)
            wide_n = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--wide-rows") == 0)
            wide_t = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--grow") == 0)
            grow = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--cusum-k") == 0)
            cusum_k = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--false-alarms") == 0)
            fa_rate = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--reference") == 0)
            win[0] = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--gap") == 0)
            win[1] = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--recent") == 0)
            win[2] = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--every") == 0)
            win[3] = atoi(argv[a + 1]);
        a += 2;
    }
    if (seeds < 1 || seeds > 200) seeds = 20;
    if (rows < 2000) rows = 20000;
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    openblas_set_num_threads(1);
    if (wide_n > 0) {
        if (wide_n < 2 || wide_n > 1000 || wide_t < 600 || wide_t > 100000) {
            fprintf(stderr, "bench_monitor: --wide N in [2, 1000], --wide-rows T in [600, "
                            "100000]\n");
            return 2;
        }
        printf("bench/monitor (%ld cores on this machine)\n", sysconf(_SC_NPROCESSORS_ONLN));
        wide(wide_n, wide_t);
        return 0;
    }
    printf("bench/monitor: %d seeds per kind, 1 core (%ld on this machine)\n", seeds,
           sysconf(_SC_NPROCESSORS_ONLN));
    if (!getenv("BENCH_FA_ONLY")) detection(seeds);
    if (fa_seeds < 1 || fa_seeds > 50) fa_seeds = 1;
    false_alarms(rows, fa_seeds);
    cost();
    return 0;
}
