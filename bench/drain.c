/*
 * bench/drain - grouping accuracy and speed of the Drain template miner on the loghub 2k
 * samples (reads ../shared/data/loghub, or the directory given as argument; not shipped with
 * the project). For each system it mines the `Content` column of
 * <System>_2k.log_structured.csv with the default parameters (depth 4, similarity 0.4, the
 * built-in generic masking; no per-dataset regexes) and scores grouping accuracy against
 * `EventId`: a line counts as correct when its cluster holds exactly the lines of its true event.
 *
 * usage: bench_drain [LOGHUB_DIR]
 * Exploration knobs (environment): DRAIN_SIM, DRAIN_DEPTH override the parameters;
 * DRAIN_DUMP=<System> writes "cluster, event, template, line" rows to stderr.
 */
#include "bench_util.h"
#include "drain.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SYSTEMS[] = {
    "HDFS",  "Hadoop",  "Spark",     "Zookeeper", "BGL",       "HPC",     "Thunderbird", "Windows",
    "Linux", "Android", "HealthApp", "Apache",    "Proxifier", "OpenSSH", "OpenStack",   "Mac"};
/* Published Drain grouping accuracy (Zhu et al., ICSE-SEIP 2019), same order. */
static const double PUBLISHED[] = {0.998, 0.948, 0.920, 0.967, 0.963, 0.887, 0.955, 0.997,
                                   0.690, 0.911, 0.780, 1.000, 0.527, 0.788, 0.733, 0.787};

/* Splits one CSV record (RFC 4180 quotes) into fields; returns the count. Modifies line. */
static int split_csv(char *line, char **field, int max)
{
    int n = 0;
    char *r = line, *w = line;
    while (n < max) {
        field[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '\0') break;
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
        }
        while (*r && *r != ',' && *r != '\n' && *r != '\r') *w++ = *r++;
        int more = *r == ',';
        *w++ = '\0';
        if (!more) break;
        r++;
    }
    return n;
}

static int intern(char ***names, int *n, const char *s)
{
    for (int a = 0; a < *n; a++)
        if (strcmp((*names)[a], s) == 0) return a;
    *names = xrealloc(*names, (size_t)(*n + 1) * sizeof(char *));
    (*names)[*n] = xstrdup(s);
    return (*n)++;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/data/loghub";
    printf("bench/drain: Drain (depth 4, sim 0.4, max children 100, generic masking) on loghub 2k "
           "samples from %s\n",
           dir);
    printf("%-12s %6s %8s %9s %10s %9s\n", "system", "lines", "clusters", "accuracy", "published",
           "lines/s");
    double sum = 0;
    int nsys = 0;
    for (size_t s = 0; s < sizeof SYSTEMS / sizeof SYSTEMS[0]; s++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/%s_2k.log_structured.csv", dir, SYSTEMS[s], SYSTEMS[s]);
        FILE *f = fopen(path, "r");
        if (!f) {
            printf("%-12s missing (%s); the data lives in ../shared/data, outside the project\n",
                   SYSTEMS[s], path);
            continue;
        }
        char *line = NULL, *field[64];
        size_t cap = 0;
        int content = -1, event = -1, n = 0, nev = 0;
        char **lines = NULL, **events = NULL;
        int *truth = NULL;
        if (getline(&line, &cap, f) > 0) {
            int nf = split_csv(line, field, 64);
            for (int a = 0; a < nf; a++) {
                if (strcmp(field[a], "Content") == 0) content = a;
                if (strcmp(field[a], "EventId") == 0) event = a;
            }
        }
        while (content >= 0 && event >= 0 && getline(&line, &cap, f) > 0) {
            int nf = split_csv(line, field, 64);
            if (nf <= content || nf <= event) continue;
            lines = xrealloc(lines, (size_t)(n + 1) * sizeof(char *));
            truth = xrealloc(truth, (size_t)(n + 1) * sizeof(int));
            lines[n] = xstrdup(field[content]);
            truth[n] = intern(&events, &nev, field[event]);
            n++;
        }
        free(line);
        fclose(f);
        struct drain_params p;
        drain_params_default(&p);
        if (getenv("DRAIN_SIM")) p.sim_threshold = atof(getenv("DRAIN_SIM"));
        if (getenv("DRAIN_DEPTH")) p.depth = atoi(getenv("DRAIN_DEPTH"));
        char err[128];
        struct drain *d = drain_new(&p, err, sizeof err);
        int *pred = xmallocarray((size_t)n + 1, sizeof(int));
        double t0 = bench_now();
        for (int a = 0; a < n; a++) pred[a] = drain_add(d, lines[a], strlen(lines[a]));
        double secs = bench_now() - t0;
        const char *dump = getenv("DRAIN_DUMP"); /* debugging aid: "<system>" dumps its groups */
        if (dump && strcmp(dump, SYSTEMS[s]) == 0)
            for (int a = 0; a < n; a++)
                fprintf(stderr, "%d\t%s\t%s\t%s\n", pred[a], events[truth[a]],
                        drain_template(d, pred[a]), lines[a]);
        int ncl = drain_nclusters(d) + 1;
        int *cnt_p = xcalloc((size_t)ncl, sizeof(int)),
            *cnt_t = xcalloc((size_t)nev + 1, sizeof(int));
        int *first = xmallocarray((size_t)ncl, sizeof(int)),
            *mixed = xcalloc((size_t)ncl, sizeof(int));
        for (int a = 0; a < ncl; a++) first[a] = -1;
        for (int a = 0; a < n; a++) {
            cnt_p[pred[a]]++;
            cnt_t[truth[a]]++;
            if (first[pred[a]] < 0)
                first[pred[a]] = truth[a];
            else if (first[pred[a]] != truth[a])
                mixed[pred[a]] = 1;
        }
        int correct = 0;
        for (int a = 0; a < n; a++) correct += !mixed[pred[a]] && cnt_t[truth[a]] == cnt_p[pred[a]];
        double acc = n ? (double)correct / n : 0;
        printf("%-12s %6d %8d %9.3f %10.3f %9.0f\n", SYSTEMS[s], n, drain_nclusters(d), acc,
               PUBLISHED[s], secs > 0 ? n / secs : 0);
        sum += acc;
        nsys++;
        for (int a = 0; a < n; a++) free(lines[a]);
        for (int a = 0; a < nev; a++) free(events[a]);
        free(lines);
        free(events);
        free(truth);
        free(pred);
        free(cnt_p);
        free(cnt_t);
        free(first);
        free(mixed);
        drain_free(d);
    }
    if (nsys)
        printf("mean accuracy over %d systems: %.3f (published Drain mean 0.865)\n", nsys,
               sum / nsys);
    return 0;
}
