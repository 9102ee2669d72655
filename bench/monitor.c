/*
 * bench/monitor - the change monitor (change_monitor.h) on seeded SVAR streams, one core.
 *
 * Detection: for each kind (coefficient drops to a quarter, noise sd x3, lag-1 edge of 0.5
 * added, edge removed, mean shift of 2 noise sds) and each seed, a random model with N in 8..50
 * series (tau_max 2, |cross coefficient| in [0.25, 0.5]) changes at a random row in
 * [1000, 2000); parents are learned by PCMCI+ on the first 600 rows (as a scope refresh would).
 * A case is detected when the first mechanism event after the change comes within 120 rows and
 * names the changed series. Mechanism events before the change are false alarms.
 * False alarms: fault-free streams of 20,000 rows, N = 20: plain; a daily cycle (period 96,
 * amplitude 2 noise sds, every series); t-distributed noise (3 df, unit variance); a slow random
 * walk (step 0.02 noise sd) added to one series; 5 % missing values. Events per 10,000 rows.
 * Cost: 200 series, tau_max 3, a round every row (reference 300, recent 80), mean time per
 * pushed row.
 *
 * BENCH_KIND=k / BENCH_SEED=s run one kind / seed of the detection; BENCH_VERBOSE=1 prints every
 * case (the changed series, its parent, whether the parent was learned, and the effect of the
 * change in noise sds: 0.75 x |coefficient| x sd(parent) / noise sd for a coefficient drop) and
 * every false alarm; BENCH_FA_ONLY=1 skips the detection.
 *
 * usage: bench_monitor [--seeds S] [--rows R] [--fa-seeds F] [--false-alarms A] [--cusum-k K]
 * [--grow G] (the monitor's false_alarms, alarms per 10,000 rows, cusum_k and grow; default their
 * defaults)
 */
#include "bench_util.h"
#include "change_monitor.h"
#include "rng.h"
#include "svar_discover.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct change_monitor *monitor(int N, int tau)
{
    struct change_monitor_params p;
    change_monitor_params_default(&p);
    p.tau_max = tau;
    if (fa_rate > 0) p.false_alarms = fa_rate;
    if (cusum_k > 0) p.cusum_k = cusum_k;
    if (grow >= 0) p.grow = grow;
    char err[256];
    struct change_monitor *m = change_monitor_new(&p, N, err, sizeof err);
    if (!m) {
        fprintf(stderr, "bench_monitor: %s\n", err);
        exit(1);
    }
    return m;
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
    printf("  %s seed %d N %d series %d parent %d lag %d learned %d: first event series %d after "
           "%d rows; effect %.2f noise sd\n",
           kind, seed, N, ch->var, ch->parent, ch->lag, has, first,
           first_row >= 0 ? first_row - at : -1, dc * sdp / mod->noise_sd[ch->var]);
}

static void detection(int seeds)
{
    static const enum svar_change_kind kinds[5] = {SVAR_CHANGE_COEF, SVAR_CHANGE_NOISE,
                                                   SVAR_CHANGE_EDGE_ADD, SVAR_CHANGE_EDGE_REMOVE,
                                                   SVAR_CHANGE_MEAN};
    static const char *names[5] = {"coefficient", "noise_x3", "edge_added", "edge_removed",
                                   "mean_2sd"};
    printf("detection: first mechanism event within 120 rows naming the changed series\n");
    printf("%-13s %9s %8s %8s %12s %9s\n", "kind", "detected", "late", "other", "delay_med",
           "false_ev");
    struct change_event ev[64];
    for (int k = 0; k < 5; k++) {
        int ok = 0, late = 0, other = 0, runs = 0, falsev = 0;
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
            if (first == ch.var && first_row - at <= 120) {
                ok++;
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
        printf("%-13s %4d/%-4d %8d %8d %12.0f %9d\n", names[k], ok, runs, late, other,
               nd ? delays[nd / 2] : -1.0, falsev);
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

int main(int argc, char **argv)
{
    int seeds = 20, rows = 20000, fa_seeds = 1, a = 1;
    while (a + 1 < argc) {
        if (strcmp(argv[a], "--seeds") == 0)
            seeds = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--rows") == 0)
            rows = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--fa-seeds") == 0)
            fa_seeds = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--grow") == 0)
            grow = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--cusum-k") == 0)
            cusum_k = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--false-alarms") == 0)
            fa_rate = atof(argv[a + 1]);
        a += 2;
    }
    if (seeds < 1 || seeds > 200) seeds = 20;
    if (rows < 2000) rows = 20000;
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    openblas_set_num_threads(1);
    printf("bench/monitor: %d seeds per kind, 1 core (%ld on this machine)\n", seeds,
           sysconf(_SC_NPROCESSORS_ONLN));
    if (!getenv("BENCH_FA_ONLY")) detection(seeds);
    if (fa_seeds < 1 || fa_seeds > 50) fa_seeds = 1;
    false_alarms(rows, fa_seeds);
    cost();
    return 0;
}
