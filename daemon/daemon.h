/*
 * daemon.h - the state of a running daemon (`causalmon run`), shared by its modules:
 *   daemon_loop.c    lifecycle, signals, reload and the zmq_poll loop (the route of a sample:
 *                    docs/architecture.md)
 *   daemon_state.c   the clocks, and how a scope of the daemon is made
 *   inputs/sources.c the inputs, as plugins (inputs/source.h)
 *   sinks/sinks.c    where alerts go, as plugins (sinks/sink.h)
 *   daemon_stats.c   the stats registry's families of the core, status JSON, /metrics
 *   query_server.c   the ZeroMQ query protocol
 *   checkpoint.c     what a checkpoint holds, written and restored
 *   scope_owner.c    which scopes run here when a consumer group splits them, their handover
 * Thread: the loop owns all of it; refreshes run on the worker pool with their own snapshots.
 */
#ifndef CAUSALMON_DAEMON_H
#define CAUSALMON_DAEMON_H
#include "aligner.h"
#include "alerts.h"
#include "config.h"
#include "ingest.h"
#include "scope.h"
#include "scope_owner.h"
#include "sinks.h"
#include "sources.h"
#include "stats.h"

struct checkpoint_batch;
struct metrics_http;
struct workers;
struct zmq_curve;

struct daemon {
    struct config *conf; /* owned; a reload copies a new one into it */
    void *zctx, *pub, *router;
    struct aligner *al;
    struct log_series *logs;
    struct ingest in;
    struct source_env env;
    struct sources sources;
    struct scope *scopes[CONF_MAX_SCOPES];
    int nscopes;
    struct scope_owner owner; /* which scopes run here (a group that splits them) */
    struct workers *workers;
    char epoch[40];
    double started;
    struct alerts *alerts;
    struct sinks sinks;
    struct stats stats;
    double last_heartbeat, last_record_wall, last_checkpoint, last_metrics, last_expiry;
    struct metrics_http *metrics;
    struct zmq_curve *curve;
    /* checkpoints: failures so far, how many were written, whether the last one was, its error */
    long ckpt_failures, ckpt_written;
    double ckpt_seconds; /* the last checkpoint's time on the loop */
    /* the checkpoint being written on its own thread (NULL: none), when it was started and
     * where its documents make the offsets durable */
    struct checkpoint_batch *ckpt_batch;
    double ckpt_started;
    int64_t ckpt_durable;
    int ckpt_ok;
    char ckpt_error[512];
    long reloads, reload_failures;
    char external_url[CONF_STR];
};

/* Runs the daemon on conf (owned, freed at the end) until SIGTERM/SIGINT. Returns the exit
 * status (EXIT_OK, or EXIT_FAILURE_RUN when it could not start, an input failed fatally or the
 * final checkpoint failed). Main thread. */
int daemon_serve(struct config *conf);

/* Starts everything up to the loop on d (zeroed, with d->conf set): aligner, log templates,
 * workers, scopes, the checkpoint, sockets, sinks, inputs and the stats registry. Returns 0, or
 * -1 (logged); call daemon_finish either way. The state directory must exist. Main thread. */
int daemon_start(struct daemon *d);
/* Frees what daemon_start made, in an order that keeps borrowed pointers valid (not d->conf or
 * d itself). */
void daemon_finish(struct daemon *d);

/* A new, empty scope of d for c (the aligner, the log templates and the workers of d). */
struct scope *daemon_new_scope(struct daemon *d, const struct scope_conf *c);

/* Monotonic and wall-clock time. */
double daemon_mono(void);
int64_t daemon_wall_ns(void);

/* Registers the core's families (aligner, scopes, incidents, monitors, alerts, checkpoints,
 * reloads, uptime) in d->stats. Call once, after the sources and sinks registered theirs. */
void daemon_stats_register(struct daemon *d);
/* The status document (`query status`): identity, inputs, sinks and scopes, and every registered
 * family at its place. A new reference. */
json_t *daemon_status(struct daemon *d);
/* Renders /metrics, the recent alerts and the web view's data for the HTTP server. */
void daemon_publish_http(struct daemon *d);

/* Serves every waiting query on d->router (query_proto.h). */
void query_serve(struct daemon *d);

/* Writes the checkpoint (scope windows, log templates, alert seq, the aligner's closed buckets)
 * and the served scopes' handover files now, after one in flight; once they are durable the
 * sources may forget what they cover. Returns 0 or -1 (counted, logged). The loop (stop,
 * rebalance, tests). */
int checkpoint_save(struct daemon *d);
/* From the loop's timer: a checkpoint in flight that has been written is counted and made
 * durable; when checkpoint_every has passed and none is in flight, the documents are composed
 * here (the loop pauses for that: checkpoint.seconds) and written on a thread of their own.
 * A member of a group that splits the scopes writes here instead (as checkpoint_save), so a
 * lost assignment never finds a handover file still being written. */
void checkpoint_tick(struct daemon *d);
/* Waits for a checkpoint in flight and counts it (made durable once written). The loop. */
void checkpoint_wait(struct daemon *d);
/* Restores what a checkpoint in the state directory holds; a corrupt or incompatible one is
 * reported and ignored, a scope that does not fit starts empty. */
void checkpoint_restore(struct daemon *d);

#endif
