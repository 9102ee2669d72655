/*
 * bench/daemon - the real daemon under load: 4 scopes of 50 series (tau_max 3, window 600,
 * refresh every 30 buckets), fed line protocol over ZeroMQ PUSH as fast as it takes it.
 * Reports the end-to-end ingest rate (records accepted, from `query status`) and each scope's
 * refresh latency. Self-contained: simulated data, no files read.
 *
 * usage: bench_daemon CAUSALMON [BUCKETS]   (default 6000 buckets = 1.2 M samples)
 */
#include "bench_util.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#define SCOPES 4
#define PER    50

static long BUCKETS = 6000;
static char push_ep[64], query_ep[64];

/* Series j of scope k: a sparse stable SVAR(1) driven by noise (deterministic LCG noise). */
static void *pusher(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    int hwm = 100000;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_connect(s, push_ep);
    double x[SCOPES * PER] = {0}, y[SCOPES * PER];
    unsigned long long lcg = 42;
    char *buf = malloc(1 << 20);
    for (long b = 0; b < BUCKETS; b++) {
        size_t n = 0;
        for (int i = 0; i < SCOPES * PER; i++) {
            lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
            double e = ((double)(lcg >> 11) / 9007199254740992.0) - 0.5;
            int k = i / PER, j = i % PER;
            y[i] = 0.5 * x[i] + (j > 0 ? 0.3 * x[i - 1] : 0) + e;
            n += (size_t)sprintf(buf + n, "svc%d,m=m%d v=%.6f %lld\n", k, j, y[i],
                                 1700000000000000000LL + b * 1000000000LL);
            (void)k;
        }
        memcpy(x, y, sizeof x);
        zmq_send(s, buf, n, 0);
    }
    int linger = -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(s);
    free(buf);
    return NULL;
}

static json_t *status(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_REQ);
    int ms = 5000, linger = 0;
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof ms);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, query_ep);
    zmq_send(s, "status", 6, 0);
    char buf[65536];
    int n = zmq_recv(s, buf, sizeof buf - 1, 0);
    zmq_close(s);
    if (n < 0) return NULL;
    buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
    return json_loads(buf, 0, NULL);
}

static long records(json_t *st)
{
    return st ? (long)json_integer_value(
                    json_object_get(json_array_get(json_object_get(st, "inputs"), 0), "records"))
              : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_daemon CAUSALMON [BUCKETS]\n");
        return 2;
    }
    if (argc > 2) BUCKETS = atol(argv[2]);
    int port = 30000 + getpid() % 20000;
    snprintf(push_ep, sizeof push_ep, "tcp://127.0.0.1:%d", port);
    snprintf(query_ep, sizeof query_ep, "tcp://127.0.0.1:%d", port + 2);
    char dir[] = "/tmp/causalmon-bench.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char conf[4200];
    snprintf(conf, sizeof conf, "%s/bench.yaml", dir);
    FILE *f = fopen(conf, "w");
    fprintf(
        f,
        "bucket: 1s\nlateness: 2s\nidle_flush: 1s\nstate_dir: %s\nworkers: 2\nlog_level: warning\n"
        "max_series: 1000\ninputs:\n  - {name: m, type: zmq_pull, endpoint: \"%s\", rcvhwm: "
        "100000}\n"
        "alerts: {endpoint: \"tcp://127.0.0.1:%d\"}\nquery: {endpoint: \"%s\"}\nscopes:\n",
        dir, push_ep, port + 1, query_ep);
    for (int k = 0; k < SCOPES; k++)
        fprintf(
            f,
            "  - {name: s%d, match: [\"svc%d.*\"], window: 600, tau_max: 3, refresh_every: 30}\n",
            k, k);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[1], argv[1], "run", "--config", conf, (char *)NULL);
        _exit(127);
    }
    void *ctx = zmq_ctx_new();
    for (int k = 0; k < 50 && !status(ctx); k++) usleep(100000);
    printf("bench/daemon: %d scopes x %d series, tau_max 3, window 600, refresh every 30 buckets; "
           "%ld buckets (%ld samples) pushed over ZeroMQ as fast as accepted; %ld cores\n",
           SCOPES, PER, BUCKETS, BUCKETS * SCOPES * PER, sysconf(_SC_NPROCESSORS_ONLN));
    pthread_t th;
    double t0 = bench_now();
    pthread_create(&th, NULL, pusher, ctx);
    long want = BUCKETS * SCOPES * PER, got = 0;
    double t_done = 0;
    while (bench_now() - t0 < 120) {
        json_t *st = status(ctx);
        got = records(st);
        json_decref(st);
        if (got >= want) {
            t_done = bench_now();
            break;
        }
        usleep(20000);
    }
    pthread_join(th, NULL);
    double secs = (t_done > 0 ? t_done : bench_now()) - t0;
    printf("ingest: %ld of %ld samples in %.2f s = %.0f samples/s end to end\n", got, want, secs,
           got / secs);
    sleep(2); /* let the last refreshes finish */
    json_t *st = status(ctx);
    size_t i;
    json_t *sc;
    double worst = 0;
    json_array_foreach(json_object_get(st, "scopes"), i, sc)
    {
        /* refresh_seconds (refresh_ms before the counters moved to the stats registry) */
        json_t *sec = json_object_get(sc, "refresh_seconds");
        double ms = sec ? 1e3 * json_number_value(sec)
                        : json_number_value(json_object_get(sc, "refresh_ms"));
        if (ms > worst) worst = ms;
        printf("  scope %s: %lld series, window %lld, %lld refreshes, last refresh %.1f ms\n",
               json_string_value(json_object_get(sc, "name")),
               (long long)json_integer_value(json_object_get(sc, "series")),
               (long long)json_integer_value(json_object_get(sc, "window_fill")),
               (long long)json_integer_value(json_object_get(sc, "refreshes")), ms);
    }
    printf("refresh of all %d scopes on 2 workers: <= %.1f ms (sum %s one bucket of 1 s)\n", SCOPES,
           worst * SCOPES / 2, worst * SCOPES / 2 < 1000 ? "within" : "over");
    json_decref(st);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    zmq_ctx_term(ctx);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return 0;
}
