/*
 * bench_rca - root-cause accuracy on simulated incidents (service_sim.h) through the same
 * detector and ranking as the daemon: SEEDS seeds x five fault kinds (CPU hog, latency injection,
 * an error burst seen only in logs, a dependency that appears, a pure mechanism change), 600
 * fault-free buckets, then the fault. Prints per kind the share of cases with the faulty service
 * at rank 1 and in the top 3 (causal ranking next to the graph-free ranking, anomaly evidence
 * alone), the detection delay, and the false alerts on fault-free streams of FREE buckets: KPI
 * change points, and structure changes (link_tracker.h over PCMCI+ refreshes of a 340-bucket window
 * every 30 buckets, as a daemon scope with structure_alerts would publish them). Reads no data
 * files.
 *
 * usage: bench_rca [SEEDS [FREE]]   (defaults 20, 20000)
 */
#include "bench_util.h"
#include "link_tracker.h"
#include "rca_case.h"
#include "svar_discover.h"

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
    /* structure changes on one fault-free stream */
    struct service_sim sim;
    service_sim_init(&sim, 2000, SIM_FAULT_NONE, -1);
    int n = sim.nseries, W = 340, every = 30;
    double *X = malloc(sizeof(double) * (size_t)free_rows * n);
    for (int t = 0; t < free_rows; t++) service_sim_step(&sim, X + (size_t)t * n);
    struct link_tracker_params lp;
    link_tracker_params_default(&lp);
    struct link_tracker *lt = link_tracker_new(&lp, n, 1);
    struct svar_discover_params sp;
    svar_discover_params_default(&sp, 1);
    long events = 0, refreshes = 0;
    struct link_event ev[64];
    for (int t = W; t <= free_rows; t += every) {
        struct svar_discover_result res;
        char err[256];
        if (svar_discover_run(X + (size_t)(t - W) * n, W, n, &sp, &res, err, sizeof err)) continue;
        if (refreshes++ >= lp.history)
            events += link_tracker_update(lt, res.graph, res.kept, ev, 64) > 0;
        else
            link_tracker_update(lt, res.graph, res.kept, ev, 64);
        svar_discover_result_free(&res);
    }
    printf("structure changes: %ld refreshes with a change in %ld refreshes of a fault-free stream "
           "of %d buckets (%.2f per 10,000 buckets)\n",
           events, refreshes, free_rows, 1e4 * events / free_rows);
    link_tracker_free(lt);
    free(X);
    service_sim_fini(&sim);
    printf("total %.1f s\n", bench_now() - t0);
    return 0;
}
