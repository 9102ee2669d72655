#include "mem_estimate.h"

#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

double mem_estimate_bytes(const struct config *c)
{
    double slots = (double)(c->lateness_ns / c->bucket_ns) + 2;
    double series = c->max_series;
    /* accumulators (sum, max, last, last_ts, count) per slot and series; per series: name
     * pointer, aggregation, carry, gap run, two hash slots, row value, and each scope's column
     * map entry; names up to 64 bytes on average */
    double b = slots * series * 40 + series * (8 + 4 + 8 + 4 + 8 + 8 + 64);
    for (int a = 0; a < c->nscopes; a++) {
        const struct scope_conf *s = &c->scopes[a];
        double cells = (double)s->window * s->max_series;
        /* the window, a refresh's snapshot of it and a ranking's copy */
        b += 3 * cells * 8 + series * 4;
        double lagged = (double)s->max_series * s->max_series * (s->tau_max + 1);
        b += 3 * lagged + 4 * lagged * 8; /* link history; the refresh's graph and p-values */
    }
    return b;
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
    snprintf(err, errlen,
             "%s: this configuration needs about %.1f GB up front (max_series %d x %.0f open "
             "buckets of lateness / bucket, plus the scope windows), more than half of the "
             "%.1f GB this process may use; lower max_series, lateness or the windows",
             c->path, need / 1e9, c->max_series, (double)(c->lateness_ns / c->bucket_ns) + 2,
             avail / 1e9);
    return -1;
}
