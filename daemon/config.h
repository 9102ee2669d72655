/*
 * config.h - the daemon's YAML configuration, parsed with libyaml against one declarative
 * option table (config_table.c and each input type's sub-table, written with the typed macros
 * of config_table.h). The table gives each option its type, default, range, reload class and
 * description; the parser, `causalmon run --check-config`, the reload classifier, `causalmon run
 * --config-reference` (the commented reference) and `--config-default` (conf/causalmon.yaml)
 * all read it (docs/configuration.md).
 *
 * Errors name FILE:LINE:COL and the key: unknown keys, wrong types, out-of-range values,
 * missing required keys, duplicate names. Strings have fixed capacities (stated in the
 * reference); longer values are errors, not truncations.
 */
#ifndef CAUSALMON_CONFIG_H
#define CAUSALMON_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#define CONF_MAX_INPUTS 32
#define CONF_MAX_SCOPES 64
#define CONF_MAX_SINKS  8
#define CONF_MAX_LIST   64
#define CONF_STR        256
#define CONF_MAX_CALLS  128 /* known calls of a scope (a service map's edges; globs fold more) */
#define CONF_CALL_STR   128

/* An input: the options common to all types, then those of the built-in types (each type's
 * option table, in its source_ops, fills its own), then ext. */
struct input_conf {
    char name[64];
    int type; /* index into sources_type_names() (sources.h) */
    char format[32];
    char precision[4];
    char json_time_unit[8];
    char stream[128];
    /* zmq_pull, zmq_sub */
    char endpoint[CONF_STR];
    char subscribe[CONF_STR];
    int rcvhwm;
    int max_message; /* ZMQ_MAXMSGSIZE, bytes per frame */
    /* kafka */
    char brokers[CONF_STR * 2];
    char topics[CONF_MAX_LIST][CONF_STR];
    int ntopics;
    char group[128];
    char instance_id[128];
    char props[CONF_MAX_LIST][2][CONF_STR]; /* rdkafka passthrough */
    int nprops;
    int timestamp_source; /* 0 payload, 1 kafka */
    int store;            /* 0 incorporated, 1 checkpoint */
    int stream_from_key;
    char handover_dir[CONF_STR]; /* non-empty: the group's members split the scopes */
    /* file */
    char path[CONF_STR];
    double speed;
    /* http */
    char listen[64];
    int max_body;  /* bytes, after decompression */
    int queue_kib; /* bodies waiting for the loop */
    char token_file[CONF_STR];
    /* the options of a type that keeps them in a struct of its own (a type added with
     * sources_register; its source_ops.opts_off is offsetof(struct input_conf, ext)) */
    _Alignas(8) unsigned char ext[64];
};

enum sink_type { SINK_ALERTMANAGER = 0, SINK_WEBHOOK };

struct sink_conf {
    char name[64];
    int type; /* enum sink_type */
    char url[CONF_STR];
    int64_t resend_ns;
    int64_t timeout_ns;
    int queue;
    int retries;
    char token_file[CONF_STR];
};

struct scope_conf {
    char name[64];
    char match[CONF_MAX_LIST][CONF_STR];
    int nmatch;
    int window;
    int tau_max;
    int refresh_every;
    double alpha;
    char kpis[CONF_MAX_LIST][CONF_STR];
    int nkpis;
    int max_series;
    char component_map[CONF_STR];
    char tiers[CONF_MAX_LIST][CONF_STR];
    int ntiers;
    char forbidden[CONF_MAX_LIST][CONF_STR];
    int nforbidden;
    char required[CONF_MAX_LIST][CONF_STR];
    int nrequired;
    char directions[CONF_MAX_LIST][CONF_STR];
    int ndirections;
    char entry_points[CONF_MAX_LIST][CONF_STR];
    int nentry_points;
    char calls[CONF_MAX_CALLS][CONF_CALL_STR]; /* known calls "CALLER -> CALLEE" (globs) */
    int ncalls;
    char rank_at[CONF_MAX_LIST][40]; /* scheduled rankings: incident start times */
    int nrank_at;
    int rank_after; /* incident rows of a scheduled ranking */
    double z;
    int reference, settle, cooldown;
    double min_confidence;
    int structure_alerts;
    int deseason;
    int method;          /* enum svar_method: 0 pcmci+, 1 lpcmci */
    double screen_alpha; /* PCMCI+ candidate screening level, 0 = off */
    int screen_top_k;    /* candidates kept per series by screening, 0 = no cap */
    /* change monitor (change_monitor.h) */
    int monitor;
    int monitor_reference, monitor_gap, monitor_recent, monitor_every, monitor_confirm;
    int monitor_adopt;
    double monitor_alpha, monitor_false_alarms;
};

struct config {
    char path[CONF_STR];
    int64_t bucket_ns;
    int64_t lateness_ns;
    int64_t max_future_ns; /* 0: no limit */
    int64_t series_ttl_ns; /* 0: series never expire */
    int64_t idle_flush_ns;
    int max_series;
    int max_gap;
    char state_dir[CONF_STR];
    int64_t checkpoint_every_ns;
    int log_level; /* 0 error .. 4 debug */
    int workers;
    int worker_nice; /* the refresh threads' nice increment (workers_start) */
    /* drain */
    int drain_depth;
    double drain_similarity;
    int drain_max_children;
    int drain_max_clusters;
    int max_log_streams;
    /* alerts */
    char alerts_endpoint[CONF_STR];
    int alerts_hwm;
    int64_t heartbeat_ns;
    /* query */
    char query_endpoint[CONF_STR];
    /* metrics */
    char metrics_listen[64];
    char metrics_token_file[CONF_STR];
    char external_url[CONF_STR];
    /* curve */
    int curve_enabled;
    char curve_secret_file[CONF_STR];
    char curve_allowed_dir[CONF_STR];
    struct input_conf inputs[CONF_MAX_INPUTS];
    int ninputs;
    struct scope_conf scopes[CONF_MAX_SCOPES];
    int nscopes;
    struct sink_conf sinks[CONF_MAX_SINKS];
    int nsinks;
};

/* What a SIGHUP reload does with a changed option (config_table.h gives each option one). */
enum reload_class {
    RELOAD_RESTART = 0, /* needs a restart: a reload that changes it is refused as a whole */
    RELOAD_APPLY,       /* taken from the new file when the reload is accepted */
};

/* Loads and validates FILE into *c (defaults first). Returns 0, or -1 with "FILE:LINE:COL:
 * message" in err. c is large: allocate it on the heap. Any thread; no globals. */
int config_load(const char *path, struct config *c, char *err, size_t errlen);

/* Fills *s with the option table's defaults for a scope (name, match and kpis empty). Any
 * thread. */
void config_scope_defaults(struct scope_conf *s);

/* One option that differs between two configurations. */
struct config_change {
    char name[160]; /* as the file spells it: "log_level", "alerts.heartbeat", "scopes[0].alpha",
                       or "scopes" when items were added or removed */
    enum reload_class reload;
};

/* Compares the running configuration a with the new one b, option by option (list items by
 * position), and writes up to max changes into out. Returns how many options differ (which
 * may exceed max). Pure; any thread. */
int config_changes(const struct config *a, const struct config *b, struct config_change *out,
                   int max);

/* Writes into msg (one line each) the options that differ between a and b but cannot be
 * changed by a reload. Returns how many. */
int config_unreloadable_changes(const struct config *a, const struct config *b, char *msg,
                                size_t len);

/* Prints the commented reference of every option (type, default, range, reload, meaning). */
void config_reference(FILE *f);

/* Writes c as YAML that config_load reads back into an equal struct (every option, defaults
 * included). Returns 0, or -1 when f fails. */
int config_write(FILE *f, const struct config *c);

/* Writes the shipped default configuration (conf/causalmon.yaml): every option at its default
 * with its help and reload class as comments, and the table's example inputs and scope. */
void config_write_default(FILE *f);

#endif
