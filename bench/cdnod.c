/*
 * bench/cdnod - time and detection recall by kind of change for CD-NOD on simulated SVAR data
 * with one mechanism change at T/2 (the time index as context, 4 blocks), one core.
 *
 * For every (N, T) and each of the six kinds of change, `seeds` seeded models are simulated;
 * a change counts as found when the changed variable is reported. Precision counts every other
 * reported variable as false. The extra sign-flip scenario (not identifiable when the parent is
 * contemporaneous) has its own column and stays out of recall and precision. Time is the median
 * cdnod_run wall time over all runs (data in memory, as after reading the CSV). Runs with --test
 * chow and --test rcit.
 *
 * --contemp: the small contemporaneous changes instead (svar_change_pick_contemp): N variables,
 * T rows, no lags (tau_max 0 in the data and in CD-NOD), |cross coefficient| in [0.25, 0.35],
 * one change of each of five kinds at T/2 (coefficient c -> -0.93 c, contemporaneous edge of
 * +-0.25 added, edge removed, noise sd x2, mean +1.5 sd); recall and precision per kind. Seeds
 * start at 1000 (not those the unit tests use).
 *
 * --contemp with BENCH_KIND=k (0..4 in the order above) / BENCH_SEED=s runs one kind / seed;
 * BENCH_VERBOSE=1 prints every case: the changed variable and the parent of the changed edge,
 * the number of true parents of each, and what CD-NOD reported (p-value and kind). A changed
 * edge between a parent without parents and a child with no other parent is a pair of two
 * Gaussian variables whose joint law changes: "the child's mechanism changed" and "the
 * parent's changed" then differ only through the child's marginal variance (1 % for c -> -0.93
 * c), so which of the two is reported there is close to a toss-up.
 *
 * --seed0 S (with --contemp) starts the seeds at S instead of 1000, for a fresh seed range.
 *
 * usage: bench_cdnod [--seeds S] [--seed0 S] [--contemp] [N T ...]
 */
#include "cdnod.h"
#include "bench_util.h"
#include "rng.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void run(int N, int T, enum mech_test test, int seeds)
{
    int found[SVAR_CHANGE_ALL] = {0}, runs[SVAR_CHANGE_ALL] = {0}, reported = 0, correct = 0;
    double *times = xmallocarray((size_t)SVAR_CHANGE_ALL * seeds, sizeof(double));
    int nt = 0;
    int *seg = xmallocarray((size_t)T, sizeof(int));
    for (int t = 0; t < T; t++) seg[t] = (int)((long)t * 4 / T);
    for (int kind = 0; kind < SVAR_CHANGE_ALL; kind++)
        for (int s = 1; s <= seeds; s++) {
            struct svar_sim_params sp;
            svar_sim_params_default(&sp, N, 2, (uint64_t)s);
            char err[256];
            struct svar_model *m = svar_model_random(&sp, err, sizeof err);
            struct rng pick, r;
            rng_seed(&pick, (uint64_t)s ^ 0xc4a9eULL);
            struct svar_change ch;
            if (svar_change_pick(m, (enum svar_change_kind)kind, T / 2, &pick, &ch) < 0) {
                svar_model_free(m);
                continue;
            }
            double *X = xmallocarray((size_t)T * N, sizeof(double));
            rng_seed(&r, (uint64_t)s ^ 0x5eedULL);
            svar_model_simulate_change(m, &ch, &r, T, 500, X);
            struct cdnod_params p;
            cdnod_params_default(&p);
            p.test = test;
            p.time_kernel = 1; /* the CLI's default for the time-index context */
            struct cdnod_result res;
            double t0 = bench_now();
            if (cdnod_run(X, T, N, seg, 4, &p, &res, err, sizeof err) != 0) {
                fprintf(stderr, "bench_cdnod: %s\n", err);
                exit(1);
            }
            times[nt++] = bench_now() - t0;
            runs[kind]++;
            for (int a = 0; a < res.nchanged; a++) {
                int hit = res.changed[a].var == ch.var;
                found[kind] += hit;
                if (kind < SVAR_CHANGE_KINDS) { /* sign flips stay out of precision */
                    reported++;
                    correct += hit;
                }
            }
            cdnod_result_free(&res);
            svar_model_free(m);
            free(X);
        }
    qsort(times, (size_t)nt, sizeof(double), bench_cmp_double);
    printf("%4d %5d %-6s | %8.4f |", N, T, mech_test_str(test), times[nt / 2]);
    int tf = 0, tr = 0;
    for (int kind = 0; kind < SVAR_CHANGE_KINDS; kind++) {
        printf(" %d/%d", found[kind], runs[kind]);
        tf += found[kind];
        tr += runs[kind];
    }
    printf(" | %5.3f %9.3f | %d/%d\n", tr ? (double)tf / tr : 0,
           reported ? (double)correct / reported : 1.0, found[SVAR_CHANGE_SIGN_FLIP],
           runs[SVAR_CHANGE_SIGN_FLIP]);
    fflush(stdout);
    free(times);
    free(seg);
}

/* The five kinds of the contemporaneous scenario. */
static const enum svar_change_kind CONTEMP_KINDS[5] = {SVAR_CHANGE_COEF, SVAR_CHANGE_EDGE_ADD,
                                                       SVAR_CHANGE_EDGE_REMOVE, SVAR_CHANGE_NOISE,
                                                       SVAR_CHANGE_MEAN};

static int seed0 = 1000;

static void run_contemp(int N, int T, enum mech_test test, int seeds)
{
    int *seg = xmallocarray((size_t)T, sizeof(int));
    for (int t = 0; t < T; t++) seg[t] = (int)((long)t * 4 / T);
    int tf = 0, tr = 0, trep = 0, tcor = 0;
    printf("%4d %5d %-6s |", N, T, mech_test_str(test));
    for (int k = 0; k < 5; k++) {
        int found = 0, runs = 0, reported = 0, parent_instead = 0, oracle = 0, covered = 0;
        if (getenv("BENCH_KIND") && atoi(getenv("BENCH_KIND")) != k) continue;
        for (int s = seed0; s < seed0 + seeds; s++) {
            if (getenv("BENCH_SEED") && atoi(getenv("BENCH_SEED")) != s) continue;
            struct svar_sim_params sp;
            svar_sim_params_default(&sp, N, 1, (uint64_t)s);
            sp.contemp_frac = 1.0;
            sp.auto_min = sp.auto_max = 0.0;
            sp.coef_min = 0.25;
            sp.coef_max = 0.35;
            char err[256];
            struct svar_model *m = svar_model_random(&sp, err, sizeof err);
            for (int j = 0; j < N; j++) m->noise_sd[j] = 1.0; /* coefficients in noise units */
            struct rng pick, r;
            rng_seed(&pick, (uint64_t)s ^ 0xc4a9eULL);
            struct svar_change ch;
            if (svar_change_pick_contemp(m, CONTEMP_KINDS[k], T / 2, 0.25, &pick, &ch) < 0) {
                svar_model_free(m);
                continue;
            }
            double *X = xmallocarray((size_t)T * N, sizeof(double));
            rng_seed(&r, (uint64_t)s ^ 0x5eedULL);
            svar_model_simulate_change(m, &ch, &r, T, 100, X);
            struct cdnod_params p;
            cdnod_params_default(&p);
            p.test = test;
            p.tau_max = 0;
            p.time_kernel = 1;
            struct cdnod_result res;
            if (cdnod_run(X, T, N, seg, 4, &p, &res, err, sizeof err) != 0) {
                fprintf(stderr, "bench_cdnod: %s\n", err);
                exit(1);
            }
            /* oracle: the changed variable tested given its true parents (both regimes) */
            {
                int par[64], np = 0;
                for (int i = 0; i < N; i++)
                    if (i != ch.var &&
                        (m->coef[((size_t)i * N + ch.var) * 2] != 0.0 || i == ch.parent))
                        par[np++] = i;
                double *y = xmallocarray((size_t)T, sizeof(double)),
                       *Z = xmallocarray((size_t)T * (np + 1), sizeof(double));
                for (int t = 0; t < T; t++) {
                    y[t] = X[(size_t)t * N + ch.var];
                    for (int q = 0; q < np; q++) Z[(size_t)t * np + q] = X[(size_t)t * N + par[q]];
                }
                struct mech_regimes reg = {seg, 4, NULL};
                struct mech_result mr;
                if (mech_change_test(y, Z, T, np, &reg, MECH_CHOW, 1, 0, &mr, err, sizeof err) ==
                    0) {
                    oracle += mr.pval <= 0.01;
                    mech_result_fini(&mr);
                }
                free(y);
                free(Z);
            }
            runs++;
            /* covered changed edge: pa(var) = pa(parent) + {parent}, so reversing it gives a
             * Markov-equivalent graph (docs/algorithms.md §6, the limit) */
            if (ch.parent >= 0) {
                int cov = 1;
                for (int i = 0; i < N && cov; i++) {
                    int in_var = i == ch.parent || m->coef[((size_t)i * N + ch.var) * 2] != 0.0;
                    int in_par = i == ch.parent || m->coef[((size_t)i * N + ch.parent) * 2] != 0.0;
                    cov = i == ch.var || in_var == in_par;
                }
                covered += cov;
            }
            int hit = 0;
            for (int a = 0; a < res.nchanged; a++) {
                hit |= res.changed[a].var == ch.var;
                parent_instead += res.changed[a].var == ch.parent;
            }
            found += hit;
            reported += res.nchanged;
            if (getenv("BENCH_VERBOSE")) {
                int npp = 0, npv = 0;
                for (int i = 0; i < N; i++) {
                    npp += ch.parent >= 0 && m->coef[((size_t)i * N + ch.parent) * 2] != 0.0;
                    npv += m->coef[((size_t)i * N + ch.var) * 2] != 0.0;
                }
                printf("\n  kind %d seed %d changed %d (%d lag-0 parents) parent %d (%d lag-0 "
                       "parents): reported",
                       k, s, ch.var, npv, ch.parent, npp);
                for (int a = 0; a < res.nchanged; a++)
                    printf(" %d (p %.2g %s)", res.changed[a].var, res.changed[a].pval,
                           change_kind_str(res.changed[a].detail.kind));
                printf("\n");
            }
            cdnod_result_free(&res);
            svar_model_free(m);
            free(X);
        }
        printf(" %2d/%2d %4.2f %4.2f p%d o%d c%d |", found, runs, runs ? (double)found / runs : 0,
               reported ? (double)found / reported : 1.0, parent_instead, oracle, covered);
        tf += found;
        tr += runs;
        trep += reported;
        tcor += found;
    }
    printf(" %5.3f %5.3f\n", tr ? (double)tf / tr : 0, trep ? (double)tcor / trep : 1.0);
    fflush(stdout);
    free(seg);
}

int main(int argc, char **argv)
{
    int seeds = 5, a = 1, contemp = 0;
    for (;;) {
        if (a + 1 < argc && strcmp(argv[a], "--seeds") == 0) {
            seeds = atoi(argv[a + 1]);
            a += 2;
        } else if (a + 1 < argc && strcmp(argv[a], "--seed0") == 0) {
            seed0 = atoi(argv[a + 1]);
            a += 2;
        } else if (a < argc && strcmp(argv[a], "--contemp") == 0) {
            contemp = 1;
            a++;
        } else
            break;
    }
    if (seeds < 1 || seeds > 50) seeds = 5;
    int sizes[32][2] = {{10, 1000}, {20, 2000}, {50, 2000}}, nsz = 3;
    if (a < argc) {
        nsz = 0;
        for (; a + 1 < argc && nsz < 32; a += 2) {
            sizes[nsz][0] = atoi(argv[a]);
            sizes[nsz][1] = atoi(argv[a + 1]);
            nsz++;
        }
    }
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    openblas_set_num_threads(1);
    if (contemp) {
        if (nsz == 3) {
            sizes[0][0] = 10;
            sizes[0][1] = 2000;
            nsz = 1;
        }
        printf("bench/cdnod --contemp: small contemporaneous changes at T/2, tau 0, time index as "
               "context (4 blocks), alpha 0.01, %d seeds per kind from %d, 1 core (%ld on this "
               "machine)\n",
               seeds, seed0, sysconf(_SC_NPROCESSORS_ONLN));
        printf("   N     T test   | per kind (coef, edge+, edge-, noise x2, mean): found/runs "
               "recall precision pN = parent reported oN = oracle test given the true parents cN = "
               "changed edge covered (see docs/algorithms.md §6) | "
               "recall precision\n");
        for (int k = 0; k < nsz; k++) {
            run_contemp(sizes[k][0], sizes[k][1], MECH_CHOW, seeds);
            run_contemp(sizes[k][0], sizes[k][1], MECH_RCIT, seeds);
        }
        return 0;
    }
    printf("bench/cdnod: one change at T/2, time index as context (4 blocks), tau_max 2, alpha "
           "0.01, %d seeds per kind, 1 core (%ld on this machine)\n",
           seeds, sysconf(_SC_NPROCESSORS_ONLN));
    printf("   N     T test   |  median_s | found: coef edge+ edge- noise mean nonlin | recall "
           "precision | sign_flip\n");
    for (int k = 0; k < nsz; k++) {
        run(sizes[k][0], sizes[k][1], MECH_CHOW, seeds);
        run(sizes[k][0], sizes[k][1], MECH_RCIT, seeds);
    }
    return 0;
}
