#include "ingest.h"

#include "file_source.h"

#include "json_metrics.h"
#include "prom_remote.h"

#include "utf8.h"

#include <stdio.h>
#include <string.h>

static const char *const FORMAT_NAMES[FMT_COUNT] = {"influx",   "json", "log",
                                                    "log_json", "csv",  "prometheus_remote_write"};

int input_format_parse(const char *name, size_t len, enum input_format *out)
{
    for (int a = 0; a < FMT_COUNT; a++)
        if (strlen(FORMAT_NAMES[a]) == len && memcmp(FORMAT_NAMES[a], name, len) == 0) {
            *out = (enum input_format)a;
            return 0;
        }
    if ((len == 9 && memcmp(name, "fluentbit", 9) == 0) ||
        (len == 6 && memcmp(name, "vector", 6) == 0)) {
        *out = FMT_LOG_JSON;
        return 0;
    }
    return -1;
}

const char *input_format_name(enum input_format f)
{
    return f < FMT_COUNT ? FORMAT_NAMES[f] : "unknown";
}

int ingest_message_format(const void *name, size_t len)
{
    enum input_format f;
    return input_format_parse(name, len, &f) || f == FMT_CSV ? FMT_COUNT : (int)f;
}

void input_decoding_default(struct input_decoding *d, const char *stream)
{
    memset(d, 0, sizeof *d);
    d->format = FMT_INFLUX;
    d->precision = LP_NS;
    d->json_ts_unit_s = 1.0;
    log_format_default(&d->log, 0);
    snprintf(d->stream, sizeof d->stream, "%s", stream ? stream : "");
}

struct call {
    struct ingest *in;
    const struct ingest_meta *meta;
    struct reject_stats *st;
    enum aligner_result log_result; /* worst result of the current log line's records */
};

static enum reject_reason reject_of(enum aligner_result r)
{
    switch (r) {
    case ALIGN_LATE:
        return REJECT_LATE;
    case ALIGN_DUPLICATE:
        return REJECT_DUPLICATE;
    case ALIGN_FUTURE:
        return REJECT_FUTURE;
    default:
        return REJECT_SERIES_CAP;
    }
}

/* Adds a metric record; the parser has counted it in st->records, so a refusal moves it to the
 * rejections. */
static int add_record(void *ctx, const struct metric_record *r)
{
    struct call *c = ctx;
    struct metric_record m = *r;
    if (c->meta->force_ts_ns >= 0) m.ts_ns = c->meta->force_ts_ns;
    if (m.name_len > ALIGNER_MAX_NAME || !utf8_valid(m.name, m.name_len)) {
        c->st->records--;
        reject_count(c->st, m.name_len > ALIGNER_MAX_NAME ? REJECT_NAME_TOO_LONG : REJECT_BAD_UTF8,
                     m.name, m.name_len);
        return 0;
    }
    if (c->in->route_fn) c->in->route_fn(c->in->route_ctx, &m);
    enum aligner_result res = aligner_add(c->in->al, &m, c->in->row_fn, c->in->row_ctx);
    if ((res == ALIGN_LATE || res == ALIGN_DUPLICATE) && c->in->late_fn &&
        c->in->late_fn(c->in->route_ctx, &m)) {
        aligner_taken_elsewhere(c->in->al, res);
        res = ALIGN_OK;
    }
    if (res != ALIGN_FUTURE && res != ALIGN_SERIES_CAP && m.ts_ns > c->in->msg_max_ts_ns)
        c->in->msg_max_ts_ns = m.ts_ns;
    if (res != ALIGN_OK) {
        c->st->records--;
        reject_count(c->st, reject_of(res), m.name, m.name_len);
        return 0;
    }
    if (c->in->accepted_fn) return c->in->accepted_fn(c->in->accepted_ctx, &m);
    return 0;
}

/* Adds a count record derived from a log line (aggregated by count). */
static int add_log_count(void *ctx, const struct metric_record *m)
{
    struct call *c = ctx;
    int id = aligner_series(c->in->al, m->name, m->name_len);
    if (id >= 0) aligner_set_agg(c->in->al, id, AGG_COUNT);
    if (c->in->route_fn) c->in->route_fn(c->in->route_ctx, m);
    enum aligner_result res = aligner_add(c->in->al, m, c->in->row_fn, c->in->row_ctx);
    if ((res == ALIGN_LATE || res == ALIGN_DUPLICATE) && c->in->late_fn &&
        c->in->late_fn(c->in->route_ctx, m)) {
        aligner_taken_elsewhere(c->in->al, res);
        res = ALIGN_OK;
    }
    if (res != ALIGN_FUTURE && res != ALIGN_SERIES_CAP && m->ts_ns > c->in->msg_max_ts_ns)
        c->in->msg_max_ts_ns = m->ts_ns;
    if (res != ALIGN_OK) {
        c->log_result = res;
        return 0;
    }
    if (c->in->accepted_fn) return c->in->accepted_fn(c->in->accepted_ctx, m);
    return 0;
}

static int add_log(void *ctx, const struct log_record *r)
{
    struct call *c = ctx;
    struct log_record lr = *r;
    if (c->meta->stream) {
        lr.stream = c->meta->stream;
        lr.stream_len = c->meta->stream_len;
    }
    if (c->meta->force_ts_ns >= 0) lr.ts_ns = c->meta->force_ts_ns;
    if (!utf8_valid(lr.text, lr.text_len) || !utf8_valid(lr.stream, lr.stream_len) ||
        (lr.level && !utf8_valid(lr.level, lr.level_len))) {
        c->st->records--; /* templates and stream names must stay valid UTF-8 */
        reject_count(c->st, REJECT_BAD_UTF8, lr.text, lr.text_len);
        return 0;
    }
    c->log_result = ALIGN_OK;
    int rc = log_series_add(c->in->logs, &lr, add_log_count, c);
    if (rc == -1) c->log_result = ALIGN_SERIES_CAP;
    if (c->log_result != ALIGN_OK) { /* the line counts once, as delivered or rejected */
        c->st->records--;
        reject_count(c->st, reject_of(c->log_result), lr.text, lr.text_len);
    }
    return rc == -2;
}

/* A CSV cell: counted as a record, then added like any other. */
static int add_csv_cell(void *ctx, const struct metric_record *r)
{
    struct call *c = ctx;
    c->st->records++;
    return add_record(ctx, r);
}

void ingest_csv_row(struct ingest *in, const struct csv_table *t, long row, struct reject_stats *st)
{
    static const struct ingest_meta meta = {0, -1, NULL, 0};
    struct call c = {in, &meta, st, ALIGN_OK};
    in->msg_max_ts_ns = -1;
    st->lines++;
    csv_row_records(t, row, add_csv_cell, &c);
    reject_log(st);
}

int ingest_message(struct ingest *in, const struct input_decoding *d, int fmt,
                   const struct ingest_meta *meta, const char *buf, size_t len,
                   struct reject_stats *st)
{
    struct call c = {in, meta, st, ALIGN_OK};
    in->msg_max_ts_ns = -1;
    in->msg_tags = 0;
    enum input_format f = fmt >= 0 ? (enum input_format)fmt : d->format;
    int64_t dts = meta->default_ts_ns;
    switch (f) {
    case FMT_INFLUX:
        influx_lp_parse(buf, len, d->precision, dts, add_record, &c, st);
        reject_log(st);
        return 0;
    case FMT_JSON:
        json_metrics_parse(buf, len, d->json_ts_unit_s, dts, add_record, &c, st);
        reject_log(st);
        return 0;
    case FMT_PROM_RW:
        prom_remote_parse(buf, len, add_record, &c, st);
        reject_log(st);
        return 0;
    case FMT_LOG:
    case FMT_LOG_JSON:
        if (!in->logs) break;
        {
            struct log_format lf = d->log;
            lf.json = f == FMT_LOG_JSON;
            log_lines_parse(buf, len, &lf, d->stream, strlen(d->stream), dts, add_log, &c, st);
        }
        reject_log(st);
        return 0;
    default:
        break;
    }
    st->lines++;
    reject_count(st, REJECT_UNKNOWN_FORMAT, buf, len);
    reject_log(st);
    return -1;
}
