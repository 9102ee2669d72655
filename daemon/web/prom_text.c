/* prom_text.c - Prometheus text exposition helpers (prom_text.h). */
#include "prom_text.h"

#include "xalloc.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void prom_add(struct prom_text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (t->s && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        t->cap = (t->cap ? t->cap * 2 : 4096) + (size_t)k;
        t->s = xrealloc(t->s, t->cap);
    }
}

void prom_family(struct prom_text *t, const char *name, const char *type, const char *help)
{
    prom_add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_label(struct prom_text *t, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            prom_add(t, "\\%c", *s);
        else if (*s == '\n')
            prom_add(t, "\\n");
        else
            prom_add(t, "%c", *s);
    }
}

/* The process's start time in seconds since the epoch, from /proc/self/stat and the boot time. */
static double start_time(unsigned long long start_ticks)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return 0;
    char line[256];
    double btime = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lf", &btime) == 1) break;
    fclose(f);
    return btime + (double)start_ticks / (double)sysconf(_SC_CLK_TCK);
}

void prom_process(struct prom_text *t, const char *version)
{
    prom_family(t, "causalmon_build_info", "gauge", "Build information; the value is always 1.");
    prom_add(t, "causalmon_build_info{version=\"");
    prom_label(t, version);
    prom_add(t, "\"} 1\n");
    unsigned long utime = 0, stime = 0, vsize = 0;
    long rss = 0, threads = 0;
    unsigned long long start = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
        if (p &&
            sscanf(p + 2,
                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %ld %*d "
                   "%llu %lu %ld",
                   &utime, &stime, &threads, &start, &vsize, &rss) != 6)
            utime = stime = vsize = 0, rss = threads = 0, start = 0;
    }
    double tck = (double)sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            if (e->d_name[0] != '.') fds++;
        closedir(d);
        fds--; /* the directory stream's own descriptor */
    }
    struct rlimit rl = {0, 0};
    getrlimit(RLIMIT_NOFILE, &rl);
    prom_family(t, "process_cpu_seconds_total", "counter",
                "Total user and system CPU time spent in seconds.");
    prom_add(t, "process_cpu_seconds_total %.2f\n", (double)(utime + stime) / tck);
    prom_family(t, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    prom_add(t, "process_resident_memory_bytes %ld\n", rss * page);
    prom_family(t, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    prom_add(t, "process_virtual_memory_bytes %lu\n", vsize);
    prom_family(t, "process_open_fds", "gauge", "Number of open file descriptors.");
    prom_add(t, "process_open_fds %d\n", fds);
    prom_family(t, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
    prom_add(t, "process_max_fds %llu\n", (unsigned long long)rl.rlim_cur);
    prom_family(t, "process_start_time_seconds", "gauge",
                "Start time of the process since unix epoch in seconds.");
    prom_add(t, "process_start_time_seconds %.2f\n", start_time(start));
    prom_family(t, "process_threads", "gauge", "Number of OS threads in the process.");
    prom_add(t, "process_threads %ld\n", threads);
}
