/*
 * flood.c - the helpers of bench/flood.sh, each bounded by a deadline:
 *
 *   bench_flood push ENDPOINT SECONDS SERIES ID
 *       Connects a PUSH socket and sends influx messages of 100 lines (SERIES series named
 *       flood,m=m<j>, stamped with the wall clock, rendered anew every 10 ms) as fast as the
 *       socket takes them, for SECONDS.
 *       Prints "messages M samples S bytes_per_message B" on standard output at the end.
 *   bench_flood drain ENDPOINT SECONDS
 *       Binds a PULL socket and discards what arrives for SECONDS (the pushers' own capacity).
 *       Prints "messages M samples S".
 *   bench_flood notify PATH SECONDS
 *       Binds a unix datagram socket at PATH (systemd's NOTIFY_SOCKET protocol) for SECONDS or
 *       until SIGTERM; counts WATCHDOG=1 and READY=1 and the longest gap between two watchdog
 *       pings. Prints "watchdog W ready R max_gap_ms G" at the end.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

enum { LINES = 100 };

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long long wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int push(const char *ep, double secs, int series, int id)
{
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PUSH);
    int linger = 0, timeout = 100;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout); /* the deadline is checked */
    if (zmq_connect(s, ep)) {
        fprintf(stderr, "bench_flood: %s: %s\n", ep, zmq_strerror(zmq_errno()));
        return 1;
    }
    static char buf[LINES * 64];
    long msgs = 0, samples = 0, bytes = 0;
    unsigned x = (unsigned)id * 2654435761u + 1;
    int next = id * LINES % series;
    double end = now() + secs;
    size_t n = 0;
    double rendered = -1;
    while (!stop && now() < end) {
        /* a message is rendered afresh every 10 ms (new values, the current time) and resent
         * in between, so the pushers spend their CPU on sending, not on formatting */
        if (now() - rendered >= 0.01) {
            long long t = wall_ns();
            rendered = now();
            n = 0;
            for (int l = 0; l < LINES; l++) {
                x = x * 1103515245u + 12345u;
                n += (size_t)snprintf(buf + n, sizeof buf - n, "flood,m=m%d v=%u.%03u %lld\n", next,
                                      x >> 24, (x >> 8) % 1000, t);
                next = (next + 1) % series;
            }
        }
        if (zmq_send(s, buf, n, 0) < 0) continue; /* at the HWM: backpressure, try again */
        msgs++;
        samples += LINES;
        bytes += (long)n;
    }
    printf("messages %ld samples %ld bytes_per_message %ld\n", msgs, samples,
           msgs ? bytes / msgs : 0);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

static int drain(const char *ep, double secs)
{
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PULL);
    int linger = 0, timeout = 100;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind(s, ep)) {
        fprintf(stderr, "bench_flood: %s: %s\n", ep, zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    long msgs = 0, samples = 0;
    double end = now() + secs;
    while (!stop && now() < end) {
        if (zmq_msg_recv(&m, s, 0) < 0) continue;
        msgs++;
        const char *p = zmq_msg_data(&m);
        for (size_t k = 0; k < zmq_msg_size(&m); k++) samples += p[k] == '\n';
    }
    printf("messages %ld samples %ld\n", msgs, samples);
    zmq_msg_close(&m);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

static int notify(const char *path, double secs)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (fd < 0 || strlen(path) >= sizeof a.sun_path) {
        fprintf(stderr, "bench_flood: cannot use %s\n", path);
        return 1;
    }
    strcpy(a.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a)) {
        perror("bench_flood: bind");
        return 1;
    }
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    long pings = 0, ready = 0;
    double last = 0, max_gap = 0, end = now() + secs;
    char buf[4096];
    while (!stop && now() < end) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n <= 0) continue;
        buf[n] = 0;
        double t = now();
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
            if (!strcmp(line, "READY=1")) ready++;
            if (strcmp(line, "WATCHDOG=1")) continue;
            if (pings && t - last > max_gap) max_gap = t - last;
            pings++;
            last = t;
        }
    }
    printf("watchdog %ld ready %ld max_gap_ms %.0f\n", pings, ready, max_gap * 1e3);
    close(fd);
    unlink(path);
    return 0;
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 6 && !strcmp(argv[1], "push"))
        return push(argv[2], atof(argv[3]), atoi(argv[4]) > 0 ? atoi(argv[4]) : 1, atoi(argv[5]));
    if (argc == 4 && !strcmp(argv[1], "drain")) return drain(argv[2], atof(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "notify")) return notify(argv[2], atof(argv[3]));
    fprintf(stderr, "usage: bench_flood push ENDPOINT SECONDS SERIES ID | drain ENDPOINT SECONDS "
                    "| notify PATH SECONDS\n");
    return 2;
}
