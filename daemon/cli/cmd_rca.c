/* `causalmon rca`: offline root-cause ranking of one incident in a CSV -> RCA JSON. */
#include "cli.h"
#include "svar_limits.h"
#include "config.h"
#include "csv_table.h"
#include "drain.h"
#include "file_source.h"
#include "log_lines.h"
#include "log_series.h"
#include "rca_json.h"
#include "calls_csv.h"
#include "rca_prior.h"
#include "timestamp.h"
#include "xalloc.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CMD = "rca";

enum { MAX_LOG_SERIES = 1000, MAX_LOG_FILES = 64, DEFAULT_REFERENCE = 1000 };

static void rca_usage(FILE *f)
{
    fprintf(f,
            "usage: causalmon rca --input F.csv --fault-time T [--kpi NAME] [--logs L.jsonl]\n"
            "                     [--config FILE [--scope NAME]] [--component-map RULE]\n"
            "                     [--tau-max N] [--alpha A] [--top N] [--reference N]\n"
            "                     [--after N] [--direction REGEX=up|down|both]\n"
            "                     [--entry-point REGEX] [--log-component-field KEY]\n"
            "                     [--calls FILE]\n"
            "                     [--deseason] [--pretty]\n"
            "\n"
            "Ranks the root causes of an incident: rows before the fault time are the\n"
            "reference, rows from it on the incident. Same ranking as the daemon's alerts.\n"
            "  --fault-time T  epoch seconds or ms, or RFC 3339 (a row number when the CSV\n"
            "                  has no time column); the row that contains it is the first\n"
            "                  incident row\n"
            "  --kpi NAME      the symptom; default: the scope's first KPI in the file, else\n"
            "                  the most anomalous latency, error or success-rate series of\n"
            "                  an entry point (the output says which and why)\n"
            "  --logs L.jsonl  JSON log lines (Fluent Bit/Vector keys; repeatable):\n"
            "                  template and level counts become series log.<stream>.tpl<k>\n"
            "                  on the CSV's time grid; the stream is the record's component\n"
            "                  field (see --log-component-field), else the file name\n"
            "  --log-component-field KEY  record key naming the component (repeatable;\n"
            "                  dotted keys follow nested objects; default: service,\n"
            "                  service.name, kubernetes.labels.app, kubernetes.container_name,\n"
            "                  labels.service, labels.app, app, ...)\n"
            "  --direction REGEX=up|down|both  the change that counts as evidence for the\n"
            "                  series matching REGEX (repeatable, first match wins; default\n"
            "                  by kind: up for latency, errors and resources, down for\n"
            "                  throughput and success rates)\n"
            "  --entry-point REGEX  components users call first (repeatable)\n"
            "  --calls FILE    the known calls between components (a service map): CSV\n"
            "                  with a header naming caller (or source) and callee (or\n"
            "                  target) columns; an anomalous callee ranks before the\n"
            "                  callers it explains (replaces the scope's calls)\n"
            "  --config FILE   KPIs, tiers, forbidden/required links, calls, component map,\n"
            "                  tau_max and alpha of a config's scope (--scope, default first)\n"
            "  --component-map RULE  prefix (default), prefix:SEP, tag:KEY, regex:EXPR\n"
            "  --tau-max N     largest lag (default 1, or the scope's)\n"
            "  --alpha A       significance of the graph tests (default 0.01)\n"
            "  --top N         root causes listed (default 5)\n"
            "  --reference N   reference rows before the fault at most (default %d; at\n"
            "                  least 2 must remain)\n"
            "  --after N       incident rows used at most (default all)\n"
            "  --deseason      remove cycles detected in the window from the graph's\n"
            "                  series first (needs 3 cycles)\n",
            DEFAULT_REFERENCE);
}

/* Log counts binned onto the CSV's rows. */
struct log_bins {
    const double *times; /* [rows] epoch seconds */
    int rows;
    double step;
    char *names[MAX_LOG_SERIES];
    double *counts[MAX_LOG_SERIES]; /* [rows] each */
    int n;
    long outside, dropped;
    struct log_series *ls;
};

static int bin_record(void *ctx, const struct metric_record *m)
{
    struct log_bins *b = ctx;
    double t = (double)m->ts_ns * 1e-9;
    int lo = 0, hi = b->rows - 1;
    if (t < b->times[0] || t >= b->times[hi] + b->step) {
        b->outside++;
        return 0;
    }
    while (lo < hi) { /* last row at or before t */
        int mid = (lo + hi + 1) / 2;
        if (b->times[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    int c = 0;
    while (c < b->n &&
           (strlen(b->names[c]) != m->name_len || memcmp(b->names[c], m->name, m->name_len) != 0))
        c++;
    if (c == b->n) {
        if (b->n == MAX_LOG_SERIES) {
            b->dropped++;
            return 0;
        }
        char *s = xmalloc(m->name_len + 1);
        memcpy(s, m->name, m->name_len);
        s[m->name_len] = 0;
        b->names[c] = s;
        b->counts[c] = xcalloc((size_t)b->rows, sizeof(double));
        b->n++;
    }
    b->counts[c][lo] += m->value;
    return 0;
}

static int on_log(void *ctx, const struct log_record *r)
{
    struct log_bins *b = ctx;
    log_series_add(b->ls, r, bin_record, b);
    return 0;
}

static const char *template_of(void *ctx, const char *name)
{
    struct log_bins *b = ctx;
    return b->ls ? log_series_template(b->ls, name, strlen(name)) : NULL;
}

/* Reads the log file in chunks of whole lines (file_source.h) and bins its template and level
 * counts; keys[0..nkeys) replace the default component keys when nkeys > 0. Returns 0, or -1
 * (reported). */
static int read_logs(const char *path, struct log_bins *b, const char *const *keys, int nkeys)
{
    char err[256];
    struct file_source *fs = file_source_open(path, err, sizeof err);
    if (!fs) {
        cli_error(CMD, "--logs: %s", err);
        return -1;
    }
    struct drain_params dp;
    drain_params_default(&dp);
    if (!b->ls) b->ls = log_series_new(&dp, MAX_LOG_FILES, err, sizeof err);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t stem = strcspn(base, ".");
    struct log_format lf;
    log_format_default(&lf, 1);
    if (nkeys > 0)
        for (int k = 0; k < LOG_MAX_KEYS; k++) lf.stream_keys[k] = k < nkeys ? keys[k] : NULL;
    struct reject_stats st;
    memset(&st, 0, sizeof st);
    const char *buf;
    size_t len;
    long too_long;
    int got;
    while ((got = file_source_next(fs, &buf, &len, &too_long, err, sizeof err)) > 0) {
        for (long k = 0; k < too_long; k++) reject_count(&st, REJECT_LINE_TOO_LONG, "", 0);
        log_lines_parse(buf, len, &lf, base, stem ? stem : strlen(base), 0, on_log, b, &st);
    }
    file_source_close(fs);
    if (got < 0) {
        cli_error(CMD, "--logs %s: %s", path, err);
        return -1;
    }
    long rejected = 0;
    for (int r = 0; r < REJECT_REASONS; r++) rejected += st.rejected[r];
    if (rejected)
        fprintf(stderr, "causalmon rca: %s: %ld log line(s) rejected (last: %s: %s)\n", path,
                rejected, reject_reason_str(st.last_reason), st.last_sample);
    if (b->outside)
        fprintf(stderr, "causalmon rca: %s: %ld log record(s) outside the CSV's time range\n", path,
                b->outside);
    return 0;
}

static void log_bins_free(struct log_bins *b)
{
    for (int c = 0; c < b->n; c++) {
        free(b->names[c]);
        free(b->counts[c]);
    }
    log_series_free(b->ls);
}

int cmd_rca(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"fault-time", required_argument, NULL, 'f'},
        {"kpi", required_argument, NULL, 'k'},
        {"logs", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'c'},
        {"scope", required_argument, NULL, 's'},
        {"component-map", required_argument, NULL, 'm'},
        {"tau-max", required_argument, NULL, 't'},
        {"alpha", required_argument, NULL, 'a'},
        {"top", required_argument, NULL, 'n'},
        {"reference", required_argument, NULL, 'r'},
        {"after", required_argument, NULL, 'A'},
        {"deseason", no_argument, NULL, 'D'},
        {"direction", required_argument, NULL, 'd'},
        {"entry-point", required_argument, NULL, 'e'},
        {"log-component-field", required_argument, NULL, 'L'},
        {"calls", required_argument, NULL, 'C'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *input = NULL, *fault = NULL, *kpi = NULL, *config = NULL, *scope = NULL,
               *cmap = NULL, *calls = NULL, *logs[MAX_LOG_FILES], *dirs[CONF_MAX_LIST],
               *entries[CONF_MAX_LIST], *lkeys[LOG_MAX_KEYS];
    int nlogs = 0, ndirs = 0, nentries = 0, nlkeys = 0;
    long tau_max = -1, top = 5, reference = DEFAULT_REFERENCE, after = 0;
    double alpha = -1;
    int pretty = 0, deseason = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'i':
            input = optarg;
            break;
        case 'f':
            fault = optarg;
            break;
        case 'k':
            kpi = optarg;
            break;
        case 'l':
            if (nlogs == MAX_LOG_FILES) {
                cli_error(CMD, "--logs: at most %d files", MAX_LOG_FILES);
                return EXIT_BAD_INPUT;
            }
            logs[nlogs++] = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'd':
        case 'e':
        case 'L': {
            const char **list = c == 'd' ? dirs : c == 'e' ? entries : lkeys;
            int *count = c == 'd' ? &ndirs : c == 'e' ? &nentries : &nlkeys;
            int cap = c == 'L' ? LOG_MAX_KEYS : CONF_MAX_LIST;
            if (*count == cap || strlen(optarg) >= CONF_STR) {
                cli_error(CMD, "--%s: at most %d, each under %d bytes",
                          c == 'd'   ? "direction"
                          : c == 'e' ? "entry-point"
                                     : "log-component-field",
                          cap, CONF_STR);
                return EXIT_BAD_INPUT;
            }
            list[(*count)++] = optarg;
            break;
        }
        case 's':
            scope = optarg;
            break;
        case 'm':
            cmap = optarg;
            break;
        case 'C':
            calls = optarg;
            break;
        case 't':
            bad = cli_int(CMD, "tau-max", optarg, 0, SVAR_TAU_MAX_LIMIT, &tau_max);
            break;
        case 'a':
            bad = cli_real(CMD, "alpha", optarg, 0, 1, 1, &alpha);
            break;
        case 'n':
            bad = cli_int(CMD, "top", optarg, 1, 1000, &top);
            break;
        case 'r':
            bad = cli_int(CMD, "reference", optarg, 2, 10000000, &reference);
            break;
        case 'A':
            bad = cli_int(CMD, "after", optarg, 1, 10000000, &after);
            break;
        case 'D':
            deseason = 1;
            break;
        case 'p':
            pretty = 1;
            break;
        case 'h':
            rca_usage(stdout);
            return EXIT_OK;
        default:
            rca_usage(stderr);
            return EXIT_BAD_INPUT;
        }
        if (bad) return EXIT_BAD_INPUT;
    }
    if (cli_no_operands(CMD, argc, argv)) return EXIT_BAD_INPUT;
    if (!input || !fault) {
        cli_error(CMD, "--input and --fault-time are required");
        return EXIT_BAD_INPUT;
    }
    if (scope && !config) {
        cli_error(CMD, "--scope needs --config");
        return EXIT_BAD_INPUT;
    }
    char err[512];
    struct config *cf = NULL;
    struct scope_conf sc_default, *sc = &sc_default;
    config_scope_defaults(&sc_default); /* a scope's defaults, but the ranking's own lag */
    struct rca_params rca_default;
    rca_params_default(&rca_default);
    sc_default.tau_max = rca_default.tau_max;
    if (config) {
        cf = xmalloc(sizeof *cf);
        if (config_load(config, cf, err, sizeof err)) {
            cli_error(CMD, "%s", err);
            free(cf);
            return EXIT_BAD_INPUT;
        }
        sc = NULL;
        for (int a = 0; a < cf->nscopes && !sc; a++)
            if (!scope || strcmp(cf->scopes[a].name, scope) == 0) sc = &cf->scopes[a];
        if (!sc) {
            cli_error(CMD, "%s: no scope %s%s", config, scope ? "named " : "", scope ? scope : "");
            free(cf);
            return EXIT_BAD_INPUT;
        }
    }
    if (cmap) snprintf(sc->component_map, sizeof sc->component_map, "%s", cmap);
    if (ndirs) { /* the command line's rules first, then the config's */
        int keep =
            sc->ndirections + ndirs > CONF_MAX_LIST ? CONF_MAX_LIST - ndirs : sc->ndirections;
        memmove(sc->directions[ndirs], sc->directions[0], (size_t)keep * CONF_STR);
        for (int a = 0; a < ndirs; a++) snprintf(sc->directions[a], CONF_STR, "%s", dirs[a]);
        sc->ndirections = keep + ndirs;
    }
    if (nentries) sc->nentry_points = 0;
    for (int a = 0; a < nentries; a++)
        snprintf(sc->entry_points[sc->nentry_points++], CONF_STR, "%s", entries[a]);
    if (calls && calls_csv_read(calls, sc, err, sizeof err)) {
        cli_error(CMD, "--calls: %s", err);
        free(cf);
        return EXIT_BAD_INPUT;
    }
    if (rca_prior_check(sc, err, sizeof err)) {
        cli_error(CMD, "%s", err);
        free(cf);
        return EXIT_BAD_INPUT;
    }
    struct csv_table *tab = cli_read_csv(CMD, input);
    if (!tab) {
        free(cf);
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_BAD_INPUT, T = tab->rows, split = -1;
    struct log_bins lb;
    memset(&lb, 0, sizeof lb);
    double *X = NULL;
    const char **names = NULL;
    int64_t *times = NULL;
    struct rca_prior_store ps;
    memset(&ps, 0, sizeof ps);
    struct rca_result res;
    memset(&res, 0, sizeof res);
    if (tab->times) {
        double ft;
        if (timestamp_parse(fault, strlen(fault), &ft, err, sizeof err)) {
            cli_error(CMD, "--fault-time '%s': %s", fault, err);
            goto out;
        }
        /* the row that contains the fault time is the first incident row: a row covers its
         * time up to the next row's */
        for (split = 0; split < T && tab->times[split] <= ft; split++) {
        }
        if (split > 0) split--;
        double step = T > 1 ? (tab->times[T - 1] - tab->times[0]) / (T - 1) : 0;
        if (split == T - 1 && ft >= tab->times[T - 1] + step) split = T;
    } else {
        long row;
        if (cli_int(CMD, "fault-time", fault, 0, T, &row)) goto out;
        split = (int)row;
    }
    if (split >= T) {
        cli_error(CMD, "%s: the fault time %s is after the last row", input, fault);
        goto out;
    }
    if (nlogs) {
        if (!tab->times || T < 2) {
            cli_error(CMD, "--logs needs a time column in %s", input);
            goto out;
        }
        lb.times = tab->times;
        lb.rows = T;
        lb.step = (tab->times[T - 1] - tab->times[0]) / (T - 1);
        for (int a = 0; a < nlogs; a++)
            if (read_logs(logs[a], &lb, lkeys, nlkeys)) goto out;
    }
    int from = split - (int)reference > 0 ? split - (int)reference : 0;
    int to = after && split + after < T ? split + (int)after : T;
    int rows = to - from, n = tab->ncols + lb.n;
    X = xmallocarray((size_t)rows * n, sizeof(double));
    names = xmallocarray((size_t)n, sizeof *names);
    for (int j = 0; j < n; j++)
        names[j] = j < tab->ncols ? tab->names[j] : lb.names[j - tab->ncols];
    for (int t = 0; t < rows; t++)
        for (int j = 0; j < n; j++)
            X[(size_t)t * n + j] = j < tab->ncols ? tab->values[(size_t)(from + t) * tab->ncols + j]
                                                  : lb.counts[j - tab->ncols][from + t];
    if (tab->times) {
        times = xmallocarray((size_t)rows, sizeof(int64_t));
        for (int t = 0; t < rows; t++) times[t] = (int64_t)llround(tab->times[from + t] * 1e9);
    }
    int kcol = -1;
    if (kpi) {
        for (int j = 0; j < n && kcol < 0; j++)
            if (strcmp(names[j], kpi) == 0) kcol = j;
        if (kcol < 0) {
            cli_error(CMD, "%s: no column named '%s' for --kpi", input, kpi);
            goto out;
        }
    }
    for (int k = 0; k < sc->nkpis && kcol < 0; k++)
        for (int j = 0; j < n && kcol < 0; j++)
            if (strcmp(names[j], sc->kpis[k]) == 0) kcol = j;
    if (rca_prior_build(sc, names, n, &ps, err, sizeof err)) {
        cli_error(CMD, "%s", err);
        goto out;
    }
    struct rca_params p;
    rca_params_default(&p);
    p.tau_max = tau_max >= 0 ? (int)tau_max : sc->tau_max;
    p.alpha = alpha > 0 ? alpha : sc->alpha;
    p.top = (int)top;
    p.deseason = deseason || sc->deseason;
    double t0 = cli_now();
    if (rca_run(X, rows, n, split - from, kcol, &p, &ps.prior, &res, err, sizeof err)) {
        cli_error(CMD, "%s: %s", input, err);
        goto out;
    }
    struct rca_json_ctx jc = {names,        (const char *const *)ps.component_names,
                              ps.component, times,
                              rows,         split - from,
                              (int)top,     template_of,
                              &lb};
    json_t *o = rca_json(&res, &jc);
    json_object_set_new(o, "seconds", json_real(cli_now() - t0));
    rc = cli_print_json(o, pretty) < 0 ? EXIT_FAILURE_RUN : EXIT_OK;
out:
    rca_result_free(&res);
    rca_prior_free(&ps);
    log_bins_free(&lb);
    free(X);
    free(names);
    free(times);
    free(cf);
    csv_table_free(tab);
    return rc;
}
