/* `causalmon align`: a file or stdin through the streaming parsers, the log template miners
 * and the aligner -> aligned CSV on stdout (the same path the daemon's inputs take). */
#include "cli.h"
#include "csv_table.h"
#include "duration.h"
#include "file_source.h"
#include "ingest.h"
#include "json_metrics.h"
#include "log_series.h"
#include "xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const CMD = "align";

static void align_usage(FILE *f)
{
    fprintf(
        f, "usage: causalmon align --input F|- [--format FMT] [--bucket D] [--lateness D]\n"
           "                       [--agg mean|last|sum|count|max] [--max-gap N] [--max-series N]\n"
           "                       [--precision ns|us|ms|s] [--json-time-unit s|ms|us|ns|auto]\n"
           "                       [--stream NAME] [--speed X] [--max-cells N] [--templates FILE]\n"
           "\n"
           "Streams a file through the parsers and the aligner, as the daemon does with its\n"
           "inputs, and prints one CSV row per closed bucket (time = bucket start, epoch s).\n"
           "Log lines become count series log.<stream>.tpl<id> and log.<stream>.level.<LEVEL>.\n"
           "  --format FMT     influx, json, log, log_json (fluentbit, vector), csv; default by\n"
           "                   extension (.csv, .json/.jsonl, .log; otherwise influx)\n"
           "  --bucket D       bucket width (default 1s); --lateness D allowed lateness (0s)\n"
           "  --agg A          aggregation of metric series within a bucket (default mean)\n"
           "  --max-gap N      buckets a value is carried forward over a gap (default 5)\n"
           "  --max-series N   series cap; further series are refused and counted (10000)\n"
           "  --stream NAME    log stream name (default: the file name without extension)\n"
           "  --speed X        replay X times faster than event time (default 0: no pacing)\n"
           "  --max-cells N    cells held for the CSV, which needs every series in its header\n"
           "                   (default 20000000)\n"
           "  --templates F    write the log templates as JSON {series: template} to F\n"
           "Counts and rejections by reason go to stderr; bad records never stop the run.\n");
}

struct run {
    struct aligner *al;
    struct ingest in;
    struct replay_pacer pacer;
    double *cells; /* rows one after another, each as wide as the series known then */
    size_t ncells, cap, max_cells;
    int64_t *times;
    int *width;
    long nrows, caprows;
    int overflow;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_row(void *ctx, int64_t start_ns, const double *row, int n)
{
    struct run *r = ctx;
    double wait = replay_pacer_delay(&r->pacer, start_ns, wall_now());
    if (wait > 0) {
        struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
        nanosleep(&ts, NULL);
    }
    if (r->overflow || r->ncells + (size_t)n > r->max_cells) {
        r->overflow = 1;
        return;
    }
    if (r->ncells + (size_t)n > r->cap) {
        r->cap = r->cap ? r->cap * 2 : 65536;
        while (r->cap < r->ncells + (size_t)n) r->cap *= 2;
        r->cells = xrealloc(r->cells, r->cap * sizeof *r->cells);
    }
    if (r->nrows == r->caprows) {
        r->caprows = r->caprows ? r->caprows * 2 : 1024;
        r->times = xrealloc(r->times, (size_t)r->caprows * sizeof *r->times);
        r->width = xrealloc(r->width, (size_t)r->caprows * sizeof *r->width);
    }
    memcpy(r->cells + r->ncells, row, (size_t)n * sizeof *row);
    r->ncells += (size_t)n;
    r->times[r->nrows] = start_ns;
    r->width[r->nrows++] = n;
}

static int csv_record(void *ctx, const struct metric_record *m)
{
    struct run *r = ctx;
    aligner_add(r->al, m, on_row, r);
    return 0;
}

static enum input_format guess_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) return FMT_INFLUX;
    if (strcmp(dot, ".csv") == 0) return FMT_CSV;
    if (strcmp(dot, ".json") == 0 || strcmp(dot, ".jsonl") == 0) return FMT_JSON;
    if (strcmp(dot, ".log") == 0) return FMT_LOG;
    return FMT_INFLUX;
}

static void print_summary(const char *input, const struct reject_stats *st,
                          const struct aligner *al)
{
    fprintf(stderr, "causalmon align: %s: %ld lines, %ld records accepted, %d series, %ld rows",
            input, st->lines, st->records, aligner_nseries(al), aligner_stats(al)->rows);
    long rej = 0;
    for (int a = 0; a < REJECT_REASONS; a++) rej += st->rejected[a];
    if (rej) {
        fprintf(stderr, "; rejected:");
        for (int a = 0; a < REJECT_REASONS; a++)
            if (st->rejected[a])
                fprintf(stderr, " %s=%ld", reject_reason_str((enum reject_reason)a),
                        st->rejected[a]);
        fprintf(stderr, "; last (%s): %s", reject_reason_str(st->last_reason), st->last_sample);
    }
    fputc('\n', stderr);
}

static int write_templates(const char *path, struct log_series *ls)
{
    json_t *o = json_object();
    for (int i = 0; i < log_series_nstreams(ls); i++) {
        struct drain *d = log_series_drain(ls, i);
        for (int id = 1; id <= drain_nclusters(d); id++) {
            char name[LOG_STREAM_MAX + 32];
            log_series_template_name(log_series_stream(ls, i), id, name, sizeof name);
            json_object_set_new(o, name, json_string(drain_template(d, id)));
        }
    }
    int rc = json_dump_file(o, path, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    return rc;
}

int cmd_align(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},
        {"bucket", required_argument, NULL, 'b'},
        {"lateness", required_argument, NULL, 'l'},
        {"agg", required_argument, NULL, 'a'},
        {"max-gap", required_argument, NULL, 'g'},
        {"max-series", required_argument, NULL, 'S'},
        {"precision", required_argument, NULL, 'p'},
        {"json-time-unit", required_argument, NULL, 'j'},
        {"stream", required_argument, NULL, 's'},
        {"speed", required_argument, NULL, 'x'},
        {"max-cells", required_argument, NULL, 'r'},
        {"templates", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const aggs[] = {"mean", "last", "sum", "count", "max", NULL};
    const char *input = NULL, *stream = NULL, *templates = NULL;
    int fmt = -1, c;
    int64_t bucket = 1000000000LL, lateness = 0;
    long max_gap = 5, max_series = 10000, max_cells = 20000000;
    double speed = 0;
    struct input_decoding dec;
    input_decoding_default(&dec, "");
    enum aligner_agg agg = AGG_MEAN;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            input = optarg;
            break;
        case 'f': {
            enum input_format f;
            if (input_format_parse(optarg, strlen(optarg), &f)) {
                cli_error(CMD, "--format: unknown format '%s'", optarg);
                return EXIT_BAD_INPUT;
            }
            fmt = (int)f;
            break;
        }
        case 'b':
        case 'l': {
            int64_t *dst = c == 'b' ? &bucket : &lateness;
            if (duration_parse_ns(optarg, dst) || (c == 'b' && *dst <= 0)) {
                cli_error(CMD, "--%s: '%s' is not a duration like 500ms, 1s, 1m",
                          c == 'b' ? "bucket" : "lateness", optarg);
                return EXIT_BAD_INPUT;
            }
            break;
        }
        case 'a': {
            int k = 0;
            while (aggs[k] && strcmp(aggs[k], optarg) != 0) k++;
            if (!aggs[k]) {
                cli_error(CMD, "--agg: '%s' is not mean, last, sum, count or max", optarg);
                return EXIT_BAD_INPUT;
            }
            agg = (enum aligner_agg)k;
            break;
        }
        case 'g':
            if (cli_int(CMD, "max-gap", optarg, 0, 1000000, &max_gap)) return EXIT_BAD_INPUT;
            break;
        case 'S':
            if (cli_int(CMD, "max-series", optarg, 1, 100000, &max_series)) return EXIT_BAD_INPUT;
            break;
        case 'p':
            if (lp_precision_parse(optarg, &dec.precision)) {
                cli_error(CMD, "--precision: '%s' is not ns, us, ms or s", optarg);
                return EXIT_BAD_INPUT;
            }
            break;
        case 'j':
            if (json_time_unit_parse(optarg, &dec.json_ts_unit_s)) {
                cli_error(CMD, "--json-time-unit: '%s' is not s, ms, us, ns or auto", optarg);
                return EXIT_BAD_INPUT;
            }
            break;
        case 's':
            stream = optarg;
            break;
        case 'x':
            if (cli_real(CMD, "speed", optarg, 0, 1e9, 0, &speed)) return EXIT_BAD_INPUT;
            break;
        case 'r':
            if (cli_int(CMD, "max-cells", optarg, 1, 1000000000, &max_cells)) return EXIT_BAD_INPUT;
            break;
        case 't':
            templates = optarg;
            break;
        case 'h':
            align_usage(stdout);
            return EXIT_OK;
        default:
            align_usage(stderr);
            return EXIT_BAD_INPUT;
        }
    }
    if (!input) {
        cli_error(CMD, "--input is required");
        align_usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (fmt < 0) fmt = (int)guess_format(input);
    /* the stream name: --stream, or the file's base name without extension */
    char base[LOG_STREAM_MAX + 1];
    const char *slash = strrchr(input, '/');
    snprintf(base, sizeof base, "%s",
             stream                    ? stream
             : strcmp(input, "-") == 0 ? "stdin"
             : slash                   ? slash + 1
                                       : input);
    char *dot = stream ? NULL : strchr(base, '.');
    if (dot && dot != base) *dot = '\0';
    snprintf(dec.stream, sizeof dec.stream, "%s", base);
    dec.format = (enum input_format)fmt;

    char err[512];
    struct aligner_params ap = {bucket, lateness, (int)max_series, (int)max_gap, agg, 0};
    struct run r = {0};
    r.al = aligner_new(&ap, err, sizeof err);
    if (!r.al) {
        cli_error(CMD, "%s", err);
        return EXIT_BAD_INPUT;
    }
    struct drain_params dp;
    drain_params_default(&dp);
    struct log_series *ls = log_series_new(&dp, 64, err, sizeof err);
    r.in = (struct ingest){r.al, ls, on_row, &r, NULL, NULL, -1, NULL, NULL, NULL, 0};
    r.pacer.speed = speed;
    r.max_cells = (size_t)max_cells;
    struct reject_stats st = {0};
    snprintf(st.input, sizeof st.input, "%s", input);
    int rc = EXIT_OK;
    if (fmt == FMT_CSV) {
        struct csv_table *t = strcmp(input, "-") == 0
                                  ? csv_table_read_stream(stdin, "<stdin>", err, sizeof err)
                                  : csv_table_read(input, err, sizeof err);
        if (!t) {
            cli_error(CMD, "%s", err);
            rc = EXIT_BAD_INPUT;
            goto out;
        }
        for (long row = 0; row < t->rows; row++) {
            st.lines++;
            csv_row_records(t, row, csv_record, &r);
        }
        st.records = aligner_stats(r.al)->accepted;
        csv_table_free(t);
    } else {
        struct file_source *fs = file_source_open(input, err, sizeof err);
        if (!fs) {
            cli_error(CMD, "%s", err);
            rc = EXIT_BAD_INPUT;
            goto out;
        }
        const char *buf;
        size_t len;
        long too_long;
        struct ingest_meta meta = {0, -1, NULL, 0};
        int got;
        while ((got = file_source_next(fs, &buf, &len, &too_long, err, sizeof err)) > 0) {
            for (long k = 0; k < too_long; k++) {
                st.lines++;
                reject_count(&st, REJECT_LINE_TOO_LONG, "", 0);
            }
            ingest_message(&r.in, &dec, -1, &meta, buf, len, &st);
        }
        file_source_close(fs);
        if (got < 0) {
            cli_error(CMD, "%s: %s", input, err);
            rc = EXIT_FAILURE_RUN;
            goto out;
        }
    }
    aligner_flush_all(r.al, on_row, &r);
    print_summary(input, &st, r.al);
    if (r.overflow) {
        cli_error(CMD, "the aligned table exceeds %ld cells; raise --max-cells", max_cells);
        rc = EXIT_BAD_INPUT;
        goto out;
    }
    int ns = aligner_nseries(r.al);
    printf("time");
    for (int a = 0; a < ns; a++) { /* names with commas ({dc=x,host=a}) are quoted */
        putchar(',');
        csv_write_field(stdout, aligner_series_name(r.al, a));
    }
    printf("\n");
    size_t at = 0;
    for (long row = 0; row < r.nrows; row++) {
        int64_t t = r.times[row];
        if (t % 1000000000LL == 0)
            printf("%lld", (long long)(t / 1000000000LL));
        else
            printf("%.9f", t * 1e-9);
        const double *v = r.cells + at;
        int w = r.width[row];
        at += (size_t)w;
        for (int a = 0; a < ns; a++) {
            if (a >= w || isnan(v[a]))
                printf(",");
            else
                printf(",%.10g", v[a]);
        }
        printf("\n");
    }
    if (templates && write_templates(templates, ls)) {
        cli_error(CMD, "cannot write %s", templates);
        rc = EXIT_FAILURE_RUN;
    }
out:
    free(r.cells);
    free(r.times);
    free(r.width);
    log_series_free(ls);
    aligner_free(r.al);
    return rc;
}
