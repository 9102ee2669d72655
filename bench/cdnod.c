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
 * usage: bench_cdnod [--seeds S] [N T ...]
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

int main(int argc, char **argv)
{
    int seeds = 5, a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--seeds") == 0) {
        seeds = atoi(argv[a + 1]);
        a += 2;
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
