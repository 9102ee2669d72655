/* sources.c - the input type registry and the daemon's open inputs (sources.h). */
#include "sources.h"

#include "json_metrics.h"
#include "logmsg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

extern const struct source_ops source_zmq_pull, source_zmq_sub, source_kafka, source_file,
    source_http;

/* The built-in input types: one line each. Their order is the order of inputs[].type's choices
 * in the configuration reference. */
static const struct source_ops *types[SOURCES_MAX_TYPES] = {
    &source_zmq_pull, &source_zmq_sub, &source_kafka, &source_file, &source_http,
};
static int ntypes = 5;
static const char *names[SOURCES_MAX_TYPES + 1];

int sources_register(const struct source_ops *ops)
{
    if (ntypes >= SOURCES_MAX_TYPES) return -1;
    for (int t = 0; t < ntypes; t++)
        if (strcmp(types[t]->type, ops->type) == 0) return -1;
    types[ntypes++] = ops;
    return 0;
}

const char *const *sources_type_names(void)
{
    for (int t = 0; t < ntypes; t++) names[t] = types[t]->type;
    names[ntypes] = NULL;
    return names;
}

const struct source_ops *sources_ops(int t)
{
    return t >= 0 && t < ntypes ? types[t] : NULL;
}

int64_t source_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double source_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void source_deliver(struct source *s, int fmt, const struct ingest_meta *m, const void *p,
                    size_t len)
{
    ingest_message(s->env->in, &s->dec, fmt, m, p, len, &s->st);
    if (s->env->in->msg_max_ts_ns > s->event_ns) s->event_ns = s->env->in->msg_max_ts_ns;
    *s->env->last_record = source_mono();
}

static void decoding_of(const struct input_conf *c, struct input_decoding *dec)
{
    input_decoding_default(dec, c->stream);
    enum input_format f = FMT_INFLUX;
    input_format_parse(c->format, strlen(c->format), &f);
    dec->format = f;
    lp_precision_parse(c->precision, &dec->precision);
    json_time_unit_parse(c->json_time_unit, &dec->json_ts_unit_s); /* validated by the config */
}

int sources_open(struct sources *out, const struct source_env *env, char *err, size_t errlen)
{
    for (int a = 0; a < env->conf->ninputs; a++) {
        const struct input_conf *c = &env->conf->inputs[a];
        struct source *s = &out->s[out->n++];
        memset(s, 0, sizeof *s);
        s->ops = sources_ops(c->type);
        s->conf = c;
        s->env = env;
        s->event_ns = -1;
        decoding_of(c, &s->dec);
        s->holder = -1;
        snprintf(s->st.input, sizeof s->st.input, "%s", c->name);
        if (!s->ops) {
            snprintf(err, errlen, "input %s: no such input type", c->name);
            return -1;
        }
        if (s->ops->open(s, err, errlen)) return -1;
    }
    return 0;
}

int sources_pollitems(struct sources *ss, zmq_pollitem_t *items, int max)
{
    int n = 0;
    for (int a = 0; a < ss->n && n < max; a++)
        if (!ss->s[a].done && !ss->s[a].paused && ss->s[a].ops->pollitem) {
            items[n] = (zmq_pollitem_t){NULL, 0, ZMQ_POLLIN, 0};
            n += ss->s[a].ops->pollitem(&ss->s[a], &items[n]);
        }
    return n;
}

static void set_paused(struct source *s, int pause, double now)
{
    if (pause == s->paused) return;
    s->paused = pause;
    if (pause) {
        s->paused_at = now;
        s->pauses++;
        if (s->ops->pause) s->ops->pause(s);
        logmsg(LOG_DEBUG, "input %s: paused, ahead of the other inputs' backlog", s->conf->name);
    } else if (s->ops->resume) {
        s->ops->resume(s);
    }
}

/* Event-time alignment (source.h): pauses an input with a backlog that runs more than
 * lateness/2 ahead of the slowest input with a backlog, and resumes it within lateness/4 of
 * it, when no input with a backlog is behind it any more, or after SOURCE_PAUSE_MAX_S. Returns
 * 1 when it resumed one (to be polled at once). */
static int align(struct sources *ss)
{
    int resumed = 0;
    if (ss->n < 2) return 0;
    int64_t slow = INT64_MAX, ahead_max = ss->s[0].env->conf->lateness_ns / 2;
    for (int a = 0; a < ss->n; a++) {
        const struct source *s = &ss->s[a];
        if (!s->done && !s->paused && s->more && s->event_ns >= 0 && s->event_ns < slow)
            slow = s->event_ns;
    }
    double now = source_mono();
    for (int a = 0; a < ss->n; a++) {
        struct source *s = &ss->s[a];
        int64_t ahead = slow == INT64_MAX || s->event_ns < 0 ? 0 : s->event_ns - slow;
        if (s->done)
            set_paused(s, 0, now);
        else if (!s->paused && s->more && ahead > ahead_max && !s->ops->never_pause)
            set_paused(s, 1, now);
        else if (s->paused &&
                 (ahead <= ahead_max / 2 || now - s->paused_at >= SOURCE_PAUSE_MAX_S)) {
            set_paused(s, 0, now);
            resumed = 1;
        }
    }
    return resumed;
}

int sources_poll(struct sources *ss, int budget, int *backlog, double *due)
{
    int rc = 0;
    *backlog = 0;
    *due = -1;
    for (int a = 0; a < ss->n; a++) {
        struct source *s = &ss->s[a];
        if (s->done || s->paused) continue;
        struct source_turn turn = {0, 0, 0, 0};
        int got = s->ops->poll(s, budget, &turn);
        s->more =
            got >= budget || turn.backlog || (turn.due == 0 && !turn.done && !s->ops->pollitem);
        if (got >= budget || turn.backlog) *backlog = 1;
        if (turn.due > 0 && (*due < 0 || turn.due < *due)) *due = turn.due;
        if (turn.due == 0 && !turn.done && !s->ops->pollitem) *due = 0; /* timer-driven, busy */
        if (turn.done) s->done = 1;
        if (turn.fatal) {
            logmsg(LOG_ERR, "input %s: fatal error, exiting for a restart", s->conf->name);
            rc = -1;
        }
    }
    if (align(ss)) *backlog = 1;
    return rc;
}

int sources_hold_watermark(const struct config *c)
{
    for (int a = 0; a < c->ninputs; a++) {
        const struct source_ops *ops = sources_ops(c->inputs[a].type);
        if (ops && ops->holds_watermark) return 1;
    }
    return 0;
}

void sources_durable(struct sources *ss, int64_t closed_ns)
{
    for (int a = 0; a < ss->n; a++)
        if (ss->s[a].ops->on_durable) ss->s[a].ops->on_durable(&ss->s[a], closed_ns);
}

int sources_replayable(const struct sources *ss)
{
    for (int a = 0; a < ss->n; a++)
        if (ss->s[a].ops->replayable && ss->s[a].ops->replayable(&ss->s[a])) return 1;
    return 0;
}

static void records(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++)
        stats_sample(e, (double)ss->s[a].st.records, ss->s[a].conf->name);
}

static void lines(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++) stats_sample(e, (double)ss->s[a].st.lines, ss->s[a].conf->name);
}

static void skipped(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++)
        stats_sample(e, (double)ss->s[a].st.skipped_fields, ss->s[a].conf->name);
}

static void pauses(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++) stats_sample(e, (double)ss->s[a].pauses, ss->s[a].conf->name);
}

static void paused(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++) stats_sample(e, (double)ss->s[a].paused, ss->s[a].conf->name);
}

static void rejected(void *ctx, struct stats_emit *e)
{
    struct sources *ss = ctx;
    for (int a = 0; a < ss->n; a++)
        for (int r = 0; r < REJECT_REASONS; r++)
            stats_sample(e, (double)ss->s[a].st.rejected[r], ss->s[a].conf->name,
                         reject_reason_str((enum reject_reason)r));
}

void sources_stats(struct sources *ss, struct stats *reg)
{
    const struct stat_family fams[] = {
        {"causalmon_records_total",
         "Records accepted into the aligner.",
         STAT_COUNTER,
         "inputs[name=input].records",
         {"input"},
         records,
         ss},
        {"causalmon_lines_total",
         "Lines, documents or time series read by an input.",
         STAT_COUNTER,
         "inputs[name=input].lines",
         {"input"},
         lines,
         ss},
        {"causalmon_rejected_total",
         "Records rejected, by reason.",
         STAT_COUNTER,
         "inputs[name=input].rejected.{reason}",
         {"input", "reason"},
         rejected,
         ss},
        {"causalmon_input_pauses_total",
         "Times an input was paused because it ran ahead (event time) of another input's backlog.",
         STAT_COUNTER,
         "inputs[name=input].pauses",
         {"input"},
         pauses,
         ss},
        {"causalmon_input_paused",
         "1 while an input is paused.",
         STAT_GAUGE,
         "inputs[name=input].paused",
         {"input"},
         paused,
         ss},
        {"causalmon_skipped_fields_total",
         "Valid but non-numeric fields (strings, NaN staleness markers) not turned into series.",
         STAT_COUNTER,
         "inputs[name=input].skipped_fields",
         {"input"},
         skipped,
         ss},
    };
    for (size_t k = 0; k < sizeof fams / sizeof fams[0]; k++) stats_register(reg, &fams[k]);
    for (int t = 0; sources_ops(t); t++) { /* each type in use adds its own families once */
        int used = 0;
        for (int a = 0; a < ss->n; a++) used |= ss->s[a].ops == sources_ops(t);
        if (used && sources_ops(t)->stats) sources_ops(t)->stats(ss, reg);
    }
}

/* The status JSON's "inputs" array: name and type of each (the counters come from stats). */
json_t *sources_status(const struct sources *ss)
{
    json_t *arr = json_array();
    for (int a = 0; a < ss->n; a++)
        json_array_append_new(
            arr, json_pack("{s:s, s:s}", "name", ss->s[a].conf->name, "type", ss->s[a].ops->type));
    return arr;
}

void sources_close(struct sources *ss)
{
    for (int a = 0; a < ss->n; a++)
        if (ss->s[a].ops) ss->s[a].ops->close(&ss->s[a]);
    ss->n = 0;
}
