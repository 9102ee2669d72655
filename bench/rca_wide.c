/*
 * bench_rca_wide - the cost of one root-cause ranking (rca_run) on wide cases: N series x T rows
 * of AR(1) noise with a step in one series at T - 10, ranked with the default parameters. Prints
 * per size the median, min and max milliseconds over REPS rankings, whether a graph was learned
 * (its reliability) and the rank of the stepped series. Single thread (OPENBLAS_NUM_THREADS=1 is
 * advised). Reads no data files.
 *
 * usage: bench_rca_wide [REPS]   (default 5)
 */
#include "bench_util.h"
#include "rca.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    static const int sizes[][2] = {{1000, 120}, {880, 60}, {200, 600}, {100, 1200}, {50, 2000}};
    printf("%6s %6s %10s %10s %10s %12s %5s\n", "series", "rows", "median_ms", "min_ms", "max_ms",
           "reliability", "rank");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int n = sizes[k][0], rows = sizes[k][1], split = rows - 10;
        double *X = malloc(sizeof(double) * (size_t)n * rows), *ms = malloc(sizeof(double) * reps);
        struct rng r;
        rng_seed(&r, 1);
        for (int j = 0; j < n; j++) {
            double a = 0;
            for (int t = 0; t < rows; t++) {
                a = 0.5 * a + rng_normal(&r);
                X[(size_t)t * n + j] = 10 + a + (j == n / 2 && t >= split ? 8 : 0);
            }
        }
        struct rca_params p;
        rca_params_default(&p);
        double rel = 0;
        int rank = -1;
        for (int i = 0; i < reps; i++) {
            struct rca_result res;
            char err[256];
            double t0 = bench_now();
            if (rca_run(X, rows, n, split, 0, &p, NULL, &res, err, sizeof err)) {
                fprintf(stderr, "bench_rca_wide: %s\n", err);
                return 1;
            }
            ms[i] = 1e3 * (bench_now() - t0);
            rel = res.reliability;
            for (int a = 0; a < res.ncauses; a++)
                if (res.causes[a].var == n / 2) rank = a + 1;
            rca_result_free(&res);
        }
        qsort(ms, (size_t)reps, sizeof *ms, bench_cmp_double);
        printf("%6d %6d %10.1f %10.1f %10.1f %12.2f %5d\n", n, rows, ms[reps / 2], ms[0],
               ms[reps - 1], rel, rank);
        free(X);
        free(ms);
    }
    return 0;
}
