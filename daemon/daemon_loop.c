/*
 * daemon_loop.c - the daemon's lifecycle and its one zmq_poll loop (docs/architecture.md §1).
 * The loop serves the inputs' sockets and fds (sources.h), the query ROUTER, a signal pipe and
 * a 100 ms timer; refreshes run on the worker pool. Each turn takes at most TURN_BUDGET
 * messages per input, so queries, heartbeats, the watchdog and signals are served at any input
 * rate.
 *
 * Signals: SIGTERM/SIGINT stop cleanly (intake stops, open buckets are closed unless an input
 * replays them, the final checkpoint is written, then Kafka offsets are committed, exit 0);
 * SIGHUP reloads the configuration: an invalid file, or one that changes options that take a
 * restart, is logged and the running configuration kept.
 * systemd: READY=1 once the sockets are bound and the inputs started, WATCHDOG=1 from the loop
 * while every worker is alive, RELOADING=1/READY=1 around a reload, STOPPING=1.
 */
#include "cli.h"
#include "daemon.h"
#include "logmsg.h"
#include "metrics_http.h"
#include "workers.h"
#include "zmq_curve.h"
#include "zmq_source.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* Messages taken from one input per loop turn. */
#define TURN_BUDGET 512

/* Signals reach the loop through a pipe: a handler writes the signal number. (Blocking them for
 * a signalfd is not enough: threads created before main, such as OpenBLAS's, would still take
 * them with the default action.) */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno; /* the interrupted thread may be reading errno after a failed call */
    unsigned char b = (unsigned char)sig;
    ssize_t w = write(sig_pipe[1], &b, 1);
    (void)w;
    errno = saved;
}

static int install_signals(void)
{
    if (pipe(sig_pipe)) return -1;
    fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* A closed bucket: every scope that runs here takes its row. */
static void on_row(void *ctx, int64_t t_ns, const double *row, int n)
{
    struct daemon *d = ctx;
    scope_owner_row(d, t_ns, row, aligner_row_counts(d->al), n);
}

static void series_expired(void *ctx, int id)
{
    struct daemon *d = ctx;
    for (int a = 0; a < d->nscopes; a++) scope_series_expired(d->scopes[a], id);
    scope_owner_series_expired(d, id);
}

static int64_t clock_ns(void *ctx)
{
    (void)ctx;
    return daemon_wall_ns();
}

/* The base URL of alert links: metrics.external_url, or http://HOSTNAME:PORT of metrics.listen
 * (empty when there is no metrics server). */
static void external_url(struct daemon *d)
{
    const char *port = strrchr(d->conf->metrics_listen, ':');
    char host[128] = "localhost";
    if (d->conf->external_url[0]) {
        snprintf(d->external_url, sizeof d->external_url, "%s", d->conf->external_url);
        size_t n = strlen(d->external_url);
        while (n && d->external_url[n - 1] == '/') d->external_url[--n] = '\0';
    } else if (d->metrics) {
        if (gethostname(host, sizeof host)) snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        snprintf(d->external_url, sizeof d->external_url, "http://%s:%s", host,
                 port ? port + 1 : d->conf->metrics_listen);
    }
}

static void heartbeat(struct daemon *d)
{
    char hb[160];
    int n =
        snprintf(hb, sizeof hb, "{\"epoch\":\"%s\",\"seq\":%ld}", d->epoch, alerts_seq(d->alerts));
    zmq_send(d->pub, "heartbeat", 9, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(d->pub, hb, (size_t)n, ZMQ_DONTWAIT);
}

/* A socket of type bound to ep (CURVE when enabled); the alert PUB gets its delivery options
 * (sink_pub.c) before it binds, so every subscriber's queue has them. */
static void *bind_socket(void *zctx, struct zmq_curve *curve, int type, const char *ep,
                         const char *what, int pub_hwm, char *err, size_t errlen)
{
    void *s = zmq_socket(zctx, type);
    zmq_socket_defaults(s);
    if (type == ZMQ_PUB) sink_pub_socket_options(s, pub_hwm);
    if ((curve && zmq_curve_server(curve, s)) || zmq_bind(s, ep)) {
        snprintf(err, errlen, "%s: cannot bind %s: %s", what, ep, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

static int load(const char *path, struct config **out)
{
    struct config *c = malloc(sizeof *c);
    char err[1024];
    if (config_load(path, c, err, sizeof err)) {
        logmsg(LOG_ERR, "%s", err);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

static void set_log_level(const struct config *c)
{
    static const enum log_level levels[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
    logmsg_set_level(levels[c->log_level]);
}

/* SIGHUP: a valid file whose restart-only options are unchanged replaces the running one. */
static void reload(struct daemon *d)
{
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld", (long long)(daemon_mono() * 1e6));
    struct config *c;
    if (load(d->conf->path, &c) == 0) {
        char why[1024];
        if (config_unreloadable_changes(d->conf, c, why, sizeof why)) {
            logmsg(LOG_ERR, "reload of %s refused, the running configuration stays: %s",
                   d->conf->path, why);
            d->reload_failures++;
            free(c);
        } else { /* copied in place: inputs point into the running configuration */
            *d->conf = *c;
            free(c);
            set_log_level(d->conf);
            for (int a = 0; a < d->nscopes; a++) scope_apply(d->scopes[a], &d->conf->scopes[a]);
            d->reloads++;
            logmsg(LOG_NOTICE, "reloaded %s", d->conf->path);
        }
    } else {
        logmsg(LOG_ERR, "reload of %s failed, the running configuration stays", d->conf->path);
        d->reload_failures++;
    }
    char err[512];
    if (d->curve && zmq_curve_reload(d->curve, d->conf->curve_allowed_dir, err, sizeof err))
        logmsg(LOG_ERR, "%s; the allow-list stays", err);
    sd_notify(0, "READY=1");
}

/* Binds the alert PUB and the query ROUTER (CURVE when enabled), starts the HTTP server and
 * the sinks. Returns 0, or -1 with a message. */
static int open_sockets(struct daemon *d, char *err, size_t errlen)
{
    const struct config *conf = d->conf;
    d->zctx = zmq_ctx_new();
    if (conf->curve_enabled && !(d->curve = zmq_curve_start(d->zctx, conf->curve_secret_file,
                                                            conf->curve_allowed_dir, err, errlen)))
        return -1;
    d->pub = bind_socket(d->zctx, d->curve, ZMQ_PUB, conf->alerts_endpoint, "alerts",
                         conf->alerts_hwm, err, errlen);
    if (!d->pub) return -1;
    d->router =
        bind_socket(d->zctx, d->curve, ZMQ_ROUTER, conf->query_endpoint, "query", 0, err, errlen);
    if (!d->router) return -1;
    if (conf->metrics_listen[0] &&
        !(d->metrics =
              metrics_http_start(conf->metrics_listen, conf->metrics_token_file, err, errlen)))
        return -1;
    external_url(d);
    return sinks_open(conf, d->pub, d->external_url[0] ? d->external_url : NULL, d->alerts,
                      &d->sinks, err, errlen);
}

int daemon_start(struct daemon *d)
{
    struct config *conf = d->conf;
    char err[1024];
    d->started = daemon_mono();
    set_log_level(conf);
    snprintf(d->epoch, sizeof d->epoch, "%08lx%08lx", (unsigned long)time(NULL),
             (unsigned long)getpid() ^ (unsigned long)(daemon_mono() * 1e6));
    struct aligner_params ap = {
        conf->bucket_ns, conf->lateness_ns, conf->max_series,
        conf->max_gap,   AGG_MEAN,          sources_hold_watermark(conf) ? conf->lateness_ns : 0};
    d->al = aligner_new(&ap, err, sizeof err);
    struct drain_params dp = {conf->drain_depth, conf->drain_similarity, conf->drain_max_children,
                              conf->drain_max_clusters, 1};
    d->logs = d->al ? log_series_new(&dp, conf->max_log_streams, err, sizeof err) : NULL;
    if (!d->al || !d->logs) {
        logmsg(LOG_ERR, "%s", err);
        return -1;
    }
    d->in = (struct ingest){d->al, d->logs, on_row, d, NULL, NULL, -1, NULL, NULL, NULL, 0};
    aligner_set_max_future(d->al, conf->max_future_ns, clock_ns, NULL);
    d->workers = workers_start(conf->workers, conf->worker_nice);
    for (int a = 0; a < conf->nscopes; a++)
        d->scopes[d->nscopes++] = daemon_new_scope(d, &conf->scopes[a]);
    d->alerts = alerts_new(d->epoch);
    if (scope_owner_init(d, err, sizeof err)) {
        logmsg(LOG_ERR, "%s", err);
        return -1;
    }
    if (d->owner.on) { /* records find the scopes they belong to (scope_owner.h) */
        d->in.route_fn = scope_owner_route;
        d->in.late_fn = scope_owner_late;
        d->in.route_ctx = d;
    }
    checkpoint_restore(d);
    d->last_checkpoint = daemon_mono();
    if (open_sockets(d, err, sizeof err)) {
        logmsg(LOG_ERR, "%s", err);
        return -1;
    }
    d->env = (struct source_env){
        d->zctx, d->curve, &d->in, conf, &d->last_record_wall, scope_owner_revoked, d};
    if (sources_open(&d->sources, &d->env, err, sizeof err)) {
        logmsg(LOG_ERR, "%s", err);
        return -1;
    }
    sources_stats(&d->sources, &d->stats);
    sinks_stats(&d->sinks, &d->stats);
    daemon_stats_register(d);
    return 0;
}

/* The 100 ms timer: watchdog, checkpoint, /metrics, series expiry, heartbeat, idle flush. */
static void tick(struct daemon *d, int watchdog)
{
    const struct config *conf = d->conf;
    double t = daemon_mono();
    if (watchdog && workers_alive(d->workers) == conf->workers) sd_notify(0, "WATCHDOG=1");
    checkpoint_tick(d);
    if (d->metrics && t - d->last_metrics >= 1.0) daemon_publish_http(d);
    if (conf->series_ttl_ns > 0 && t - d->last_expiry >= 1.0) {
        aligner_expire(d->al, conf->series_ttl_ns, series_expired, d);
        d->last_expiry = t;
    }
    if (t - d->last_heartbeat >= conf->heartbeat_ns * 1e-9) {
        heartbeat(d);
        d->last_heartbeat = t;
    }
    /* idle flush: every input quiet -> close the buckets up to the newest record, or up to
     * the mark of a Kafka partition that is behind the others (aligner_flush_idle) */
    if (t - d->last_record_wall >= conf->idle_flush_ns * 1e-9) {
        scope_owner_idle(d); /* a scope's catch-up rows come before the main aligner's */
        aligner_flush_idle(d->al, on_row, d);
        d->last_record_wall = t;
    }
}

/* Runs until a stop signal (returns 1) or a fatal input error (returns 2). */
static int loop(struct daemon *d, int sfd, int tfd)
{
    uint64_t wd_usec = 0;
    int watchdog = sd_watchdog_enabled(0, &wd_usec) > 0;
    int stop = 0, backlog = 0;
    double due = 0;
    while (!stop) {
        zmq_pollitem_t items[3 + CONF_MAX_INPUTS];
        items[0] = (zmq_pollitem_t){d->router, 0, ZMQ_POLLIN, 0};
        items[1] = (zmq_pollitem_t){NULL, sfd, ZMQ_POLLIN, 0};
        items[2] = (zmq_pollitem_t){NULL, tfd, ZMQ_POLLIN, 0};
        int n = 3 + sources_pollitems(&d->sources, items + 3, CONF_MAX_INPUTS);
        int wait_ms = backlog ? 0 : due < 0 || due >= 1.0 ? 1000 : (int)(due * 1e3);
        zmq_poll(items, n, wait_ms > 1000 ? 1000 : wait_ms);
        if (items[0].revents & ZMQ_POLLIN) query_serve(d);
        if (sources_poll(&d->sources, TURN_BUDGET, &backlog, &due)) stop = 2;
        for (int a = 0; a < d->nscopes; a++) scope_poll(d->scopes[a], d->alerts);
        if (items[2].revents & ZMQ_POLLIN) {
            uint64_t ticks;
            ssize_t r = read(tfd, &ticks, sizeof ticks);
            (void)r;
            tick(d, watchdog);
        }
        if (items[1].revents & ZMQ_POLLIN) {
            unsigned char sig;
            while (read(sfd, &sig, 1) == 1) {
                if (sig == SIGHUP)
                    reload(d);
                else
                    stop = stop ? stop : 1;
            }
        }
    }
    return stop;
}

/* A clean stop: refreshes cancelled, open buckets closed unless an input replays them (Kafka
 * records of open buckets are read again after the restart, so closing them now would drop
 * what other partitions still owe them), the final checkpoint, then the inputs close (Kafka
 * commits the offsets the checkpoint covers). Returns the final checkpoint's result. */
static int drain(struct daemon *d)
{
    sd_notify(0, "STOPPING=1");
    metrics_http_set_ready(d->metrics, 0);
    logmsg(LOG_NOTICE, "stopping");
    workers_cancel_all(); /* refreshes and rankings in flight end early */
    if (!sources_replayable(&d->sources)) aligner_flush_all(d->al, on_row, d);
    int ckpt = checkpoint_save(d);
    sources_close(&d->sources);
    if (ckpt) logmsg(LOG_ERR, "the final checkpoint failed");
    return ckpt;
}

void daemon_finish(struct daemon *d)
{
    checkpoint_wait(d); /* none in flight after drain; a caller that skips drain (tests) */
    sources_close(&d->sources);
    workers_stop(d->workers);
    sinks_close(&d->sinks); /* no alert is published after the workers stopped */
    metrics_http_stop(d->metrics);
    for (int a = 0; a < d->nscopes; a++) scope_free(d->scopes[a]);
    scope_owner_free(d);
    alerts_free(d->alerts);
    if (d->pub) zmq_close(d->pub);
    if (d->router) zmq_close(d->router);
    zmq_curve_stop(d->curve); /* shuts the context down, joins the ZAP thread */
    if (d->zctx) zmq_ctx_term(d->zctx);
    log_series_free(d->logs);
    aligner_free(d->al);
}

int daemon_serve(struct config *conf)
{
    struct daemon *d = calloc(1, sizeof *d);
    d->conf = conf;
    int rc = EXIT_FAILURE_RUN;
    if (mkdir(conf->state_dir, 0750) && errno != EEXIST) {
        logmsg(LOG_ERR, "state_dir %s: %s", conf->state_dir, strerror(errno));
        goto out;
    }
    if (install_signals()) {
        logmsg(LOG_ERR, "pipe: %s", strerror(errno));
        goto out;
    }
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct itimerspec its = {{0, 100000000}, {0, 100000000}};
    timerfd_settime(tfd, 0, &its, NULL);
    if (daemon_start(d) == 0) {
        logmsg(LOG_NOTICE, "running: %d input(s), %d scope(s), alerts on %s, queries on %s",
               d->sources.n, d->nscopes, conf->alerts_endpoint, conf->query_endpoint);
        sd_notifyf(0, "READY=1\nSTATUS=running, %d inputs, %d scopes", d->sources.n, d->nscopes);
        metrics_http_set_ready(d->metrics, 1);
        d->last_record_wall = daemon_mono();
        int stop = loop(d, sig_pipe[0], tfd);
        int ckpt = drain(d);
        rc = stop == 2 || ckpt ? EXIT_FAILURE_RUN : EXIT_OK;
    }
    daemon_finish(d);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    close(tfd);
out:
    free(d->conf);
    free(d);
    return rc;
}
