/*
 * bench_rca - root-cause accuracy on simulated incidents (service_sim.h) through the same
 * detector and ranking as the daemon: SEEDS seeds x five fault kinds (CPU hog, latency injection,
 * an error burst seen only in logs, a dependency that appears, a pure mechanism change), 600
 * fault-free buckets, then the fault. Prints per kind the share of cases with the faulty service
 * at rank 1 and in the top 3 (causal ranking next to the graph-free BARO ranking), the detection
 * delay, and the false alerts on fault-free streams of FREE buckets. Reads no data files.
 *
 * usage: bench_rca [SEEDS [FREE]]   (defaults 20, 20000)
 */
#include "bench_util.h"
#include "rca_case.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int seeds = argc > 1 ? atoi(argv[1]) : 20, free_rows = argc > 2 ? atoi(argv[2]) : 20000;
    struct detector_params dp;
    detector_params_default(&dp);
    struct rca_params rp;
    rca_params_default(&rp);
    int all = 0, top1 = 0, top3 = 0, b1 = 0, b3 = 0, maxdelay = 0, missed = 0;
    double t0 = bench_now(), rca_s = 0;
    printf("%-15s %5s %7s %7s %9s %9s %9s\n", "fault", "cases", "top1", "top3", "base_top1",
           "base_top3", "max_delay");
    for (int f = SIM_FAULT_CPU_HOG; f < SIM_FAULTS; f++) {
        int n = 0, t1 = 0, t3 = 0, bb1 = 0, bb3 = 0, md = 0;
        for (int sd = 0; sd < seeds; sd++) {
            struct rca_case c;
            char err[256];
            double ts = bench_now();
            if (rca_case_run((uint64_t)sd, (enum sim_fault)f, 600, 100, 400, &dp, &rp, &c, err,
                             sizeof err)) {
                fprintf(stderr, "seed %d %s: %s\n", sd, sim_fault_str(f), err);
                continue;
            }
            rca_s += bench_now() - ts;
            n++;
            if (!c.detected) {
                missed++;
                if (getenv("VERBOSE")) printf("  seed %d %s: not detected\n", sd, sim_fault_str(f));
                continue;
            }
            t1 += c.rank_component == 1;
            t3 += c.rank_component >= 1 && c.rank_component <= 3;
            bb1 += c.baseline_component == 1;
            bb3 += c.baseline_component >= 1 && c.baseline_component <= 3;
            if (c.delay > md) md = c.delay;
            if (getenv("VERBOSE") && c.rank_component != 1)
                printf("  seed %d %s: rank %d (series %d, baseline %d), top %s (%s, %s, %s), "
                       "path %s\n",
                       sd, sim_fault_str(f), c.rank_component, c.rank_series, c.baseline_component,
                       c.top, c.top_series[0], c.top_series[1], c.top_series[2], c.path);
        }
        printf("%-15s %5d %7.2f %7.2f %9.2f %9.2f %9d\n", sim_fault_str(f), n,
               n ? (double)t1 / n : 0, n ? (double)t3 / n : 0, n ? (double)bb1 / n : 0,
               n ? (double)bb3 / n : 0, md);
        all += n, top1 += t1, top3 += t3, b1 += bb1, b3 += bb3;
        if (md > maxdelay) maxdelay = md;
    }
    printf("%-15s %5d %7.2f %7.2f %9.2f %9.2f %9d\n", "all", all, (double)top1 / all,
           (double)top3 / all, (double)b1 / all, (double)b3 / all, maxdelay);
    printf("not detected: %d; ranking: %.1f ms per case\n", missed, 1e3 * rca_s / all);
    long fa = 0;
    int streams = 5;
    for (int sd = 0; sd < streams; sd++) fa += rca_case_false_alerts(1000 + sd, free_rows, &dp);
    printf("false alerts: %ld in %d fault-free streams of %d buckets (%.2f per 10,000 buckets)\n",
           fa, streams, free_rows, 1e4 * fa / ((double)streams * free_rows));
    printf("total %.1f s\n", bench_now() - t0);
    return 0;
}
