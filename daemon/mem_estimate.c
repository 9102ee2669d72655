#include "mem_estimate.h"

#include "change_monitor.h"
#include "scope.h"
#include "sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Values per (series, lag) link of a graph: type (1 byte), statistic, p-value, q-value. */
#define GRAPH_LINK_BYTES (1 + 3 * 8)

/* The BLAS packing buffers a worker thread touches for the lagged products (OpenBLAS keeps
 * them per thread; about 1.5 MB measured at 200 series). */
#define BLAS_SCRATCH_BYTES 4e6

double mem_estimate_refresh_bytes(const struct scope_conf *s)
{
    double N = s->max_series, W = s->window, T1 = s->tau_max + 1.0;
    double cells = W * N;
    /* the window snapshot, the learner's copy of it and its gap-filled copy */
    double b = 3 * cells * 8 + BLAS_SCRATCH_BYTES;
    b += N * N * T1 * GRAPH_LINK_BYTES; /* the learned graph */
    if (s->method == 1) {
        /* LPCMCI: the lagged covariance and the correlation matrix, D x D each, exist together;
         * the covariance's ring of rows and block scratch; the PAG marks and per-link state */
        double D = N * T1;
        b += 2 * D * D * 8 + (W + T1) * N * 8 + 64 * D * 8;
        b += N * N * T1 * (2 + 35);
    } else {
        /* PCMCI+ on complete (gap-filled) data: lag blocks of 2 tau_max + 1 lags, the standardised
         * rows, and the per-variable minimum statistics over every lagged candidate */
        double L1 = 2.0 * s->tau_max + 1;
        b += L1 * N * N * 8 + cells * 8 + L1 * N * N * 8 + N * N * (T1 + 1) * 4;
    }
    return b;
}

double mem_estimate_monitor_bytes(const struct scope_conf *s)
{
    struct change_monitor_params mp;
    scope_monitor_params(s, &mp);
    return change_monitor_bytes(&mp, s->max_series);
}

double mem_estimate_ranking_bytes(const struct scope_conf *s)
{
    double cells = (double)s->window * s->max_series;
    /* the window copy the job takes, the ranking's copy and its gap-filled columns */
    return 3 * cells * 8 + (double)s->max_series * s->max_series;
}

static int cmp_desc(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? 1 : a > b ? -1 : 0;
}

void mem_estimate_breakdown(const struct config *c, struct mem_breakdown *out)
{
    memset(out, 0, sizeof *out);
    int64_t hold_ns = sources_hold_watermark(c) ? c->lateness_ns : 0;
    double slots = (double)((c->lateness_ns + hold_ns) / c->bucket_ns) + 2; /* as aligner_new */
    double series = c->max_series;
    /* accumulators (sum, max, last, last_ts, count) per slot and series; per series: name
     * pointer, aggregation, carry, gap run, last bucket, free id, two hash slots, row value,
     * and each scope's column map entry; names up to 64 bytes on average */
    out->aligner = slots * series * 40 + series * (8 + 4 + 8 + 4 + 8 + 4 + 8 + 8 + 64);
    /* the row's record counts; with a group that splits the scopes, each series' scope mask */
    int split = 0;
    for (int a = 0; a < c->ninputs; a++) split |= c->inputs[a].handover_dir[0] != 0;
    out->aligner += series * 4 + (split ? series * 9 : 0);
    double jobs[2 * CONF_MAX_SCOPES], ckpt_one = 0;
    int njobs = 0;
    for (int a = 0; a < c->nscopes; a++) {
        const struct scope_conf *s = &c->scopes[a];
        double N = s->max_series, lagged = N * N * (s->tau_max + 1);
        /* the window, its names and column maps, the link history (3 bytes a link), the last
         * graph, and the change monitor's ring of rows */
        out->scopes += (double)s->window * N * 8 + N * (8 + 4 + 8) + series * 4;
        /* a checkpoint: written, each window's values (8 bytes) and their base64 text (4 for
         * every 3, 32/3 a value) are held at once; restored at start, the file's text and
         * jansson's copy of it. Both are at most 64/3 bytes a value; a handover file writes a
         * served scope once more. Plus one window's text copied or decoded at a time. */
        double cells = (double)s->window * N;
        out->checkpoint += cells * (64.0 / 3) * (split ? 2 : 1);
        if (cells * 32.0 / 3 > ckpt_one) ckpt_one = cells * 32.0 / 3;
        out->scopes += 3 * lagged + lagged * GRAPH_LINK_BYTES;
        /* a handover's catch-up (scope_owner.h): an aligner of window + 2 buckets of the
         * scope's series, and two rows of the main aligner's width while it hands them over */
        if (split)
            out->scopes += ((double)s->window + 2) * N * 40 +
                           N * (8 + 4 + 8 + 4 + 8 + 4 + 8 + 8 + 64) + series * 12;
        if (s->monitor) out->scopes += mem_estimate_monitor_bytes(s);
        jobs[njobs++] = mem_estimate_refresh_bytes(s);
        jobs[njobs++] = mem_estimate_ranking_bytes(s);
        double D = s->method == 1 ? N * (s->tau_max + 1) : 0;
        if (D > out->refresh_d) out->refresh_d = D;
    }
    out->checkpoint += ckpt_one;
    qsort(jobs, (size_t)njobs, sizeof jobs[0], cmp_desc);
    for (int k = 0; k < njobs && k < (c->workers > 0 ? c->workers : 1); k++) out->jobs += jobs[k];
    out->total = out->aligner + out->scopes + out->jobs + out->checkpoint;
}

double mem_estimate_bytes(const struct config *c)
{
    struct mem_breakdown b;
    mem_estimate_breakdown(c, &b);
    return b.total;
}

double mem_available_bytes(void)
{
    double avail = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur < avail)
        avail = (double)rl.rlim_cur;
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        double v;
        if (fscanf(f, "%lf", &v) == 1 && v > 0 && v < avail) avail = v;
        fclose(f);
    }
    return avail;
}

int mem_estimate_check(const struct config *c, char *err, size_t errlen)
{
    double need = mem_estimate_bytes(c), avail = mem_available_bytes();
    if (need <= avail / 2) return 0;
    struct mem_breakdown b;
    mem_estimate_breakdown(c, &b);
    snprintf(err, errlen,
             "%s: this configuration needs about %.1f GB (aligner %.1f GB: max_series %d; scope "
             "windows and graphs %.1f GB; %.1f GB for the refreshes and rankings that %d "
             "worker(s) run at once; %.1f GB while a checkpoint is written), more than half of the "
             "%.1f GB this process may use; lower "
             "max_series, lateness, the windows, a scope's max_series or tau_max, or workers",
             c->path, need / 1e9, b.aligner / 1e9, c->max_series, b.scopes / 1e9, b.jobs / 1e9,
             c->workers, b.checkpoint / 1e9, avail / 1e9);
    return -1;
}
