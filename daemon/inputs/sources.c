/* sources.c - the input type registry and the daemon's open inputs (sources.h). */
#include "sources.h"

#include "json_metrics.h"
#include "logmsg.h"

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
        if (!ss->s[a].done && ss->s[a].ops->pollitem) {
            items[n] = (zmq_pollitem_t){NULL, 0, ZMQ_POLLIN, 0};
            n += ss->s[a].ops->pollitem(&ss->s[a], &items[n]);
        }
    return n;
}

int sources_poll(struct sources *ss, int budget, int *backlog, double *due)
{
    int rc = 0;
    *backlog = 0;
    *due = -1;
    for (int a = 0; a < ss->n; a++) {
        struct source *s = &ss->s[a];
        if (s->done) continue;
        struct source_turn turn = {0, 0, 0, 0};
        int got = s->ops->poll(s, budget, &turn);
        if (got >= budget || turn.backlog) *backlog = 1;
        if (turn.due > 0 && (*due < 0 || turn.due < *due)) *due = turn.due;
        if (turn.due == 0 && !turn.done && !s->ops->pollitem) *due = 0; /* timer-driven, busy */
        if (turn.done) s->done = 1;
        if (turn.fatal) {
            logmsg(LOG_ERR, "input %s: fatal error, exiting for a restart", s->conf->name);
            rc = -1;
        }
    }
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
