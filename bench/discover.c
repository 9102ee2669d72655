/*
 * bench/discover - wall time, peak memory and adjacency F1 of batch PCMCI+ discovery
 * (covariance of the embedded vector + PCMCI+ with ParCorr, the work `causalmon discover` does
 * after reading its CSV) on simulated structural VAR data, one core (OpenBLAS single-threaded).
 *
 * Each setting runs in a forked child so peak RSS (ru_maxrss) belongs to that setting alone.
 * Every setting is simulated with `seeds` different seeds (different random models); time is the
 * median over all seeds x reps runs, F1 the mean over the seeds. The reference column is tigramite
 * PCMCI+ with ParCorr on this machine class, from the issue that set the target (not re-measured
 * here: there is no PyPI access).
 *
 * Complete data runs on lag blocks (lagblock.h), so N = 1000 at tau_max 3 fits: peak memory is
 * the (2 tau_max + 1) N^2 lag blocks plus the graph, the simulated model and its truth graph.
 *
 * --screen-alpha A and --screen-top-k K turn on candidate screening (pcmci_params; off by
 * default) and add the screened candidate counts to the output.
 *
 * usage: bench_discover [--reps N] [--seeds S] [--screen-alpha A] [--screen-top-k K]
 *                       [N T TAU_MAX ...]
 */
#include "bench_util.h"
#include "rng.h"
#include "svar_discover.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct setting {
    int n, T, tau;
    double tigramite_s; /* reference time from the issue, 0 = none */
};

static double screen_alpha; /* candidate screening (pcmci_params), 0 / 0 = off */
static int screen_top_k;

/* Runs one seed of a setting: appends reps times, returns F1 and counts. */
static double run_seed(const struct setting *s, int reps, uint64_t seed, double *times, int *links,
                       long *tests, long *screened)
{
    struct svar_sim_params sp;
    svar_sim_params_default(&sp, s->n, s->tau, seed);
    char err[256];
    struct svar_model *m = svar_model_random(&sp, err, sizeof err);
    if (!m) {
        fprintf(stderr, "bench: %s\n", err);
        _exit(1);
    }
    double *X = xmallocarray((size_t)s->T * s->n, sizeof(double));
    struct rng r;
    rng_seed(&r, seed ^ 0x5eedULL);
    svar_model_simulate(m, &r, s->T, 500, X);
    struct svar_graph *truth = svar_model_truth(m);
    struct svar_discover_params p;
    svar_discover_params_default(&p, s->tau);
    p.pcmci.screen_alpha = screen_alpha;
    p.pcmci.screen_top_k = screen_top_k;
    double f1 = 0;
    for (int k = 0; k < reps; k++) {
        struct svar_discover_result res;
        double t0 = bench_now();
        if (svar_discover_run(X, s->T, s->n, &p, &res, err, sizeof err) != 0) {
            fprintf(stderr, "bench: %s\n", err);
            _exit(1);
        }
        times[k] = bench_now() - t0;
        double prec, rec;
        svar_graph_adjacency_f1(res.graph, truth, &prec, &rec, &f1);
        *links = svar_graph_count_links(res.graph);
        *tests = res.stats.tests;
        *screened = res.stats.screened_lagged + res.stats.screened_contemp;
        svar_discover_result_free(&res);
    }
    svar_graph_free(truth);
    svar_model_free(m);
    free(X);
    return f1;
}

/* Runs one setting over `seeds` seeds; writes "seconds mean_f1 links tests screened" (links,
 * tests and screened candidates of the last seed) to fd. */
static void run_setting(const struct setting *s, int reps, int seeds, int fd)
{
    double times[256], f1 = 0;
    int links = 0;
    long tests = 0, screened = 0;
    for (int k = 0; k < seeds; k++)
        f1 += run_seed(s, reps, (uint64_t)k + 1, times + k * reps, &links, &tests, &screened);
    qsort(times, (size_t)(reps * seeds), sizeof times[0], bench_cmp_double);
    dprintf(fd, "%.6f %.4f %d %ld %ld\n", times[reps * seeds / 2], f1 / seeds, links, tests,
            screened);
}

int main(int argc, char **argv)
{
    struct setting defaults[] = {
        {10, 500, 3, 0.4}, {20, 1000, 5, 2.3}, {50, 2000, 5, 14.7}, {100, 2000, 5, 59.0},
        {200, 2000, 3, 0}, {500, 2000, 3, 0},  {1000, 2000, 3, 0},
    };
    struct setting custom[32];
    struct setting *set = defaults;
    int nset = (int)(sizeof defaults / sizeof defaults[0]), reps = 3, seeds = 5;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a += 2) {
        if (a + 1 >= argc) break;
        if (strcmp(argv[a], "--reps") == 0) reps = atoi(argv[a + 1]);
        if (strcmp(argv[a], "--seeds") == 0) seeds = atoi(argv[a + 1]);
        if (strcmp(argv[a], "--screen-alpha") == 0) screen_alpha = atof(argv[a + 1]);
        if (strcmp(argv[a], "--screen-top-k") == 0) screen_top_k = atoi(argv[a + 1]);
    }
    if (!(screen_alpha >= 0 && screen_alpha < 1)) screen_alpha = 0;
    if (screen_top_k < 0) screen_top_k = 0;
    if (reps < 1 || reps > 15) reps = 3;
    if (seeds < 1 || seeds > 15) seeds = 5;
    if (a < argc) {
        nset = 0;
        for (; a + 2 < argc && nset < 32; a += 3)
            custom[nset++] =
                (struct setting){atoi(argv[a]), atoi(argv[a + 1]), atoi(argv[a + 2]), 0};
        set = custom;
    }
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    openblas_set_num_threads(1);
    printf("bench/discover: PCMCI+ (ParCorr, alpha 0.01) on simulated SVAR data, 1 core, "
           "%d seeds x %d runs (median time, mean F1), %ld cores on this machine\n",
           seeds, reps, sysconf(_SC_NPROCESSORS_ONLN));
    if (screen_alpha > 0 || screen_top_k > 0)
        printf("candidate screening on: level %g, top-k %d (0 = no cap); 'screened' = "
               "candidates removed (last seed)\n",
               screen_alpha, screen_top_k);
    else
        printf("candidate screening off (the default)\n");
    printf("%5s %6s %4s | %10s %8s %7s %6s %9s %9s | %12s %8s\n", "N", "T", "tau", "seconds",
           "peak_MiB", "mean_F1", "links", "tests", "screened", "tigramite_s", "speedup");
    for (int k = 0; k < nset; k++) {
        int pfd[2];
        if (pipe(pfd) != 0) return 1;
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            run_setting(&set[k], reps, seeds, pfd[1]);
            _exit(0);
        }
        close(pfd[1]);
        char buf[256] = "";
        ssize_t got = read(pfd[0], buf, sizeof buf - 1);
        close(pfd[0]);
        int status;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        double secs, f1;
        int links;
        long tests, screened;
        if (got <= 0 ||
            sscanf(buf, "%lf %lf %d %ld %ld", &secs, &f1, &links, &tests, &screened) != 5) {
            printf("%5d %6d %4d | failed\n", set[k].n, set[k].T, set[k].tau);
            continue;
        }
        printf("%5d %6d %4d | %10.4f %8.1f %7.3f %6d %9ld %9ld | ", set[k].n, set[k].T, set[k].tau,
               secs, ru.ru_maxrss / 1024.0, f1, links, tests, screened);
        if (set[k].tigramite_s > 0)
            printf("%12.1f %7.0fx\n", set[k].tigramite_s, set[k].tigramite_s / secs);
        else
            printf("%12s %8s\n", "-", "-");
        fflush(stdout);
    }
    return 0;
}
