/*
 * bench/daemon - the real daemon under load: S scopes of P series each, fed line protocol over
 * ZeroMQ PUSH, one sample of every series per bucket (bucket 1 s of event time). The pusher
 * either offers as fast as the daemon takes (rate 0, the default) or is paced at a target rate
 * in samples per second of wall time; event time then runs rate / (S x P) buckets per second of
 * wall time, so a cadence given in buckets (refresh_every, monitor_every) is that many seconds
 * of event time, and rate / (S x P) times faster in wall time: at 1 M samples/s over 20,000
 * series, 50 buckets per wall second (a daemon catching up on a backlog, or 20,000 series
 * sampled 50 times a second; both cost the same per bucket).
 *
 * Reports the end-to-end ingest rate (records accepted per second, from `query status`), the
 * pusher's offered rate, rejected and late samples, per scope the refreshes done against those
 * due by its cadence (a refresh is due at row max(refresh_every, the discovery's minimum rows)
 * and every refresh_every rows after; the daemon skips a due refresh while the scope's last one
 * still runs, so done < due means the workers did not keep up), the refresh latencies seen
 * (each poll of `query status` sees the last refresh's duration), the longest `query status`
 * answer (how responsive the event loop stayed), the longest checkpoint (checkpoint.seconds, the
 * loop waits for it), and the daemon's peak RSS (VmHWM) next to the
 * `causalmon run --check-config` estimate for the same configuration. Self-contained: simulated
 * data (every scope a chain of stable AR(1) series, each driven by the one before), no files
 * read.
 *
 * usage: bench_daemon CAUSALMON [BUCKETS]    (4 scopes x 50 series, window 600, refresh every
 *                                            30 buckets, as fast as taken; default 6000 buckets)
 *        bench_daemon CAUSALMON --scopes S --series P [--rate SAMPLES_PER_S] [--buckets B]
 *                     [--window W] [--refresh-every R] [--monitor-every M] [--monitor 0|1]
 *                     [--workers N] [--idle-flush SECONDS] [--settle SECONDS]
 */
#include "bench_util.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define MAX_SCOPES 64
#define TAU_MAX    3
/* rows a scope needs before its first refresh: svar_min_rows(TAU_MAX) */
#define MIN_ROWS (2 * TAU_MAX + 10)

static int SCOPES = 4, PER = 50, WINDOW = 600, REFRESH = 30, MONITOR = 10, MONITOR_ON = 1,
           WORKERS = 2;
static long BUCKETS = 6000;
static double RATE = 0, SETTLE = 30, IDLE_FLUSH = 1;
static char push_ep[64], query_ep[64];
static double push_secs; /* the pusher's wall time */

/* Writes v with 4 decimals (|v| < 1e9) at p; returns the bytes written. */
static size_t put_fixed(char *p, double v)
{
    char *q = p;
    if (v < 0) {
        *q++ = '-';
        v = -v;
    }
    unsigned long long u = (unsigned long long)(v * 1e4 + 0.5), ip = u / 10000, fp = u % 10000;
    char tmp[24];
    int n = 0;
    do tmp[n++] = (char)('0' + ip % 10);
    while ((ip /= 10) > 0);
    while (n > 0) *q++ = tmp[--n];
    *q++ = '.';
    for (int d = 1000; d > 0; d /= 10) *q++ = (char)('0' + (fp / (unsigned long long)d) % 10);
    return (size_t)(q - p);
}

/* Series j of scope k: x_j(t) = 0.5 x_j(t-1) + 0.3 x_{j-1}(t-1) + noise (LCG, uniform). One
 * message per scope and bucket; paced at RATE samples/s when RATE > 0. */
static void *pusher(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 100000;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_connect(s, push_ep);
    size_t n_all = (size_t)SCOPES * PER;
    double *x = calloc(n_all, sizeof *x), *y = calloc(n_all, sizeof *y);
    char(*prefix)[32] = malloc(n_all * sizeof *prefix);
    for (size_t i = 0; i < n_all; i++)
        snprintf(prefix[i], sizeof prefix[i], "svc%d,m=m%d v=", (int)(i / PER), (int)(i % PER));
    unsigned long long lcg = 42;
    char *buf = malloc((size_t)PER * 64 + 64);
    double t0 = bench_now();
    long sent = 0;
    for (long b = 0; b < BUCKETS; b++) {
        char ts[32];
        int tl = snprintf(ts, sizeof ts, " %lld\n", 1700000000000000000LL + b * 1000000000LL);
        for (int k = 0; k < SCOPES; k++) {
            size_t n = 0;
            for (int j = 0; j < PER; j++) {
                size_t i = (size_t)k * PER + j;
                lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
                double e = ((double)(lcg >> 11) / 9007199254740992.0) - 0.5;
                y[i] = 0.5 * x[i] + (j > 0 ? 0.3 * x[i - 1] : 0) + e;
                size_t pl = strlen(prefix[i]);
                memcpy(buf + n, prefix[i], pl);
                n += pl;
                n += put_fixed(buf + n, y[i]);
                memcpy(buf + n, ts, (size_t)tl);
                n += (size_t)tl;
            }
            zmq_send(s, buf, n, 0);
            sent += PER;
            if (RATE > 0) { /* paced: sleep until this many samples are due */
                double ahead = t0 + sent / RATE - bench_now();
                if (ahead > 0) {
                    struct timespec d = {(time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9)};
                    nanosleep(&d, NULL);
                }
            }
        }
        memcpy(x, y, n_all * sizeof *x);
    }
    push_secs = bench_now() - t0;
    int linger = -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(s);
    free(buf);
    free(prefix);
    free(x);
    free(y);
    return NULL;
}

/* `query status`, and how long its answer took in *secs. */
static json_t *status(void *ctx, double *secs)
{
    static char buf[1 << 20];
    void *s = zmq_socket(ctx, ZMQ_REQ);
    int ms = 10000, linger = 0;
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof ms);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, query_ep);
    double t0 = bench_now();
    zmq_send(s, "status", 6, 0);
    int n = zmq_recv(s, buf, sizeof buf - 1, 0);
    if (secs) *secs = bench_now() - t0;
    zmq_close(s);
    if (n < 0) return NULL;
    buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
    return json_loads(buf, 0, NULL);
}

static long geti(json_t *o, const char *path)
{
    char key[64];
    snprintf(key, sizeof key, "%s", path);
    char *dot = strchr(key, '.');
    if (dot) {
        *dot = '\0';
        return geti(json_object_get(o, key), dot + 1);
    }
    return (long)json_integer_value(json_object_get(o, key));
}

static long records(json_t *st)
{
    return st ? geti(json_array_get(json_object_get(st, "inputs"), 0), "records") : 0;
}

/* Samples the daemon has taken: accepted or rejected for any reason. */
static long taken(json_t *st)
{
    long n = records(st);
    const char *key;
    json_t *v;
    json_object_foreach(
        json_object_get(json_array_get(json_object_get(st, "inputs"), 0), "rejected"), key, v) n +=
        (long)json_integer_value(v);
    return n;
}

/* Refreshes due to a scope that has seen `rows` rows (see the header). */
static long due(long rows)
{
    long first = REFRESH > MIN_ROWS ? REFRESH : MIN_ROWS;
    return rows < first ? 0 : 1 + (rows - first) / REFRESH;
}

struct scope_seen {
    long refreshes, at_end, rows;
    int nlat;
    double lat[4096];
    double last_t;   /* wall time of the last refresh seen to finish (0: none yet) */
    long last_rows;  /* the scope's rows then */
    double gap_s;    /* longest wall time between two refreshes seen to finish */
    long gap_rows;   /* longest such gap in rows */
    double first_t;  /* wall time of the first */
    long first_rows; /* the scope's rows then */
};

static struct scope_seen seen[MAX_SCOPES];
static int ingesting = 1;      /* cleared when every sample is taken */
static double first_due_t;     /* wall time a first refresh was first due (0: not yet) */
static long ingest_refreshes;  /* refreshes seen to finish while ingest ran */
static double worst_ckpt = -1; /* the longest checkpoint.seconds seen (-1: none reported) */
static long ckpts;

/* Takes what a status shows of each scope: new refreshes and the last one's latency. */
static void observe(json_t *st)
{
    size_t i;
    json_t *sc;
    long aligned = geti(st, "aligner.rows");
    json_t *ck = json_object_get(json_object_get(st, "checkpoint"), "seconds");
    if (json_is_number(ck) && json_number_value(ck) > worst_ckpt)
        worst_ckpt = json_number_value(ck);
    ckpts = geti(st, "checkpoint.written");
    json_array_foreach(json_object_get(st, "scopes"), i, sc)
    {
        if (i >= MAX_SCOPES) break;
        struct scope_seen *s = &seen[i];
        long r = geti(sc, "refreshes");
        /* rows the scope has seen: its monitor's, else every aligned row (the bench's scopes
         * each have a series in every bucket) */
        s->rows = geti(sc, "monitor.rows") > 0 ? geti(sc, "monitor.rows") : aligned;
        if (!first_due_t && due(s->rows) > 0) first_due_t = bench_now();
        if (ingesting && r > s->refreshes) ingest_refreshes += r - s->refreshes;
        if (r > s->refreshes && s->nlat < 4096)
            s->lat[s->nlat++] = json_number_value(json_object_get(sc, "refresh_seconds"));
        if (r > s->refreshes) { /* the gap since the last one seen */
            double now = bench_now();
            if (s->last_t > 0) {
                if (now - s->last_t > s->gap_s) s->gap_s = now - s->last_t;
                if (s->rows - s->last_rows > s->gap_rows) s->gap_rows = s->rows - s->last_rows;
            } else {
                s->first_t = now;
                s->first_rows = s->rows;
            }
            s->last_t = now;
            s->last_rows = s->rows;
        }
        s->refreshes = r;
    }
}

static int arg_int(const char *v, int lo, int hi, const char *name)
{
    int x = atoi(v);
    if (x < lo || x > hi) {
        fprintf(stderr, "bench_daemon: %s must be in [%d, %d]\n", name, lo, hi);
        exit(2);
    }
    return x;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: bench_daemon CAUSALMON [BUCKETS]\n"
                "       bench_daemon CAUSALMON --scopes S --series P [--rate SAMPLES_PER_S] "
                "[--buckets B] [--window W] [--refresh-every R] [--monitor-every M] "
                "[--monitor 0|1] [--workers N] [--idle-flush SECONDS] [--settle SECONDS]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int a = 2; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : "";
        if (strcmp(argv[a], "--scopes") == 0)
            SCOPES = arg_int(v, 1, MAX_SCOPES, "--scopes"), a++;
        else if (strcmp(argv[a], "--series") == 0)
            PER = arg_int(v, 2, 1000, "--series"), a++;
        else if (strcmp(argv[a], "--rate") == 0)
            RATE = atof(v), a++;
        else if (strcmp(argv[a], "--buckets") == 0)
            BUCKETS = atol(v), a++;
        else if (strcmp(argv[a], "--window") == 0)
            WINDOW = arg_int(v, 20, 100000, "--window"), a++;
        else if (strcmp(argv[a], "--refresh-every") == 0)
            REFRESH = arg_int(v, 1, 100000, "--refresh-every"), a++;
        else if (strcmp(argv[a], "--monitor-every") == 0)
            MONITOR = arg_int(v, 1, 100000, "--monitor-every"), a++;
        else if (strcmp(argv[a], "--workers") == 0)
            WORKERS = arg_int(v, 1, 64, "--workers"), a++;
        else if (strcmp(argv[a], "--monitor") == 0)
            MONITOR_ON = arg_int(v, 0, 1, "--monitor"), a++;
        else if (strcmp(argv[a], "--idle-flush") == 0)
            IDLE_FLUSH = atof(v), a++;
        else if (strcmp(argv[a], "--settle") == 0)
            SETTLE = atof(v), a++;
        else if (argv[a][0] != '-')
            BUCKETS = atol(argv[a]);
        else {
            fprintf(stderr, "bench_daemon: unknown option %s\n", argv[a]);
            return 2;
        }
    }
    if (BUCKETS < 1 || RATE < 0) return 2;
    int port = 30000 + getpid() % 20000;
    snprintf(push_ep, sizeof push_ep, "tcp://127.0.0.1:%d", port);
    snprintf(query_ep, sizeof query_ep, "tcp://127.0.0.1:%d", port + 2);
    char dir[] = "/tmp/causalmon-bench.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char conf[4200];
    snprintf(conf, sizeof conf, "%s/bench.yaml", dir);
    FILE *f = fopen(conf, "w");
    int total = SCOPES * PER, cap = total + 100 > 1000 ? total + 100 : 1000;
    fprintf(f,
            "bucket: 1s\nlateness: 2s\nidle_flush: %gs\nstate_dir: %s\nworkers: %d\nlog_level: "
            "warning\nmax_series: %d\ninputs:\n  - {name: m, type: zmq_pull, endpoint: \"%s\", "
            "rcvhwm: 100000}\nalerts: {endpoint: \"tcp://127.0.0.1:%d\"}\nquery: {endpoint: "
            "\"%s\"}\nscopes:\n",
            IDLE_FLUSH, dir, WORKERS, cap, push_ep, port + 1, query_ep);
    for (int k = 0; k < SCOPES; k++)
        fprintf(f,
                "  - {name: s%d, match: [\"svc%d.*\"], window: %d, tau_max: %d, refresh_every: "
                "%d, max_series: %d, monitor: %s, monitor_every: %d}\n",
                k, k, WINDOW, TAU_MAX, REFRESH, PER, MONITOR_ON ? "true" : "false", MONITOR);
    fclose(f);
    /* what --check-config estimates for this configuration */
    char cmd[4400], estimate[512] = "(none)";
    snprintf(cmd, sizeof cmd, "'%s' run --check-config '%s' 2>&1", argv[1], conf);
    FILE *pc = popen(cmd, "r");
    char line[512];
    while (pc && fgets(line, sizeof line, pc))
        if (strstr(line, "MB allocated")) {
            line[strcspn(line, "\n")] = '\0';
            const char *about = strstr(line, "about ");
            snprintf(estimate, sizeof estimate, "%s", about ? about : line);
        }
    if (pc) pclose(pc);
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[1], argv[1], "run", "--config", conf, (char *)NULL);
        _exit(127);
    }
    void *ctx = zmq_ctx_new();
    json_t *st0 = NULL;
    for (int k = 0; k < 100 && !(st0 = status(ctx, NULL)); k++) usleep(100000);
    json_decref(st0);
    long idle_kb = bench_proc_kb(pid, "VmRSS");
    printf("bench/daemon: %d scopes x %d series (%d), tau_max %d, window %d, refresh every %d "
           "buckets, monitor round every %d; %ld buckets (%ld samples) pushed over ZeroMQ %s; "
           "%ld cores\n",
           SCOPES, PER, total, TAU_MAX, WINDOW, REFRESH, MONITOR, BUCKETS, BUCKETS * total,
           RATE > 0 ? "paced" : "as fast as accepted", sysconf(_SC_NPROCESSORS_ONLN));
    if (RATE > 0)
        printf("paced at %.0f samples/s = %.1f buckets of event time per wall second\n", RATE,
               RATE / total);
    pthread_t th;
    double t0 = bench_now(), t_first = 0, t_done = 0, worst_q = 0;
    long first_rec = 0;
    pthread_create(&th, NULL, pusher, ctx);
    long want = BUCKETS * total, got = 0, took = 0;
    /* a daemon that falls behind a paced pusher is given half the push time again to catch up */
    double limit = RATE > 0 ? 30 + 1.5 * want / RATE : 60 + 3.0 * want / 2e5;
    while (bench_now() - t0 < limit) {
        double q;
        json_t *st = status(ctx, &q);
        if (st) {
            if (q > worst_q) worst_q = q;
            got = records(st);
            took = taken(st);
            if (!t_first && got > 0) t_first = bench_now(), first_rec = got;
            observe(st);
        }
        json_decref(st);
        if (took >= want) {
            t_done = bench_now();
            ingesting = 0;
            break;
        }
        usleep(RATE > 0 ? 250000 : 20000);
    }
    if (took < want) { /* behind: how far, then stop the pusher's backlog with the daemon */
        printf("the daemon did not keep up: %ld of %ld samples taken %.0f s after the start, "
               "%.0f s after the pusher finished\n",
               took, want, bench_now() - t0, bench_now() - t0 - push_secs);
    }
    pthread_join(th, NULL);
    double secs = (t_done > 0 ? t_done : bench_now()) - t0;
    printf("ingest: %ld of %ld samples accepted (%ld taken) in %.2f s = %.0f samples/s end to "
           "end",
           got, want, took, secs, got / secs);
    if (t_first > 0 && t_done > t_first)
        printf(" (%.0f samples/s from the first record on)",
               (got - first_rec) / (t_done - t_first));
    printf("; pusher offered %.0f samples/s\n", want / push_secs);
    /* the refreshes due by the end of ingest; then wait for those in flight */
    json_t *st = status(ctx, NULL);
    if (st) observe(st);
    for (int k = 0; k < SCOPES; k++) seen[k].at_end = seen[k].refreshes;
    double ts = bench_now();
    for (;;) {
        int short_of = 0;
        for (int k = 0; k < SCOPES; k++) short_of += seen[k].refreshes < due(seen[k].rows);
        if (!short_of || bench_now() - ts > SETTLE) break;
        usleep(250000);
        json_decref(st);
        st = status(ctx, NULL);
        if (st) observe(st);
    }
    json_decref(st);
    st = status(ctx, NULL);
    if (st) observe(st);
    json_t *in = json_array_get(json_object_get(st, "inputs"), 0);
    long rejected = 0;
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(in, "rejected"), key, v) rejected +=
        (long)json_integer_value(v);
    printf("rejected %ld (late %ld), aligner: late %ld, series_cap %ld, rows %ld; longest "
           "`query status` answer during ingest %.0f ms\n",
           rejected, geti(json_object_get(in, "rejected"), "late"), geti(st, "aligner.late"),
           geti(st, "aligner.series_cap"), geti(st, "aligner.rows"), 1e3 * worst_q);
    if (worst_ckpt >= 0)
        printf("checkpoints: %ld written, the longest took %.0f ms of the event loop\n", ckpts,
               1e3 * worst_ckpt);
    size_t i;
    json_t *sc;
    double worst = 0, all[MAX_SCOPES * 4096];
    int nall = 0, on_cadence = 0, verbose = SCOPES <= 8;
    long worst_gap_rows = 0;
    double worst_gap_s = 0;
    json_array_foreach(json_object_get(st, "scopes"), i, sc)
    {
        if (i >= MAX_SCOPES) break;
        struct scope_seen *s = &seen[i];
        long d = due(s->rows);
        double med = 0, max = 0;
        if (s->nlat) {
            qsort(s->lat, (size_t)s->nlat, sizeof(double), bench_cmp_double);
            med = s->lat[s->nlat / 2];
            max = s->lat[s->nlat - 1];
        }
        for (int a = 0; a < s->nlat; a++) all[nall++] = s->lat[a];
        if (max > worst) worst = max;
        on_cadence += s->refreshes >= d && s->at_end + 1 >= d;
        if (s->gap_rows > worst_gap_rows) worst_gap_rows = s->gap_rows;
        if (s->gap_s > worst_gap_s) worst_gap_s = s->gap_s;
        if (verbose || s->refreshes < d)
            printf("  scope %s: %lld series, window %lld, rows %ld: %ld refreshes (%ld by the end "
                   "of ingest), %ld due; latency median %.1f ms, max %.1f ms (%d seen); longest "
                   "gap between refreshes %.1f s, %ld rows\n",
                   json_string_value(json_object_get(sc, "name")),
                   (long long)json_integer_value(json_object_get(sc, "series")),
                   (long long)json_integer_value(json_object_get(sc, "window_fill")), s->rows,
                   s->refreshes, s->at_end, d, 1e3 * med, 1e3 * max, s->nlat, s->gap_s,
                   s->gap_rows);
    }
    qsort(all, (size_t)nall, sizeof(double), bench_cmp_double);
    printf("refreshes: %d of %d scopes on cadence (every due refresh done, at most the last one "
           "still running when ingest ended); latency over all scopes median %.1f ms, max %.1f "
           "ms (%d seen)\n",
           on_cadence, SCOPES, nall ? 1e3 * all[nall / 2] : 0.0, 1e3 * worst, nall);
    double all_first = 0;
    long all_first_rows = 0;
    int nfirst = 0;
    for (int k = 0; k < SCOPES; k++)
        if (seen[k].first_t > 0) {
            nfirst++;
            if (seen[k].first_t - t0 > all_first) all_first = seen[k].first_t - t0;
            if (seen[k].first_rows > all_first_rows) all_first_rows = seen[k].first_rows;
        }
    printf("%d of %d scopes refreshed at least once, the last of them %.1f s after the start "
           "(at row %ld)\n",
           nfirst, SCOPES, all_first, all_first_rows);
    if (first_due_t > 0 && t_done > first_due_t && ingest_refreshes > 0) {
        double per = (t_done - first_due_t) / ingest_refreshes;
        printf("refresh throughput while ingesting: %ld refreshes finished in the %.0f s of wall "
               "time after the first was due = one per %.1f s; %d scopes then need %.0f s per "
               "cycle = a refresh_every of at least %.0f buckets at %.1f buckets per wall "
               "second\n",
               ingest_refreshes, t_done - first_due_t, per, SCOPES, per * SCOPES,
               RATE > 0 ? per * SCOPES * RATE / total : 0.0, RATE > 0 ? RATE / total : 0.0);
    }
    printf("longest gap between two refreshes of a scope: %.1f s of wall time, %ld rows (a "
           "refresh_every of at least that many buckets is kept at this load)\n",
           worst_gap_s, worst_gap_rows);
    if (SCOPES == 4 && PER == 50)
        printf("refresh of all %d scopes on 2 workers: <= %.1f ms (sum %s one bucket of 1 s)\n",
               SCOPES, worst * 1e3 * SCOPES / 2, worst * SCOPES / 2 < 1 ? "within" : "over");
    long hwm = bench_proc_kb(pid, "VmHWM"), rss = bench_proc_kb(pid, "VmRSS");
    printf("daemon memory: peak RSS (VmHWM) %.0f MB, RSS now %.0f MB, idle RSS at start %.0f MB; "
           "--check-config: %s\n",
           hwm / 1024.0, rss / 1024.0, idle_kb / 1024.0, estimate);
    json_decref(st);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (took >= want) zmq_ctx_term(ctx); /* else the pusher's backlog would never be sent */
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return 0;
}
